/**
 * onboardTenant: one per tenant (workflow id `onboard-<tenant>`). Phases:
 *
 *   awaitingConsent ──callback/poll says consented──▶ verifying ──▶ testing ──▶ active | failing
 *          └──────────── consent wait (default 14 days) ends ───────────────▶ expired
 *
 * While waiting it accepts the console's consent-state registrations (only SHA-256 hashes of the one-time
 * state enter history) and Entra callbacks (accepted only for a registered, unexpired, unused hash; anything
 * else is counted as rejected), polls `checkConsent` with back-off as a fallback, treats `propagating` as
 * "keep waiting", reminds the owner (default after 24 h and 72 h) and sends an `expired` notice at the end.
 * After consent: a sample test (child workflow), then the health schedule and the monitor, then it stays
 * open to answer the status query and the `retest` / `updateSettings` / `acceptReport` updates,
 * continuing-as-new when the server suggests it.
 *
 * The parts live in workflows/onboard/: state.ts (state, status shape, what continue-as-new carries),
 * context.ts (one run), consent-handlers.ts + consent-states.ts (consent messages), consent-wait.ts (the
 * wait), consent-check.ts, connect.ts (first test, schedule, monitor), sample.ts, retest.ts, review.ts
 * (accept/Done), settings.ts, notices.ts and report.ts (pure content). The order of the handler
 * registrations below is part of the recorded histories' behaviour (buffered signals are delivered as their
 * handler is set): keep it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  sampleTestProgressSignal,
  statusQuery,
  type OnboardingStatus,
  type OnboardTenantInput,
} from '../contracts/messages';
import type { OnboardTenantWorkflow } from '../contracts/workflows';
import { handleConsentMessages } from './onboard/consent-handlers';
import { awaitConsent, expire } from './onboard/consent-wait';
import { connect } from './onboard/connect';
import { startOnboarding, status } from './onboard/context';
import { handleRetest } from './onboard/retest';
import { handleReview } from './onboard/review';
import { handleSettings } from './onboard/settings';
import { connectedCarry } from './onboard/state';

export { DEFAULT_CONSENT_POLL_SECONDS } from './onboard/consent-wait';
export { reportToHealthResult, withScopeProof } from './onboard/report';

export async function onboardTenant(input: OnboardTenantInput): Promise<OnboardingStatus> {
  const o = startOnboarding(input);

  // ---------------------------------------------------------------- messages
  setHandler(statusQuery, () => status(o));
  handleConsentMessages(o);
  setHandler(sampleTestProgressSignal, (p) => {
    o.s.progress = p;
  });
  handleSettings(o);
  handleReview(o);
  handleRetest(o);

  // ---------------------------------------------------------------- awaiting consent, then connect
  if (o.s.phase === 'awaitingConsent') {
    if (!(await awaitConsent(o))) {
      await expire(o);
      return status(o);
    }
    await connect(o);
  }

  // ---------------------------------------------------------------- active: serve queries and updates
  await condition(
    () =>
      workflowInfo().continueAsNewSuggested && !o.s.testRunning && !o.s.reverifying && allHandlersFinished(),
  );
  await continueAsNew<OnboardTenantWorkflow>({ ...input, carried: connectedCarry(o.s) });
  return status(o); // not reached
}
