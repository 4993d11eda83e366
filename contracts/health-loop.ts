/**
 * The per-tenant health-check loop (issue 15): an interval, a phase, pause with a note, trigger, stop — the meaning
 * of the CLI's `schedule` commands (the loop's name is still `health-<tenant>`, healthScheduleId). Since the health
 * shards (contracts/health-shard.ts) a loop lives in its tenant's shard, which runs the checks of all its loops due
 * together as one activity. Loops created by earlier versions live inside the tenant's monitor, which waits on one
 * timer and runs one local activity per check (2 actions per healthy check); the monitor still runs them (and the
 * signal and query below still reach them) until `schedule create` moves them to their shard. See docs/workflows.md
 * "Health checks" for why not a Schedule.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HealthCheckInput } from './health';
import type { HealthClass } from './health-class';
import type { Verdict } from './messages';

/** What one check runs (the old schedule's action args). */
export type HealthLoopCheck = Omit<HealthCheckInput, 'taskQueue'>;

export type HealthLoopCommand =
  /** Create or update: interval and what to check (keeps paused/note, like a schedule update). */
  | { kind: 'set'; intervalMinutes: number; check: HealthLoopCheck; paused?: boolean }
  | { kind: 'pause'; note?: string }
  | { kind: 'resume'; note?: string }
  /** Run one check now (skipped if one is running: overlap SKIP). */
  | { kind: 'trigger' }
  /** Delete: no more checks until the next `set`. */
  | { kind: 'stop' };

/** How a check of the loop ended, as far as it is recorded (a health shard records it; a loop in a monitor does not). */
export interface LoopRunOutcome {
  cls?: HealthClass;
  verdict?: Verdict;
  accessible?: number;
  sampled?: number;
  /** The result was signalled to the tenant's monitor. */
  reported?: boolean;
  /** The check could not run (the activity's error); the next one runs on schedule. */
  error?: string;
}

/** One recent check of the loop. */
export type LoopRun = { at: string; checkId: string } & LoopRunOutcome;

/**
 * A recent check as a loop stores it: one line, `<number> <at> <class|-> <verdict|-> <reachable|->/<sampled|->
 * <reported|unreported|-> [error…]`, e.g. `12 2026-12-01T01:00:00.000Z healthy pass 10/10 unreported`. A health shard keeps every loop of
 * its tenants in memory with its last 10 checks (1,560 loops a shard at 10,000 tenants): as objects with their check
 * ids they cost ~240 B of V8 heap each and the shards' state grew by ~2.4 MB a round until the tenth; as lines, a
 * third of that (bench/shard-state.bench.ts). The check id is rebuilt from the number and where the loop runs
 * (`healthLoopInfo`). States written by earlier versions hold `LoopRun` objects; both are read.
 */
export type StoredRun = string | LoopRun;

/** The stored line of a check numbered `n` that ran at `at` (ISO). */
export function encodeRun(n: number, at: string, o: LoopRunOutcome): string {
  const num = (x: number | undefined) => (x === undefined ? '-' : String(x));
  const line = `${n} ${at} ${o.cls ?? '-'} ${o.verdict ?? '-'} ${num(o.accessible)}/${num(o.sampled)} ${o.reported === undefined ? '-' : o.reported ? 'reported' : 'unreported'}`;
  // normalize() returns the line flattened: a template literal is a tree of V8 cons strings (one node per part,
  // each holding its part), which kept as state cost more than the object this line replaced (bench/shard-state).
  return (o.error ? `${line} ${o.error}` : line).normalize();
}

/** A stored check back as a `LoopRun`; `checkIdOf(n)` names check number n. */
export function decodeRun(stored: StoredRun, checkIdOf: (n: number) => string): LoopRun {
  if (typeof stored !== 'string') return stored;
  const [n, at, cls, verdict, counts, reported, ...error] = stored.split(' ');
  const [accessible, sampled] = (counts ?? '-/-').split('/');
  const num = (x: string | undefined) => (x === undefined || x === '-' ? undefined : Number(x));
  const run: LoopRun = { at: at!, checkId: checkIdOf(Number(n)) };
  if (cls && cls !== '-') run.cls = cls as HealthClass;
  if (verdict && verdict !== '-') run.verdict = verdict as Verdict;
  if (num(accessible) !== undefined) run.accessible = num(accessible);
  if (num(sampled) !== undefined) run.sampled = num(sampled);
  if (reported === 'reported' || reported === 'unreported') run.reported = reported === 'reported';
  if (error.length) run.error = error.join(' ');
  return run;
}

/** The loop's state, carried across continue-as-new. */
export interface HealthLoopState {
  intervalMinutes: number;
  check: HealthLoopCheck;
  paused: boolean;
  note?: string;
  /** When the next check is due (ISO); absent while paused. */
  nextRunAt?: string;
  /** Checks run by this loop so far (makes check ids unique). */
  runs: number;
  /** The last 10 checks, oldest first (see StoredRun). */
  recentRuns: StoredRun[];
}

/** What `schedule show` prints. */
export interface HealthLoopInfo {
  /** The loop's name (the former schedule id): `health-<tenant>`. */
  scheduleId: string;
  /** The workflow that runs it: `monitor-<tenant>`. */
  runsIn: string;
  tenantId: string;
  intervalMinutes: number;
  paused: boolean;
  note?: string;
  nextRunAt?: string;
  recentRuns: LoopRun[];
}

export const healthLoopSignal = defineSignal<[HealthLoopCommand]>('healthChecks');
/** null when the tenant's monitor runs no health checks (never set, or stopped). */
export const healthLoopQuery = defineQuery<HealthLoopInfo | null>('healthChecks');
