/**
 * Health-check benchmark (issue 6), measured against real systems: the Temporal dev server, the emulator
 * with 100 ms Graph latency, and one real worker process (worker/main.ts with the real Graph activities).
 *
 *  1. Temporal Cloud actions per scheduled health run, counted from the real histories of scheduled runs
 *     (schedule 2 + workflow start + activities + timers + the signal to the monitor). Target ≤ 6.
 *  2. Monthly cost of hourly checks for 1,000 tenants at $50 per million actions.
 *  3. Wall time and worker peak RSS for N tenants' health checks on one worker (default N = 1,000;
 *     BENCH_HEALTH_TENANTS to change).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createOrUpdateHealthSchedule, describeHealthSchedule, triggerHealthSchedule } from '../client';
import type { HealthCheckInput } from '../contracts/health';
import type { FixtureObject } from '../emulator/fixture';
import { healthResultSignal, monitorWorkflowId } from '../contracts/messages';
import { graphEnvFor, ids, startTestEmulator } from '../test/helpers/emulator';
import { countActions, createLocalTestEnv, eventually } from '../test/helpers/temporal';
import type { BenchRow } from './types';

const PRICE_PER_MILLION = 50;
const root = path.resolve(__dirname, '..');

function tenantGuid(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `7e5a0000-0000-4000-8000-${hex}`;
}

function fixtureWithTenants(n: number): FixtureObject {
  const base = JSON.parse(
    fs.readFileSync(path.join(root, 'emulator', 'fixtures', 'contoso.json'), 'utf8'),
  ) as FixtureObject & {
    tenants: unknown[];
  };
  for (let i = 0; i < n; i++) {
    base.tenants.push({
      id: tenantGuid(i),
      domain: `bench${i}.onmicrosoft.com`,
      displayName: `Bench ${i}`,
      generate: {
        count: 20,
        seed: `bench-${i}`,
        unlicensedRate: 0,
        guestRate: 0,
        onPremisesRate: 0,
        disabledRate: 0,
      },
      consents: [
        {
          appId: ids.TOGETHER_APP.appId,
          roles: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
          grantedAt: '2026-06-01T00:00:00Z',
        },
      ],
    });
  }
  return base;
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

async function actionsOfScheduledRun(
  client: Client,
  tenantId: string,
  n: number,
): Promise<{ total: number; kinds: string }> {
  await triggerHealthSchedule(client, tenantId);
  const wfId = await eventually(
    async () => {
      const d = await describeHealthSchedule(client, tenantId);
      return d && d.info.recentActions.length >= n
        ? d.info.recentActions.at(-1)!.action.workflow.workflowId
        : undefined;
    },
    'a scheduled run',
    60_000,
  );
  const run = client.workflow.getHandle(wfId);
  await run.result();
  const own = countActions((await run.fetchHistory()).events ?? []);
  const monitor = await eventually(async () => {
    const events = (await client.workflow.getHandle(monitorWorkflowId(tenantId)).fetchHistory()).events ?? [];
    const signals = events.filter(
      (e) =>
        e.workflowExecutionSignaledEventAttributes?.signalName === healthResultSignal.name &&
        Buffer.from(e.workflowExecutionSignaledEventAttributes.input?.payloads?.[0]?.data ?? [])
          .toString()
          .includes(wfId),
    ).length;
    return signals ? signals : undefined;
  }, 'the monitor signal');
  const kinds = Object.entries({ ...own.byKind, 'signal to monitor': monitor })
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return { total: own.total + monitor, kinds };
}

export default async function healthBench(): Promise<BenchRow[]> {
  const n = Number(process.env.BENCH_HEALTH_TENANTS ?? 1000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-bench-health-'));
  const emu = await startTestEmulator({ fixture: fixtureWithTenants(n), latencyMs: 100 });
  const env = await createLocalTestEnv();
  const taskQueue = `bench-health-${Date.now()}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: env.address,
      TOGETHER_TASK_QUEUE: taskQueue,
      TOGETHER_MAX_CONCURRENT_ACTIVITIES: '200',
      ...graphEnvFor(emu, stateDir),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const client = env.client;
    // let the worker bundle and start polling
    await eventually(
      async () => {
        const d = await client.workflow.start('workerSelfTest', {
          taskQueue,
          workflowId: `bench-selftest-${taskQueue}`,
          args: ['bench'],
        });
        return (await d.result()).includes('hello');
      },
      'the worker',
      120_000,
    );

    // 1. actions per scheduled healthy run (3 runs, 3 tenants)
    const settings = {
      owner: 'owner@bench.test',
      sampleSize: 10,
      threshold: 0.9,
      scheduleIntervalMinutes: 60,
      healthSampleSize: 10,
    };
    const runs: { total: number; kinds: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const tenantId = tenantGuid(i);
      await createOrUpdateHealthSchedule(client, {
        tenant: { tenantId },
        settings,
        consentUrl: 'https://consent.test',
        taskQueue,
      });
      runs.push(await actionsOfScheduledRun(client, tenantId, 1));
      await client.schedule.getHandle(`health-${tenantId}`).delete();
    }
    const actions = Math.max(...runs.map((r) => r.total));
    const monthlyActions = 1000 * 24 * 30 * actions;
    const cost = (monthlyActions / 1e6) * PRICE_PER_MILLION;
    const costAtTarget = ((1000 * 24 * 30 * 6) / 1e6) * PRICE_PER_MILLION;

    // 3. N tenants' health checks on one worker
    const rssBefore = rssMb(child.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(child.pid!))), 200);
    const started = Date.now();
    const handles = [];
    for (let i = 0; i < n; i += 50) {
      handles.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, n - i) }, (_, j) => {
            const tenantId = tenantGuid(i + j);
            const input: HealthCheckInput = {
              tenant: { tenantId },
              owner: 'owner@bench.test',
              consentUrl: 'https://consent.test',
              sampleSize: 10,
              threshold: 0.9,
              taskQueue,
            };
            return client.workflow.start('healthCheck', {
              taskQueue,
              workflowId: `bench-health-${tenantId}-${started}`,
              args: [input],
            });
          }),
        )),
      );
    }
    const results = await Promise.all(handles.map((h) => h.result() as Promise<{ verdict: string }>));
    const wallS = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const hwm = rssMb(child.pid!, 'VmHWM');
    const passed = results.filter((r) => r.verdict === 'pass').length;
    // ~6 sequential Graph round trips of 100 ms per check, 200 activity slots
    const ideal = Math.max(0.6, (n * 6 * 0.1) / 200);

    return [
      {
        name: 'Temporal actions per scheduled healthy run',
        value: actions,
        unit: 'actions',
        baseline: 6,
        baselineLabel: 'target',
        ratio: `${(actions / 6).toFixed(2)}× target`,
        target: '≤ 6',
        met: actions <= 6,
        note: `counted from the histories of ${runs.length} scheduled runs: ${runs[0]!.kinds}`,
      },
      {
        name: 'monthly cost, hourly checks, 1,000 tenants ($50/M actions)',
        value: Math.round(cost * 100) / 100,
        unit: 'USD/month',
        baseline: costAtTarget,
        baselineLabel: 'at 6 actions',
        ratio: `${(cost / costAtTarget).toFixed(2)}× target cost`,
        note: `${(monthlyActions / 1e6).toFixed(2)} M actions/month (1,000 × 24 × 30 × ${actions}); list price, before plan minimums`,
      },
      {
        name: `wall time, ${n.toLocaleString('en-US')} tenants' health checks, one worker (100 ms latency)`,
        value: Math.round(wallS * 10) / 10,
        unit: 's',
        baseline: Math.round(ideal * 10) / 10,
        baselineLabel: 'ideal: 6 round trips/check, 200 slots',
        ratio: `${(wallS / ideal).toFixed(1)}× ideal`,
        note: `${passed}/${n} passed; ${(n / wallS).toFixed(1)} checks/s; worker: 200 concurrent activities, emulator in the bench process, 2-core machine`,
      },
      {
        name: `worker peak RSS during ${n.toLocaleString('en-US')} health checks`,
        value: rssPeak,
        unit: 'MB',
        baseline: rssBefore,
        baselineLabel: 'idle worker',
        ratio: `+${rssPeak - rssBefore} MB`,
        note: `sampled every 200 ms from /proc; the process high-water mark incl. start-up bundling is ${hwm} MB`,
      },
    ];
  } catch (err) {
    if (stderr) console.error(stderr.slice(-2000));
    throw err;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await env.teardown();
    await emu.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
