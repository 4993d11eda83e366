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
  /** State carried across continue-as-new (set by the workflow itself, never by callers). */
  carried?: OnboardingCarry;
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
/** Validated; a bad value is rejected without touching history. Resolves with the new settings. */
export const updateSettingsUpdate = defineUpdate<TenantSettings, [Partial<TenantSettings>]>('updateSettings');

// ---------------------------------------------------------------- health monitor

export type MonitorStatus = 'active' | 'degraded' | 'failing' | 'recovered';

export interface HealthPoint {
  at: string;
  verdict: Verdict;
  accessible: number;
  sampled: number;
  consent: ConsentState;
  status: MonitorStatus;
}

export interface MonitorState {
  tenantId: string;
  status: MonitorStatus;
  since: string;
  incident?: { id: string; openedAt: string; reason: string; notified: string[] };
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
}

/** The monitor's input: the tenant, plus state carried across continue-as-new. */
export interface MonitorInput {
  tenantId: string;
  /** Hours between reminders while failing; default 24. */
  reminderHours?: number;
  /** Health points kept; default 100. */
  historyLimit?: number;
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
