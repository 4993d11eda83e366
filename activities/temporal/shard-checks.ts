/**
 * runShardChecks: one batch of a health shard's checks (workflows/health-shard.ts), each the whole health check
 * of runHealthCheck, then — only when the tenant's monitor needs it (contracts/health-shard.ts `shouldReport`) — one
 * signal-with-start of the monitor. Returns a small outcome per check for the shard's history.
 *
 * All batches of one worker share one cap on checks in flight: 64 shards may wake at once (a fleet-wide trigger,
 * the end of an outage), and each check holds a token request and 3–4 Graph round trips. The cap bounds the
 * worker's sockets and memory, not Graph's limits (those are per tenant and mailbox, and one check stays far below
 * them). A batch that runs longer than HEARTBEAT_EVERY_MS heartbeats the outcomes so far every HEARTBEAT_EVERY_MS —
 * on a timer, not per check, because its checks may wait behind other batches' in the cap — and a retry (after a
 * worker crash) starts from them. A short batch sends no heartbeat: each one that reaches the server is billed.
 */
import { Context } from '@temporalio/activity';
import pLimit from 'p-limit';
import { classify } from '../../contracts/health-class';
import type { HealthResult, ReportToMonitorInput, RunHealthCheckInput } from '../../contracts/health';
import { shouldReport, type RunShardChecksInput, type ShardCheckOutcome } from '../../contracts/health-shard';

/** Health checks in flight per worker across all shards' batches (each ≈ 4 sequential Graph round trips). */
export const SHARD_CHECKS_IN_FLIGHT = 64;
/** A third of the shard's heartbeat timeout (1 minute, workflows/health-shard.ts). */
export const HEARTBEAT_EVERY_MS = 20_000;

export interface ShardCheckDeps {
  runHealthCheck(input: RunHealthCheckInput): Promise<HealthResult>;
  reportToMonitor(input: ReportToMonitorInput): Promise<void>;
  inFlight?: number;
  heartbeatEveryMs?: number;
}

/** The outcomes a previous attempt heartbeated (none on a first attempt or outside an activity). */
function previousOutcomes(): ShardCheckOutcome[] {
  try {
    const d = Context.current().info.heartbeatDetails as unknown;
    return Array.isArray(d) ? (d as ShardCheckOutcome[]) : [];
  } catch {
    return [];
  }
}

/** Heartbeats `outcomes()` every `everyMs` until stopped (no-op outside an activity, e.g. in unit tests). */
function heartbeatEvery(everyMs: number, outcomes: () => ShardCheckOutcome[]): () => void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return () => {};
  }
  const timer = setInterval(() => ctx.heartbeat(outcomes()), everyMs);
  return () => clearInterval(timer);
}

export function createShardChecks(
  deps: ShardCheckDeps,
): (input: RunShardChecksInput) => Promise<ShardCheckOutcome[]> {
  const limit = pLimit(deps.inFlight ?? SHARD_CHECKS_IN_FLIGHT);
  return async function runShardChecks({
    checks,
    taskQueue,
  }: RunShardChecksInput): Promise<ShardCheckOutcome[]> {
    const done = new Map(previousOutcomes().map((o) => [o.checkId, o]));
    const outcomes: ShardCheckOutcome[] = [];
    const stop = heartbeatEvery(deps.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS, () => outcomes);
    try {
      await Promise.all(
        checks.map((c) =>
          limit(async () => {
            const earlier = done.get(c.checkId);
            if (earlier) {
              outcomes.push(earlier);
              return;
            }
            const tenantId = c.check.tenant.tenantId;
            let outcome: ShardCheckOutcome;
            try {
              const result = await deps.runHealthCheck({
                ...c.check,
                checkId: c.checkId,
                taskQueue,
                report: false,
              });
              const { cls } = classify(result);
              const reported = shouldReport(cls, result, c.lastReport);
              if (reported) await deps.reportToMonitor({ result, taskQueue });
              outcome = {
                tenantId,
                checkId: c.checkId,
                at: result.at,
                cls,
                verdict: result.verdict,
                accessible: result.accessible,
                sampled: result.sampled,
                reported,
              };
            } catch (err) {
              // One tenant's failure (e.g. its monitor cannot be signalled) is that tenant's outcome, not the batch's.
              outcome = {
                tenantId,
                checkId: c.checkId,
                at: new Date().toISOString(),
                error: (err instanceof Error ? err.message : String(err)).slice(0, 300),
              };
            }
            outcomes.push(outcome);
          }),
        ),
      );
    } finally {
      stop();
    }
    return outcomes;
  };
}
