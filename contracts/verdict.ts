/**
 * Pure functions shared by the sample test (in the workflow sandbox) and the health-check activity: turn
 * probe results into a report and a verdict. Deterministic, no I/O.
 *
 * Verdict rule: a result is judged twice, once counting every transiently failed user (throttled, error)
 * as reachable (optimistic) and once as unreachable (pessimistic). If both agree, that is the verdict; if
 * they disagree, the transient trouble decided it and the verdict is `inconclusive`. So throttling or an
 * outage can never produce `fail` on its own.
 */
import type { ProbeReason, SampledUser, UserProbeResult } from './activities';
import type { InaccessibleUser, SampleTestReport, Verdict } from './messages';

export const TRANSIENT_REASONS: ProbeReason[] = ['throttled', 'error'];

export function verdictAt(ratio: number, threshold: number): Exclude<Verdict, 'inconclusive'> {
  if (ratio >= threshold) return 'pass';
  if (ratio >= threshold / 2) return 'degraded';
  return 'fail';
}

export function judge(
  counts: { sampled: number; accessible: number; transient: number },
  threshold: number,
): { verdict: Verdict; reason: string } {
  const { sampled, accessible, transient } = counts;
  if (sampled === 0) return { verdict: 'inconclusive', reason: 'No users could be sampled.' };
  const pessimistic = verdictAt(accessible / sampled, threshold);
  const optimistic = verdictAt((accessible + transient) / sampled, threshold);
  const pct = (n: number) => `${Math.round((n / sampled) * 1000) / 10}%`;
  if (pessimistic !== optimistic) {
    return {
      verdict: 'inconclusive',
      reason: `${transient} of ${sampled} users could not be checked (throttling or an outage); the result would be ${pessimistic} or ${optimistic} depending on them.`,
    };
  }
  const base = `${accessible} of ${sampled} sampled users reachable (${pct(accessible)}; threshold ${Math.round(threshold * 1000) / 10}%)`;
  return {
    verdict: pessimistic,
    reason: transient ? `${base}; ${transient} not checked did not change the verdict.` : `${base}.`,
  };
}

export function buildReport(args: {
  tenantId: string;
  users: SampledUser[];
  results: UserProbeResult[];
  threshold: number;
  startedAt: string;
  durationMs: number;
  graphRequests: number;
  /** A mailbox-scoped tenant: `outsideScope` answers are the scope working, not failures. */
  scoped?: boolean;
}): SampleTestReport {
  const byUser = new Map(args.users.map((u) => [u.id, u]));
  let outOfScope = 0;
  const byReason: Partial<Record<ProbeReason, number>> = {};
  const inaccessible: InaccessibleUser[] = [];
  let accessible = 0;
  let transient = 0;
  for (const r of args.results) {
    byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    if (r.reason === 'ok') {
      accessible++;
      continue;
    }
    if (args.scoped && r.reason === 'outsideScope') {
      outOfScope++;
      continue;
    }
    if (TRANSIENT_REASONS.includes(r.reason)) transient++;
    const u = byUser.get(r.userId);
    inaccessible.push({
      user: {
        id: r.userId,
        ...((u?.userPrincipalName ?? r.userPrincipalName)
          ? { userPrincipalName: u?.userPrincipalName ?? r.userPrincipalName }
          : {}),
      },
      reason: r.reason,
      ...(r.detail ? { detail: r.detail } : {}),
      ...(r.code ? { code: r.code } : {}),
      ...(r.requestId ? { requestId: r.requestId } : {}),
    });
  }
  const sampled = args.results.length - outOfScope;
  const { verdict, reason } = judge({ sampled, accessible, transient }, args.threshold);
  return {
    tenantId: args.tenantId,
    sampled,
    accessible,
    inaccessible,
    byReason,
    startedAt: args.startedAt,
    durationMs: args.durationMs,
    graphRequests: args.graphRequests,
    verdict,
    verdictReason: reason,
    ...(args.scoped ? { outOfScope } : {}),
  };
}

/** A report for a test that could not run at all (sampling failed). */
export function failedReport(args: {
  tenantId: string;
  startedAt: string;
  durationMs: number;
  permanent: boolean;
  message: string;
}): SampleTestReport {
  return {
    tenantId: args.tenantId,
    sampled: 0,
    accessible: 0,
    inaccessible: [],
    byReason: {},
    startedAt: args.startedAt,
    durationMs: args.durationMs,
    graphRequests: 0,
    verdict: args.permanent ? 'fail' : 'inconclusive',
    verdictReason: args.permanent
      ? `The sample test could not run: ${args.message}`
      : `The sample test could not run because of a transient problem: ${args.message}`,
  };
}
