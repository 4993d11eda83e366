/**
 * tenantMonitor and sampleTest on the time-skipping server: the incident state machine and its
 * notifications — exactly once per incident under injected notifyOwner failures and duplicate (retried)
 * health reports — daily reminders while failing, recovery, credential warnings; the sample test's
 * chunks, progress and verdicts (transient trouble is never `fail`).
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMonitorState } from '../../../client';
import type { HealthResult } from '../../../contracts/health';
import { healthResultSignal, monitorWorkflowId, sampleTestProgressQuery } from '../../../contracts/messages';
import { createTimeSkippingTestEnv, uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';
import { fakeGraph, fakeTemporalActivities, kinds, type FakeGraph } from './fakes';

let env: TestWorkflowEnvironment;
let client: Client;

beforeAll(async () => {
  env = await createTimeSkippingTestEnv();
  client = env.client;
  await workflowBundle();
});
afterAll(async () => {
  await env?.teardown();
});

async function worker(graph: FakeGraph) {
  const taskQueue = uniqueTaskQueue('monitor');
  const w = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...graph, ...fakeTemporalActivities() },
  });
  return { w, taskQueue };
}

let checks = 0;
function result(tenantId: string, over: Partial<HealthResult> = {}): HealthResult {
  checks++;
  return {
    tenantId,
    checkId: `check-${checks}`,
    at: new Date().toISOString(),
    owner: 'owner@contoso.test',
    consentUrl: 'https://consent.test',
    consent: 'consented',
    missingRoles: [],
    appEnabled: true,
    verdict: 'pass',
    sampled: 10,
    accessible: 10,
    examples: [],
    graphRequests: 3,
    durationMs: 100,
    ...over,
  };
}

describe('tenantMonitor', () => {
  it('opens one incident, reminds daily while failing, resolves once; duplicates and notify failures change nothing', async () => {
    const graph = fakeGraph({
      flakyNotify: true,
      credentials: undefined,
    });
    const { w, taskQueue } = await worker(graph);
    const tenantId = `mon-${Date.now()}`;
    const send = (r: HealthResult) =>
      client.workflow.signalWithStart('tenantMonitor', {
        workflowId: monitorWorkflowId(tenantId),
        taskQueue,
        args: [{ tenantId }],
        signal: healthResultSignal,
        signalArgs: [r],
      });
    await w.runUntil(async () => {
      await send(result(tenantId));
      await env.sleep('1 hour');
      expect((await getMonitorState(client, tenantId))?.status).toBe('active');

      const failing = result(tenantId, {
        verdict: 'fail',
        accessible: 2,
        verdictReason: '2 of 10 reachable',
      });
      await send(failing);
      await send(failing); // the same check reported twice (a retried activity)
      await env.sleep('1 hour');
      await send(result(tenantId, { verdict: 'fail', accessible: 1 }));
      await send(result(tenantId, { verdict: 'inconclusive', accessible: 0 }));
      await env.sleep('50 hours'); // two daily reminders
      let s = await getMonitorState(client, tenantId);
      expect(s?.status).toBe('failing');
      expect(s?.incident?.id).toBe('inc-1');
      expect(kinds(graph)).toEqual(['incidentOpened', 'incidentReminder', 'incidentReminder']);

      await send(result(tenantId));
      await env.sleep('1 hour');
      s = await getMonitorState(client, tenantId);
      expect(s?.status).toBe('recovered');
      expect(s?.incident).toBeUndefined();
      await send(result(tenantId));
      await env.sleep('30 hours'); // no reminders after recovery
      s = await getMonitorState(client, tenantId);
      expect(s?.status).toBe('active');
      expect(kinds(graph)).toEqual([
        'incidentOpened',
        'incidentReminder',
        'incidentReminder',
        'incidentResolved',
      ]);
      expect(new Set(graph.delivered.map((d) => d.idempotencyKey)).size).toBe(4);
      // each notification took three attempts (fail before send, fail after send, ok) and was delivered once
      expect(graph.notifyAttempts).toBe(12);
      expect(s?.history.map((h) => h.status)).toEqual([
        'active',
        'failing',
        'failing',
        'failing',
        'recovered',
        'active',
      ]);

      // a second incident: degraded first, then escalates to failing (one more notice), then consent revoked
      await send(result(tenantId, { verdict: 'degraded', accessible: 7 }));
      await send(result(tenantId, { consent: 'revoked', verdict: 'fail', accessible: 0, sampled: 0 }));
      await env.sleep('1 hour');
      s = await getMonitorState(client, tenantId);
      expect(s?.incident?.id).toBe('inc-2');
      expect(kinds(graph).slice(4)).toEqual(['incidentOpened', 'incidentOpened']);
      expect(graph.delivered.at(-1)!.fix?.consentUrl).toBe('https://consent.test');
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
    });
  });

  it('warns about an expiring credential once per credential and severity', async () => {
    const graph = fakeGraph();
    const { w, taskQueue } = await worker(graph);
    const tenantId = `cred-${Date.now()}`;
    const cred = (severity: 'warning' | 'urgent', daysLeft: number) => ({
      severity,
      credentials: [
        {
          kind: 'certificate' as const,
          keyId: 'k1',
          endDateTime: '2027-01-01T00:00:00Z',
          daysLeft,
          severity,
        },
      ],
    });
    await w.runUntil(async () => {
      for (const c of [cred('warning', 29), cred('warning', 28), cred('urgent', 13), cred('urgent', 12)]) {
        await client.workflow.signalWithStart('tenantMonitor', {
          workflowId: monitorWorkflowId(tenantId),
          taskQueue,
          args: [{ tenantId }],
          signal: healthResultSignal,
          signalArgs: [result(tenantId, { credentials: c })],
        });
        await env.sleep('1 day');
      }
      expect(kinds(graph)).toEqual(['credentialExpiring', 'credentialExpiring']);
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('test done');
    });
  });
});

describe('sampleTest', () => {
  const run = async (graph: FakeGraph, size: number, extra: Record<string, unknown> = {}) => {
    const { w, taskQueue } = await worker(graph);
    return w.runUntil(
      client.workflow.execute('sampleTest', {
        taskQueue,
        workflowId: `st-${Date.now()}-${Math.random()}`,
        args: [{ tenant: { tenantId: 't' }, size, threshold: 0.9, chunkSize: 25, ...extra }],
      }),
    );
  };

  it('probes in chunks and reports pass / degraded / fail against the threshold', async () => {
    const pass = await run(fakeGraph({ users: 100 }), 100);
    expect(pass).toMatchObject({ sampled: 100, accessible: 100, verdict: 'pass', byReason: { ok: 100 } });
    const degraded = await run(
      fakeGraph({ users: 100, reason: (i) => (i % 5 === 0 ? 'mailboxUnavailable' : 'ok') }),
      100,
    );
    expect(degraded).toMatchObject({
      accessible: 80,
      verdict: 'degraded',
      byReason: { ok: 80, mailboxUnavailable: 20 },
    });
    expect(degraded.inaccessible[0]).toMatchObject({
      reason: 'mailboxUnavailable',
      code: 'ErrorAccessDenied',
      requestId: 'req-1',
    });
    const fail = await run(
      fakeGraph({ users: 100, reason: (i) => (i % 5 === 0 ? 'ok' : 'outsideScope') }),
      100,
    );
    expect(fail.verdict).toBe('fail');
  });

  it('is inconclusive, never fail, when throttling or an outage prevents a judgement', async () => {
    const throttled = await run(fakeGraph({ users: 100, reason: (i) => (i < 60 ? 'throttled' : 'ok') }), 100);
    expect(throttled.verdict).toBe('inconclusive');
    const outage = await run(fakeGraph({ users: 100, probeThrows: true }), 100, {
      heartbeatTimeoutSeconds: 5,
    });
    expect(outage.verdict).toBe('inconclusive');
    expect(outage.accessible).toBe(0);
  });

  it('exposes progress and runs with bounded parallelism', async () => {
    const graph = fakeGraph({ users: 300 });
    const { w, taskQueue } = await worker(graph);
    await w.runUntil(async () => {
      const handle = await client.workflow.start('sampleTest', {
        taskQueue,
        workflowId: `st-progress-${Date.now()}`,
        args: [{ tenant: { tenantId: 't' }, size: 300, threshold: 0.9, chunkSize: 50, parallelism: 3 }],
      });
      const report = await handle.result();
      expect(report.sampled).toBe(300);
      expect(await handle.query(sampleTestProgressQuery)).toEqual({
        total: 300,
        probed: 300,
        accessible: 300,
      });
      const events = (await handle.fetchHistory()).events ?? [];
      const probes = events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'probeCalendars',
      );
      expect(probes).toHaveLength(6);
      expect(new Set(graph.probedUsers).size).toBe(300);
    });
  });
});
