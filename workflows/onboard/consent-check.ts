/** One consent check (the checkConsent activity), recorded in the state as `consent` and `lastCheck`. */
import { log } from '@temporalio/workflow';
import type { ConsentCheckResult } from '../../contracts/activities';
import { iso } from '../shared';
import { checkConsent } from './activities';
import { answeredCheck, failedCheck } from './consent-outcome';
import type { Onboarding } from './context';

/** Checks consent now; a failed check keeps the last known state (the next poll tries again). */
export async function check(o: Onboarding): Promise<ConsentCheckResult['state']> {
  const { input, s } = o;
  let result: Pick<ConsentCheckResult, 'state' | 'checkedAt' | 'missingRoles'>;
  try {
    result = await checkConsent({
      tenant: input.tenant,
      everConsented: false,
      ...(s.callbackAtMs !== undefined ? { consentedAt: iso(s.callbackAtMs) } : {}),
      propagationGraceSeconds: input.propagationGraceSeconds ?? 3600,
      // A scoped tenant's token has no Calendars role: consent shows only in an in-scope mailbox's calendar.
      ...(input.mailboxScope ? { probeUser: input.mailboxScope.probeMailbox } : {}),
    });
  } catch (err) {
    // Not reachable or not consented as far as we can tell: keep waiting, the next poll tries again — but
    // record why, so the status shows a failing check (unknown tenant, rejected credential) instead of "waiting".
    s.lastCheck = failedCheck(err, iso(), s.lastCheck);
    log.warn('consent check failed', { tenantId: o.tenantId, error: String(err) });
    return s.consent?.state ?? 'notConsented';
  }
  s.consent = { state: result.state, checkedAt: result.checkedAt, missingRoles: result.missingRoles };
  s.lastCheck = answeredCheck(result, s.lastCheck);
  return result.state;
}
