/**
 * What the console needs from Temporal, as an interface: the real implementation goes through client/
 * (temporal-backend.ts); unit tests pass a fake. Errors are typed so pages can say what to do.
 */
import type {
  ConsentCallback,
  ConsentStateRegistration,
  MonitorState,
  OnboardingPhase,
  OnboardingStatus,
  SampleTestReport,
  TenantSettings,
} from '../workflows/messages';

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
}

export interface ConsoleBackend {
  listTenants(): Promise<TenantSummary[]>;
  /** null when no onboarding exists for this tenant. */
  getStatus(tenantId: string): Promise<OnboardingStatus | null>;
  /** null when the tenant has no health monitor yet. */
  getMonitorState(tenantId: string): Promise<MonitorState | null>;
  registerConsentState(tenantId: string, registration: ConsentStateRegistration): Promise<void>;
  deliverConsentCallback(tenantId: string, callback: ConsentCallback): Promise<void>;
  retest(tenantId: string): Promise<SampleTestReport>;
  updateSettings(tenantId: string, partial: Partial<TenantSettings>): Promise<TenantSettings>;
}

export type BackendErrorKind = 'notFound' | 'rejected' | 'unreachable';

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
