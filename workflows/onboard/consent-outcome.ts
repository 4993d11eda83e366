/**
 * A consent check's outcome as the status shows it (`lastCheck`): since when the same outcome holds, and for
 * a failed check its type, AADSTS/Graph code and who can fix it. Pure; unit-tested in consent-outcome.test.ts.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { ConsentCheckResult } from '../../contracts/activities';
import type { ConsentCheckOutcome } from '../../contracts/messages';
import { consentCheckFix } from '../../contracts/tenant-state';

/** A failed consent check (type, AADSTS/Graph code, who can fix it). */
export function failedCheck(err: unknown, at: string, prev?: ConsentCheckOutcome): ConsentCheckOutcome {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const app = cause instanceof ApplicationFailure ? cause : undefined;
  const details = (app?.details?.[0] ?? {}) as { code?: unknown };
  const errorType = app?.type ?? undefined;
  const fix = consentCheckFix(errorType);
  return {
    at,
    firstAt: prev?.outcome === 'error' && prev.errorType === errorType ? (prev.firstAt ?? prev.at) : at,
    outcome: 'error',
    ...(errorType ? { errorType } : {}),
    ...(typeof details.code === 'string' ? { code: details.code } : {}),
    message: (cause instanceof Error ? cause.message : String(cause)).slice(0, 300),
    permanent: !!app?.nonRetryable,
    ...fix,
  };
}

/** A check that answered: its state, since when that state holds. */
export function answeredCheck(
  result: Pick<ConsentCheckResult, 'state' | 'checkedAt'>,
  prev?: ConsentCheckOutcome,
): ConsentCheckOutcome {
  return {
    at: result.checkedAt,
    firstAt: prev?.outcome === result.state ? (prev.firstAt ?? prev.at) : result.checkedAt,
    outcome: result.state,
  };
}
