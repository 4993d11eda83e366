/**
 * The contract between the workflows and the activities that use the Temporal client or compose the Graph
 * activities (activities/temporal/). Types only: workflows import this file with `import type`.
 * Nothing here carries a secret.
 */
import type { CheckCredentialExpiryResult, ConsentState, SampleSource, TenantRef } from './activities';
import type { AcceptedExceptions, SampleTestReport, TenantSettings, Verdict } from './messages';
import type { TeamsLinks } from './teams';
import type { RunShardChecksInput, ShardCheckOutcome } from './health-shard';

/** A health check's view of consent: a ConsentState, or `unknown` when the check itself could not tell. */
export type HealthConsent = ConsentState | 'unknown';

/** What the health schedule passes to each `healthCheck` run (the schedule's action args). */
export interface HealthCheckInput {
  tenant: TenantRef;
  owner: string;
  consentUrl: string;
  /** Users in the small sample test. */
  sampleSize: number;
  threshold: number;
  sampleSource?: SampleSource;
  /** Publisher mode: also check the app's credential expiry. */
  publisherMode?: boolean;
  /** Task queue of the workflows (the monitor is started there). */
  taskQueue?: string;
  /** Also run the Teams-link probe (the tenant's `teamsProbe` setting). */
  teamsProbe?: boolean;
  /** Exceptions the owner accepted with the first report: they count neither against the verdict nor as incidents. */
  accepted?: AcceptedExceptions;
}

/** One health check's outcome, as the monitor receives it. Small on purpose (it lands in history). */
export interface HealthResult {
  tenantId: string;
  /** Unique per health-check run (`<workflowId>/<runId>`): the monitor ignores a result it already has. */
  checkId: string;
  at: string;
  owner: string;
  consentUrl: string;
  consent: HealthConsent;
  missingRoles: string[];
  /** Why consent is `unknown`: the consent check's error (type, AADSTS/Graph code, message). */
  consentError?: { type?: string; code?: string; message: string };
  /** Set when Together's own credential was rejected (PUBLISHER_FAULT_TYPES): a publisher problem. */
  publisherFault?: { code?: string; message: string };
  /** The enterprise app (service principal) exists and is enabled; undefined when unknown. */
  appEnabled?: boolean;
  verdict: Verdict;
  verdictReason?: string;
  sampled: number;
  accessible: number;
  /** Up to 5 examples of unreachable users, for the notification. */
  examples: { user: string; reason: string; code?: string }[];
  credentials?: Pick<CheckCredentialExpiryResult, 'severity' | 'credentials'>;
  graphRequests: number;
  durationMs: number;
  /** Only when `teamsProbe` was asked for. */
  teams?: TeamsLinks;
}

export interface RunHealthCheckInput extends HealthCheckInput {
  checkId: string;
  /**
   * Signal the result to the tenant's monitor (default true). The monitor's own check loop passes false: it
   * handles the returned result itself, so a healthy check costs no signal (contracts/health-loop.ts).
   */
  report?: boolean;
}

export interface UpsertHealthScheduleInput {
  tenant: TenantRef;
  settings: TenantSettings;
  consentUrl: string;
  publisherMode?: boolean;
  /** Task queue the scheduled `healthCheck` runs on; default: the worker's. */
  taskQueue?: string;
}

export interface ReportToMonitorInput {
  result: HealthResult;
  taskQueue?: string;
}

export interface TemporalActivities {
  /** Consent, app, credential expiry and a small sample test, then one signal to the monitor. */
  runHealthCheck(input: RunHealthCheckInput): Promise<HealthResult>;
  /** Creates the tenant's health schedule or updates it in place; returns the schedule id. */
  upsertHealthSchedule(input: UpsertHealthScheduleInput): Promise<string>;
  /** Signal-with-start of the tenant's monitor. */
  reportToMonitor(input: ReportToMonitorInput): Promise<void>;
  /** A health shard's batch of checks (contracts/health-shard.ts); signals a monitor only when it needs the result. */
  runShardChecks(input: RunShardChecksInput): Promise<ShardCheckOutcome[]>;
}

/** The common fields of a health result (who, which check, when, how long). */
export interface HealthResultBase {
  tenantId: string;
  checkId: string;
  owner: string;
  consentUrl: string;
  at: string;
  durationMs: number;
  graphRequests: number;
}

/**
 * The one builder of a HealthResult, used by the health-check activity and by the onboarding (first report,
 * re-tests). Consent and app state are what was *observed*: `unknown` / undefined when nothing was checked
 * (the contract's "undefined when unknown"), never assumed. Pure: safe in the workflow sandbox.
 */
export function buildHealthResult(
  base: HealthResultBase,
  observed: {
    consent: HealthConsent;
    missingRoles?: string[];
    appEnabled?: boolean;
    consentError?: HealthResult['consentError'];
    publisherFault?: HealthResult['publisherFault'];
    /** The sample test's report, when one ran. */
    report?: Pick<SampleTestReport, 'verdict' | 'verdictReason' | 'sampled' | 'accessible' | 'inaccessible'>;
    /** Verdict when no report ran (consent missing, the test could not run). */
    verdict?: Verdict;
    verdictReason?: string;
  },
): HealthResult {
  const report = observed.report;
  const verdictReason = report?.verdictReason ?? observed.verdictReason;
  return {
    tenantId: base.tenantId,
    checkId: base.checkId,
    at: base.at,
    owner: base.owner,
    consentUrl: base.consentUrl,
    consent: observed.consent,
    missingRoles: observed.missingRoles ?? [],
    ...(observed.consentError ? { consentError: observed.consentError } : {}),
    ...(observed.publisherFault ? { publisherFault: observed.publisherFault } : {}),
    ...(observed.appEnabled !== undefined ? { appEnabled: observed.appEnabled } : {}),
    verdict: report?.verdict ?? observed.verdict ?? 'inconclusive',
    ...(verdictReason ? { verdictReason } : {}),
    sampled: report?.sampled ?? 0,
    accessible: report?.accessible ?? 0,
    examples: (report?.inaccessible ?? []).slice(0, 5).map((u) => ({
      user: u.user.userPrincipalName ?? u.user.id,
      reason: u.reason,
      ...(u.code ? { code: u.code } : {}),
    })),
    graphRequests: base.graphRequests,
    durationMs: base.durationMs,
  };
}
