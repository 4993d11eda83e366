/**
 * Issue 12 item 2: a long wait for consent continues as new instead of growing one history towards Temporal's
 * limit; the deadline, the reminders already sent and the one-time-use memory of state hashes carry over.
 */
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptConsentCallback,
  hashConsentState,
  startOnboarding,
  UpdateRejectedError,
} from '../../../client';
import { statusQuery, type OnboardTenantInput } from '../../../contracts/messages';
import {
  createTimeSkippingTestEnv,
  registerTenantIdAttribute,
  uniqueTaskQueue,
  workflowBundle,
} from '../../helpers/temporal';
import { fakeGraph, fakeTemporalActivities, kinds } from './fakes';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingTestEnv();
  await registerTenantIdAttribute(env);
  await workflowBundle();
});
afterAll(async () => {
  await env?.teardown();
});

describe('waiting for consent', () => {
  it('continues as new when history grows; deadline, reminders and used state hashes carry over', async () => {
    const graph = fakeGraph({ consent: () => 'notConsented' });
    const taskQueue = uniqueTaskQueue('can');
    const w = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: { ...graph, ...fakeTemporalActivities() },
    });
    const tenantId = `tenant-can-${Date.now()}`;
    const input: OnboardTenantInput = {
      tenant: { tenantId },
      consentUrl: 'https://login.microsoftonline.test/organizations/v2.0/adminconsent?client_id=app',
      settings: { owner: 'owner@contoso.test', sampleSize: 5, threshold: 0.9, scheduleIntervalMinutes: 360 },
      consentPollSeconds: [600],
      reminderAfterHours: [1],
      continueAsNewAfterEvents: 40,
    };
    await w.runUntil(async () => {
      const handle = await startOnboarding(env.client, input, { taskQueue });
      const first = await handle.query(statusQuery);
      const used = hashConsentState('used-before-can');
      await acceptConsentCallback(env.client, tenantId, { stateHash: used, adminConsent: false });
      await env.sleep('6 hours');
      const desc = await env.client.workflow.getHandle(handle.workflowId).describe();
      expect(desc.runId).not.toBe(handle.firstExecutionRunId); // continued as new
      const later = await env.client.workflow.getHandle(handle.workflowId).query(statusQuery);
      expect(later.phase).toBe('awaitingConsent');
      expect(later.consentDeadline).toBe(first.consentDeadline);
      expect(kinds(graph).filter((k) => k === 'consentReminder')).toHaveLength(1);
      await expect(
        acceptConsentCallback(env.client, tenantId, { stateHash: used, adminConsent: true }),
      ).rejects.toBeInstanceOf(UpdateRejectedError);
      const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
      expect(history.events?.length ?? 0).toBeLessThan(80);
    });
  }, 120_000);
});
