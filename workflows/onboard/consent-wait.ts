/**
 * The wait for admin consent (default 14 days): polls `checkConsent` with back-off as a fallback for the
 * callback, polls fast right after a callback (propagation, consent-poll.ts), treats `propagating` as "keep
 * waiting", reminds the owner (default after 24 h and 72 h), continues as new before the history grows
 * long, and at the deadline sends an `expired` notice.
 */
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import type { OnboardTenantWorkflow } from '../../contracts/workflows';
import { nextConsentPollSeconds } from '../consent-poll';
import { iso } from '../shared';
import { check } from './consent-check';
import { notificationKey, notify, setPhase, type Onboarding } from './context';
import { consentExpiredNotice, consentReminderNotice } from './notices';
import { awaitingCarry, DEFAULT_CONSENT_WAIT_DAYS } from './state';

const HOUR = 3_600_000;
export const DEFAULT_CONSENT_POLL_SECONDS = [30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];
export const DEFAULT_REMINDER_AFTER_HOURS = [24, 72];
/** While a callback's propagation grace runs, polls are at most this far apart. */
const GRACE_POLL_CAP_SECONDS = 120;
/** While waiting for consent, continue-as-new after this many history events (Temporal limit: 51,200). */
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

/** The reminders still to send, earliest first: those before the deadline not sent in an earlier run. */
export function pendingReminders(p: {
  afterHours: readonly number[];
  sentHours: readonly number[];
  startMs: number;
  deadlineMs: number;
}): { h: number; at: number }[] {
  const sent = new Set(p.sentHours);
  return p.afterHours
    .map((h) => ({ h, at: p.startMs + h * HOUR }))
    .filter((r) => r.at < p.deadlineMs && !sent.has(r.h))
    .sort((a, b) => a.at - b.at);
}

/**
 * Waits until consent is verified (true) or the deadline passes (false). May continue as new instead of
 * returning (then the next run resumes the wait where this one stopped).
 */
export async function awaitConsent(o: Onboarding): Promise<boolean> {
  const { input, s, startMs, deadlineMs } = o;
  const carry = input.carried?.awaiting;
  const pollSeconds = input.consentPollSeconds?.length
    ? input.consentPollSeconds
    : DEFAULT_CONSENT_POLL_SECONDS;
  const reminderHours = input.reminderAfterHours ?? DEFAULT_REMINDER_AFTER_HOURS;
  const reminders = pendingReminders({
    afterHours: reminderHours,
    sentHours: carry?.remindersSentHours ?? [],
    startMs,
    deadlineMs,
  });
  let pollIndex = carry?.pollIndex ?? 0;
  let pollsSinceCallback: number | undefined;
  let nextPollMs = carry ? Date.parse(carry.nextPollAt) : startMs + pollSeconds[0]! * 1000;
  let consented = false;
  while (!consented) {
    let now = Date.now();
    if (now >= deadlineMs) break;
    // A long wait (14 days of polls, reminders, callbacks) must not run into the history limit.
    if (
      !s.callbackPending &&
      (workflowInfo().historyLength >=
        (input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS) ||
        workflowInfo().continueAsNewSuggested) &&
      allHandlersFinished()
    ) {
      await continueAsNew<OnboardTenantWorkflow>({
        ...input,
        carried: awaitingCarry(s, {
          startedAt: iso(startMs),
          pollIndex,
          nextPollAt: iso(nextPollMs),
          remindersSentHours: reminderHours.filter((h) => !reminders.some((r) => r.h === h)),
          ...(s.callbackAtMs !== undefined ? { callbackAt: iso(s.callbackAtMs) } : {}),
          usedStateHashes: s.usedStateHashes,
        }),
      });
    }
    const nextEvent = Math.min(nextPollMs, reminders[0]?.at ?? Infinity, deadlineMs);
    if (nextEvent > now && !s.callbackPending) {
      await condition(() => s.callbackPending, nextEvent - now);
    }
    now = Date.now();
    if (s.callbackPending) {
      s.callbackPending = false;
      pollIndex = 0;
      pollsSinceCallback = 0;
      nextPollMs = now;
    }
    while (reminders.length && reminders[0]!.at <= now) {
      const r = reminders.shift()!;
      await notify(
        o,
        consentReminderNotice({
          idempotencyKey: notificationKey(o, `consentReminder:${r.h}h`),
          since: iso(startMs),
          afterHours: r.h,
          consentUrl: input.consentUrl,
        }),
      );
    }
    if (now >= deadlineMs) break;
    if (now >= nextPollMs) {
      const afterCallback = s.callbackAtMs !== undefined;
      if (afterCallback) setPhase(o, 'verifying');
      const state = await check(o);
      if (state === 'consented') {
        consented = true;
        s.consentedAt = iso();
        break;
      }
      setPhase(o, 'awaitingConsent');
      const inGrace =
        s.callbackAtMs !== undefined &&
        Date.now() < s.callbackAtMs + (input.propagationGraceSeconds ?? 3600) * 1000;
      pollIndex++;
      let interval = pollSeconds[Math.min(pollIndex, pollSeconds.length - 1)]!;
      if (inGrace) interval = Math.min(interval, GRACE_POLL_CAP_SECONDS);
      if (pollsSinceCallback !== undefined) {
        pollsSinceCallback++;
        // Fast polls right after a callback (issue 15). Behind patched(): histories recorded before poll
        // their old, longer timers on replay.
        if (patched('consent-fast-poll-after-callback'))
          interval = nextConsentPollSeconds({
            pollsSinceCallback,
            pollIndex,
            pollSeconds,
            inGrace,
            graceCapSeconds: GRACE_POLL_CAP_SECONDS,
          });
      }
      nextPollMs = Date.now() + interval * 1000;
    }
  }
  return consented;
}

/** No consent by the deadline: `expired`, the owner is told, handlers in flight finish. */
export async function expire(o: Onboarding): Promise<void> {
  setPhase(o, 'expired');
  await notify(
    o,
    consentExpiredNotice({
      idempotencyKey: notificationKey(o, 'consentExpired'),
      since: iso(o.startMs),
      waitDays: o.input.consentWaitDays ?? DEFAULT_CONSENT_WAIT_DAYS,
      consentUrl: o.input.consentUrl,
    }),
  );
  await condition(allHandlersFinished);
}
