/**
 * The whole flow with the real Graph activities against the emulator (Contoso) on the dev server:
 * consent by callback, the sample test's real classifications, the health schedule, a scheduled check
 * after consent is revoked (incident) and after it is granted again (recovery) — and the owner's emails in
 * the emulator's outbox: exactly one per notification, also when sending the email fails once (connection reset)
 * and the activity is retried.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorWorker } from './emulator-helpers';
import {
  deliverConsentCallback,
  describeHealthSchedule,
  getMonitorState,
  getOnboardingStatus,
  hashConsentState,
  registerConsentState,
  startOnboarding,
  triggerHealthSchedule,
} from '../../../client';
import { monitorWorkflowId, onboardingWorkflowId } from '../../../contracts/messages';
import { ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { createLocalTestEnv, eventually, uniqueTaskQueue } from '../../helpers/temporal';

const OWNER = 'it-owner@contoso.onmicrosoft.com';

describe('onboarding and health against the emulator, real activities', () => {
  let env: TestWorkflowEnvironment;
  let emu: RunningEmulator;
  let stateDir: string;
  beforeAll(async () => {
    [env, emu] = await Promise.all([createLocalTestEnv(), startTestEmulator({})]);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-wf-emulator-'));
  });
  afterAll(async () => {
    await env?.teardown();
    await emu?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('onboards Contoso, opens one incident when consent is revoked and resolves it, one email each', async () => {
    const client: Client = env.client;
    const taskQueue = uniqueTaskQueue('emulator');
    const worker = await createEmulatorWorker({ env, emu, stateDir, taskQueue });
    const tenantId = ids.CONTOSO.tenantId;
    const mails = async () =>
      (await emu.control.outbox()).filter((m) =>
        m.message.toRecipients?.some((r) => r.emailAddress.address === OWNER),
      );

    await worker.runUntil(async () => {
      await startOnboarding(
        client,
        {
          tenant: { tenantId },
          consentUrl: `${emu.loginUrl}/organizations/v2.0/adminconsent?client_id=${ids.TOGETHER_APP.appId}`,
          settings: {
            owner: OWNER,
            sampleSize: 250,
            threshold: 0.8,
            scheduleIntervalMinutes: 360,
            healthSampleSize: 10,
          },
        },
        { taskQueue },
      );
      await registerConsentState(client, tenantId, {
        stateHash: hashConsentState('emulator-state'),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      });
      // Polling alone finds nothing yet: not consented.
      const waiting = await eventually(
        async () => {
          const s = await getOnboardingStatus(client, tenantId);
          return s?.consent ? s : undefined;
        },
        'a first consent check',
        60_000,
      );
      expect(waiting.phase).toBe('awaitingConsent');
      expect(waiting.consent?.state).toBe('notConsented');

      await emu.control.grantConsent({ tenantId, appId: ids.TOGETHER_APP.appId });
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState('emulator-state'),
        tenant: tenantId,
        adminConsent: true,
      });
      const done = await eventually(
        async () => {
          const s = await getOnboardingStatus(client, tenantId);
          return s?.scheduleId ? s : undefined;
        },
        'onboarding',
        120_000,
      );
      const report = done.lastReport!;
      expect(done.phase).toBe('active');
      expect(report.sampled).toBeGreaterThan(150);
      expect(report.accessible).toBeGreaterThan(report.sampled * 0.8);
      const unlicensed = report.inaccessible.find((u) => u.user.id === ids.CONTOSO.users.unlicensed.id);
      expect(unlicensed).toMatchObject({ reason: 'mailboxUnavailable', code: 'MailboxNotEnabledForRESTAPI' });
      expect(unlicensed?.requestId).toBeTruthy();
      expect(report.verdict).toBe('pass');
      await eventually(async () => ((await mails()).length === 1 ? true : undefined), 'the onboarded email');

      // Consent revoked; the first send of the email (draft-then-send, the default: POST …/messages/{id}/send)
      // fails with a connection reset (activity retried).
      await emu.control.revokeConsent({ tenantId, appId: ids.TOGETHER_APP.appId });
      await emu.control.addFault({ route: 'sendDraft', kind: 'reset', count: 1 });
      // One check of the tenant's health-check loop (runs in its monitor); its result as the monitor recorded it.
      const runs = async (n: number) => {
        await triggerHealthSchedule(client, tenantId);
        await eventually(async () => {
          const d = await describeHealthSchedule(client, tenantId);
          return d && d.recentRuns.length >= n ? true : undefined;
        }, 'a check of the loop');
        return eventually(async () => {
          const s = await getMonitorState(client, tenantId);
          return s && s.history.length >= n + 1 ? s.history.at(-1) : undefined;
        }, 'its result in the monitor');
      };
      const revoked = await runs(1);
      expect(revoked.consent).toBe('revoked');
      await eventually(
        async () => ((await getMonitorState(client, tenantId))?.status === 'failing' ? true : undefined),
        'failing',
      );
      await eventually(
        async () => ((await mails()).length === 2 ? true : undefined),
        'the incident email',
        60_000,
      );
      await runs(2); // still revoked: no second incident email
      await emu.control.grantConsent({ tenantId, appId: ids.TOGETHER_APP.appId });
      await runs(3);
      const m = await eventually(async () => {
        const s = await getMonitorState(client, tenantId);
        return s?.status === 'recovered' ? s : undefined;
      }, 'recovered');
      expect(m.history.map((h) => h.status)).toEqual(['active', 'failing', 'failing', 'recovered']);
      await eventually(
        async () => ((await mails()).length === 3 ? true : undefined),
        'the resolved email',
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1000));
      expect(await mails()).toHaveLength(3);
      const sends = await emu.control.requests({ route: 'sendDraft' });
      expect(sends.filter((r) => r.fault)).toHaveLength(1); // the injected failure happened …
      expect(sends.length).toBeGreaterThanOrEqual(4); // … and was retried, without a duplicate email

      await client.workflow.getHandle(onboardingWorkflowId(tenantId)).terminate('test done');
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
    });
  });
});
