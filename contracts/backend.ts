/**
 * What the console and the CLI need from Temporal, as interfaces: the real implementation is client/api.ts;
 * the console receives a ConsoleBackend by injection (it never imports client/), and unit tests pass fakes.
 * Errors are typed so pages and exit codes can say what to do.
 */
import type { TenantState } from './tenant-state';
import type {
  AcceptedExceptions,
  ConsentCallback,
  ConsentCallbackOutcome,
  ConsentStateRegistration,
  MonitorState,
  MonitorStatus,
  OnboardingPhase,
  OnboardingStatus,
  OnboardTenantInput,
  ReportReview,
  SampleTestReport,
  TenantSettings,
  Verdict,
} from './messages';
import type { IndividualSweepInput, IndividualSweepState } from './individual';
import type { TeamsLinks } from './teams';

export interface TenantSummary {
  tenantId: string;
  /** Phase from the status query; undefined when the workflow is closed or did not answer. */
  phase?: OnboardingPhase;
  /** Temporal's execution status, e.g. RUNNING, COMPLETED, TERMINATED. */
  workflowStatus?: string;
  startedAt?: string;
  sampled?: number;
  accessible?: number;
  verdict?: string;
  /** The one tenant state (contracts/tenant-state.ts), derived from the onboarding and the monitor. */
  state: TenantState;
  displayName?: string;
}

/** Everything a tenant page or `status --tenant` shows: the derived state first, the sources below it. */
export interface TenantView {
  tenantId: string;
  displayName?: string;
  state: TenantState;
  /** null when the onboarding did not answer (stopped without a worker, or no worker at all). */
  status: OnboardingStatus | null;
  monitor: MonitorState | null;
  workflowStatus?: string;
}

export interface ConsoleBackend {
  listTenants(): Promise<TenantSummary[]>;
  /** The derived state with its sources; null when no onboarding exists for this tenant. */
  getTenant(tenantId: string): Promise<TenantView | null>;
  /** The owner's "Done" on the first report, with optional accepted exceptions (an update; rejected before a report). */
  acceptReport(tenantId: string, exceptions?: AcceptedExceptions): Promise<ReportReview>;
  /** null when no onboarding exists for this tenant. */
  getStatus(tenantId: string): Promise<OnboardingStatus | null>;
  /** null when the tenant has no health monitor yet. */
  getMonitorState(tenantId: string): Promise<MonitorState | null>;
  registerConsentState(tenantId: string, registration: ConsentStateRegistration): Promise<void>;
  deliverConsentCallback(tenantId: string, callback: ConsentCallback): Promise<void>;
  /**
   * The console's validated callback, recorded once by the onboarding (an Update): resolves when the
   * workflow accepted it; BackendError 'rejected' (with the workflow's reason) when its validator refused.
   */
  acceptConsentCallback(tenantId: string, callback: ConsentCallback): Promise<ConsentCallbackOutcome>;
  retest(tenantId: string): Promise<SampleTestReport>;
  updateSettings(tenantId: string, partial: Partial<TenantSettings>): Promise<TenantSettings>;
  /**
   * Individual mode: the owner's view from the tenant's connections sweep (`individualState` query); null when
   * the tenant has no sweep. Optional: a backend without individual mode leaves it out.
   */
  getConnections?(tenantId: string): Promise<IndividualSweepState | null>;
  /** Individual mode: tenants whose connections sweep runs (the console's tenant list marks them). */
  listConnectionTenants?(): Promise<string[]>;
}

/** `configuration`: this process is misconfigured for what Temporal holds (e.g. encrypted workflows, no TOGETHER_CODEC_KEY). */
export type BackendErrorKind = 'notFound' | 'rejected' | 'unreachable' | 'configuration';

/** notFound → 404; rejected (an update's validator said no) → 400 with its message; unreachable → 503. */
export class BackendError extends Error {
  override name = 'BackendError';
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface ScheduleInfo {
  scheduleId: string;
  tenantId: string;
  paused: boolean;
  note?: string;
  /** Minutes between runs, when the spec is a plain interval. */
  intervalMinutes?: number;
  nextRunAt?: string;
  /** Recent health checks, oldest first, with what each found once the monitor recorded it. */
  recentRuns: {
    at: string;
    workflowId?: string;
    outcome?: { verdict: Verdict; status: MonitorStatus; accessible: number; sampled: number };
  }[];
}

export interface TogetherApi extends ConsoleBackend {
  /** Starts (or, when one runs already, returns) the tenant's onboarding workflow. */
  startOnboarding(input: OnboardTenantInput): Promise<{ workflowId: string; started: boolean }>;
  describeSchedule(tenantId: string): Promise<ScheduleInfo | null>;
  createSchedule(tenantId: string, intervalMinutes?: number): Promise<ScheduleInfo>;
  pauseSchedule(tenantId: string, note: string): Promise<void>;
  unpauseSchedule(tenantId: string, note: string): Promise<void>;
  triggerSchedule(tenantId: string): Promise<void>;
  /** Runs every tenant's health check now (one signal per running health shard); returns the shards signalled. */
  triggerAllSchedules(): Promise<{ shards: number }>;
  deleteSchedule(tenantId: string): Promise<void>;
  /** Individual mode: starts the tenant's connections sweep unless it runs already (never a duplicate). */
  startConnectionsSweep(input: IndividualSweepInput): Promise<{ workflowId: string; started: boolean }>;
  /** Runs the Teams-link probe (workflow `teamsProbe`) and waits for its answer. */
  probeTeams(tenantId: string, mailbox?: string): Promise<TeamsLinks>;
  close(): Promise<void>;
}
