/**
 * Crash test: a real worker process (worker/main.ts, real Graph activities) runs a 1,000-user sample test
 * against the emulator; it is SIGKILLed mid-test and restarted. The run completes with the same sampled
 * users (the sampling activity ran once; its result is in history) and at most one chunk probed twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTestProgressQuery, type SampleTestReport } from '../../../contracts/messages';
import { SAMPLE_TEST_DEFAULTS } from '../../../workflows/sample-test';
import { createLocalTestEnv, eventually, uniqueTaskQueue } from '../../helpers/temporal';
import { ids, startBigContoso } from './emulator-helpers';

const root = path.resolve(__dirname, '..', '..', '..');

function spawnWorker(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  // node itself with tsx as a loader (not the tsx wrapper, whose SIGKILL would orphan the real worker)
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

describe('sample test survives a worker crash', () => {
  let env: TestWorkflowEnvironment;
  let contoso: Awaited<ReturnType<typeof startBigContoso>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    [env, contoso] = await Promise.all([
      createLocalTestEnv(),
      startBigContoso({ users: 1200, latencyMs: 100 }),
    ]);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await env?.teardown();
    await contoso?.stop();
  });

  it('SIGKILL mid-run: same sampled users, at most one chunk probed twice', async () => {
    const taskQueue = uniqueTaskQueue('crash');
    const workerEnv = { ...contoso.env, TEMPORAL_ADDRESS: env.address, TOGETHER_TASK_QUEUE: taskQueue };
    const first = spawnWorker({ ...workerEnv, LOG_LEVEL: 'info' });
    children.push(first.child);
    await eventually(async () => first.output().includes('worker started'), 'worker 1 to start', 60_000);

    const handle = await env.client.workflow.start('sampleTest', {
      taskQueue,
      workflowId: `crash-${taskQueue}`,
      args: [
        {
          tenant: { tenantId: ids.CONTOSO.tenantId },
          size: 1000,
          threshold: 0.5,
          heartbeatTimeoutSeconds: 5,
        },
      ],
    });
    // kill in the middle of a chunk: a probe activity is running on the worker right now
    const atKill = await eventually(
      async () => {
        const p = await handle.query(sampleTestProgressQuery);
        return p.probed >= 300 ? p : undefined;
      },
      'progress ≥ 300',
      90_000,
    );
    await eventually(
      async () => {
        const d = await handle.describe();
        return (d.raw.pendingActivities ?? []).some(
          (a) =>
            a.activityType?.name === 'probeCalendars' &&
            a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
        );
      },
      'a running probe activity',
      30_000,
    );
    first.child.kill('SIGKILL');

    await new Promise((r) => first.child.once('exit', r));

    const second = spawnWorker(workerEnv);
    children.push(second.child);
    const report = (await handle.result()) as SampleTestReport;
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    // same sampled users: sampling ran once and every sampled user was probed
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = (name: string) =>
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name).length;
    expect(scheduled('sampleUsers')).toBe(1);
    expect(report.sampled).toBe(1000);
    expect(report.verdict).not.toBe('inconclusive');

    // probes per mailbox from the emulator's request log (calendar read checks that got an answer)
    const reads = (await contoso.emu.control.requests({ route: 'listEvents' })).filter(
      (r) => r.tenantId === ids.CONTOSO.tenantId && r.status !== 429 && r.status < 500,
    );
    const perUser = new Map<string, number>();
    for (const r of reads) perUser.set(r.mailbox ?? r.path, (perUser.get(r.mailbox ?? r.path) ?? 0) + 1);
    const twice = [...perUser.values()].filter((n) => n > 1).length;
    const starts = events
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    console.log(
      `crash test: killed at ${atKill.probed}/${atKill.total} probed; ${perUser.size} users probed, ${twice} twice; ` +
        `probe attempts>1: ${starts.filter((a) => a > 1).length}; verdict ${report.verdict} (${report.accessible}/${report.sampled})`,
    );
    expect(perUser.size).toBe(1000);
    expect(twice).toBeLessThanOrEqual(SAMPLE_TEST_DEFAULTS.chunkSize);
    expect(starts.filter((a) => a > 1).length).toBeGreaterThanOrEqual(1); // a chunk really was retried
  });
});
