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
import type { AcceptedExceptions, InaccessibleUser, SampleTestReport, Verdict } from './messages';

/** Guests (B2B) have no mailbox in the tenant: Entra marks them userType Guest and their UPN with #EXT#. */
export function isGuest(u: { userPrincipalName?: string; userType?: string | null }): boolean {
  return u.userType === 'Guest' || /#EXT#@/i.test(u.userPrincipalName ?? '');
}

/** Whether an unreachable user is one of the exceptions the owner accepted (guests; listed UPNs or ids). */
export function isAccepted(
  u: { id: string; userPrincipalName?: string; userType?: string | null },
  accepted: AcceptedExceptions | undefined,
): boolean {
  if (!accepted) return false;
  if (accepted.guests && isGuest(u)) return true;
  const listed = (accepted.accounts ?? []).map((a) => a.toLowerCase());
  return listed.includes(u.id.toLowerCase()) || listed.includes((u.userPrincipalName ?? '').toLowerCase());
}

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
  /** Accepted exceptions: unreachable users among them are listed apart and count neither way. */
  accepted?: AcceptedExceptions;
  /** A mailbox-scoped tenant: `outsideScope` answers are the scope working, not failures. */
  scoped?: boolean;
}): SampleTestReport {
  const byUser = new Map(args.users.map((u) => [u.id, u]));
  let outOfScope = 0;
  const byReason: Partial<Record<ProbeReason, number>> = {};
  const inaccessible: InaccessibleUser[] = [];
  const excepted: InaccessibleUser[] = [];
  let accessible = 0;
  let transient = 0;
  let exceptedCount = 0;
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
    const u = byUser.get(r.userId);
    const accept = isAccepted(
      { id: r.userId, userPrincipalName: u?.userPrincipalName ?? r.userPrincipalName, userType: u?.userType },
      args.accepted,
    );
    if (accept) exceptedCount++;
    else if (TRANSIENT_REASONS.includes(r.reason)) transient++;
    (accept ? excepted : inaccessible).push({
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
  const sampled = args.results.length - exceptedCount - outOfScope;
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
    ...(excepted.length ? { excepted } : {}),
    ...(args.scoped ? { outOfScope } : {}),
  };
}

/**
 * The same report judged again with accepted exceptions: unreachable users among them move to `excepted` and
 * leave `sampled`, and the verdict is recomputed (the owner's "Done" with known exceptions).
 */
export function applyExceptions(
  report: SampleTestReport,
  accepted: AcceptedExceptions,
  threshold: number,
): SampleTestReport {
  const keep: InaccessibleUser[] = [];
  const excepted: InaccessibleUser[] = [...(report.excepted ?? [])];
  for (const u of report.inaccessible) (isAccepted(u.user, accepted) ? excepted : keep).push(u);
  const moved = excepted.length - (report.excepted?.length ?? 0);
  if (moved === 0) return report;
  const sampled = report.sampled - moved;
  const transient = keep.filter((u) => TRANSIENT_REASONS.includes(u.reason)).length;
  const { verdict, reason } = judge({ sampled, accessible: report.accessible, transient }, threshold);
  return { ...report, sampled, inaccessible: keep, excepted, verdict, verdictReason: reason };
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
