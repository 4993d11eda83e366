/**
 * The consent messages: the console's state registrations (signal), Entra callbacks relayed as a signal
 * (accepted only for a registered, unexpired, unused hash; anything else is counted as rejected), and the
 * console's acceptConsentCallback update (the console checked the state itself). A callback with consent
 * wakes the consent wait (`callbackPending`); on a connected tenant it re-verifies at once.
 */
import { log, patched, setHandler } from '@temporalio/workflow';
import {
  acceptConsentCallbackUpdate,
  consentCallbackSignal,
  registerConsentStateSignal,
} from '../../contracts/messages';
import type { Onboarding } from './context';
import { claimState, consentCallbackProblem, registerState, rememberUsedState } from './consent-states';
import { reverify } from './retest';

export function handleConsentMessages(o: Onboarding): void {
  const { s, tenantId } = o;
  setHandler(registerConsentStateSignal, (reg) => {
    if (!registerState(s.registered, reg, Date.now())) {
      log.warn('ignored malformed consent-state registration', { tenantId });
    }
  });
  setHandler(consentCallbackSignal, (cb) => {
    const now = Date.now();
    const why = claimState(s.registered, cb, tenantId, now);
    if (why) {
      s.rejectedCallbacks++;
      log.warn('rejected consent callback', { tenantId, why });
      return;
    }
    if (!cb.adminConsent || cb.error) {
      log.info('consent callback without consent', { tenantId, error: cb.error });
      return;
    }
    if (s.consentedAt === undefined) {
      s.callbackAtMs = now;
      s.callbackPending = true;
    }
  });
  // The console checked the one-time state itself (it issued it and keeps it); this update records the
  // callback once. The validator refuses a malformed or replayed hash without writing history, and the
  // console shows the admin the page that matches the answer.
  setHandler(
    acceptConsentCallbackUpdate,
    async (cb) => {
      rememberUsedState(s.usedStateHashes, cb.stateHash);
      if (!cb.adminConsent || cb.error) {
        log.info('consent callback without consent', { tenantId, error: cb.error });
        return { accepted: true, phase: s.phase };
      }
      // Re-consent of a tenant that is already connected (e.g. after a revocation): verify at once rather
      // than say "now verifying" with nothing re-run (issue 11 point 3). Behind patched(): histories recorded
      // before answered such a callback without scheduling the consent check.
      if ((s.phase === 'active' || s.phase === 'failing') && patched('reconsent-starts-verification')) {
        return { accepted: true, phase: s.phase, verification: await reverify(o) };
      }
      if (s.consentedAt === undefined && s.phase === 'awaitingConsent') {
        s.callbackAtMs = Date.now();
        s.callbackPending = true;
      }
      return { accepted: true, phase: s.phase };
    },
    {
      validator: (cb) => {
        const problem = consentCallbackProblem(cb, {
          tenantId,
          phase: s.phase,
          usedStateHashes: s.usedStateHashes,
          registered: s.registered,
        });
        if (problem) throw new Error(problem);
      },
    },
  );
}
