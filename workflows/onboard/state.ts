/**
 * The onboarding's state: what it starts from (fresh or carried across continue-as-new), the status query's
 * shape, and what continue-as-new carries. Pure (no workflow APIs): unit-tested in state.test.ts.
 */
import {
  DEFAULT_SETTINGS,
  type AwaitingConsentCarry,
  type ConsentCheckOutcome,
  type OnboardingCarry,
  type OnboardingPhase,
  type OnboardingStatus,
  type OnboardTenantInput,
  type ReportReview,
  type SampleTestReport,
  type TenantSettings,
} from '../../contracts/messages';
import { iso } from '../shared';

const DAY = 24 * 3_600_000;
export const DEFAULT_CONSENT_WAIT_DAYS = 14;

/** A one-time consent state the console registered (only its SHA-256 hash enters history). */
export interface RegisteredState {
  stateHash: string;
  expiresAt: number;
  used: boolean;
}

/** Everything the handlers and phases share; the status query is a view of it (statusOf). */
export interface OnboardingState {
  settings: TenantSettings;
  phase: OnboardingPhase;
  phaseSince: string;
  consent: OnboardingStatus['consent'];
  lastReport: SampleTestReport | undefined;
  scheduleId: string | undefined;
  rejectedCallbacks: number;
  consentedAt: string | undefined;
  review: ReportReview | undefined;
  lastCheck: ConsentCheckOutcome | undefined;
  progress: OnboardingStatus['progress'];
  testRunning: boolean;
  /** A re-consent's background test and its report to the monitor (keeps continue-as-new waiting). */
  reverifying: boolean;
  /** When Entra's callback said consent was granted (a check then allows the propagation grace). */
  callbackAtMs: number | undefined;
  /** A callback arrived that the consent wait has not acted on yet. */
  callbackPending: boolean;
  registered: RegisteredState[];
  usedStateHashes: string[];
}

/** When the wait for consent started: carried across continue-as-new, else now. */
export function consentWaitStartMs(input: OnboardTenantInput, nowMs: number): number {
  const awaiting = input.carried?.awaiting;
  return awaiting ? Date.parse(awaiting.startedAt) : nowMs;
}

/** When the wait for consent ends with `expired` (default 14 days after it started). */
export function consentDeadlineMs(input: OnboardTenantInput, startMs: number): number {
  return startMs + (input.consentWaitDays ?? DEFAULT_CONSENT_WAIT_DAYS) * DAY;
}

export function initialState(input: OnboardTenantInput, startMs: number): OnboardingState {
  const carried = input.carried;
  const awaitingCarry = carried?.awaiting;
  return {
    settings: carried?.settings ?? { ...DEFAULT_SETTINGS, ...input.settings },
    phase: carried?.phase ?? 'awaitingConsent',
    phaseSince: carried?.phaseSince ?? iso(startMs),
    consent: carried?.consent,
    lastReport: carried?.lastReport,
    scheduleId: carried?.scheduleId,
    rejectedCallbacks: carried?.rejectedCallbacks ?? 0,
    consentedAt: carried?.consentedAt,
    review: carried?.review,
    lastCheck: carried?.lastCheck,
    progress: { total: 0, probed: 0, accessible: 0 },
    testRunning: false,
    reverifying: false,
    callbackAtMs: awaitingCarry?.callbackAt ? Date.parse(awaitingCarry.callbackAt) : undefined,
    callbackPending: false,
    registered: [],
    usedStateHashes: [...(awaitingCarry?.usedStateHashes ?? [])],
  };
}

/** The status query's answer: optional parts only when known. */
export function statusOf(
  input: OnboardTenantInput,
  s: OnboardingState,
  deadlineMs: number,
): OnboardingStatus {
  return {
    tenantId: input.tenant.tenantId,
    phase: s.phase,
    phaseSince: s.phaseSince,
    consentUrl: input.consentUrl,
    ...(s.phase === 'awaitingConsent' || s.phase === 'expired' ? { consentDeadline: iso(deadlineMs) } : {}),
    ...(s.consent ? { consent: s.consent } : {}),
    progress: s.progress,
    ...(s.lastReport ? { lastReport: s.lastReport } : {}),
    settings: s.settings,
    ...(s.scheduleId ? { scheduleId: s.scheduleId } : {}),
    rejectedCallbacks: s.rejectedCallbacks,
    ...(input.displayName ? { displayName: input.displayName } : {}),
    ...(s.lastCheck ? { lastCheck: s.lastCheck } : {}),
    ...(s.review ? { review: s.review } : {}),
    ...(input.mailboxScope ? { mailboxScope: input.mailboxScope } : {}),
  };
}

/** What a continue-as-new during the consent wait carries (the wait's own position in `awaiting`). */
export function awaitingCarry(s: OnboardingState, awaiting: AwaitingConsentCarry): OnboardingCarry {
  return {
    phase: s.phase,
    phaseSince: s.phaseSince,
    settings: s.settings,
    consent: s.consent,
    rejectedCallbacks: s.rejectedCallbacks,
    awaiting,
  };
}

/** What a continue-as-new of a connected (active/failing) onboarding carries. */
export function connectedCarry(s: OnboardingState): OnboardingCarry {
  return {
    phase: s.phase,
    phaseSince: s.phaseSince,
    settings: s.settings,
    consent: s.consent,
    lastReport: s.lastReport,
    scheduleId: s.scheduleId,
    rejectedCallbacks: s.rejectedCallbacks,
    consentedAt: s.consentedAt,
    ...(s.review ? { review: s.review } : {}),
    ...(s.lastCheck ? { lastCheck: s.lastCheck } : {}),
  };
}
