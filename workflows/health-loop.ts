/**
 * The health-check loop's rules (pure, deterministic; used by tenant-monitor.ts, unit-tested in
 * health-loop.test.ts). The tenant's monitor waits on one timer until `nextRunAt`, runs `runHealthCheck`
 * (report: false) and handles the result itself: 2 Temporal Cloud actions per healthy check. The timing copies
 * what the Schedule did: every `intervalMinutes`, each tenant at its own phase offset within the interval (a
 * hash of the tenant id) so thousands of tenants do not fire at once; a check never overlaps the previous one;
 * after an outage at most one late check runs (the timer fires once), then the rhythm resumes.
 */
import {
  decodeRun,
  encodeRun,
  type HealthLoopCommand,
  type HealthLoopInfo,
  type HealthLoopState,
  type LoopRunOutcome,
} from '../contracts/health-loop';
import { healthScheduleId, monitorWorkflowId } from '../contracts/ids';
import { fnv1a } from '../contracts/health-shard';

const MINUTE = 60_000;
const RECENT_RUNS = 10;

/** A stable offset in [0, interval) minutes derived from the tenant id (FNV-1a; same as temporal/schedule.ts). */
export function tenantPhaseMinutes(tenantId: string, intervalMinutes: number): number {
  return fnv1a(tenantId) % intervalMinutes;
}

/** The first instant strictly after `nowMs` on the tenant's grid (epoch + phase + k × interval). */
export function nextRunAfter(nowMs: number, intervalMinutes: number, tenantId: string): number {
  const every = intervalMinutes * MINUTE;
  const phase = tenantPhaseMinutes(tenantId, intervalMinutes) * MINUTE;
  return Math.floor((nowMs - phase) / every) * every + phase + every;
}

/** The loop after a command (undefined: no loop). `nowMs` is workflow time. */
export function applyHealthLoopCommand(
  loop: HealthLoopState | undefined,
  cmd: HealthLoopCommand,
  nowMs: number,
  tenantId: string,
): HealthLoopState | undefined {
  const schedule = (l: HealthLoopState): HealthLoopState =>
    l.paused
      ? { ...l, nextRunAt: undefined }
      : { ...l, nextRunAt: new Date(nextRunAfter(nowMs, l.intervalMinutes, tenantId)).toISOString() };
  switch (cmd.kind) {
    case 'set': {
      const next: HealthLoopState = {
        runs: loop?.runs ?? 0,
        recentRuns: loop?.recentRuns ?? [],
        ...(loop?.note ? { note: loop.note } : {}),
        paused: cmd.paused ?? loop?.paused ?? false,
        intervalMinutes: cmd.intervalMinutes,
        check: cmd.check,
      };
      // Keep the pending due time when only the check's inputs changed.
      if (
        loop &&
        !loop.paused &&
        !next.paused &&
        loop.intervalMinutes === next.intervalMinutes &&
        loop.nextRunAt
      )
        return { ...next, nextRunAt: loop.nextRunAt };
      return schedule(next);
    }
    case 'pause':
      return loop && schedule({ ...loop, paused: true, ...(cmd.note ? { note: cmd.note } : {}) });
    case 'resume':
      return loop && schedule({ ...loop, paused: false, ...(cmd.note ? { note: cmd.note } : {}) });
    case 'trigger':
      // Due now (a paused loop runs one check now, as a triggered paused Schedule does).
      return loop && { ...loop, nextRunAt: new Date(nowMs).toISOString() };
    case 'stop':
      return undefined;
  }
}

/** After a check ran at `atMs`: record it (with its outcome, when known) and set the next due time on the grid. */
export function afterHealthCheck(
  loop: HealthLoopState,
  atMs: number,
  checkId: string,
  tenantId: string,
  outcome: LoopRunOutcome = {},
): HealthLoopState {
  // The check's number is the end of its id (`…/check-<n>`); a loop replaced while its check ran counts on.
  const n = Number(/(\d+)$/.exec(checkId)?.[1] ?? loop.runs + 1);
  const recentRuns = [...loop.recentRuns, encodeRun(n, new Date(atMs).toISOString(), outcome)].slice(
    -RECENT_RUNS,
  );
  const base = { ...loop, runs: loop.runs + 1, recentRuns };
  return loop.paused
    ? { ...base, nextRunAt: undefined }
    : { ...base, nextRunAt: new Date(nextRunAfter(atMs, loop.intervalMinutes, tenantId)).toISOString() };
}

/**
 * After a shard's check of a loop that was due at `dueMs` ran at `atMs`: record it and set the next due time on
 * the grid after both. A shard runs the checks due within a short window together, so a check may run a little
 * before its due time; measured from `atMs` alone its next due time would be the same grid point again.
 */
export function afterShardCheck(
  loop: HealthLoopState,
  dueMs: number,
  atMs: number,
  checkId: string,
  tenantId: string,
  outcome: LoopRunOutcome = {},
): HealthLoopState {
  const after = afterHealthCheck(loop, atMs, checkId, tenantId, outcome);
  return loop.paused
    ? after
    : {
        ...after,
        nextRunAt: new Date(
          nextRunAfter(Math.max(dueMs, atMs), loop.intervalMinutes, tenantId),
        ).toISOString(),
      };
}

export function healthLoopInfo(
  loop: HealthLoopState | undefined,
  tenantId: string,
  runsIn: string = monitorWorkflowId(tenantId),
): HealthLoopInfo | null {
  if (!loop) return null;
  return {
    scheduleId: healthScheduleId(tenantId),
    runsIn,
    tenantId,
    intervalMinutes: loop.intervalMinutes,
    paused: loop.paused,
    ...(loop.note ? { note: loop.note } : {}),
    ...(loop.nextRunAt ? { nextRunAt: loop.nextRunAt } : {}),
    // A check id names where the loop runs: `<shard>/<tenant>/check-<n>` in a health shard, `<monitor>/check-<n>`
    // for a loop an earlier version runs inside the tenant's monitor (workflows/tenant-monitor.ts).
    recentRuns: loop.recentRuns.map((r) =>
      decodeRun(r, (n) =>
        runsIn === monitorWorkflowId(tenantId) ? `${runsIn}/check-${n}` : `${runsIn}/${tenantId}/check-${n}`,
      ),
    ),
  };
}

/** Loops due within this much of the earliest one run in the same shard batch (a quarter of a shorter interval). */
export const BATCH_WINDOW_MS = 5 * MINUTE;

/**
 * A health shard's next batch at `nowMs` (pure; workflows/health-shard.ts, and the bench's model of production
 * batching): `earliest` is the earliest due time of any loop (Infinity: none due ever); when it has come, every
 * loop due within its window of `nowMs` runs in this batch.
 */
export function dueBatch<T extends { loop: HealthLoopState }>(
  tenants: Iterable<[string, T]>,
  nowMs: number,
): { earliest: number; due: [string, T][] } {
  const all = [...tenants];
  const dueAt = (t: T) => (t.loop.nextRunAt ? Date.parse(t.loop.nextRunAt) : Infinity);
  let earliest = Infinity;
  for (const [, t] of all) earliest = Math.min(earliest, dueAt(t));
  if (earliest > nowMs) return { earliest, due: [] };
  const windowOf = (t: T) => Math.min(BATCH_WINDOW_MS, (t.loop.intervalMinutes * MINUTE) / 4);
  return { earliest, due: all.filter(([, t]) => dueAt(t) <= nowMs + windowOf(t)) };
}
