/**
 * On the dev server (Schedules, visibility, search attributes, continue-as-new): an onboarding that ends
 * with the tenant's health schedule (interval, jitter, overlap SKIP, catch-up window, TenantId), a
 * scheduled health check that reaches the monitor with ≤ 6 Temporal actions, listTenants, the monitor and
 * the onboarding continuing-as-new with their state, schedule operations from client/, and a dev-server
 * restart (SQLite) while an onboarding waits for consent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalActivities } from '../../../activities/temporal';
import {
  deleteHealthSchedule,
  deliverConsentCallback,
  describeHealthSchedule,
  getMonitorState,
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
import { TENANT_ID } from '../../../contracts/ids';
import {
  countActions,
  createLocalTestEnv,
  eventually,
  uniqueTaskQueue,
  workflowBundle,
} from '../../helpers/temporal';
import { fakeGraph, kinds, type FakeGraph } from './fakes';

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
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
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

  it('onboards, creates the schedule, runs a scheduled health check in ≤ 6 actions, lists tenants', async () => {
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

      // the schedule
      const schedule = (await describeHealthSchedule(client, tenantId))!;
      expect(schedule.scheduleId).toBe(`health-${tenantId}`);
      expect(schedule.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(schedule.policies.catchupWindow).toBe(30 * 60_000);
      expect(schedule.spec.intervals?.[0]?.every).toBe(60 * 60_000);
      expect(schedule.spec.jitter).toBe(6 * 60_000);
      expect(schedule.action.workflowType).toBe('healthCheck');
      expect(schedule.typedSearchAttributes?.get(TENANT_ID)).toBe(tenantId);
      expect(schedule.state.paused).toBe(false);

      // the onboarding's own report reached the monitor
      const m0 = await eventually(() => getMonitorState(client, tenantId), 'the monitor');
      expect(m0.status).toBe('active');

      // a scheduled run (trigger = now), end to end
      await triggerHealthSchedule(client, tenantId);
      const runId = await eventually(async () => {
        const d = await describeHealthSchedule(client, tenantId);
        return d?.info.recentActions[0]?.action.workflow.workflowId;
      }, 'a scheduled run');
      const run = client.workflow.getHandle(runId);
      const result = await run.result();
      expect(result.verdict).toBe('pass');
      expect(result.sampled).toBe(10);
      const m1 = await eventually(async () => {
        const m = await getMonitorState(client, tenantId);
        return m && m.history.length >= 2 ? m : undefined;
      }, 'the monitor to get the scheduled result');
      expect(m1.status).toBe('active');

      // Temporal actions of this healthy scheduled run, from the real histories
      const own = countActions((await run.fetchHistory()).events ?? []);
      const monitorEvents =
        (await client.workflow.getHandle(monitorWorkflowId(tenantId)).fetchHistory()).events ?? [];
      const signalsForRun = monitorEvents.filter(
        (e) =>
          e.workflowExecutionSignaledEventAttributes?.signalName === healthResultSignal.name &&
          JSON.stringify(e.workflowExecutionSignaledEventAttributes.input).length > 0 &&
          Buffer.from(e.workflowExecutionSignaledEventAttributes.input?.payloads?.[0]?.data ?? [])
            .toString()
            .includes(runId),
      ).length;
      const total = own.total + signalsForRun;
      console.log(`actions per healthy scheduled run: ${total}`, own.byKind, { signal: signalsForRun });
      expect(own.byKind['schedule (per execution)']).toBe(2);
      expect(signalsForRun).toBe(1);
      expect(total).toBeLessThanOrEqual(6);

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
      expect((await describeHealthSchedule(client, tenantId))!.spec.intervals?.[0]?.every).toBe(120 * 60_000);
      await pauseHealthSchedule(client, tenantId);
      expect((await describeHealthSchedule(client, tenantId))!.state.paused).toBe(true);
      await pauseHealthSchedule(client, tenantId, { paused: false });
      expect((await describeHealthSchedule(client, tenantId))!.state.paused).toBe(false);
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
