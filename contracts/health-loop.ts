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
  recentRuns: LoopRun[];
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
