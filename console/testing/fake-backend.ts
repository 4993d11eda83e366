/** An in-memory ConsoleBackend for unit tests and template previews. */
import { deriveTenantState } from '../../contracts/tenant-state';
import type {
  AcceptedExceptions,
  ConsentCallback,
  ConsentReverification,
  ConsentStateRegistration,
  MonitorState,
  OnboardingStatus,
  SampleTestReport,
  TenantSettings,
} from '../../contracts/messages';
import { BackendError, type ConsoleBackend, type TenantSummary, type TenantView } from '../backend';

export const FAKE_TENANT = '11111111-2222-3333-4444-555555555555';

export function fakeReport(overrides: Partial<SampleTestReport> = {}): SampleTestReport {
  return {
    tenantId: FAKE_TENANT,
    sampled: 50,
    accessible: 46,
    inaccessible: [
      {
        user: { id: 'u1', userPrincipalName: 'guest_fabrikam.com#EXT#@contoso.onmicrosoft.com' },
        reason: 'mailboxUnavailable',
        detail: 'guest',
        code: 'MailboxNotEnabledForRESTAPI',
        requestId: 'req-1',
      },
      {
        user: { id: 'u2', userPrincipalName: 'onprem@contoso.com' },
        reason: 'mailboxUnavailable',
        detail: 'onPremises',
        code: 'MailboxNotEnabledForRESTAPI',
      },
      {
        user: { id: 'u3', userPrincipalName: 'out@contoso.com' },
        reason: 'outsideScope',
        code: 'ErrorAccessDenied',
      },
      {
        user: { id: 'u4', displayName: '<script>alert(1)</script>' },
        reason: 'mailboxUnavailable',
        detail: 'unlicensed',
        code: 'MailboxNotEnabledForRESTAPI',
      },
    ],
    byReason: { ok: 46, mailboxUnavailable: 3, outsideScope: 1 },
    startedAt: '2026-11-25T09:00:00.000Z',
    durationMs: 1234,
    graphRequests: 8,
    verdict: 'pass',
    ...overrides,
  };
}

export class FakeBackend implements ConsoleBackend {
  statuses = new Map<string, OnboardingStatus>();
  monitors = new Map<string, MonitorState>();
  registrations: { tenantId: string; registration: ConsentStateRegistration }[] = [];
  callbacks: { tenantId: string; callback: ConsentCallback }[] = [];
  retests: string[] = [];
  settingsUpdates: { tenantId: string; partial: Partial<TenantSettings> }[] = [];
  accepts: { tenantId: string; exceptions?: AcceptedExceptions }[] = [];
  /** Temporal execution status per tenant (default RUNNING), e.g. TERMINATED for a stopped onboarding. */
  workflowStatuses = new Map<string, string>();
  failNext?: BackendError;

  addTenant(tenantId = FAKE_TENANT, overrides: Partial<OnboardingStatus> = {}): OnboardingStatus {
    const status: OnboardingStatus = {
      tenantId,
      phase: 'awaitingConsent',
      phaseSince: '2026-11-25T08:00:00.000Z',
      consentUrl: `https://login.example.test/${tenantId}/v2.0/adminconsent?client_id=app&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fconsent%2Fcallback`,
      progress: { total: 0, probed: 0, accessible: 0 },
      settings: { owner: 'owner@contoso.com', sampleSize: 50, threshold: 0.9, scheduleIntervalMinutes: 360 },
      rejectedCallbacks: 0,
      ...overrides,
    };
    this.statuses.set(tenantId, status);
    return status;
  }

  private take(): void {
    const e = this.failNext;
    if (e) {
      this.failNext = undefined;
      throw e;
    }
  }

  async getTenant(tenantId: string): Promise<TenantView | null> {
    this.take();
    const status = this.statuses.get(tenantId) ?? null;
    if (!status) return null;
    const monitor = this.monitors.get(tenantId) ?? null;
    const workflowStatus = this.workflowStatuses.get(tenantId) ?? 'RUNNING';
    return {
      tenantId,
      ...(status.displayName ? { displayName: status.displayName } : {}),
      state: deriveTenantState({ status, monitor, workflowStatus }),
      status,
      monitor,
      workflowStatus,
    };
  }
  async acceptReport(tenantId: string, exceptions?: AcceptedExceptions) {
    this.take();
    const s = this.statuses.get(tenantId);
    if (!s?.lastReport) throw new BackendError('rejected', `Tenant ${tenantId} has no report to accept yet.`);
    this.accepts.push({ tenantId, ...(exceptions ? { exceptions } : {}) });
    s.review = {
      state: 'accepted',
      acceptedAt: '2026-11-25T10:00:00.000Z',
      ...(exceptions ? { exceptions } : {}),
    };
    return s.review;
  }
  async listTenants(): Promise<TenantSummary[]> {
    this.take();
    return [...this.statuses.values()].map((s) => ({
      tenantId: s.tenantId,
      state: deriveTenantState({
        status: s,
        monitor: this.monitors.get(s.tenantId) ?? null,
        workflowStatus: this.workflowStatuses.get(s.tenantId) ?? 'RUNNING',
      }),
      ...(s.displayName ? { displayName: s.displayName } : {}),
      phase: s.phase,
      workflowStatus: 'RUNNING',
      startedAt: s.phaseSince,
      sampled: s.lastReport?.sampled,
      accessible: s.lastReport?.accessible,
      verdict: s.lastReport?.verdict,
    }));
  }
  async getStatus(tenantId: string) {
    this.take();
    return this.statuses.get(tenantId) ?? null;
  }
  async getMonitorState(tenantId: string) {
    return this.monitors.get(tenantId) ?? null;
  }
  async registerConsentState(tenantId: string, registration: ConsentStateRegistration) {
    this.take();
    this.registrations.push({ tenantId, registration });
  }
  async deliverConsentCallback(tenantId: string, callback: ConsentCallback) {
    this.take();
    this.callbacks.push({ tenantId, callback });
  }
  /** What the next acceptConsentCallback answers: accepted, or rejected with this reason. */
  rejectNextCallback?: string;
  /** What the next accepted callback's immediate re-verification found (a re-consent while connected). */
  nextVerification?: ConsentReverification;
  async acceptConsentCallback(tenantId: string, callback: ConsentCallback) {
    this.take();
    const reason = this.rejectNextCallback;
    this.rejectNextCallback = undefined;
    if (reason) throw new BackendError('rejected', reason);
    this.callbacks.push({ tenantId, callback });
    const verification = this.nextVerification;
    this.nextVerification = undefined;
    return {
      accepted: true,
      phase: this.statuses.get(tenantId)?.phase ?? 'awaitingConsent',
      ...(verification ? { verification } : {}),
    };
  }
  async retest(tenantId: string) {
    this.take();
    this.retests.push(tenantId);
    const report = fakeReport({ tenantId });
    const s = this.statuses.get(tenantId);
    if (s) s.lastReport = report;
    return report;
  }
  async updateSettings(tenantId: string, partial: Partial<TenantSettings>) {
    this.take();
    if (partial.sampleSize !== undefined && partial.sampleSize > 1000) {
      throw new BackendError('rejected', 'sampleSize must be at most 1000');
    }
    this.settingsUpdates.push({ tenantId, partial });
    const s = this.statuses.get(tenantId)!;
    s.settings = { ...s.settings, ...partial };
    return s.settings;
  }
}
