/** Sample-test reports as the onboarding uses them (pure; unit-tested in report.test.ts). */
import { buildHealthResult, type HealthConsent, type HealthResult } from '../../contracts/health';
import type { SampleTestReport, ScopeProof } from '../../contracts/messages';
import { iso } from '../shared';

/**
 * A sample-test report as a health result, through the one builder (contracts/health.ts). Only what was
 * observed is stated: consent as the caller saw it (the first test runs right after consent was verified; a
 * re-test does not check consent, so `unknown`), and the app's enabled flag stays undefined — nothing here
 * looked at the service principal.
 */
export function reportToHealthResult(
  report: SampleTestReport,
  extra: { owner: string; consentUrl: string; checkId: string; consent?: HealthConsent },
): HealthResult {
  return buildHealthResult(
    {
      tenantId: report.tenantId,
      checkId: extra.checkId,
      at: iso(Date.parse(report.startedAt) + report.durationMs),
      owner: extra.owner,
      consentUrl: extra.consentUrl,
      graphRequests: report.graphRequests,
      durationMs: report.durationMs,
    },
    { consent: extra.consent ?? 'consented', report },
  );
}

/** One unreachable account in words: "Name <upn> — why". */
export function unreachableLine(u: SampleTestReport['inaccessible'][number]): string {
  const who = u.user.userPrincipalName ?? u.user.id;
  const name = u.user.displayName ? `${u.user.displayName} <${who}>` : who;
  return `${name} — ${u.detail ?? u.reason}`;
}

/** A scoped tenant's report carries its scope proof; a leaking scope is a failing verdict. */
export function withScopeProof(report: SampleTestReport, proof: ScopeProof): SampleTestReport {
  const leaks = proof.outside.readable > 0;
  return {
    ...report,
    scope: proof,
    ...(leaks ? { verdict: 'fail' as const } : {}),
    verdictReason: `${proof.summary}. ${report.verdictReason ?? ''}`.trim(),
  };
}

/** The report of a sample test that did not finish (the child failed): inconclusive, nothing sampled. */
export function unfinishedTestReport(tenantId: string, err: unknown, at: string): SampleTestReport {
  return {
    tenantId,
    sampled: 0,
    accessible: 0,
    inaccessible: [],
    byReason: {},
    startedAt: at,
    durationMs: 0,
    graphRequests: 0,
    verdict: 'inconclusive',
    verdictReason: `The sample test did not finish: ${err instanceof Error ? err.message : String(err)}`,
  };
}
