/**
 * individualSweep on the time-skipping server: one workflow per tenant pages through its connections, emails
 * each user whose connection newly broke exactly once (even when the first send fails and is retried), sends
 * the owner one digest per sweep that found new breaks, and answers the owner's view by query.
 * With TOGETHER_RECORD_HISTORY=1 it also writes test/replay/histories/individual-sweep.json.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { individualStateQuery, individualSweepWorkflowId } from '../../../contracts/individual';
import {
  countActions,
  createTimeSkippingTestEnv,
  uniqueTaskQueue,
  workflowBundle,
} from '../../helpers/temporal';
import { recordingHistories, writeReplayHistory } from '../../helpers/history';
import { fakeIndividual } from './individual-fakes';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingTestEnv();
  await workflowBundle();
});
afterAll(async () => env?.teardown());

const TENANT = '489b6456-9a48-45dd-8b21-086d092d8c11';

describe('individualSweep', () => {
  it('emails each newly broken user once, digests the owner once per sweep with news, and reports N of M', async () => {
    const fake = fakeIndividual(5, { 1: [2, 'revoked'], 3: [2, 'inactivity'] }, { failFirstEmail: true });
    const taskQueue = uniqueTaskQueue('individual');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fake,
    });
    const { h: handle, state } = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('individualSweep', {
        taskQueue,
        workflowId: individualSweepWorkflowId(TENANT),
        args: [
          {
            tenantId: TENANT,
            owner: 'owner@contoso.example',
            consoleUrl: 'https://together.example',
            pageSize: 2,
            maxSweeps: 3,
          },
        ],
      });
      // Days of timers and an activity retry back-off: advance the test server's clock explicitly.
      for (let i = 0; i < 10 && (await h.describe()).status.name === 'RUNNING'; i++) {
        await env.sleep('1 day');
      }
      await h.result();
      // A query on a closed workflow is answered by a worker replaying it: ask while ours runs.
      return { h, state: await h.query(individualStateQuery) };
    });
    // 3 sweeps × 3 pages of 2.
    expect(fake.sweepCalls).toBe(9);
    expect(fake.userEmails.map((e) => e.connectionId).sort()).toEqual(['conn-000001', 'conn-000003']);
    expect(fake.userEmails.map((e) => e.idempotencyKey)).toContain(
      `${TENANT}:conn:conn-000001:broken:2026-01-02T00:00:00.000Z`,
    );
    expect(fake.digests).toHaveLength(1);
    expect(fake.digests[0]).toMatchObject({
      owner: 'owner@contoso.example',
      newlyBroken: 2,
      summary: { invited: 5, connected: 3, broken: 2 },
    });
    expect(state.sweeps).toBe(3);
    expect(state.summary).toMatchObject({
      invited: 5,
      connected: 3,
      broken: 2,
      brokenByKind: { revoked: 1, inactivity: 1 },
    });

    const history = await handle.fetchHistory();
    const text = JSON.stringify(history);
    expect(text).not.toMatch(/@contoso\.example.*broken|refresh_token|AADSTS/i);
    if (recordingHistories()) writeReplayHistory('individual-sweep', history);
    expect(countActions(history.events ?? []).byKind.activity).toBeGreaterThanOrEqual(9);
  });
});
