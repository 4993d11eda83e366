/**
 * What changed since the accepted report (issue 11 point 4): once the owner confirmed the first report ("Done"),
 * a later re-test or health report is shown against it — accounts newly unreachable, accounts no longer
 * unreachable, reachable count and verdict before → after. Pure, no I/O (CLI, console, workflow-safe).
 *
 * The accepted report is kept in the onboarding's state (and so in Temporal history, via continue-as-new and
 * update results) as the minimum needed: counts, the verdict and the unreachable accounts' UPN or object id —
 * never display names — at most ACCEPTED_UNREACHABLE_KEPT of them.
 */
import type { ReportReview, SampleTestReport, Verdict } from './messages';

/** Unreachable accounts kept with the accepted report (history size; data minimisation). */
export const ACCEPTED_UNREACHABLE_KEPT = 200;

export interface ReportDiff {
  /** When the owner accepted the report compared against. */
  acceptedAt: string;
  reachable: { before: number; after: number };
  sampled: { before: number; after: number };
  verdict: { before: Verdict; after: Verdict };
  /** Unreachable now, not in the accepted report's list (UPN or object id). */
  newlyUnreachable: string[];
  /**
   * In the accepted report's list, not unreachable now: reachable again — or not in this sample, since each
   * test samples anew unless the sample covers every user.
   */
  noLongerUnreachable: string[];
  /** The accepted list was cut at ACCEPTED_UNREACHABLE_KEPT: "newly unreachable" may include older ones. */
  approximate?: boolean;
}

/** The key an unreachable account is kept and compared by (case-insensitive): its UPN, else its object id. */
export function unreachableKey(u: SampleTestReport['inaccessible'][number]): string {
  return u.user.userPrincipalName ?? u.user.id;
}

/** The accepted report's figures, bounded, for ReportReview.accepted. */
export function acceptedFigures(report: SampleTestReport): NonNullable<ReportReview['accepted']> {
  const all = report.inaccessible.map(unreachableKey);
  return {
    sampled: report.sampled,
    accessible: report.accessible,
    verdict: report.verdict,
    unreachable: all.slice(0, ACCEPTED_UNREACHABLE_KEPT),
    ...(all.length > ACCEPTED_UNREACHABLE_KEPT ? { unreachableTotal: all.length } : {}),
  };
}

/**
 * The difference between the accepted report and a later one; undefined when nothing was accepted yet, or the
 * report is the accepted one itself (it ran before the acceptance).
 */
export function diffSinceAccepted(
  review: ReportReview | undefined,
  report: SampleTestReport | undefined,
): ReportDiff | undefined {
  const accepted = review?.state === 'accepted' ? review.accepted : undefined;
  if (!accepted || !review?.acceptedAt || !report) return undefined;
  const ranAt = Date.parse(report.startedAt);
  const acceptedAt = Date.parse(review.acceptedAt);
  if (Number.isNaN(ranAt) || Number.isNaN(acceptedAt) || ranAt <= acceptedAt) return undefined;
  const before = new Set(accepted.unreachable.map((k) => k.toLowerCase()));
  const nowKeys = report.inaccessible.map(unreachableKey);
  const now = new Set(nowKeys.map((k) => k.toLowerCase()));
  const approximate = (accepted.unreachableTotal ?? 0) > accepted.unreachable.length;
  return {
    acceptedAt: review.acceptedAt,
    reachable: { before: accepted.accessible, after: report.accessible },
    sampled: { before: accepted.sampled, after: report.sampled },
    verdict: { before: accepted.verdict, after: report.verdict },
    newlyUnreachable: nowKeys.filter((k) => !before.has(k.toLowerCase())),
    noLongerUnreachable: accepted.unreachable.filter((k) => !now.has(k.toLowerCase())),
    ...(approximate ? { approximate: true } : {}),
  };
}

/** The diff in words, one line each (CLI, email text); `max` accounts listed per group. */
export function reportDiffLines(d: ReportDiff, max = 10): string[] {
  const list = (xs: string[]) =>
    xs.slice(0, max).join(', ') + (xs.length > max ? ` …and ${xs.length - max} more` : '');
  const lines = [
    `Reachable: ${d.reachable.before} of ${d.sampled.before} → ${d.reachable.after} of ${d.sampled.after}`,
    `Verdict: ${d.verdict.before} → ${d.verdict.after}`,
  ];
  lines.push(
    d.newlyUnreachable.length
      ? `Newly unreachable (${d.newlyUnreachable.length}): ${list(d.newlyUnreachable)}`
      : 'Newly unreachable: none',
  );
  if (d.noLongerUnreachable.length)
    lines.push(
      `No longer unreachable (${d.noLongerUnreachable.length}; reachable now, or not in this sample): ${list(d.noLongerUnreachable)}`,
    );
  if (d.approximate)
    lines.push(
      `Only the first ${ACCEPTED_UNREACHABLE_KEPT} unreachable accounts of the accepted report are kept: some "newly unreachable" may be older.`,
    );
  return lines;
}
