/**
 * On the dev server (visibility, search attributes, continue-as-new): an onboarding that ends with the
 * tenant's health checks running as a timer loop in its monitor (interval, phase), a check of that loop that
 * costs one activity and no signal (so a periodic one is timer + activity = 2 actions), listTenants, the monitor and
 * the onboarding continuing-as-new with their state, schedule operations from client/, and a dev-server
 * restart (SQLite) while an onboarding waits for consent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalActivities } from '../../../activities/temporal';
import {
  createOrUpdateHealthSchedule,
  deleteHealthSchedule,
  deliverConsentCallback,
  describeHealthSchedule,
  getMonitorState,
  healthShardSummaries,
  triggerAllHealthChecks,
  getOnboardingStatus,
  hashConsentState,
  listTenants,
  pauseHealthSchedule,
  registerConsentState,
  startOnboarding,
  TenantNotFoundError,
  triggerHealthSchedule,
  updateSettings,
} from '../../../client';
import {
  healthResultSignal,
  monitorWorkflowId,
  onboardingWorkflowId,
  type OnboardTenantInput,
} from '../../../contracts/messages';
import {
  activityRuns,
  countActions,
  signalsCarrying,
  createLocalTestEnv,
  eventually,
  uniqueTaskQueue,
  workflowBundle,
} from '../../helpers/temporal';
import { recordingHistories, writeReplayHistory } from '../../helpers/history';
import { fakeGraph, kinds, type FakeGraph } from './fakes';
import { healthShardOf, healthShardWorkflowId, type ShardLoopInfo } from '../../../contracts/health-shard';
import { healthLoopQuery, healthLoopSignal } from '../../../contracts/health-loop';

const CAN_LIMIT = 40;

function onboardInput(tenantId: string): OnboardTenantInput {
  return {
    tenant: { tenantId },
    consentUrl: 'https://consent.test/adminconsent',
    settings: {
      owner: 'owner@contoso.test',
      sampleSize: 40,
      threshold: 0.9,
      scheduleIntervalMinutes: 60,
      healthSampleSize: 10,
    },
  };
}

async function makeWorker(
  env: TestWorkflowEnvironment,
  graph: FakeGraph,
  taskQueue: string,
  options: { maxCachedWorkflows?: number } = {},
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    ...options,
    activities: { ...graph, ...createTemporalActivities({ client: env.client, graph, taskQueue }) },
  });
}

describe('health on the dev server', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  beforeAll(async () => {
    env = await createLocalTestEnv({
      extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${CAN_LIMIT}`],
    });
    client = env.client;
    await workflowBundle();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('onboards, starts the health-check loop in its shard, runs checks as shard activities, signals the monitor only when it needs the result, lists tenants', async () => {
    const graph = fakeGraph({ consent: (c) => (c < 2 ? 'notConsented' : 'consented') });
    const taskQueue = uniqueTaskQueue('health');
    const worker = await makeWorker(env, graph, taskQueue);
    const tenantId = `t-${Date.now()}`;
    await worker.runUntil(async () => {
      const inp = { ...onboardInput(tenantId), consentPollSeconds: [1] };
      await startOnboarding(client, inp, { taskQueue });
      const status = await eventually(async () => {
        const s = await getOnboardingStatus(client, tenantId);
        return s?.phase === 'active' && s.scheduleId ? s : undefined;
      }, 'onboarding to become active');
      expect(status.lastReport?.verdict).toBe('pass');

      // the health-check loop (in the tenant's health shard): hourly, next run on the tenant's grid
      const shardId = healthShardWorkflowId(healthShardOf(tenantId));
      const schedule = (await describeHealthSchedule(client, tenantId))!;
      expect(schedule).toMatchObject({
        scheduleId: `health-${tenantId}`,
        runsIn: shardId,
        intervalMinutes: 60,
        paused: false,
      });
      expect(Date.parse(schedule.nextRunAt!)).toBeGreaterThan(Date.now() - 5_000);
      expect(Date.parse(schedule.nextRunAt!)).toBeLessThanOrEqual(Date.now() + 60 * 60_000);

      // the onboarding's own report reached the monitor
      const m0 = await eventually(() => getMonitorState(client, tenantId), 'the monitor');
      expect(m0.status).toBe('active');

      // three checks of the loop (trigger = now), end to end: the first result and the next healthy one go to the
      // monitor (it has not heard from the shard yet; then recovered → active needs a second), the third is
      // healthy and unchanged, so the monitor is not signalled at all
      const runs: ShardLoopInfo['recentRuns'] = [];
      for (let i = 1; i <= 3; i++) {
        await triggerHealthSchedule(client, tenantId);
        const loop = (await eventually(async () => {
          const d = await describeHealthSchedule(client, tenantId);
          return d && d.recentRuns.length >= i ? d : undefined;
        }, `check ${i} of the loop`)) as ShardLoopInfo;
        runs.splice(0, runs.length, ...loop.recentRuns);
      }
      expect(runs.map((r) => [r.cls, r.verdict, r.reported])).toEqual([
        ['healthy', 'pass', true],
        ['healthy', 'pass', true],
        ['healthy', 'pass', false],
      ]);
      const m1 = await eventually(async () => {
        const m = await getMonitorState(client, tenantId);
        return m && m.history.length >= 3 ? m : undefined;
      }, 'the monitor to get the results');
      expect(m1.status).toBe('active');
      expect(m1.history).toHaveLength(3);
      expect(m1.history.at(-1)).toMatchObject({ verdict: 'pass', sampled: 10 });

      // Their Temporal actions, from real histories: each check is one runShardChecks activity of the shard (the
      // trigger's signal stands in for the shard's timer), first attempt; the unchanged third check sends the
      // monitor no signal. Periodic checks due together share one timer and one activity.
      // (all of the shard's runs: this server suggests continue-as-new early)
      const shardRuns: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${shardId}'` }))
        shardRuns.push(w.runId);
      const shardEvents = (
        await Promise.all(
          shardRuns.map(
            async (r) => (await client.workflow.getHandle(shardId, r).fetchHistory()).events ?? [],
          ),
        )
      ).flat();
      expect(activityRuns(shardEvents, 'runShardChecks')).toEqual([
        { local: false, attempt: 1 },
        { local: false, attempt: 1 },
        { local: false, attempt: 1 },
      ]);
      const monitorRuns: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${monitorWorkflowId(tenantId)}'` }))
        monitorRuns.push(w.runId);
      const monitorEvents = (
        await Promise.all(
          monitorRuns.map(
            async (r) =>
              (await client.workflow.getHandle(monitorWorkflowId(tenantId), r).fetchHistory()).events ?? [],
          ),
        )
      ).flat();
      expect(runs.map((r) => signalsCarrying(monitorEvents, healthResultSignal.name, r.checkId))).toEqual([
        1, 1, 0,
      ]);
      console.log('shard actions', countActions(shardEvents).byKind);

      // visibility: listTenants finds it by workflow type, TenantId set
      const tenants = await eventually(async () => {
        const list = await listTenants(client);
        return list.some((t) => t.tenantId === tenantId) ? list : undefined;
      }, 'listTenants');
      expect(tenants.find((t) => t.tenantId === tenantId)).toMatchObject({
        workflowId: onboardingWorkflowId(tenantId),
      });
      const viaSA = await client.workflow.count(`TenantId = '${tenantId}'`);
      expect(viaSA.count).toBeGreaterThanOrEqual(3); // onboarding, sample test, monitor (+ health runs)

      // settings change updates the schedule in place; pause/unpause; delete
      await updateSettings(client, tenantId, { scheduleIntervalMinutes: 120 });
      expect((await describeHealthSchedule(client, tenantId))!.intervalMinutes).toBe(120);
      await pauseHealthSchedule(client, tenantId, { note: 'maintenance' });
      expect(await describeHealthSchedule(client, tenantId)).toMatchObject({
        paused: true,
        note: 'maintenance',
      });
      expect((await describeHealthSchedule(client, tenantId))!.nextRunAt).toBeUndefined();
      await pauseHealthSchedule(client, tenantId, { paused: false });
      expect((await describeHealthSchedule(client, tenantId))!.paused).toBe(false);
      expect(kinds(graph)).toEqual(['onboarded']);
      expect(await deleteHealthSchedule(client, tenantId)).toBe(true);
      expect(await describeHealthSchedule(client, tenantId)).toBeNull();
      expect(await deleteHealthSchedule(client, tenantId)).toBe(false);

      // the onboarding continued-as-new once the server suggested it, keeping its state
      const d = await client.workflow.getHandle(onboardingWorkflowId(tenantId)).describe();
      const after = await getOnboardingStatus(client, tenantId);
      expect(after?.phase).toBe('active');
      expect(after?.settings.scheduleIntervalMinutes).toBe(120);
      expect(after?.lastReport?.sampled).toBe(40);
      console.log(`onboarding run ${d.runId} (first ${d.raw.workflowExecutionInfo?.firstRunId})`);
      await client.workflow.getHandle(onboardingWorkflowId(tenantId)).terminate('test done');
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
    });
  });

  it('client/ answers null or TenantNotFoundError for a tenant without workflows', async () => {
    expect(await getOnboardingStatus(client, 'no-such-tenant')).toBeNull();
    expect(await getMonitorState(client, 'no-such-tenant')).toBeNull();
    expect(await describeHealthSchedule(client, 'no-such-tenant')).toBeNull();
    await expect(
      deliverConsentCallback(client, 'no-such-tenant', {
        stateHash: hashConsentState('x'),
        adminConsent: true,
      }),
    ).rejects.toThrow(TenantNotFoundError);
    await expect(updateSettings(client, 'no-such-tenant', { sampleSize: 5 })).rejects.toThrow(
      TenantNotFoundError,
    );
  });

  it('the monitor continues-as-new when suggested and keeps its incident, history and sent notifications', async () => {
    const graph = fakeGraph();
    const taskQueue = uniqueTaskQueue('can');
    const worker = await makeWorker(env, graph, taskQueue);
    const tenantId = `can-${Date.now()}`;
    const temporalActs = createTemporalActivities({ client, graph, taskQueue });
    const base = {
      tenantId,
      at: new Date().toISOString(),
      owner: 'owner@contoso.test',
      consentUrl: 'https://consent.test',
      consent: 'consented' as const,
      missingRoles: [],
      appEnabled: true,
      sampled: 10,
      graphRequests: 1,
      durationMs: 1,
      examples: [],
    };
    await worker.runUntil(async () => {
      await temporalActs.reportToMonitor({
        result: { ...base, checkId: 'c-0', verdict: 'fail', accessible: 0 },
        taskQueue,
      });
      for (let i = 1; i <= 30; i++) {
        await temporalActs.reportToMonitor({
          result: { ...base, checkId: `c-${i}`, verdict: 'fail', accessible: 1 },
          taskQueue,
        });
      }
      const handle = client.workflow.getHandle(monitorWorkflowId(tenantId));
      const state = await eventually(async () => {
        const s = await handle.query('monitorState');
        return (s as { history: unknown[] }).history.length === 31
          ? (s as Awaited<ReturnType<typeof getMonitorState>>)
          : undefined;
      }, 'all results processed');
      const d = await handle.describe();
      expect(d.runId).not.toBe(d.raw.workflowExecutionInfo?.firstRunId); // continued-as-new at least once
      expect(state?.status).toBe('failing');
      expect(state?.incident?.id).toBe('inc-1');
      expect(kinds(graph)).toEqual(['incidentOpened']); // not re-sent by a new run
      // a duplicate of a result seen before the continue-as-new is still ignored
      await temporalActs.reportToMonitor({
        result: { ...base, checkId: 'c-30', verdict: 'pass', accessible: 10 },
        taskQueue,
      });
      await temporalActs.reportToMonitor({
        result: { ...base, checkId: 'c-31', verdict: 'pass', accessible: 10 },
        taskQueue,
      });
      const s2 = await eventually(async () => {
        const s = await getMonitorState(client, tenantId);
        return s?.status === 'recovered' ? s : undefined;
      }, 'recovery');
      if (s2.history.length !== 32)
        console.log(JSON.stringify(s2.history.map((h) => [h.verdict, h.accessible, h.status])));
      expect(s2.history).toHaveLength(32);
      // the state changes first, the notification follows
      await eventually(async () => kinds(graph).length === 2, 'the resolved notification');
      expect(kinds(graph)).toEqual(['incidentOpened', 'incidentResolved']);
      await handle.terminate('test done');
    });
  });
});

/** A loop inside the tenant's monitor, as versions before the health shards created it. */
async function createLegacyLoop(client: Client, tenantId: string, taskQueue: string): Promise<void> {
  await client.workflow.signalWithStart('tenantMonitor', {
    workflowId: monitorWorkflowId(tenantId),
    taskQueue,
    args: [{ tenantId }],
    signal: healthLoopSignal,
    signalArgs: [
      {
        kind: 'set',
        intervalMinutes: 60,
        check: {
          tenant: { tenantId },
          owner: 'owner@contoso.test',
          consentUrl: 'https://consent.test/adminconsent',
          sampleSize: 10,
          threshold: 0.9,
        },
      },
    ],
  });
}

describe('health loops without an early continue-as-new suggestion: shards, and loops left in monitors', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createLocalTestEnv();
    await workflowBundle();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('a loop an earlier version created in the monitor keeps running there: it continues-as-new after 4 loop checks and keeps the loop', async () => {
    const client = env.client;
    const graph = fakeGraph();
    const taskQueue = uniqueTaskQueue('runs');
    // No workflow cache: every task and query replays the monitor's history, as in a fleet larger than the cache
    // (a replay of a check's local activity and the patch markers around it must match what the code issues).
    const worker = await makeWorker(env, graph, taskQueue, { maxCachedWorkflows: 0 });
    const tenantId = `runs-${Date.now()}`;
    await worker.runUntil(async () => {
      await createLegacyLoop(client, tenantId, taskQueue);
      for (let i = 1; i <= 6; i++) {
        await triggerHealthSchedule(client, tenantId);
        await eventually(async () => {
          const d = await describeHealthSchedule(client, tenantId);
          return d && d.recentRuns.length >= i ? d : undefined;
        }, `loop check ${i}`);
      }
      const runIds: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${monitorWorkflowId(tenantId)}'` }))
        runIds.push(w.runId);
      // The first run (4 loop checks, then continue-as-new) is the replay test's tenant-monitor-loop-local history
      // (tenant-monitor-loop.json was recorded before patch 'health-check-local': regular activities).
      const firstRun = runIds.length
        ? await client.workflow
            .getHandle(monitorWorkflowId(tenantId), runIds[runIds.length - 1])
            .fetchHistory()
        : undefined;
      if (firstRun && recordingHistories()) writeReplayHistory('tenant-monitor-loop-local', firstRun);
      const checksPerRun = await Promise.all(
        runIds.map(async (r) => {
          const events =
            (await client.workflow.getHandle(monitorWorkflowId(tenantId), r).fetchHistory()).events ?? [];
          return activityRuns(events, 'runHealthCheck').length;
        }),
      );
      // 6 checks: a run of 4, then the next run (with 24 per run, as before, all 6 would sit in one run).
      expect(Math.max(...checksPerRun)).toBe(4);
      expect(checksPerRun.reduce((a, b) => a + b, 0)).toBe(6);
      const loop = (await describeHealthSchedule(client, tenantId))!;
      expect(loop).toMatchObject({ intervalMinutes: 60, paused: false });
      expect(loop.recentRuns).toHaveLength(6); // carried across the continue-as-new
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
    });
  });

  /** `n` tenant ids that hash to one shard. */
  function tenantsOfOneShard(n: number): { shard: number; tenantIds: string[] } {
    const byShard = new Map<number, string[]>();
    for (let i = 0; ; i++) {
      const id = `shard-${Date.now()}-${i}`;
      const k = healthShardOf(id);
      const list = [...(byShard.get(k) ?? []), id];
      byShard.set(k, list);
      if (list.length === n) return { shard: k, tenantIds: list };
    }
  }

  /** A loop for each tenant, created as onboarding creates it (a signal-with-start to the tenant's shard). */
  async function createLoops(client: Client, tenantIds: string[], taskQueue: string): Promise<void> {
    for (const tenantId of tenantIds)
      await createOrUpdateHealthSchedule(client, {
        tenant: { tenantId },
        settings: onboardInput(tenantId).settings,
        consentUrl: 'https://consent.test/adminconsent',
        taskQueue,
      });
  }

  /** Waits until the shard has run `checks` checks in all and none is running. */
  function shardHasRun(client: Client, shard: number, checks: number, what: string) {
    return eventually(async () => {
      const s = (await healthShardSummaries(client)).find((x) => x.shard === shard);
      return s && s.checksRun >= checks && s.checking === 0 ? s : undefined;
    }, what);
  }

  /** Ends the shard and the monitors its checks started. */
  async function endShardAndMonitors(client: Client, shardId: string, tenantIds: string[]): Promise<void> {
    await client.workflow.getHandle(shardId).terminate('test done');
    for (const tenantId of tenantIds)
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
  }

  it('runs the checks of a shard’s due loops as one activity, reports only what monitors need, and continues-as-new with every loop', async () => {
    const client = env.client;
    const graph = fakeGraph();
    const taskQueue = uniqueTaskQueue('shard');
    const worker = await makeWorker(env, graph, taskQueue);
    const { shard, tenantIds } = tenantsOfOneShard(3);
    const shardId = healthShardWorkflowId(shard);
    await worker.runUntil(async () => {
      // the shard with a short run (2 batches), so the test sees a continue-as-new
      await client.workflow.start('healthShard', {
        workflowId: shardId,
        taskQueue,
        args: [{ shard, batchesPerRun: 2 }],
      });
      await createLoops(client, tenantIds, taskQueue);
      for (let round = 1; round <= 3; round++) {
        expect((await triggerAllHealthChecks(client)).shards).toBeGreaterThanOrEqual(1);
        await shardHasRun(client, shard, round * 3, `round ${round} of the shard's checks`);
      }
      for (const tenantId of tenantIds) {
        const d = (await describeHealthSchedule(client, tenantId)) as ShardLoopInfo;
        expect(d.runsIn).toBe(shardId);
        // carried across the continue-as-new, with each check's outcome
        expect(d.recentRuns.map((r) => [r.cls, r.reported])).toEqual([
          ['healthy', true],
          ['healthy', true],
          ['healthy', false],
        ]);
        expect(Date.parse(d.nextRunAt!)).toBeGreaterThan(Date.now());
        const m = await getMonitorState(client, tenantId);
        expect(m?.history).toHaveLength(2);
      }
      const runIds: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${shardId}'` }))
        runIds.push(w.runId);
      expect(runIds).toHaveLength(2);
      const first = await client.workflow.getHandle(shardId, runIds[runIds.length - 1]).fetchHistory();
      if (recordingHistories()) writeReplayHistory('health-shard', first);
      // one activity per batch for all three tenants
      expect(activityRuns(first.events ?? [], 'runShardChecks')).toHaveLength(2);
    });
    // With no worker running, trigger-all still reaches the shard: it signals (the server accepts a signal alone),
    // where asking the shards' summaries first would wait for a worker to answer the queries.
    expect((await triggerAllHealthChecks(client)).shards).toBeGreaterThanOrEqual(1);
    await (
      await makeWorker(env, graph, taskQueue)
    ).runUntil(async () => {
      await shardHasRun(client, shard, 4 * 3, 'the checks triggered while no worker ran');
      await endShardAndMonitors(client, shardId, tenantIds);
    });
  });

  it('continues a shard as new once its run has added the history bytes it may (the SDK keeps each batch input until the run ends)', async () => {
    const client = env.client;
    const taskQueue = uniqueTaskQueue('shard-bytes');
    const worker = await makeWorker(env, fakeGraph(), taskQueue);
    const { shard, tenantIds } = tenantsOfOneShard(2);
    const shardId = healthShardWorkflowId(shard);
    await worker.runUntil(async () => {
      // batches alone would never end the run here; one batch's bytes do
      await client.workflow.start('healthShard', {
        workflowId: shardId,
        taskQueue,
        args: [{ shard, batchesPerRun: 1_000, historyBytesPerRun: 1 }],
      });
      await createLoops(client, tenantIds, taskQueue);
      for (let round = 1; round <= 2; round++) {
        expect((await triggerAllHealthChecks(client)).shards).toBeGreaterThanOrEqual(1);
        await shardHasRun(client, shard, round * 2, `round ${round} of the shard's checks`);
      }
      const runIds: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${shardId}'` }))
        runIds.push(w.runId);
      // Every wake adds bytes (a loop's creation signal, a batch), so each run ended after one: at least one run per
      // batch plus the one now waiting, and no run holds more than one batch.
      expect(runIds.length).toBeGreaterThanOrEqual(3);
      for (const runId of runIds.slice(1)) {
        const events = (await client.workflow.getHandle(shardId, runId).fetchHistory()).events ?? [];
        expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
        expect(activityRuns(events, 'runShardChecks').length).toBeLessThanOrEqual(1);
        // the patched() marker, recorded where the rule applied
        expect(events.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1);
      }
      for (const tenantId of tenantIds) {
        const d = (await describeHealthSchedule(client, tenantId)) as ShardLoopInfo;
        expect(d.recentRuns).toHaveLength(2); // carried across both continues-as-new
      }
      await endShardAndMonitors(client, shardId, tenantIds);
    });
  });

  it('moves a loop an earlier version ran in the monitor to the shard (no check runs twice)', async () => {
    const client = env.client;
    const graph = fakeGraph();
    const taskQueue = uniqueTaskQueue('migrate');
    const worker = await makeWorker(env, graph, taskQueue);
    const tenantId = `migrate-${Date.now()}`;
    await worker.runUntil(async () => {
      await createLegacyLoop(client, tenantId, taskQueue);
      expect((await describeHealthSchedule(client, tenantId))?.runsIn).toBe(monitorWorkflowId(tenantId));
      await createOrUpdateHealthSchedule(client, {
        tenant: { tenantId },
        settings: onboardInput(tenantId).settings,
        consentUrl: 'https://consent.test/adminconsent',
        taskQueue,
      });
      expect((await describeHealthSchedule(client, tenantId))?.runsIn).toBe(
        healthShardWorkflowId(healthShardOf(tenantId)),
      );
      await eventually(
        async () =>
          (await client.workflow.getHandle(monitorWorkflowId(tenantId)).query(healthLoopQuery)) === null,
        'the monitor to stop its own loop',
      );
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
      expect(await deleteHealthSchedule(client, tenantId)).toBe(true);
      expect(await describeHealthSchedule(client, tenantId)).toBeNull();
    });
  });
});

describe('dev server restart', () => {
  it('an onboarding waiting for consent survives a restart of the dev server (SQLite) and completes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-restart-'));
    const dbFilename = path.join(dir, 'temporal.sqlite');
    const tenantId = `restart-${Date.now()}`;
    const taskQueue = uniqueTaskQueue('restart');
    const graph = fakeGraph({ consent: () => 'consented' });
    const state = 'state-for-restart';
    let last: unknown;

    let env = await createLocalTestEnv({ dbFilename });
    try {
      let worker = await makeWorker(env, graph, taskQueue);
      await worker.runUntil(async () => {
        await startOnboarding(
          env.client,
          { ...onboardInput(tenantId), consentPollSeconds: [3600] },
          { taskQueue },
        );
        await registerConsentState(env.client, tenantId, {
          stateHash: hashConsentState(state),
          expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        });
        await eventually(
          async () => (await getOnboardingStatus(env.client, tenantId))?.phase === 'awaitingConsent',
          'waiting',
        );
      });
      await env.teardown();

      env = await createLocalTestEnv({ dbFilename });
      worker = await makeWorker(env, graph, taskQueue);
      await worker.runUntil(async () => {
        expect((await getOnboardingStatus(env.client, tenantId))?.phase).toBe('awaitingConsent');
        // the registration made before the restart is still known
        await deliverConsentCallback(env.client, tenantId, {
          stateHash: hashConsentState(state),
          adminConsent: true,
        });
        const s = await eventually(
          async () => {
            const st = await getOnboardingStatus(env.client, tenantId);
            last = st;
            return st?.phase === 'active' ? st : undefined;
          },
          'onboarding to complete after the restart',
          60_000,
        ).catch(async (err: unknown) => {
          const h = await env.client.workflow.getHandle(onboardingWorkflowId(tenantId)).fetchHistory();
          console.log(JSON.stringify(last), (h.events ?? []).map((e) => e.eventType).join(','));
          throw err;
        });
        expect(s.rejectedCallbacks).toBe(0);
        expect(s.lastReport?.verdict).toBe('pass');
        // the onboarding went on to the schedule and the monitor (phase 'active' is set just before)
        await eventually(() => getMonitorState(env.client, tenantId), 'the monitor');
        await env.client.workflow.getHandle(onboardingWorkflowId(tenantId)).terminate('test done');
        await env.client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
      });
    } finally {
      await env.teardown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
