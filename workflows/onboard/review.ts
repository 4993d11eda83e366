/**
 * The owner's review of the first report (accept / "Done"), optionally with accepted exceptions (guests,
 * listed accounts) that health checks and the monitor then judge with.
 */
import { setHandler } from '@temporalio/workflow';
import {
  acceptReportUpdate,
  type AcceptedExceptions,
  type ReportReview,
  type SampleTestReport,
} from '../../contracts/messages';
import { acceptedFigures } from '../../contracts/report-diff';
import { applyExceptions } from '../../contracts/verdict';
import { iso } from '../shared';
import { reportToMonitor } from './activities';
import type { Onboarding } from './context';
import { reportToHealthResult } from './report';
import { upsertSchedule } from './sample';

/** The exceptions actually accepted (empty parts dropped); undefined when there are none. */
export function acceptedExceptions(
  exceptions: AcceptedExceptions | undefined,
): AcceptedExceptions | undefined {
  const accepted = {
    ...(exceptions?.guests ? { guests: true } : {}),
    ...(exceptions?.accounts?.length ? { accounts: exceptions.accounts } : {}),
  };
  return Object.keys(accepted).length > 0 ? accepted : undefined;
}

/** The review an acceptance records (bounded: only UPNs/ids of at most 200 unreachable accounts). */
export function acceptedReview(
  report: SampleTestReport,
  exceptions: AcceptedExceptions | undefined,
  at: string,
): ReportReview {
  return {
    state: 'accepted',
    acceptedAt: at,
    ...(exceptions ? { exceptions } : {}),
    accepted: acceptedFigures(report),
  };
}

/** Why an acceptance is refused (the update's validator throws it), or undefined. */
export function acceptProblem(
  tenantId: string,
  hasReport: boolean,
  exceptions: AcceptedExceptions | undefined,
): string | undefined {
  if (!hasReport) {
    return `Tenant ${tenantId} has no report to accept yet: the first sample test runs once consent is verified.`;
  }
  const accounts = exceptions?.accounts ?? [];
  if (!Array.isArray(accounts) || accounts.some((a) => typeof a !== 'string' || a.trim() === '')) {
    return 'Accepted accounts must be user principal names or object ids.';
  }
  return undefined;
}

export function handleReview(o: Onboarding): void {
  const { s } = o;
  setHandler(
    acceptReportUpdate,
    async (exceptions) => {
      const accepted = acceptedExceptions(exceptions);
      if (accepted) s.settings = { ...s.settings, acceptedExceptions: accepted };
      const report = accepted
        ? applyExceptions(s.lastReport!, accepted, s.settings.threshold)
        : s.lastReport!;
      s.lastReport = report;
      const review = acceptedReview(report, accepted, iso());
      s.review = review;
      if (s.scheduleId && accepted) {
        // Health checks and the monitor judge with the exceptions from now on.
        await upsertSchedule(o);
        await reportToMonitor({
          result: reportToHealthResult(report, {
            owner: s.settings.owner,
            consentUrl: o.input.consentUrl,
            checkId: `accept/${o.info.workflowId}/${review.acceptedAt}`,
            consent: 'unknown',
          }),
          taskQueue: o.healthTaskQueue,
        });
      }
      return review;
    },
    {
      validator: (exceptions) => {
        const problem = acceptProblem(o.tenantId, !!s.lastReport, exceptions);
        if (problem) throw new Error(problem);
      },
    },
  );
}
