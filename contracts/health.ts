/**
 * The contract between the workflows and the activities that use the Temporal client or compose the Graph
 * activities (activities/temporal/). Types only: workflows import this file with `import type`.
 * Nothing here carries a secret.
 */
import type { CheckCredentialExpiryResult, ConsentState, SampleSource, TenantRef } from './activities';
import type { TenantSettings, Verdict } from './messages';

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
}

/** One health check's outcome, as the monitor receives it. Small on purpose (it lands in history). */
export interface HealthResult {
  tenantId: string;
  /** Unique per health-check run (`<workflowId>/<runId>`): the monitor ignores a result it already has. */
  checkId: string;
  at: string;
  owner: string;
  consentUrl: string;
  consent: ConsentState;
  missingRoles: string[];
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
}
