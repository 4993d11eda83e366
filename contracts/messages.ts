/**
 * The public face of the workflows: ids, inputs, status shapes, and the signals, queries and updates that
 * the CLI and the console use. Plain definitions only (safe in the workflow sandbox and in client code).
 * Nothing here may carry a secret: the consent `state` travels only as its SHA-256 hash.
 *
 * Changes must be additive unless workflows, CLI and console change together.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ConsentState, ProbeReason, SampleSource, TenantRef } from './activities';
import type { HealthResult } from './health';
import type { TeamsLinks } from './teams';
import type { HealthLoopState } from './health-loop';

// The ids live in ids.ts (one copy); re-exported so a caller that sends a message also has its target's id.
export { healthScheduleId, monitorWorkflowId, onboardingWorkflowId, sampleTestWorkflowIdPrefix } from './ids';

// ---------------------------------------------------------------- settings and inputs

export interface TenantSettings {
  /** Integration owner's email: hears about failures. */
  owner: string;
  /** Users probed per sample test. */
  sampleSize: number;
  /** Share of sampled users that must be reachable for `pass` (0–1); below it `degraded`, far below `fail`. */
  threshold: number;
  /** Minutes between scheduled health checks. */
  scheduleIntervalMinutes: number;
  /** Users in a health check's small sample test. */
  healthSampleSize?: number;
  sampleSource?: SampleSource;
  /**
   * Opt-in: the sample test and the health check also create and delete one Teams meeting on a reachable
   * mailbox to prove bookings get a Teams join link (see contracts/teams.ts). Default false (undefined).
   */
  teamsProbe?: boolean;
  /** Exceptions the owner accepted with the first report (set by `acceptReport`, not by updateSettings). */
  acceptedExceptions?: AcceptedExceptions;
}

export const DEFAULT_SETTINGS: Omit<TenantSettings, 'owner'> = {
  sampleSize: 50,
  threshold: 0.9,
  scheduleIntervalMinutes: 360,
  healthSampleSize: 10,
  sampleSource: { kind: 'all' },
};

export interface OnboardTenantInput {
  tenant: TenantRef;
  /** Admin consent URL without `state` (the console appends one per attempt). */
  consentUrl: string;
  settings: TenantSettings;
  /** How long to wait for consent before `expired`; default 14 days. */
  consentWaitDays?: number;
  /** Reminders to the owner while waiting, in hours after the start; default [24, 72]. */
  reminderAfterHours?: number[];
  /** Publisher mode: also watch the app's credential expiry in health checks. */
  publisherMode?: boolean;
  /** Tuning of the sample tests this onboarding runs (chunk size, parallelism, timeouts). */
  sampleTest?: SampleTestTuning;
  /** Consent polling back-off in seconds, quick at first then slower; the last value repeats. */
  consentPollSeconds?: number[];
  /** Grace after a consent callback during which `propagating`/`notConsented` keep fast polling; default 3600. */
  propagationGraceSeconds?: number;
  /** Task queue for the health schedule's runs and the monitor; default the onboarding's own. */
  healthTaskQueue?: string;
  /** The tenant's display name (e.g. "Contoso"), shown next to the GUID; optional. */
  displayName?: string;
  /** State carried across continue-as-new (set by the workflow itself, never by callers). */
  carried?: OnboardingCarry;
  /** Exchange RBAC for Applications scoping: verify consent through an in-scope mailbox, prove the scope. */
  mailboxScope?: MailboxScopeInput;
  /** While waiting for consent, continue-as-new once history has this many events (default 2,000). */
  continueAsNewAfterEvents?: number;
}

// ---------------------------------------------------------------- reports

export type Verdict = 'pass' | 'degraded' | 'fail' | 'inconclusive';

export interface InaccessibleUser {
  user: { id: string; userPrincipalName?: string; displayName?: string };
  reason: Exclude<ProbeReason, 'ok'>;
  detail?: string;
  code?: string;
  requestId?: string;
}

export interface SampleTestReport {
  tenantId: string;
  sampled: number;
  accessible: number;
  inaccessible: InaccessibleUser[];
  byReason: Partial<Record<ProbeReason, number>>;
  startedAt: string;
  durationMs: number;
  graphRequests: number;
  verdict: Verdict;
  /** Why the verdict is what it is, in one sentence. */
  verdictReason?: string;
  /** Only when the tenant's `teamsProbe` setting is on: can Together's bookings carry a Teams link? */
  teams?: TeamsLinks;
  /** Unreachable users the owner accepted as known exceptions: not counted in `sampled` nor in the verdict. */
  excepted?: InaccessibleUser[];
  /** Scoped tenants: sampled mailboxes refused because they are outside the scope (not counted as sampled). */
  outOfScope?: number;
  /** Scoped tenants: the proof that the scope holds both ways. */
  scope?: ScopeProof;
  /** `individual`: sampled from connected users, each probed with their own delegated token. Absent: domain-wide. */
  mode?: 'individual';
  /** Individual mode: token requests (one silent refresh per sampled user). */
  tokenRequests?: number;
}

// ---------------------------------------------------------------- onboarding

export type OnboardingPhase = 'awaitingConsent' | 'verifying' | 'testing' | 'active' | 'failing' | 'expired';

export interface OnboardingStatus {
  tenantId: string;
  phase: OnboardingPhase;
  phaseSince: string;
  consentUrl: string;
  /** When waiting for consent ends with `expired`. */
  consentDeadline?: string;
  consent?: { state: ConsentState; checkedAt: string; missingRoles: string[] };
  progress: { total: number; probed: number; accessible: number };
  lastReport?: SampleTestReport;
  settings: TenantSettings;
  scheduleId?: string;
  /** Callbacks refused because their state was unknown, used, expired or for another tenant. */
  rejectedCallbacks: number;
  /** The tenant's display name, when the onboarding was given one (`onboard --name`). */
  displayName?: string;
  /** The last consent check's outcome, so a failing check is visible rather than "waiting" (issue 11 point 2). */
  lastCheck?: ConsentCheckOutcome;
  /** The owner's review of the first report (the seed's "Done"); absent on onboardings older than the feature. */
  review?: ReportReview;
  /** Set for a mailbox-scoped tenant (the console then never serves the tenant-wide consent link). */
  mailboxScope?: MailboxScopeInput;
}

/** The last consent check while waiting: what it said, and for an error its kind, code and fix. */
export interface ConsentCheckOutcome {
  at: string;
  /** Since when the same outcome has repeated. */
  firstAt?: string;
  outcome: 'consented' | 'notConsented' | 'propagating' | 'partial' | 'revoked' | 'error';
  /** ApplicationFailure type of an error (UnknownTenantError, CredentialRejectedError, …). */
  errorType?: string;
  /** AADSTS or Graph code. */
  code?: string;
  message?: string;
  /** An error no waiting fixes (unknown tenant, rejected credential, configuration). */
  permanent?: boolean;
  /** Who can fix it: the tenant's admin or the publisher's operators. */
  audience?: 'tenant' | 'publisher';
  fix?: string;
}

/** Known exceptions the owner accepted with the report: they count neither against the verdict nor as incidents. */
export interface AcceptedExceptions {
  /** Guest (B2B) accounts, which have no mailbox in this tenant. */
  guests?: boolean;
  /** Listed accounts, by UPN or object id (compared case-insensitively). */
  accounts?: string[];
}

export interface ReportReview {
  state: 'pending' | 'accepted';
  acceptedAt?: string;
  exceptions?: AcceptedExceptions;
  /** The figures of the accepted report, so a later re-test shows what changed since. */
  accepted?: {
    sampled: number;
    accessible: number;
    verdict: Verdict;
    /** UPN (else object id) of the unreachable accounts, at most 200 (contracts/report-diff.ts); no names. */
    unreachable: string[];
    /** How many were unreachable, when more than the list keeps. */
    unreachableTotal?: number;
  };
}

/** Sent by the console when it hands an admin a consent link (`/consent/start`). */
export interface ConsentStateRegistration {
  /** Hex SHA-256 of the one-time state (the state itself never enters history). */
  stateHash: string;
  expiresAt: string;
}

/** Sent by the console after it validated Entra's redirect to `/consent/callback`. */
export interface ConsentCallback {
  stateHash: string;
  /** `tenant` as the redirect claimed it (never trusted on its own: the workflow verifies by calling Graph). */
  tenant?: string;
  adminConsent: boolean;
  error?: string;
  errorDescription?: string;
}

export const registerConsentStateSignal = defineSignal<[ConsentStateRegistration]>('registerConsentState');
export const consentCallbackSignal = defineSignal<[ConsentCallback]>('consentCallback');
export const statusQuery = defineQuery<OnboardingStatus>('status');
/** Runs a sample test now; resolves with its report. Rejected (validator) unless the tenant is consented. */
export const retestUpdate = defineUpdate<SampleTestReport, []>('retest');
/** The owner's "Done" on the first report, with optional accepted exceptions. Rejected (validator) before a report. */
export const acceptReportUpdate = defineUpdate<ReportReview, [AcceptedExceptions]>('acceptReport');
/** Validated; a bad value is rejected without touching history. Resolves with the new settings. */
export const updateSettingsUpdate = defineUpdate<TenantSettings, [Partial<TenantSettings>]>('updateSettings');

// ---------------------------------------------------------------- health monitor

export type MonitorStatus = 'active' | 'degraded' | 'failing' | 'recovered';

export interface HealthPoint {
  at: string;
  verdict: Verdict;
  accessible: number;
  sampled: number;
  consent: ConsentState | 'unknown';
  status: MonitorStatus;
}

export interface MonitorState {
  tenantId: string;
  status: MonitorStatus;
  since: string;
  incident?: {
    id: string;
    openedAt: string;
    reason: string;
    notified: string[];
    /** `publisher` when the cause is on Together's side (its credential): its operators hear about it, not the owner. */
    kind?: 'tenant' | 'publisher';
  };
  /** Most recent last; bounded (carried across continue-as-new). */
  history: HealthPoint[];
}

export const monitorStateQuery = defineQuery<MonitorState>('monitorState');

// ---------------------------------------------------------------- additions (workflows engineer)

export interface SampleTestTuning {
  /** Users per probe activity; default 100. */
  chunkSize?: number;
  /** Probe activities in flight at once; default 1 (a crash then re-probes at most one chunk). */
  parallelism?: number;
  /** $batch requests in flight inside one probe activity; default: all of them. */
  probeConcurrency?: number;
  /** Heartbeat timeout of a probe activity in seconds; default 30. */
  heartbeatTimeoutSeconds?: number;
}

export interface SampleTestInput extends SampleTestTuning {
  tenant: TenantRef;
  size: number;
  source?: SampleSource;
  threshold: number;
  /** Sampling seed; default the workflow id (so a retried run samples the same users). */
  seed?: string;
  /** Workflow id to send progress signals to (the onboarding that started this test). */
  progressTo?: string;
  /** Also run the Teams-link probe on a reachable mailbox (the tenant's `teamsProbe` setting). */
  teamsProbe?: boolean;
  /** A mailbox-scoped tenant: `outsideScope` answers are expected and do not count against the verdict. */
  scoped?: boolean;
}

export interface SampleTestProgress {
  total: number;
  probed: number;
  accessible: number;
}

export const sampleTestProgressSignal = defineSignal<[SampleTestProgress]>('sampleTestProgress');
export const sampleTestProgressQuery = defineQuery<SampleTestProgress>('progress');

/** Onboarding state carried across continue-as-new. */
export interface OnboardingCarry {
  phase: OnboardingPhase;
  phaseSince: string;
  settings: TenantSettings;
  consent?: OnboardingStatus['consent'];
  lastReport?: SampleTestReport;
  scheduleId?: string;
  rejectedCallbacks: number;
  consentedAt?: string;
  review?: ReportReview;
  lastCheck?: ConsentCheckOutcome;
  /** Set when the wait for consent continued as new. */
  awaiting?: AwaitingConsentCarry;
}

/** The monitor's input: the tenant, plus state carried across continue-as-new. */
export interface MonitorInput {
  tenantId: string;
  /** Hours between reminders while failing; default 24. */
  reminderHours?: number;
  /** Health points kept; default 100. */
  historyLimit?: number;
  /**
   * Loop checks per run before continue-as-new; default 4 (workflows/tenant-monitor.ts says why). 1–100. A
   * benchmark knob first: fewer checks per run = shorter replays on a cache miss, + 1/N billed action per check.
   */
  loopChecksPerRun?: number;
  carried?: MonitorCarry;
}

export interface MonitorCarry {
  state: MonitorState;
  incidents: number;
  nextReminderAt?: string;
  reminders: number;
  owner?: string;
  consentUrl?: string;
  /** Recent check ids (dedupe of retried reports). */
  seenChecks: string[];
  /** Idempotency keys of notifications already delivered (credential warnings etc.). */
  sentKeys: string[];
  /** The health-check timer loop (contracts/health-loop.ts), when configured. */
  healthLoop?: HealthLoopState;
}

/** A health check's result, sent (signal-with-start) to the tenant's monitor. */
export const healthResultSignal = defineSignal<[HealthResult]>('healthResult');

// ---------------------------------------------------------------- additions (reliability, issue 12)

/**
 * A tenant whose calendar access comes from Exchange Online RBAC for Applications scoped to a group (not a
 * tenant-wide Calendars.* consent). The onboarding then verifies consent through `probeMailbox` (the Entra
 * token carries no calendar role) and proves the scope both ways. See DESIGN.md "Scoping truth".
 */
export interface MailboxScopeInput {
  kind: 'group';
  /** The group behind the Exchange management scope: object id or SMTP address (as the reports name it). */
  group: string;
  /** An in-scope mailbox (UPN or object id) whose calendar a consent check reads. */
  probeMailbox: string;
  /** Out-of-scope mailboxes probed to prove the scope refuses them; default 5. */
  outsideSample?: number;
}

/** The proof of a mailbox scope, both ways. Only counts and the UPNs of leaking mailboxes (data minimisation). */
export interface ScopeProof {
  group: string;
  /** In-scope mailboxes reachable, out-of-scope ones refused with ErrorAccessDenied. */
  holds: boolean;
  /** "scoped to <group>: holds" or "scope leaks: N out-of-scope mailboxes readable" (or why it cannot tell). */
  summary: string;
  inScope: { checked: number; reachable: number };
  outside: { checked: number; refused: number; readable: number; readableUsers: string[] };
  /** How membership was known: the group's members (GroupMember.Read.All) or the scope's own answers. */
  membership: 'group' | 'observed';
}

/** What the onboarding answered to a consent callback (the console shows the matching page). */
export interface ConsentCallbackOutcome {
  accepted: boolean;
  phase: OnboardingPhase;
  /** Re-consent of a tenant already active or failing: what the immediate verification found. */
  verification?: ConsentReverification;
}

/** The consent check a re-consent ran at once, and whether a fresh sample test started. */
export interface ConsentReverification {
  consent: ConsentCheckOutcome['outcome'];
  retest: 'started' | 'alreadyRunning' | 'notStarted';
  fix?: ConsentCheckOutcome['fix'];
}

/**
 * The console's validated consent callback as an Update: its validator refuses a malformed or already-used
 * state hash (nothing enters history then), so the page the admin sees matches what the workflow accepted.
 * Replaces the register-then-signal pair, which added history per page view (issue 12 item 2).
 */
export const acceptConsentCallbackUpdate = defineUpdate<ConsentCallbackOutcome, [ConsentCallback]>(
  'acceptConsentCallback',
);

/** Carried across a continue-as-new while waiting for consent. */
export interface AwaitingConsentCarry {
  startedAt: string;
  pollIndex: number;
  nextPollAt: string;
  remindersSentHours: number[];
  callbackAt?: string;
  usedStateHashes: string[];
}
