import { describe, expect, it } from 'vitest';
import { buildHealthResult } from './health';
import { reportToHealthResult } from '../workflows/onboard-tenant';
import { buildReport } from './verdict';

const base = {
  tenantId: 't',
  checkId: 'c',
  owner: 'o@example.com',
  consentUrl: 'u',
  at: '2026-01-01T00:00:00.000Z',
  durationMs: 1,
  graphRequests: 2,
};

describe('buildHealthResult: the one health-result builder', () => {
  it('states only what was observed: appEnabled stays undefined when nothing checked the app', () => {
    const r = buildHealthResult(base, { consent: 'unknown', verdict: 'inconclusive' });
    expect('appEnabled' in r).toBe(false);
    expect(r).toMatchObject({ consent: 'unknown', verdict: 'inconclusive', sampled: 0, examples: [] });
    expect(buildHealthResult(base, { consent: 'consented', appEnabled: false }).appEnabled).toBe(false);
  });

  it('the onboarding’s report no longer claims the enterprise app is enabled; a re-test says consent is unknown', () => {
    const report = buildReport({
      tenantId: 't',
      users: [{ id: 'a' }],
      results: [{ userId: 'a', reason: 'ok' }],
      threshold: 0.9,
      startedAt: base.at,
      durationMs: 5,
      graphRequests: 3,
    });
    const first = reportToHealthResult(report, { owner: 'o@example.com', consentUrl: 'u', checkId: 'x' });
    expect(first.appEnabled).toBeUndefined();
    expect(first.consent).toBe('consented');
    const retest = reportToHealthResult(report, {
      owner: 'o@example.com',
      consentUrl: 'u',
      checkId: 'y',
      consent: 'unknown',
    });
    expect(retest).toMatchObject({ consent: 'unknown', verdict: 'pass', sampled: 1, accessible: 1 });
  });
});
