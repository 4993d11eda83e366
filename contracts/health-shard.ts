/**
 * Health checks by shard (issue 15, target 4): the tenants' health-check loops live in HEALTH_SHARDS long-running
 * `healthShard` workflows (`health-shard-<k>`, a tenant's k a hash of its id), not one per tenant. A shard wakes
 * on one timer for every check due within a short window, runs them as one activity (concurrency-capped across the
 * worker), and signals a tenant's monitor only when the monitor needs the result (`shouldReport`): a change of
 * class, anything not healthy, a credential warning, the first check, or once a day. The monitor stays the owner
 * of the tenant's status, incidents and notifications (workflows/tenant-monitor.ts).
 *
 * Why: with one loop per tenant every check was one workflow task of the tenant's monitor, and with more tenants
 * than the worker's workflow cache each of those was a replay of the monitor's run — at 10,000 tenants ~128 ms of
 * CPU per check across worker and server, 13 checks/s on two cores (docs/benchmarks.md). A shard's wake costs the
 * same few workflow tasks for a whole batch, and a shard stays in the worker's cache (64 of them), so a check
 * costs the Graph calls and the monitor is touched only on change. Billing falls with it: a wake is one timer and
 * one activity (2 actions) for the whole batch instead of 2.25 actions per check.
 *
 * The commands and the query answer keep the meaning of the CLI's `schedule` commands (contracts/health-loop.ts).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HealthClass } from './health-class';
import type { HealthResult } from './health';
import type {
  HealthLoopCheck,
  HealthLoopCommand,
  HealthLoopInfo,
  HealthLoopState,
  LoopRunOutcome,
} from './health-loop';

/**
 * Shards in a namespace. Fixed: a tenant's shard is a hash of its id modulo this number, so changing it moves
 * tenants between shards (their loops would have to be re-created with `schedule create`). 64 keeps a shard at
 * ~160 tenants at 10,000 (small activity inputs, a carried state of ~100 KB) and all shards in the worker's cache.
 */
export const HEALTH_SHARDS = 64;

/** FNV-1a of a string (also the tenants' phase within the interval, workflows/health-loop.ts). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const healthShardOf = (tenantId: string): number => fnv1a(tenantId) % HEALTH_SHARDS;
export const healthShardWorkflowId = (shard: number): string => `health-shard-${shard}`;

/** How a check ended (recorded with the loop's recent runs: the monitor hears only changes). */
export type ShardRunOutcome = LoopRunOutcome;

/** One tenant's loop in a shard, with what its monitor last heard. */
export interface ShardTenant {
  loop: HealthLoopState;
  lastReport?: LastReport;
}

/**
 * A tenant as a continue-as-new brought it. The version of 2026-11-30 evening kept each check's outcome in a second
 * map (`outcomes`, by check id) beside the loop's runs: folded into those runs here and dropped, so an upgraded shard
 * neither loses their outcomes in `schedule show` nor carries the map forever.
 */
export function fromCarried(t: ShardTenant & { outcomes?: Record<string, LoopRunOutcome> }): ShardTenant {
  const { outcomes, ...tenant } = t;
  if (!outcomes) return t;
  const recentRuns = t.loop.recentRuns.map((r) =>
    typeof r === 'string' ? r : { ...r, ...outcomes[r.checkId] },
  );
  return { ...tenant, loop: { ...t.loop, recentRuns } };
}

/** Batches per run: a shard's history stays short (each batch is ~10 events) and its carried state is one input. */
export const SHARD_RUN_BATCHES = 50;
/**
 * History bytes a run may add before continuing as new. The SDK core keeps one state machine per command for the
 * whole run, and an activity's machine holds its full `ScheduleActivity` attributes, input payload included
 * (sdk-core crates/sdk-core/src/worker/workflow/machines/activity_state_machine.rs: `SharedState.attrs`; machines
 * leave `all_machines` only when the run ends). So a cached shard's native memory grows with every batch's input:
 * a batch adds ~570 B of history per check (bench: input and result), so at 10,000 tenants with every loop due at
 * once ~90 KB per shard per round, ~6 MB a round across the 64 shards, for 50 batches. Bounding the bytes a run adds
 * bounds that memory whatever the batch size. With hourly loops spread over the hour (~21 checks per batch at
 * 10,000 tenants) a run still lasts ~42 batches: the continue-as-new costs ~0.001 action per check.
 */
export const SHARD_RUN_HISTORY_BYTES = 512 * 1024;

export interface HealthShardInput {
  shard: number;
  /** Task queue of the checks and the monitors (default: the workflow's own). */
  taskQueue?: string;
  /** Batches per run before continuing as new (default SHARD_RUN_BATCHES; tests use fewer). */
  batchesPerRun?: number;
  /** History bytes a run may add before continuing as new (default SHARD_RUN_HISTORY_BYTES; tests use less). */
  historyBytesPerRun?: number;
  carried?: { tenants: Record<string, ShardTenant>; checksRun: number };
}

/** A command for one tenant's loop, or `trigger` for every loop of the shard (tenantId omitted). */
export interface HealthShardCommand {
  tenantId?: string;
  cmd: HealthLoopCommand;
}

export const healthShardSignal = defineSignal<[HealthShardCommand]>('healthShardCommand');
/** One tenant's loop as `schedule show` prints it (null: the tenant has no loop in this shard). */
export const healthShardLoopQuery = defineQuery<ShardLoopInfo | null, [string]>('healthShardLoop');
/** The shard at a glance: tenants, checks run since it started, checks running now. */
export const healthShardSummaryQuery = defineQuery<HealthShardSummary>('healthShardSummary');

/** One tenant's loop as a shard answers for it (its recent runs carry their outcomes). */
export type ShardLoopInfo = HealthLoopInfo;

export interface HealthShardSummary {
  shard: number;
  tenants: number;
  checksRun: number;
  checking: number;
}

/** What the tenant's monitor last heard from the shard. */
export interface LastReport {
  cls: HealthClass;
  at: string;
  /** Healthy results reported in a row (the second one moves a `recovered` monitor back to `active`). */
  healthyStreak: number;
}

/** One check of a shard's batch. */
export interface ShardCheck {
  checkId: string;
  check: HealthLoopCheck;
  lastReport?: LastReport;
}

export interface RunShardChecksInput {
  shard: number;
  checks: ShardCheck[];
  taskQueue?: string;
}

export interface ShardCheckOutcome extends ShardRunOutcome {
  tenantId: string;
  checkId: string;
  at: string;
}

/** A healthy, unchanged tenant is still reported this often, so its monitor's history shows it alive. */
export const REPORT_AT_LEAST_EVERY_MS = 24 * 3_600_000;

/** What the monitor has heard after this result (when it was reported). */
export function nextLastReport(cls: HealthClass, at: string, last: LastReport | undefined): LastReport {
  return {
    cls,
    at,
    healthyStreak: cls === 'healthy' ? (last?.cls === 'healthy' ? last.healthyStreak + 1 : 1) : 0,
  };
}

/**
 * Does the tenant's monitor need this result? Everything that can change its status or send a notification goes
 * to it — the first result, a change of class, every result that is not healthy (reminders and escalation are the
 * monitor's), a credential warning (its own deduplication by key and severity), the healthy result after the one
 * that closed an incident (`recovered` → `active`) — and a healthy unchanged one once a day. Any other healthy
 * check changes nothing in the monitor (workflows/tenant-monitor.ts `handle`: status stays `active`, no
 * notification), so it is not sent.
 */
export function shouldReport(
  cls: HealthClass,
  r: Pick<HealthResult, 'credentials' | 'at'>,
  last: LastReport | undefined,
): boolean {
  // Two healthy reports in a row: the first closes an incident (status `recovered`), the second sets `active`.
  if (!last || cls !== 'healthy' || last.cls !== 'healthy' || last.healthyStreak < 2) return true;
  if (r.credentials?.credentials.some((c) => c.severity !== 'ok')) return true;
  return Date.parse(r.at) - Date.parse(last.at) >= REPORT_AT_LEAST_EVERY_MS;
}
