/**
 * onboardTenant on the time-skipping server (days pass in seconds): consent by callback and by polling,
 * forged and replayed callbacks, `propagating` keeps waiting, reminders and expiry exactly once, the
 * sample test as a child, schedule set-up, and the updates' validation.
 */
import { randomBytes } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { Client as TemporalClient, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataConverter,
  deliverConsentCallback,
  getOnboardingStatus,
  hashConsentState,
  registerConsentState,
  retest,
  startOnboarding,
  updateSettings,
  UpdateRejectedError,
} from '../../../client';
import { statusQuery, updateSettingsUpdate, type OnboardTenantInput } from '../../../contracts/messages';
import {
  createTimeSkippingTestEnv,
  registerTenantIdAttribute,
  uniqueTaskQueue,
  workflowBundle,
} from '../../helpers/temporal';
import { fakeGraph, fakeTemporalActivities, kinds, type FakeGraph } from './fakes';

let env: TestWorkflowEnvironment;
let client: Client;

beforeAll(async () => {
  env = await createTimeSkippingTestEnv();
  await registerTenantIdAttribute(env);
  client = env.client;
  await workflowBundle();
});
afterAll(async () => {
  await env?.teardown();
});

let n = 0;
function input(overrides: Partial<OnboardTenantInput> = {}): OnboardTenantInput {
  n++;
  return {
    tenant: { tenantId: `tenant-${n}-${Date.now()}` },
    consentUrl: 'https://login.microsoftonline.test/organizations/v2.0/adminconsent?client_id=app',
    settings: { owner: 'owner@contoso.test', sampleSize: 50, threshold: 0.9, scheduleIntervalMinutes: 360 },
    ...overrides,
  };
}

async function worker(graph: FakeGraph, temporal = fakeTemporalActivities()) {
  const taskQueue = uniqueTaskQueue('onboard');
  const w = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...graph, ...temporal },
  });
  return { w, taskQueue, temporal };
}

describe('onboardTenant', () => {
  it('accepts only a registered, unexpired, unused consent state; propagating keeps waiting; then tests, schedules, notifies', async () => {
    // consent call 1, 2: propagating (after the callback); then consented.
    const graph = fakeGraph({ consent: (c) => (c <= 2 ? 'propagating' : 'consented') });
    const { w, taskQueue, temporal } = await worker(graph);
    const inp = input({ consentPollSeconds: [3600 * 24 * 30] }); // no polling before the callback
    const tenantId = inp.tenant.tenantId;
    await w.runUntil(async () => {
      const handle = await startOnboarding(client, inp, { taskQueue });
      // a second start returns the running one
      const again = await startOnboarding(client, inp, { taskQueue });
      expect(again.firstExecutionRunId).toBe(handle.firstExecutionRunId);

      const status0 = await getOnboardingStatus(client, tenantId);
      expect(status0?.phase).toBe('awaitingConsent');
      expect(status0?.consentDeadline).toBeDefined();

      const state = 'one-time-state-abc';
      await registerConsentState(client, tenantId, {
        stateHash: hashConsentState(state),
        expiresAt: new Date(Date.now() + 3600_000 * 24 * 365).toISOString(),
      });
      // forged: unknown state; wrong tenant claimed
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState('forged'),
        adminConsent: true,
      });
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState(state),
        tenant: 'someone-else',
        adminConsent: true,
      });
      // the real one, then a replay of it
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState(state),
        tenant: tenantId,
        adminConsent: true,
      });
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState(state),
        adminConsent: true,
      });

      const final = await (async () => {
        for (let i = 0; i < 100; i++) {
          await env.sleep('2 minutes');
          const s = await handle.query(statusQuery);
          if (s.phase === 'active' || s.phase === 'failing') return s;
        }
        throw new Error('onboarding did not finish');
      })();
      expect(final.rejectedCallbacks).toBe(3);
      expect(graph.consentCalls).toBe(3); // two propagating answers did not fail it
      expect(final.phase).toBe('active');
      expect(final.lastReport?.sampled).toBe(50);
      expect(final.lastReport?.verdict).toBe('pass');
      expect(final.progress).toEqual({ total: 50, probed: 50, accessible: 50 });
      expect(final.scheduleId).toBe(`health-${tenantId}`);
      expect(temporal.schedules).toHaveLength(1);
      expect(temporal.reports).toHaveLength(1);
      expect(kinds(graph)).toEqual(['onboarded']);

      // history holds only the hash, never the state
      const history = JSON.stringify(await handle.fetchHistory());
      expect(history).not.toContain(Buffer.from(state).toString('base64'));

      // updates once active: a valid settings change reaches the schedule; retest returns a report
      const s2 = await updateSettings(client, tenantId, {
        scheduleIntervalMinutes: 60,
        owner: 'new@contoso.test',
      });
      expect(s2.scheduleIntervalMinutes).toBe(60);
      expect(temporal.schedules.at(-1)?.settings.owner).toBe('new@contoso.test');
      const report = await retest(client, tenantId);
      expect(report.sampled).toBe(50);
      expect(temporal.reports).toHaveLength(2);
      await handle.terminate('test done');
    });
  });

  it('keeps waiting through more than an hour of propagating after a callback, polling at most 2 minutes apart', async () => {
    // Fast polls right after the callback (workflows/consent-poll.ts: ~21 in the first 4 minutes) then every
    // 2 minutes in the grace: about 50 checks in the first hour, so 60 propagating checks outlast it.
    const graph = fakeGraph({ consent: (c) => (c <= 60 ? 'propagating' : 'consented') });
    const { w, taskQueue } = await worker(graph);
    const inp = input();
    const tenantId = inp.tenant.tenantId;
    await w.runUntil(async () => {
      const handle = await startOnboarding(client, inp, { taskQueue });
      await registerConsentState(client, tenantId, {
        stateHash: hashConsentState('p'),
        expiresAt: new Date(Date.now() + 3600_000 * 24 * 365).toISOString(),
      });
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState('p'),
        adminConsent: true,
      });
      await env.sleep('1 hour');
      const inGrace = await handle.query(statusQuery);
      expect(inGrace.phase).toBe('awaitingConsent');
      expect(inGrace.consent?.state).toBe('propagating');
      expect(graph.consentCalls).toBeGreaterThanOrEqual(30); // ≤ 2 min apart during the grace
      await env.sleep('2 hours');
      expect((await handle.query(statusQuery)).phase).toBe('awaitingConsent');
      for (let i = 0; i < 100 && (await handle.query(statusQuery)).phase !== 'active'; i++)
        await env.sleep('4 hours');
      const s = await handle.query(statusQuery);
      expect(s.phase).toBe('active');
      expect(graph.consentCalls).toBe(61); // the 61st check said consented
      await handle.terminate('test done');
    });
  });

  it('rejects bad update inputs with clear messages and leaves history untouched', async () => {
    const graph = fakeGraph({ consent: () => 'notConsented' });
    const { w, taskQueue } = await worker(graph);
    const inp = input();
    await w.runUntil(async () => {
      const handle = await startOnboarding(client, inp, { taskQueue });
      await handle.query(statusQuery);
      const before = (await handle.fetchHistory()).events?.length ?? 0;
      const bad: [unknown, RegExp][] = [
        [{ sampleSize: -1 }, /sampleSize must be a whole number from 1 to 10000 \(got -1\)/],
        [{ threshold: 2 }, /threshold must be a number greater than 0 and at most 1/],
        [{ owner: 'not-an-email' }, /owner must be an email address/],
        [{ scheduleIntervalMinutes: 1 }, /scheduleIntervalMinutes must be a whole number from 5/],
        [{ color: 'blue' }, /unknown setting\(s\): color/],
        [{}, /no settings given/],
      ];
      for (const [partial, message] of bad) {
        // straight to the workflow's validator (the client would refuse first)
        const err = await handle
          .executeUpdate(updateSettingsUpdate, { args: [partial as never] })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
        expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(message);
      }
      // and through client/: the same messages, as UpdateRejectedError
      await expect(updateSettings(client, inp.tenant.tenantId, { threshold: 0 })).rejects.toThrow(
        UpdateRejectedError,
      );
      // re-test before consent is refused
      await expect(retest(client, inp.tenant.tenantId)).rejects.toThrow(
        /Cannot re-test tenant .* while it is awaitingConsent/,
      );
      const after = (await handle.fetchHistory()).events?.length ?? 0;
      // only the polling of the meantime may have added events, no update events
      const events = (await handle.fetchHistory()).events ?? [];
      expect(
        events.some(
          (e) =>
            e.workflowExecutionUpdateAcceptedEventAttributes ||
            e.workflowExecutionUpdateRejectedEventAttributes,
        ),
      ).toBe(false);
      expect(after).toBeGreaterThanOrEqual(before);
      await handle.terminate('test done');
    });
  });

  it('falls back to polling with back-off, reminds after a day, and onboards when consent appears', async () => {
    // consented from the 14th poll on (about 28 hours in with the default back-off, polls up to 4 h apart)
    const graph = fakeGraph({ consent: (c) => (c < 14 ? 'notConsented' : 'consented') });
    const { w, taskQueue } = await worker(graph);
    const inp = input();
    await w.runUntil(async () => {
      const handle = await startOnboarding(client, inp, { taskQueue });
      for (let i = 0; i < 200; i++) {
        await env.sleep('1 hour');
        const s = await handle.query(statusQuery);
        if (s.phase === 'active') break;
      }
      const s = await handle.query(statusQuery);
      expect(s.phase).toBe('active');
      expect(graph.consentCalls).toBe(14);
      expect(kinds(graph)).toEqual(['consentReminder', 'onboarded']);
      expect(graph.delivered[0]!.idempotencyKey).toContain(':consentReminder:24h');
      await handle.terminate('test done');
    });
  });

  it('expires after the consent wait with reminders at 1 and 3 days, each sent exactly once under injected failures', async () => {
    const graph = fakeGraph({ consent: () => 'notConsented', flakyNotify: true });
    const { w, taskQueue } = await worker(graph);
    const inp = input({ consentWaitDays: 5, consentPollSeconds: [600, 3600, 6 * 3600] });
    await w.runUntil(async () => {
      const handle = await startOnboarding(client, inp, { taskQueue });
      const result = await handle.result();
      expect(result.phase).toBe('expired');
      expect(kinds(graph)).toEqual(['consentReminder', 'consentReminder', 'consentExpired']);
      expect(new Set(graph.delivered.map((d) => d.idempotencyKey)).size).toBe(3);
      expect(graph.notifyAttempts).toBe(9); // 3 notifications × (fail before send, fail after send, ok)
      expect(graph.consentCalls).toBeLessThan(30);
    });
  });
});

// Last in the file: the Java test server can keep time skipping locked after a workflow is terminated
// right after its start, which would stall the time-skipping tests above.
describe('payload codec', () => {
  it('with TOGETHER_CODEC_KEY, worker and client exchange only ciphertext; the history holds no plaintext', async () => {
    const codecEnv = { TOGETHER_CODEC_KEY: randomBytes(32).toString('base64') };
    const graph = fakeGraph({ consent: () => 'notConsented' });
    const taskQueue = uniqueTaskQueue('codec');
    const w = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: { ...graph, ...fakeTemporalActivities() },
      dataConverter: dataConverter(codecEnv),
    });
    const secureClient = new TemporalClient({
      connection: env.connection,
      dataConverter: dataConverter(codecEnv),
    });
    const inp = input();
    await w.runUntil(async () => {
      const handle = await startOnboarding(secureClient, inp, { taskQueue });
      const s = await getOnboardingStatus(secureClient, inp.tenant.tenantId);
      expect(s?.settings.owner).toBe('owner@contoso.test');
      // every payload byte of the history, as the server stores it
      const raw = Buffer.from(temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish());
      expect(raw.includes('owner@contoso.test')).toBe(false);
      expect(raw.includes(inp.consentUrl)).toBe(false);
      expect(raw.includes('binary/encrypted')).toBe(true);
      // and without the codec the same history would show it (control)
      const plainHandle = await startOnboarding(
        client,
        { ...inp, tenant: { tenantId: `${inp.tenant.tenantId}-plain` } },
        { taskQueue },
      );
      for (let i = 0; i < 50; i++) {
        // first workflow task done (the codec worker answers queries in ciphertext, so look at the history)
        const ev = (await plainHandle.fetchHistory()).events ?? [];
        if (ev.some((e) => e.workflowTaskCompletedEventAttributes)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const plain = Buffer.from(
        temporal.api.history.v1.History.encode(await plainHandle.fetchHistory()).finish(),
      );
      expect(plain.includes('owner@contoso.test')).toBe(true);
      await plainHandle.terminate('test done');
      await handle.terminate('test done');
    });
  });
});
