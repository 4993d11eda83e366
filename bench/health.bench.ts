/**
 * Health-check benchmark (issue 15), measured against real systems: the Temporal dev server (its Prometheus
 * metrics on), the emulator with 100 ms Graph latency, and real worker processes run as App Service runs them: the
 * built package (dev/build.ts into .data/bench-dist: compiled worker/main.js, no tsx, the pre-built workflow bundle),
 * real Graph activities.
 *
 *  1. Billed Temporal Cloud actions per healthy periodic check: a health shard's timer-driven batch from its real
 *     history (the timer that woke the shard, the batch's activity and its retries) plus the activity heartbeats
 *     that reached the server (the server's RecordActivityTaskHeartbeat request counter: heartbeats are billed but
 *     never appear in history), divided by the checks a batch holds for 1,000 and 10,000 tenants' hourly loops (the
 *     shards' own batching rule over a simulated day), plus a healthy tenant's daily report and the shard's
 *     continue-as-new. Side by side, measured the same way in the same run: a loop inside the tenant's monitor (the
 *     design before the shards, still run for loops created by earlier versions) and the former Schedule path
 *     (schedule 2 + workflow start + activity + signal + heartbeats).
 *  2. Monthly cost of hourly checks for 1,000 and 10,000 tenants at $50 per million actions (temporal.md §6).
 *  3. Fleet: N tenants' checks on one worker (default N = 10,000: BENCH_HEALTH_TENANTS), R rounds (default 6:
 *     BENCH_HEALTH_ROUNDS): checks/s over all rounds and in steady state (from round 3 on: the first result of a
 *     loop and the one after it go to the tenant's monitor, later healthy ones do not), CPU per check of each
 *     process, peak RSS per round (sampled from /proc every 200 ms). Each round triggers every loop with one signal
 *     per shard and waits until the shards' summary queries count N more checks, so the bench holds no long polls.
 *  4. Which worker settings matter: a smaller fleet (BENCH_HEALTH_VARIANT_TENANTS, default 1,000; 0 skips) run
 *     once per variant — the sources through tsx instead of the built package, bundling at start-up instead of the
 *     pre-built bundle, the SDK's default workflow cache, no heap cap — each compared with the production settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createOrUpdateHealthSchedule, deleteHealthSchedule, triggerAllHealthChecks } from '../client';
import {
  HEALTH_SHARDS,
  healthShardLoopQuery,
  healthShardOf,
  healthShardSummaryQuery,
  healthShardWorkflowId,
  SHARD_RUN_BATCHES,
  SHARD_RUN_HISTORY_BYTES,
} from '../contracts/health-shard';
import { afterShardCheck, dueBatch, nextRunAfter } from '../workflows/health-loop';
import type { HealthCheckInput } from '../contracts/health';
import { healthLoopQuery, healthLoopSignal, type HealthLoopState } from '../contracts/health-loop';
import { healthResultSignal, monitorWorkflowId, type TenantSettings } from '../contracts/messages';
import type { FixtureObject } from '../emulator/fixture';
import { graphEnvFor, ids, startTestEmulator } from '../test/helpers/emulator';
import {
  activityRuns,
  countActions,
  createLocalTestEnv,
  eventually,
  signalsCarrying,
} from '../test/helpers/temporal';
import { build } from '../dev/build';
import {
  WORKER_HEAP_MB,
  WORKER_MALLOC_ARENA_MAX,
  WORKER_MAX_CACHED_WORKFLOWS,
  WORKER_SEMI_SPACE_MB,
} from '../contracts/worker-config';
import { load } from './load';
import { cpuMs } from './setup';
import type { BenchRow } from './types';

/** Temporal Cloud list price, Pay-As-You-Go / Developer plan (temporal.md §6: "$50 per million Actions"). */
const PRICE_PER_MILLION = 50;
const HOURS_PER_MONTH = 24 * 30;
/** Loop checks per monitor run of a loop inside the monitor (workflows/tenant-monitor.ts LOOP_CHECKS_PER_RUN). */
const CHECKS_PER_RUN = 4;
const root = path.resolve(__dirname, '..');
/**
 * The production package the fleet's worker runs from (dev/build.ts, as `npm run build` makes dist/), built by
 * this bench into a folder of its own under .data/ (git-ignored; inside the checkout so the compiled worker
 * resolves the checkout's node_modules), so a run never overwrites the user's dist/.
 */
const builtDir = path.join(root, '.data', 'bench-dist');

/** Production worker settings the fleet runs with (each also printed, and varied in part 4). */
export const FLEET_SETTINGS = {
  maxConcurrentActivities: 200,
  // BENCH_HEALTH_MAX_CACHED: a small fleet with a proportionally small cache shows the 10,000-tenant fleet's
  // cache misses (each a replay of the monitor's history) at a fraction of the time.
  maxCachedWorkflows: Number(process.env.BENCH_HEALTH_MAX_CACHED ?? WORKER_MAX_CACHED_WORKFLOWS),
  heapMb: WORKER_HEAP_MB,
  semiSpaceMb: WORKER_SEMI_SPACE_MB,
  mallocArenaMax: WORKER_MALLOC_ARENA_MAX,
};

const sign = (mb: number) => `${mb >= 0 ? '+' : ''}${mb}`;

function tenantGuid(i: number): string {
  return `7e5a0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
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
    return Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** The Temporal dev server's pid: the process whose command line carries our unique metrics port. */
function devServerPid(metricsPort: number): number | undefined {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('--metrics-port');
      if (i >= 0 && argv[i + 1] === String(metricsPort)) return Number(d);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Each process's CPU ms per check, and the 2-core budget for 20 checks/s: 2 × 1000 ms / 20 = 100 ms. */
export const CPU_BUDGET_MS_PER_CHECK = (2 * 1000) / 20;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sum of the dev server's `service_requests` counter for one gRPC operation (frontend only). */
async function serverRequests(metricsUrl: string, operation: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('service_requests{') || !line.includes(`operation="${operation}"`)) continue;
    if (line.includes('service_name=') && !line.includes('service_name="frontend"')) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}
const heartbeats = async (m: string) =>
  (await serverRequests(m, 'RecordActivityTaskHeartbeat')) +
  (await serverRequests(m, 'RecordActivityTaskHeartbeatById'));

interface WorkerVariant {
  label: string;
  bundle: boolean;
  /**
   * Run worker/main.ts through tsx (as `npm run worker` does in a checkout) instead of the built package's
   * worker/main.js (what App Service runs: `node bin/together-o365.js worker`, infra/appService.ts). tsx turns on
   * Node's source maps, which the SDK's per-promise stack capture in the workflow thread then pays for.
   */
  fromSources?: boolean;
  maxCachedWorkflows?: number;
  heapMb?: number;
  /** Extra environment of the worker process (e.g. glibc's MALLOC_ARENA_MAX). */
  env?: Record<string, string>;
  /** V8's young generation cap, MB per semi-space (--max-semi-space-size); absent: Node's default (16). */
  semiSpaceMb?: number;
  /** glibc's MALLOC_ARENA_MAX; absent: glibc's default (8 per core). */
  mallocArenaMax?: number;
}

/** Health checks completed by every health shard so far (their summary queries; a shard not started counts 0). */
async function checksCompleted(client: Client): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: HEALTH_SHARDS }, (_, k) =>
      client.workflow
        .getHandle(healthShardWorkflowId(k))
        .query(healthShardSummaryQuery)
        .then((s) => s.checksRun)
        .catch(() => 0),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Ends every health shard (they live on one run's task queue) and, if given, the tenants' monitors. */
async function endShards(client: Client, why: string): Promise<void> {
  await Promise.all(
    Array.from({ length: HEALTH_SHARDS }, (_, k) =>
      client.workflow
        .getHandle(healthShardWorkflowId(k))
        .terminate(why)
        .catch(() => undefined),
    ),
  );
}

/**
 * Checks per shard batch in production: N tenants' hourly loops run through the shards' own batching rule
 * (workflows/health-loop.ts `dueBatch`, `nextRunAfter`) over one simulated day. Pure arithmetic on the real rules.
 */
export function checksPerBatch(n: number, intervalMinutes = 60): number {
  const t0 = Date.parse('2026-12-01T00:00:00Z');
  const end = t0 + 24 * 3_600_000;
  const shards = new Map<number, [string, { loop: HealthLoopState }][]>();
  for (let i = 0; i < n; i++) {
    const id = tenantGuid(i);
    const loop: HealthLoopState = {
      intervalMinutes,
      check: { tenant: { tenantId: id }, owner: '', consentUrl: '', sampleSize: 10, threshold: 0.9 },
      paused: false,
      runs: 0,
      recentRuns: [],
      nextRunAt: new Date(nextRunAfter(t0, intervalMinutes, id)).toISOString(),
    };
    const k = healthShardOf(id);
    shards.set(k, [...(shards.get(k) ?? []), [id, { loop }]]);
  }
  let batches = 0;
  let checks = 0;
  for (const tenants of shards.values()) {
    for (;;) {
      const { earliest } = dueBatch(tenants, -Infinity);
      if (earliest >= end) break;
      const { due } = dueBatch(tenants, earliest);
      batches++;
      checks += due.length;
      // The shard's own rule for the next due time (an early run keeps its rhythm).
      for (const [id, t] of due)
        t.loop = afterShardCheck(t.loop, Date.parse(t.loop.nextRunAt!), earliest, 'simulated', id);
    }
  }
  return checks / batches;
}

async function startWorkerProcess(
  env: TestWorkflowEnvironment,
  emuEnv: Record<string, string>,
  taskQueue: string,
  bundlePath: string,
  v: WorkerVariant,
): Promise<{ child: ChildProcess; stderr: () => string; metricsUrl: string }> {
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(v.heapMb ? [`--max-old-space-size=${v.heapMb}`] : []),
      ...(v.semiSpaceMb ? [`--max-semi-space-size=${v.semiSpaceMb}`] : []),
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each worker process, written when it exits (scripts/cpuprofile-top.ts reads it).
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF)]
        : []),
      '--require',
      './bench/exit-with-parent.cjs',
      // BENCH_MEMORY_LOG=<file>: one line per second of where the worker's resident memory is (bench/worker-memory.cjs).
      ...(process.env.BENCH_MEMORY_LOG ? ['--require', './bench/worker-memory.cjs'] : []),
      ...(v.fromSources ? ['--import', 'tsx', 'worker/main.ts'] : [path.join(builtDir, 'worker', 'main.js')]),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ...emuEnv,
        LOG_LEVEL: 'warn',
        TEMPORAL_ADDRESS: env.address,
        TOGETHER_TASK_QUEUE: taskQueue,
        TOGETHER_WORKER_METRICS: `127.0.0.1:${metricsPort}`,
        TOGETHER_MAX_CONCURRENT_ACTIVITIES: String(FLEET_SETTINGS.maxConcurrentActivities),
        ...(v.bundle ? { TOGETHER_WORKFLOW_BUNDLE: bundlePath } : {}),
        ...(v.maxCachedWorkflows !== undefined
          ? { TOGETHER_MAX_CACHED_WORKFLOWS: String(v.maxCachedWorkflows) }
          : {}),
        ...(v.mallocArenaMax ? { MALLOC_ARENA_MAX: String(v.mallocArenaMax) } : {}),
        ...v.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  // With BENCH_MEMORY_LOG, the worker's whole stderr (its warnings) goes next to the memory log.
  // (A stream, not a synchronous append: the bench process also serves the emulator.)
  if (process.env.BENCH_MEMORY_LOG)
    child.stderr!.pipe(
      fs.createWriteStream(`${process.env.BENCH_MEMORY_LOG}.${child.pid}.stderr`, { flags: 'a' }),
    );
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return { child, stderr: () => stderr, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function waitForWorker(client: Client, taskQueue: string): Promise<void> {
  await eventually(
    async () => {
      const h = await client.workflow.start('workerSelfTest', {
        taskQueue,
        workflowId: `bench-selftest-${taskQueue}`,
        args: ['bench'],
      });
      return (await h.result()).includes('hello');
    },
    'the worker',
    180_000,
  );
}

const settingsFor = (intervalMinutes: number): TenantSettings => ({
  owner: 'owner@bench.test',
  sampleSize: 10,
  threshold: 0.9,
  scheduleIntervalMinutes: intervalMinutes,
  healthSampleSize: 10,
});

/** Billed actions of the first periodic (timer-driven) check of a tenant's loop, from its real history. */
async function actionsOfPeriodicCheck(
  client: Client,
  tenantId: string,
): Promise<{ total: number; kinds: Record<string, number> }> {
  const handle = client.workflow.getHandle(monitorWorkflowId(tenantId));
  const info = await eventually(
    async () => {
      const i = await handle.query(healthLoopQuery);
      return i && i.recentRuns.length >= 1 ? i : undefined;
    },
    'a periodic check',
    150_000,
  );
  const checkId = info.recentRuns[0]!.checkId;
  const events = (await handle.fetchHistory()).events ?? [];
  // The check is a local activity (its marker is both start and completion) or, in runs recorded before patch
  // 'health-check-local', a regular activity (scheduled … completed).
  const scheduledAt = events.findIndex((e) => activityRuns([e], 'runHealthCheck').length > 0);
  const scheduledId = events[scheduledAt]!.eventId;
  const completedAt = events[scheduledAt]!.markerRecordedEventAttributes
    ? scheduledAt
    : events.findIndex(
        (e) =>
          (
            e.activityTaskCompletedEventAttributes?.scheduledEventId ??
            e.activityTaskFailedEventAttributes?.scheduledEventId
          )?.toString() === scheduledId?.toString(),
      );
  let timerAt = scheduledAt;
  while (timerAt > 0 && !events[timerAt]!.timerStartedEventAttributes) timerAt--;
  const slice = events.slice(timerAt, completedAt + 1);
  const counted = countActions(slice);
  // A signal carrying the check's result would be billed too (the loop sends none; counted to prove it).
  const signals = signalsCarrying(events, healthResultSignal.name, checkId);
  return {
    total: counted.total + signals,
    kinds: { ...counted.byKind, ...(signals ? { signal: signals } : {}) },
  };
}

/**
 * Billed actions of a health shard's first periodic (timer-driven) batch, from its real history: the timer that
 * woke the shard and the batch's activity (with any retries), plus the heartbeats that reached the server meanwhile
 * (`heartbeats`: billed, never in history). Signals carrying loop commands are not part of the check.
 */
async function actionsOfPeriodicBatch(
  client: Client,
  shard: number,
  tenants: string[],
): Promise<{
  total: number;
  checks: number;
  kinds: Record<string, number>;
  /** History bytes the batch added: the activity's two events per check, the rest (timer, workflow tasks) per batch. */
  bytes: { perCheck: number; fixed: number };
}> {
  const handle = client.workflow.getHandle(healthShardWorkflowId(shard));
  await eventually(
    async () => {
      for (const t of tenants) {
        const d = await handle.query(healthShardLoopQuery, t);
        if (!d || d.recentRuns.length < 1) return undefined;
      }
      return true;
    },
    'a periodic batch',
    150_000,
  );
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduledAt = events.findIndex((e) => activityRuns([e], 'runShardChecks').length > 0);
  const scheduled = events[scheduledAt]!;
  const completedAt = events.findIndex(
    (e) =>
      (
        e.activityTaskCompletedEventAttributes?.scheduledEventId ??
        e.activityTaskFailedEventAttributes?.scheduledEventId
      )?.toString() === scheduled.eventId?.toString(),
  );
  let timerAt = scheduledAt;
  while (timerAt > 0 && !events[timerAt]!.timerStartedEventAttributes) timerAt--;
  const counted = countActions(events.slice(timerAt, completedAt + 1));
  delete counted.byKind.signal; // loop commands (`set`), not the check's
  const input = JSON.parse(
    Buffer.from(scheduled.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data ?? []).toString(),
  ) as { checks: unknown[] };
  const total = Object.values(counted.byKind).reduce((a, b) => a + b, 0);
  // The size the server counts toward a run's history (workflowInfo().historySize) is the events' encoded size.
  const size = (e: temporal.api.history.v1.IHistoryEvent) =>
    temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
  const batchBytes = events.slice(timerAt, completedAt + 1).reduce((a, e) => a + size(e), 0);
  const activityBytes = size(scheduled) + size(events[completedAt]!);
  return {
    total,
    checks: input.checks.length,
    kinds: counted.byKind,
    bytes: { perCheck: activityBytes / input.checks.length, fixed: batchBytes - activityBytes },
  };
}

/** Billed actions of one check through the former Schedule path: schedule 2 + the healthCheck run + its signal. */
async function actionsViaSchedulePath(client: Client, taskQueue: string, tenantId: string): Promise<number> {
  const input: HealthCheckInput = {
    tenant: { tenantId },
    owner: 'owner@bench.test',
    consentUrl: 'https://consent.test',
    sampleSize: 10,
    threshold: 0.9,
    taskQueue,
  };
  const h = await client.workflow.start('healthCheck', {
    taskQueue,
    workflowId: `bench-schedpath-${tenantId}-${Date.now()}`,
    args: [input],
  });
  await h.result();
  const own = countActions((await h.fetchHistory()).events ?? []);
  return (
    2 /* schedule, per execution (temporal.md §6) */ + own.total + 1
  ); /* signal-with-start to the monitor */
}

/** CPU ms per check of each process, over every round of a fleet run. */
export interface CpuPerCheck {
  worker: number;
  devServer: number;
  /** The bench process: the emulator, plus the bench's own signals and metric reads (small). */
  emulator: number;
  total: number;
}

interface FleetRun {
  rounds: { seconds: number; checksPerSecond: number; peakRssMb: number }[];
  cpu: CpuPerCheck;
  /** CPU ms per check from the third round on (no reports to monitors). */
  steadyCpu?: CpuPerCheck;
  idleRssMb: number;
  hwmMb: number;
  heartbeatsPerCheck: number;
}

/** N tenants' loops (paused: they run only when triggered), R rounds of "trigger all, wait for all". */
async function runFleet(
  client: Client,
  metricsUrl: string,
  emuEnv: Record<string, string>,
  env: TestWorkflowEnvironment,
  bundlePath: string,
  n: number,
  rounds: number,
  v: WorkerVariant,
  serverPid: number | undefined,
): Promise<FleetRun> {
  const taskQueue = `bench-fleet-${Date.now()}`;
  const w = await startWorkerProcess(env, emuEnv, taskQueue, bundlePath, v);
  try {
    await waitForWorker(client, taskQueue);
    const pid = w.child.pid!;
    const pool = async (fn: (i: number) => Promise<unknown>, width = 64) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < n) await fn(next++);
        }),
      );
    };
    await pool((i) =>
      createOrUpdateHealthSchedule(client, {
        tenant: { tenantId: tenantGuid(i) },
        settings: settingsFor(24 * 60),
        consentUrl: 'https://consent.test',
        taskQueue,
        paused: true,
      }),
    );
    const idleRssMb = rssMb(pid);
    const hb0 = await heartbeats(metricsUrl);
    const out: FleetRun['rounds'] = [];
    const cpuNow = () => ({
      worker: cpuMs(pid),
      devServer: serverPid ? cpuMs(serverPid) : 0,
      emulator: cpuMs(process.pid),
    });
    const cpu0 = cpuNow();
    let cpuR = cpu0;
    let cpuSteady0: typeof cpu0 | undefined;
    for (let r = 0; r < rounds; r++) {
      if (r === 2) cpuSteady0 = cpuNow();
      const done0 = await checksCompleted(client);
      let peak = rssMb(pid);
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 200);
      const t0 = performance.now();
      // One signal per shard: every loop due now (a fleet-wide `trigger`).
      await triggerAllHealthChecks(client);
      let last = { done: -1, at: performance.now() };
      for (;;) {
        const done = (await checksCompleted(client)) - done0;
        if (done >= n) break;
        if (w.child.exitCode !== null)
          throw new Error(`the worker exited (${w.child.exitCode}): ${w.stderr()}`);
        if (done !== last.done) last = { done, at: performance.now() };
        else if (performance.now() - last.at > 180_000)
          throw new Error(
            `fleet round ${r + 1} stalled at ${done}/${n} checks for 3 minutes (${load()}); the worker's last output:\n${w.stderr()}`,
          );
        await new Promise((res) => setTimeout(res, 1000));
      }
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const c = cpuNow();
      process.stderr.write(
        `  ${v.label}: round ${r + 1} CPU ms per check: worker ${((c.worker - cpuR.worker) / n).toFixed(1)}, ` +
          `dev server ${((c.devServer - cpuR.devServer) / n).toFixed(1)}, emulator ${((c.emulator - cpuR.emulator) / n).toFixed(1)}\n`,
      );
      cpuR = c;
      out.push({ seconds, checksPerSecond: n / seconds, peakRssMb: peak });
      process.stderr.write(
        `  ${v.label}: round ${r + 1}/${rounds}: ${n} checks in ${seconds.toFixed(1)} s, peak RSS ${peak} MB\n`,
      );
    }
    const cpu1 = cpuNow();
    const checks = n * rounds;
    const per = (k: keyof typeof cpu0) => (cpu1[k] - cpu0[k]) / checks;
    const cpu = { worker: per('worker'), devServer: per('devServer'), emulator: per('emulator'), total: 0 };
    cpu.total = cpu.worker + cpu.devServer + cpu.emulator;
    process.stderr.write(
      `  ${v.label}: CPU ms per check: worker ${cpu.worker.toFixed(1)}, dev server ${cpu.devServer.toFixed(1)}, ` +
        `emulator (bench process) ${cpu.emulator.toFixed(1)}, total ${cpu.total.toFixed(1)} of ${CPU_BUDGET_MS_PER_CHECK} (${load()})\n`,
    );
    const hb = (await heartbeats(metricsUrl)) - hb0;
    // The shards and the monitors they started live on this run's task queue: end them, so the next run starts
    // its own on its own queue.
    await endShards(client, 'bench: fleet run done');
    await pool((i) =>
      client.workflow
        .getHandle(monitorWorkflowId(tenantGuid(i)))
        .terminate('bench: fleet run done')
        .catch(() => undefined),
    );
    const steadyChecks = n * (rounds - 2);
    const steadyCpu = cpuSteady0
      ? (() => {
          const per = (k: keyof typeof cpu0) => (cpu1[k] - cpuSteady0[k]) / steadyChecks;
          const c = {
            worker: per('worker'),
            devServer: per('devServer'),
            emulator: per('emulator'),
            total: 0,
          };
          c.total = c.worker + c.devServer + c.emulator;
          return c;
        })()
      : undefined;
    return {
      rounds: out,
      cpu,
      ...(steadyCpu ? { steadyCpu } : {}),
      idleRssMb,
      hwmMb: rssMb(pid, 'VmHWM'),
      heartbeatsPerCheck: hb / (n * rounds),
    };
  } catch (err) {
    console.error(w.stderr());
    throw err;
  } finally {
    await stopWorker(w.child);
  }
}

export default async function healthBench(): Promise<BenchRow[]> {
  const n = Number(process.env.BENCH_HEALTH_TENANTS ?? 10_000);
  // Two rounds in which every result reaches its monitor (a loop's first result and the one after it), then two in
  // steady state.
  // Six rounds: the two reporting ones, then four in steady state (enough to see whether memory keeps growing).
  const rounds = Number(process.env.BENCH_HEALTH_ROUNDS ?? 6);
  const variantN = Number(process.env.BENCH_HEALTH_VARIANT_TENANTS ?? 1000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-bench-health-'));
  const fixtureTenants = Math.max(n, variantN, 200);
  // The worker as deployed: compiled JavaScript and the pre-built workflow bundle (`npm run build`).
  await build(builtDir, (line) => process.stderr.write(`  build: ${line}\n`));
  const bundlePath = path.join(builtDir, 'workflow-bundle.js');
  const emu = await startTestEmulator({
    fixture: fixtureWithTenants(fixtureTenants),
    latencyMs: 100,
  });
  const metricsPort = await freePort();
  // BENCH_TEMPORAL_DYNAMIC_CONFIG=KEY=VALUE,…: dynamic config for the dev server (e.g. its history cache size).
  const dynamicConfig = (process.env.BENCH_TEMPORAL_DYNAMIC_CONFIG ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .flatMap((kv) => ['--dynamic-config-value', kv]);
  const env = await createLocalTestEnv({
    extraArgs: ['--metrics-port', String(metricsPort), ...dynamicConfig],
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const serverPid = devServerPid(metricsPort);
  if (!serverPid) process.stderr.write('  (dev server process not found: its CPU time is not counted)\n');
  const emuEnv = graphEnvFor(emu, stateDir);
  const client = env.client;
  const prod: WorkerVariant = {
    label: 'production settings',
    bundle: true,
    maxCachedWorkflows: FLEET_SETTINGS.maxCachedWorkflows,
    heapMb: FLEET_SETTINGS.heapMb,
    semiSpaceMb: FLEET_SETTINGS.semiSpaceMb,
    mallocArenaMax: FLEET_SETTINGS.mallocArenaMax,
  };
  try {
    // 1. actions per healthy periodic check: a health shard's timer-driven batch (3 tenants of one shard with
    // 1-minute loops), and side by side the two designs before it: a loop inside the tenant's monitor (still run
    // for loops created by earlier versions) and the Schedule path.
    const taskQueue = `bench-actions-${Date.now()}`;
    const w = await startWorkerProcess(env, emuEnv, taskQueue, bundlePath, prod);
    let batch: Awaited<ReturnType<typeof actionsOfPeriodicBatch>>;
    let monitorLoop: { total: number; kinds: Record<string, number> };
    let scheduleActions: number;
    let hbBatch: number;
    try {
      await waitForWorker(client, taskQueue);
      const byShard = new Map<number, string[]>();
      let shardTenants: string[] = [];
      for (let i = 0; shardTenants.length < 3; i++) {
        const id = tenantGuid(i);
        const list = [...(byShard.get(healthShardOf(id)) ?? []), id];
        byShard.set(healthShardOf(id), list);
        if (list.length === 3) shardTenants = list;
      }
      const legacyTenant = tenantGuid(fixtureTenants - 1);
      const hb0 = await heartbeats(metricsUrl);
      for (const tenantId of shardTenants)
        await createOrUpdateHealthSchedule(client, {
          tenant: { tenantId },
          settings: settingsFor(1),
          consentUrl: 'https://consent.test',
          taskQueue,
        });
      // A loop inside the monitor, as versions before the health shards created it (the monitor still runs these).
      await client.workflow.signalWithStart('tenantMonitor', {
        workflowId: monitorWorkflowId(legacyTenant),
        taskQueue,
        args: [{ tenantId: legacyTenant }],
        signal: healthLoopSignal,
        signalArgs: [
          {
            kind: 'set',
            intervalMinutes: 1,
            check: {
              tenant: { tenantId: legacyTenant },
              owner: 'owner@bench.test',
              consentUrl: 'https://consent.test',
              sampleSize: 10,
              threshold: 0.9,
            },
          },
        ],
      });
      process.stderr.write(
        '  waiting for one periodic batch of three 1-minute loops and one monitor loop (≤ 2 min) …\n',
      );
      [batch, monitorLoop] = await Promise.all([
        actionsOfPeriodicBatch(client, healthShardOf(shardTenants[0]!), shardTenants),
        actionsOfPeriodicCheck(client, legacyTenant),
      ]);
      for (const tenantId of shardTenants) await deleteHealthSchedule(client, tenantId);
      await client.workflow
        .getHandle(monitorWorkflowId(legacyTenant))
        .signal(healthLoopSignal, { kind: 'stop' });
      hbBatch = (await heartbeats(metricsUrl)) - hb0;
      const hb1 = await heartbeats(metricsUrl);
      scheduleActions = await actionsViaSchedulePath(client, taskQueue, shardTenants[0]!);
      scheduleActions += (await heartbeats(metricsUrl)) - hb1;
      // These workflows live on this worker's task queue: end them, the fleet starts its own.
      await endShards(client, 'bench: actions measured');
      for (const tenantId of [...shardTenants, legacyTenant])
        await client.workflow
          .getHandle(monitorWorkflowId(tenantId))
          .terminate('bench: actions measured')
          .catch(() => undefined);
    } finally {
      await stopWorker(w.child);
    }
    // Per check in production: the batch's actions over the checks a batch holds for N tenants' hourly loops (the
    // shards' own batching rule over a simulated day), a healthy unchanged tenant's daily report to its monitor
    // (one signal per 24 hourly checks), and the shard's continue-as-new (one workflow start) after SHARD_RUN_BATCHES
    // batches or once its run has added SHARD_RUN_HISTORY_BYTES, whichever comes first (the batch's bytes measured above).
    const batchActions = batch.total + hbBatch;
    const perCheckFor = (tenants: number) => {
      const size = checksPerBatch(tenants);
      const batchBytes = batch.bytes.fixed + batch.bytes.perCheck * size;
      const batchesPerRun = Math.min(SHARD_RUN_BATCHES, Math.ceil(SHARD_RUN_HISTORY_BYTES / batchBytes));
      return {
        size,
        batchBytes,
        batchesPerRun,
        actions: batchActions / size + 1 / 24 + 1 / (batchesPerRun * size),
      };
    };
    const monitorLoopPerCheck = monitorLoop.total + 1 / CHECKS_PER_RUN;
    const monthly = (tenants: number, perCheck: number) =>
      (tenants * HOURS_PER_MONTH * perCheck * PRICE_PER_MILLION) / 1e6;
    const loadAfterActions = load();

    // 3. the fleet with production settings
    const fleet = await runFleet(client, metricsUrl, emuEnv, env, bundlePath, n, rounds, prod, serverPid);
    const loadAfterFleet = load();
    const rates = fleet.rounds.map((r) => r.checksPerSecond);
    const peaks = fleet.rounds.map((r) => r.peakRssMb);
    const peak = Math.max(...peaks);
    const growth = peaks.at(-1)! - peaks[0]!;
    // "Does not grow round after round" is judged over the steady rounds (3 on) when there are at least two: rounds
    // 1–2 are a different regime (every result goes to a monitor, the bench starts 10,000 monitors, and their churn
    // through the workflow cache evicts the shards; from round 3 the 64 shards stay cached with every loop's state).
    const steadyPeaks = peaks.length >= 4 ? peaks.slice(2) : peaks;
    const steadyGrowth = steadyPeaks.at(-1)! - steadyPeaks[0]!;
    const slowest = Math.min(...rates);
    // Throughput over the whole run of rounds (every round has n checks): the steady state of a full cycle.
    const cycle = (n * rates.length) / fleet.rounds.reduce((a, r) => a + r.seconds, 0);
    // Steady state: from the third round on a healthy unchanged tenant's check reaches no monitor (the first result
    // and the one after it are reported: contracts/health-shard.ts shouldReport), as in production after onboarding.
    const steadyRounds = fleet.rounds.slice(2);
    const steady = steadyRounds.length
      ? (n * steadyRounds.length) / steadyRounds.reduce((a, r) => a + r.seconds, 0)
      : undefined;
    // The ceiling this machine allows: its cores' CPU time over the CPU a check costs in the three processes
    // (measured in this run). Latency is not the limit: 200 slots of ~0.4 s checks would allow ~500 checks/s.
    const cores = os.cpus().length;
    const cpuCeiling = (cores * 1000) / fleet.cpu.total;

    const rows: BenchRow[] = [
      ...[1000, 10_000].map((t) => {
        const p = perCheckFor(t);
        return {
          name: `billed actions per healthy hourly check, ${t.toLocaleString('en-US')} tenants (health shards)`,
          value: Math.round(p.actions * 100) / 100,
          unit: 'actions',
          baseline: Math.round(monitorLoopPerCheck * 100) / 100,
          baselineLabel: 'a loop in each tenant’s monitor, measured',
          ratio: `${(monitorLoopPerCheck / p.actions).toFixed(1)}× fewer; Schedule path ${scheduleActions} (${(scheduleActions / p.actions).toFixed(0)}× fewer)`,
          target: '≤ 3',
          met: p.actions <= 3,
          load: loadAfterActions,
          note: `a periodic batch measured from the shard's history: ${batch.total} actions ${JSON.stringify(batch.kinds)} + ${hbBatch} heartbeats (server counter) for ${batch.checks} checks; ${p.size.toFixed(1)} checks per batch for ${t} tenants' hourly loops (the shards' batching rule over a simulated day); + 1/24 (a healthy tenant's daily report to its monitor) + 1/${p.batchesPerRun} batch (the shard's continue-as-new: ${SHARD_RUN_BATCHES} batches or ${SHARD_RUN_HISTORY_BYTES / 1024} KiB of history; a batch adds ${(p.batchBytes / 1024).toFixed(1)} KiB, ${Math.round(batch.bytes.perCheck)} B per check). Monitor loop: ${JSON.stringify(monitorLoop.kinds)} + 1/${CHECKS_PER_RUN} continue-as-new.`,
        };
      }),
      ...[1000, 10_000].map((t) => {
        const p = perCheckFor(t);
        return {
          name: `monthly cost, hourly checks, ${t.toLocaleString('en-US')} tenants ($${PRICE_PER_MILLION}/M actions)`,
          value: Math.round(monthly(t, p.actions) * 100) / 100,
          unit: 'USD/month',
          baseline: Math.round(monthly(t, monitorLoopPerCheck) * 100) / 100,
          baselineLabel: 'a loop in each tenant’s monitor',
          ratio: `${(monitorLoopPerCheck / p.actions).toFixed(1)}× cheaper; Schedule path $${monthly(t, scheduleActions).toFixed(0)}`,
          load: loadAfterActions,
          note: `${((t * HOURS_PER_MONTH * p.actions) / 1e6).toFixed(3)} M actions/month (${t} × 24 × 30 × ${p.actions.toFixed(3)}); list price, before plan minimums and volume tiers (temporal.md §6)`,
        };
      }),
      {
        name: `fleet: ${n.toLocaleString('en-US')} tenants' checks per second, one worker, 100 ms latency (${rounds} rounds: ${rounds >= 3 ? `the first two report every result to its monitor, then steady state` : 'NOT steady state: the first two rounds report every result'})`,
        value: Math.round(cycle * 10) / 10,
        unit: 'checks/s',
        baseline: Math.round(cpuCeiling * 10) / 10,
        baselineLabel: `CPU ceiling: ${cores} cores ÷ ${fleet.cpu.total.toFixed(0)} ms CPU per check`,
        ratio: `${Math.round((100 * cycle) / cpuCeiling)}% of the CPU ceiling; rounds ${rates.map((r) => r.toFixed(1)).join(' / ')} (slowest ${slowest.toFixed(1)})`,
        target: '≥ 20',
        met: cycle >= 20,
        load: loadAfterFleet,
        note: `emulator in the bench process, dev server and worker on the same 2 cores; heartbeats per check ${fleet.heartbeatsPerCheck.toFixed(3)}`,
      },
      ...(steady !== undefined
        ? [
            {
              name: `fleet: ${n.toLocaleString('en-US')} tenants' checks per second in steady state (rounds 3–${rounds}: no result needs its monitor)`,
              value: Math.round(steady * 10) / 10,
              unit: 'checks/s',
              baseline: Math.round(cycle * 10) / 10,
              baselineLabel: 'all rounds, with the first two reporting',
              ratio: `${(steady / cycle).toFixed(1)}×; CPU ms per check in these rounds: ${fleet.steadyCpu ? `${fleet.steadyCpu.worker.toFixed(1)} / ${fleet.steadyCpu.devServer.toFixed(1)} / ${fleet.steadyCpu.emulator.toFixed(1)} (worker / dev server / emulator)` : 'n/a'}`,
              target: '≥ 20',
              met: steady >= 20,
              load: loadAfterFleet,
            },
          ]
        : []),
      {
        name: `fleet: worker peak RSS per round (${n.toLocaleString('en-US')} tenants)`,
        value: peak,
        unit: 'MB',
        baseline: fleet.idleRssMb,
        baselineLabel: 'after creating the loops',
        ratio: `rounds ${peaks.join(' / ')} MB; ${steadyPeaks === peaks ? 'last − first' : `steady rounds 3–${rounds}: last − first`} ${sign(steadyGrowth)} MB${steadyPeaks === peaks ? '' : `; all rounds ${sign(growth)} MB`}`,
        target: '≤ 450, flat',
        load: loadAfterFleet,
        met: peak <= 450 && steadyGrowth <= Math.max(20, steadyPeaks[0]! * 0.05),
        note: `settings: the built package (compiled worker/main.js, no tsx) with its pre-built bundle, maxCachedWorkflows ${FLEET_SETTINGS.maxCachedWorkflows}, --max-old-space-size=${FLEET_SETTINGS.heapMb}, --max-semi-space-size=${FLEET_SETTINGS.semiSpaceMb}, MALLOC_ARENA_MAX=${FLEET_SETTINGS.mallocArenaMax}, ${FLEET_SETTINGS.maxConcurrentActivities} activity slots; process high-water mark ${fleet.hwmMb} MB`,
      },
    ];

    const c = fleet.cpu;
    rows.push({
      name: `fleet: CPU ms per check, all three processes (${n.toLocaleString('en-US')} tenants × ${rounds})`,
      value: Math.round(c.total * 10) / 10,
      unit: 'ms CPU',
      baseline: CPU_BUDGET_MS_PER_CHECK,
      baselineLabel: 'budget: 2 cores / 20 checks/s',
      ratio: `${((c.total / CPU_BUDGET_MS_PER_CHECK) * 100).toFixed(0)}% of budget`,
      target: '≤ 100 (≤ 70 headroom)',
      met: c.total <= CPU_BUDGET_MS_PER_CHECK,
      load: loadAfterFleet,
      note: 'user + system time from /proc/<pid>/stat before and after the rounds, divided by the checks: load-robust where checks/s is not',
    });
    for (const [proc, ms] of [
      ['worker', c.worker],
      ['Temporal dev server', c.devServer],
      ["emulator (bench process: emulator + the bench's signals)", c.emulator],
    ] as const)
      rows.push({
        name: `fleet: CPU ms per check, ${proc}`,
        value: Math.round(ms * 10) / 10,
        unit: 'ms CPU',
        ratio: `${((ms / c.total) * 100).toFixed(0)}% of the total`,
        load: loadAfterFleet,
      });

    // 4. which settings matter: each variant changes one setting from production
    if (variantN > 0) {
      const base = await runFleet(
        client,
        metricsUrl,
        emuEnv,
        env,
        bundlePath,
        variantN,
        rounds,
        {
          ...prod,
          label: 'variant: production',
        },
        serverPid,
      );
      const variants: WorkerVariant[] = [
        {
          ...prod,
          label: 'from the TypeScript sources through tsx (not the built package)',
          fromSources: true,
        },
        {
          ...prod,
          label: 'bundling at start-up (no pre-built bundle; from the sources)',
          bundle: false,
          fromSources: true,
        },
        { ...prod, label: 'SDK default workflow cache', maxCachedWorkflows: undefined },
        { ...prod, label: 'no heap cap', heapMb: undefined },
        // Node's default young generation: up to 3 × 16 MB of new space in each of the worker's two isolates.
        {
          ...prod,
          label: "V8's default young generation (no --max-semi-space-size)",
          semiSpaceMb: undefined,
        },
        // glibc keeps up to 8 malloc arenas per core for the SDK's native threads (tokio, the workflow thread);
        // freed memory in them stays in RSS.
        { ...prod, label: "glibc's default malloc arenas (no MALLOC_ARENA_MAX)", mallocArenaMax: undefined },
      ];
      // BENCH_HEALTH_VARIANTS=<comma-separated label prefixes>: run only those variants.
      const only = process.env.BENCH_HEALTH_VARIANTS?.split(',').map((x) => x.trim().toLowerCase());
      if (only)
        variants.splice(
          0,
          variants.length,
          ...variants.filter((v) => only.some((o) => v.label.toLowerCase().startsWith(o))),
        );
      const basePeak = Math.max(...base.rounds.map((r) => r.peakRssMb));
      const baseRate = Math.min(...base.rounds.map((r) => r.checksPerSecond));
      for (const v of variants) {
        const r = await runFleet(client, metricsUrl, emuEnv, env, bundlePath, variantN, rounds, v, serverPid);
        const p = Math.max(...r.rounds.map((x) => x.peakRssMb));
        const rate = Math.min(...r.rounds.map((x) => x.checksPerSecond));
        rows.push({
          name: `which settings matter (${variantN.toLocaleString('en-US')} tenants × ${rounds}): ${v.label}`,
          value: p,
          unit: 'MB peak',
          baseline: basePeak,
          baselineLabel: 'production settings',
          ratio: `${p - basePeak >= 0 ? '+' : ''}${p - basePeak} MB; ${rate.toFixed(1)} vs ${baseRate.toFixed(1)} checks/s; HWM ${r.hwmMb} vs ${base.hwmMb} MB; CPU ${r.cpu.total.toFixed(0)} vs ${base.cpu.total.toFixed(0)} ms/check`,
          load: load(),
        });
      }
    }
    return rows;
  } finally {
    await env.teardown();
    await emu.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
