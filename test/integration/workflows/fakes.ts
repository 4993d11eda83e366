/**
 * Test doubles of the Graph activities (contracts/activities.ts) for workflow tests that do not need the
 * emulator: scripted consent states, a deterministic directory, probe outcomes per user, and a
 * notifyOwner that keeps the real activity's idempotency promise (one delivery per key) while letting a
 * test inject failures before and after "sending".
 */
import type {
  CheckCredentialExpiryResult,
  ConsentCheckResult,
  ConsentState,
  GraphActivities,
  Notification,
  ProbeReason,
  SampledUser,
} from '../../../contracts/activities';
import type { HealthResult, TemporalActivities } from '../../../contracts/health';

export interface FakeGraph extends GraphActivities {
  consentCalls: number;
  /** Delivered notifications (one per idempotency key). */
  delivered: Notification[];
  /** notifyOwner invocations, including failed attempts and deduplicated retries. */
  notifyAttempts: number;
  probedUsers: string[];
}

export function fakeGraph(
  opts: {
    /** Consent state per call (1-based call number), the last entry repeats. */
    consent?: (call: number) => ConsentState;
    users?: number;
    /** Probe outcome per user index. */
    reason?: (index: number) => ProbeReason;
    /** Throw from probeCalendars (transient) on every call. */
    probeThrows?: boolean;
    /** Inject failures into notifyOwner: before sending on attempt 1, after sending on attempt 2. */
    flakyNotify?: boolean;
    credentials?: CheckCredentialExpiryResult;
  } = {},
): FakeGraph {
  const population: SampledUser[] = Array.from({ length: opts.users ?? 200 }, (_, i) => ({
    id: `user-${String(i).padStart(5, '0')}`,
    userPrincipalName: `user${i}@contoso.test`,
  }));
  const attemptsByKey = new Map<string, number>();
  const g: FakeGraph = {
    consentCalls: 0,
    delivered: [],
    notifyAttempts: 0,
    probedUsers: [],
    async checkConsent(input): Promise<ConsentCheckResult> {
      g.consentCalls++;
      const state = opts.consent?.(g.consentCalls) ?? 'consented';
      return {
        tenantId: input.tenant.tenantId,
        state,
        checkedAt: new Date().toISOString(),
        servicePrincipal: { id: 'sp-1', enabled: true },
        grantedRoles: state === 'consented' ? ['Calendars.ReadWrite', 'User.ReadBasic.All'] : [],
        missingRoles: state === 'consented' ? [] : ['Calendars.ReadWrite'],
        evidence: {},
      };
    },
    async sampleUsers(input) {
      // deterministic "random" sample from the seed
      let h = 0;
      for (const ch of input.seed) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      const start = h % population.length;
      const users = Array.from(
        { length: Math.min(input.size, population.length) },
        (_, i) => population[(start + i) % population.length]!,
      );
      return { users, population: population.length, skippedDisabled: 0, graphRequests: 1 };
    },
    async probeCalendars(input) {
      if (opts.probeThrows) throw new Error('503 Service Unavailable (injected)');
      return {
        results: input.users.map((u) => {
          g.probedUsers.push(u.id);
          const reason = opts.reason?.(Number(u.id.slice(5))) ?? 'ok';
          return {
            userId: u.id,
            reason,
            ...(reason !== 'ok' ? { code: 'ErrorAccessDenied', requestId: 'req-1' } : {}),
          };
        }),
        graphRequests: Math.ceil(input.users.length / 20) * 2,
        throttledRetries: 0,
      };
    },
    async capabilityProbe(input) {
      return {
        mailbox: input.mailbox ?? input.candidates?.[0] ?? 'probe@contoso.example',
        ok: true,
        teamsJoinUrl: true,
        organizerIsMailbox: true,
        responseStatusReadable: true,
        cleanedUp: true,
        steps: [],
      };
    },
    async notifyOwner(n) {
      g.notifyAttempts++;
      const attempt = (attemptsByKey.get(n.idempotencyKey) ?? 0) + 1;
      attemptsByKey.set(n.idempotencyKey, attempt);
      if (opts.flakyNotify && attempt === 1)
        throw new Error('SMTP relay unavailable (injected, before send)');
      const already = g.delivered.some((d) => d.idempotencyKey === n.idempotencyKey);
      if (!already) g.delivered.push(n);
      if (opts.flakyNotify && attempt === 2) throw new Error('connection reset after send (injected)');
      return { idempotencyKey: n.idempotencyKey, sent: !already, channels: ['email'] };
    },
    async checkCredentialExpiry() {
      return opts.credentials ?? { appId: 'app', credentials: [], severity: 'ok' };
    },
  };
  return g;
}

/** Temporal-side activities without a Temporal client (for the time-skipping server, which has no schedules). */
export function fakeTemporalActivities(): TemporalActivities & {
  schedules: Parameters<TemporalActivities['upsertHealthSchedule']>[0][];
  reports: HealthResult[];
} {
  const schedules: Parameters<TemporalActivities['upsertHealthSchedule']>[0][] = [];
  const reports: HealthResult[] = [];
  return {
    schedules,
    reports,
    async upsertHealthSchedule(input) {
      schedules.push(input);
      return `health-${input.tenant.tenantId}`;
    },
    async reportToMonitor(input) {
      reports.push(input.result);
    },
    async runHealthCheck() {
      throw new Error('not used');
    },
    async runShardChecks() {
      throw new Error('not used');
    },
  };
}

export const kinds = (g: FakeGraph): string[] => g.delivered.map((n) => n.kind);
