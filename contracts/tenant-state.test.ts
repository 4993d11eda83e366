import { describe, expect, it } from 'vitest';
import { deriveTenantState, tenantStateExitCode } from './tenant-state';
import type { MonitorState, OnboardingStatus } from './messages';

const T = '11111111-1111-1111-1111-111111111111';
const status = (over: Partial<OnboardingStatus> = {}): OnboardingStatus => ({
  tenantId: T,
  phase: 'active',
  phaseSince: '2026-01-01T00:00:00.000Z',
  consentUrl: 'https://login.example/adminconsent',
  progress: { total: 0, probed: 0, accessible: 0 },
  settings: { owner: 'o@example.com', sampleSize: 5, threshold: 0.9, scheduleIntervalMinutes: 60 },
  rejectedCallbacks: 0,
  lastReport: {
    tenantId: T,
    sampled: 5,
    accessible: 5,
    inaccessible: [],
    byReason: { ok: 5 },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10,
    graphRequests: 6,
    verdict: 'pass',
  },
  ...over,
});
const monitor = (over: Partial<MonitorState> = {}): MonitorState => ({
  tenantId: T,
  status: 'active',
  since: '2026-01-02T00:00:00.000Z',
  history: [],
  ...over,
});

describe('deriveTenantState: one state from the onboarding and the monitor', () => {
  it('a revoked consent seen by the monitor makes an active onboarding failing, with the incident reason (exit 1)', () => {
    const s = deriveTenantState({
      status: status(),
      monitor: monitor({
        status: 'failing',
        incident: {
          id: 'inc-1',
          openedAt: '2026-01-03T00:00:00.000Z',
          reason: 'Admin consent is revoked.',
          notified: [],
        },
      }),
      workflowStatus: 'RUNNING',
    });
    expect(s).toMatchObject({
      state: 'failing',
      reason: 'Admin consent is revoked.',
      since: '2026-01-03T00:00:00.000Z',
    });
    expect(tenantStateExitCode(s)).toBe(1);
  });

  it('a recovered monitor makes the tenant active again (exit 0)', () => {
    const s = deriveTenantState({ status: status(), monitor: monitor({ status: 'recovered' }) });
    expect(s.state).toBe('active');
    expect(tenantStateExitCode(s)).toBe(0);
  });

  it('a degraded monitor is degraded (exit 1)', () => {
    const s = deriveTenantState({ status: status(), monitor: monitor({ status: 'degraded' }) });
    expect(s.state).toBe('degraded');
    expect(tenantStateExitCode(s)).toBe(1);
  });

  it('without a monitor answer, the last report decides (fail → failing)', () => {
    const base = status();
    const s = deriveTenantState({
      status: {
        ...base,
        phase: 'failing',
        lastReport: { ...base.lastReport!, verdict: 'fail', verdictReason: '0 of 5' },
      },
    });
    expect(s).toMatchObject({ state: 'failing', reason: '0 of 5' });
  });

  it('a terminated or cancelled onboarding is stopped (exit 1), whatever the monitor says', () => {
    for (const wf of ['TERMINATED', 'CANCELED', 'FAILED']) {
      const s = deriveTenantState({ status: null, monitor: monitor(), workflowStatus: wf });
      expect(s.state).toBe('stopped');
      expect(tenantStateExitCode(s)).toBe(1);
    }
  });

  it('no answer from a running onboarding is unknown (exit 3), with the reason', () => {
    const s = deriveTenantState({ status: null, workflowStatus: 'RUNNING', unreachableReason: 'no worker' });
    expect(s).toMatchObject({ state: 'unknown', reason: 'no worker' });
    expect(tenantStateExitCode(s)).toBe(3);
  });

  it('expired onboarding is expired (exit 1), also when only Temporal says it completed', () => {
    expect(deriveTenantState({ status: status({ phase: 'expired' }) }).state).toBe('expired');
    expect(deriveTenantState({ status: null, workflowStatus: 'COMPLETED' }).state).toBe('expired');
  });

  it('waiting, verifying and testing are shown as such (exit 0)', () => {
    for (const phase of ['awaitingConsent', 'verifying', 'testing'] as const) {
      const s = deriveTenantState({ status: status({ phase }) });
      expect(s.state).toBe(phase);
      expect(tenantStateExitCode(s)).toBe(0);
    }
  });

  it('a consent check failing permanently while waiting is blocked, named, and exits 1 — not "waiting" for 14 days', () => {
    const s = deriveTenantState({
      status: status({
        phase: 'awaitingConsent',
        lastCheck: {
          at: '2026-01-01T01:00:00.000Z',
          firstAt: '2026-01-01T00:00:30.000Z',
          outcome: 'error',
          errorType: 'UnknownTenantError',
          code: 'AADSTS90002',
          message: 'Tenant is unknown to Entra',
          permanent: true,
          audience: 'tenant',
          fix: 'Check the tenant id.',
        },
      }),
    });
    expect(s).toMatchObject({ state: 'awaitingConsent', blocked: true, next: 'Check the tenant id.' });
    expect(s.title).toMatch(/Blocked/);
    expect(s.reason).toContain('AADSTS90002');
    expect(tenantStateExitCode(s)).toBe(1);
  });

  it('a pending review of the first report shows "review", but a failing monitor still wins', () => {
    const pending = status({ review: { state: 'pending' } });
    expect(deriveTenantState({ status: pending, monitor: monitor() }).state).toBe('review');
    expect(
      deriveTenantState({
        status: pending,
        monitor: monitor({
          status: 'failing',
          incident: { id: 'i', openedAt: 'x', reason: 'r', notified: [] },
        }),
      }).state,
    ).toBe('failing');
    expect(
      deriveTenantState({ status: status({ review: { state: 'accepted' } }), monitor: monitor() }).state,
    ).toBe('active');
  });
});

describe('deriveTenantState: the newest evidence wins (report vs monitor)', () => {
  const base = status();
  const failedRetest = (over: Partial<OnboardingStatus> = {}) =>
    status({
      phase: 'failing',
      phaseSince: '2026-01-03T00:00:10.000Z',
      lastReport: {
        ...base.lastReport!,
        accessible: 0,
        verdict: 'fail',
        verdictReason: '0 of 5 sampled calendars reachable.',
        startedAt: '2026-01-03T00:00:00.000Z',
      },
      ...over,
    });
  const healthyAt = (at: string) =>
    monitor({
      status: 'active',
      since: '2026-01-02T00:00:00.000Z',
      history: [{ at, verdict: 'pass', accessible: 5, sampled: 5, consent: 'consented', status: 'active' }],
    });

  it('a failed re-test newer than the monitor’s healthy check is failing — not "review", not active', () => {
    const s = deriveTenantState({
      status: failedRetest({ review: { state: 'pending' } }),
      monitor: healthyAt('2026-01-02T12:00:00.000Z'),
    });
    expect(s).toMatchObject({ state: 'failing', reason: '0 of 5 sampled calendars reachable.' });
    expect(s.note).toMatch(/review/); // the pending review stays visible as a secondary line
    expect(tenantStateExitCode(s)).toBe(1);
    expect(
      deriveTenantState({ status: failedRetest(), monitor: healthyAt('2026-01-02T12:00:00.000Z') }).state,
    ).toBe('failing');
  });

  it('a monitor’s healthy check newer than the failed report is a recovery: active, though the phase says failing', () => {
    const s = deriveTenantState({
      status: failedRetest({ review: { state: 'accepted' } }),
      monitor: { ...healthyAt('2026-01-04T00:00:00.000Z'), status: 'recovered' },
    });
    expect(s.state).toBe('active');
    expect(tenantStateExitCode(s)).toBe(0);
  });

  it('a pending review with healthy evidence (a passing report, a healthy monitor) is "review"', () => {
    const s = deriveTenantState({
      status: status({ review: { state: 'pending' } }),
      monitor: healthyAt('2026-01-02T00:00:00.000Z'),
    });
    expect(s.state).toBe('review');
    expect(s.note).toBeUndefined();
  });

  it('a degraded monitor outranks a pending review (the review stays as a note)', () => {
    const s = deriveTenantState({
      status: status({ review: { state: 'pending' } }),
      monitor: monitor({ status: 'degraded' }),
    });
    expect(s.state).toBe('degraded');
    expect(s.note).toMatch(/review/);
  });

  it('a degraded report newer than the monitor’s healthy check is degraded (also over a pending review)', () => {
    const degraded = (review: 'pending' | 'accepted') =>
      status({
        review: { state: review },
        lastReport: {
          ...base.lastReport!,
          accessible: 4,
          verdict: 'degraded',
          verdictReason: '4 of 5 sampled calendars reachable.',
          startedAt: '2026-01-03T00:00:00.000Z',
        },
      });
    for (const review of ['pending', 'accepted'] as const) {
      const s = deriveTenantState({
        status: degraded(review),
        monitor: healthyAt('2026-01-02T00:00:00.000Z'),
      });
      expect(s).toMatchObject({ state: 'degraded', reason: '4 of 5 sampled calendars reachable.' });
      expect(tenantStateExitCode(s)).toBe(1);
    }
    // …but once the monitor has a newer healthy check, the tenant is active again.
    expect(
      deriveTenantState({ status: degraded('accepted'), monitor: healthyAt('2026-01-04T00:00:00.000Z') })
        .state,
    ).toBe('active');
  });
});
