/**
 * healthShard: the health-check loops of the tenants whose id hashes to this shard (contracts/health-shard.ts).
 *
 *   wait (one timer: the earliest due loop, or a command) ─▶ run every loop due within the batch window as one
 *   activity (runShardChecks) ─▶ record each outcome, set each loop's next due time on its grid ─▶ wait …
 *
 * Each loop keeps the per-tenant rules of workflows/health-loop.ts (interval, the tenant's phase, pause with a
 * note, trigger = due now, a check never overlapping the previous one, one late check after an outage). The
 * activity signals a tenant's monitor only when the monitor needs the result (`shouldReport`), and says so in the
 * outcome; the shard keeps what each monitor last heard. Continues-as-new every RUN_BATCHES batches (or when the
 * server suggests it), carrying every loop.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TemporalActivities } from '../contracts/health';
import {
  fromCarried,
  healthShardLoopQuery,
  healthShardSignal,
  healthShardSummaryQuery,
  healthShardWorkflowId,
  nextLastReport,
  SHARD_RUN_BATCHES,
  SHARD_RUN_HISTORY_BYTES,
  type HealthShardInput,
  type ShardCheck,
  type ShardCheckOutcome,
  type ShardLoopInfo,
  type ShardTenant,
} from '../contracts/health-shard';
import { afterShardCheck, applyHealthLoopCommand, dueBatch, healthLoopInfo } from './health-loop';

/** Checks per activity: keeps an activity's input and result small in history (~100 × 0.5 KB). */
const CHECKS_PER_ACTIVITY = 100;
/**
 * History events per run, whatever caused them (a burst of loop commands is ~4 events each): a shard stays in the
 * worker's cache for its whole run, and the SDK's per-run state grows with every activation (measured: ~12 KB of
 * worker memory per signal into one cached shard, and at ~4,000 events a workflow task of 11 s that timed out and
 * was replayed). Continuing as new starts a fresh, small run; it costs one action.
 */
const RUN_HISTORY_EVENTS = 1_000;

/**
 * The batch's activity: a regular activity, not a local one, because a batch may wait for the worker-wide cap on
 * concurrent checks behind other shards' batches for minutes. A batch running longer than 20 s heartbeats its
 * outcomes every 20 s (activities/temporal/shard-checks.ts), so a worker crash is noticed within a minute and the
 * retry skips the tenants already checked; a short batch sends none (each heartbeat is billed). A retried check is
 * harmless: its monitor ignores a check id it has seen (workflows/tenant-monitor.ts).
 */
const { runShardChecks } = proxyActivities<TemporalActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '30 seconds' },
});

export async function healthShard(input: HealthShardInput): Promise<void> {
  const shardId = healthShardWorkflowId(input.shard);
  const tenants = new Map<string, ShardTenant>(
    Object.entries(input.carried?.tenants ?? {}).map(([id, t]) => [id, fromCarried(t)]),
  );
  let checksRun = input.carried?.checksRun ?? 0;
  let checking = 0;
  let changed = false;
  let batchesThisRun = 0;
  // The run's history size at its first workflow task: the start event carries every loop (~1.2 KB each at 10,000
  // tenants), which is not what grows.
  const historyBytesAtStart = workflowInfo().historySize;

  setHandler(healthShardSignal, ({ tenantId, cmd }) => {
    const now = Date.now();
    if (tenantId === undefined) {
      if (cmd.kind !== 'trigger') {
        log.warn('ignored a shard-wide command other than trigger', { shard: input.shard, kind: cmd.kind });
        return;
      }
      for (const [id, t] of tenants) t.loop = applyHealthLoopCommand(t.loop, cmd, now, id)!;
    } else {
      const t = tenants.get(tenantId);
      const loop = applyHealthLoopCommand(t?.loop, cmd, now, tenantId);
      if (!loop) tenants.delete(tenantId);
      else tenants.set(tenantId, { ...t, loop });
    }
    changed = true;
  });
  setHandler(healthShardLoopQuery, (tenantId): ShardLoopInfo | null => {
    const t = tenants.get(tenantId);
    return healthLoopInfo(t?.loop, tenantId, shardId);
  });
  setHandler(healthShardSummaryQuery, () => ({
    shard: input.shard,
    tenants: tenants.size,
    checksRun,
    checking,
  }));

  const dueAt = (t: ShardTenant) => (t.loop.nextRunAt ? Date.parse(t.loop.nextRunAt) : Infinity);

  async function runBatch(due: [string, ShardTenant][]): Promise<void> {
    const info = workflowInfo();
    const at = new Map<string, number>();
    const checks: ShardCheck[] = due.map(([tenantId, t]) => {
      at.set(tenantId, dueAt(t));
      return {
        checkId: `${shardId}/${tenantId}/check-${t.loop.runs + 1}`,
        check: t.loop.check,
        ...(t.lastReport ? { lastReport: t.lastReport } : {}),
      };
    });
    checking = checks.length;
    const chunks: ShardCheck[][] = [];
    for (let i = 0; i < checks.length; i += CHECKS_PER_ACTIVITY)
      chunks.push(checks.slice(i, i + CHECKS_PER_ACTIVITY));
    const outcomes = await Promise.all(
      chunks.map((c) =>
        runShardChecks({ shard: input.shard, checks: c, taskQueue: input.taskQueue ?? info.taskQueue }).catch(
          (err: unknown) => {
            // Retries exhausted: each loop moves on to its next due time, recorded as not run.
            log.warn('health checks of a batch failed after retries; the next ones run on schedule', {
              shard: input.shard,
              error: String(err),
            });
            return c.map((ch): ShardCheckOutcome => ({
              tenantId: ch.check.tenant.tenantId,
              checkId: ch.checkId,
              at: new Date().toISOString(),
              error: String(err).slice(0, 300),
            }));
          },
        ),
      ),
    );
    checking = 0;
    for (const o of outcomes.flat()) {
      checksRun++;
      // The loop may have changed (or been stopped) while the check ran: a trigger meanwhile is skipped, like
      // overlap SKIP; a new interval applies from now on.
      const t = tenants.get(o.tenantId);
      if (!t) continue;
      const { tenantId, checkId, at: ranAt, ...outcome } = o;
      t.loop = afterShardCheck(
        t.loop,
        at.get(tenantId) ?? Date.now(),
        Date.parse(ranAt),
        checkId,
        tenantId,
        outcome,
      );
      if (o.reported && o.cls) t.lastReport = nextLastReport(o.cls, ranAt, t.lastReport);
    }
  }

  const canSuggested = () => workflowInfo().continueAsNewSuggested;
  for (;;) {
    const now = Date.now();
    const { earliest, due } = dueBatch(tenants, now);
    if (due.length > 0) {
      await runBatch(due);
      batchesThisRun++;
    } else {
      changed = false;
      const wake = () => changed || canSuggested();
      if (earliest === Infinity) await condition(wake);
      else await condition(wake, earliest - now);
    }
    const runLong =
      batchesThisRun >= (input.batchesPerRun ?? SHARD_RUN_BATCHES) ||
      workflowInfo().historyLength >= RUN_HISTORY_EVENTS ||
      // Behind patched(): a run recorded before this rule continued later, and replays as it ran.
      (workflowInfo().historySize - historyBytesAtStart >=
        (input.historyBytesPerRun ?? SHARD_RUN_HISTORY_BYTES) &&
        patched('shard-continue-as-new-by-history-bytes'));
    if (canSuggested() || runLong) {
      // A wake caused by a signal sees its handler still counted as in progress; checked only then, a shard woken by
      // a stream of commands would never continue-as-new (measured: 4,000 events, then workflow tasks timing out).
      await condition(allHandlersFinished);
      await continueAsNew<typeof healthShard>({
        ...input,
        carried: { tenants: Object.fromEntries(tenants), checksRun },
      });
    }
  }
}
