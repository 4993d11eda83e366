import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type SampleTestReport, type ScopeProof } from '../../contracts/messages';
import { buildReport } from '../../contracts/verdict';
import { consentExpiredNotice, consentReminderNotice, onboardedNotice } from './notices';
import { unfinishedTestReport, unreachableLine, withScopeProof } from './report';

const report: SampleTestReport = buildReport({
  tenantId: 'contoso',
  users: [
    { id: 'a', userPrincipalName: 'a@contoso.example' },
    { id: 'b', userPrincipalName: 'b@contoso.example', displayName: 'Bea' },
  ],
  results: [
    { userId: 'a', reason: 'ok' },
    { userId: 'b', reason: 'mailboxUnavailable' },
  ],
  threshold: 0.4,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 5,
  graphRequests: 3,
});

const proof = (readable: number): ScopeProof => ({
  group: 'Together users',
  holds: readable === 0,
  summary: readable
    ? `scope leaks: ${readable} out-of-scope mailboxes readable`
    : 'scoped to Together users: holds',
  inScope: { checked: 2, reachable: 2 },
  outside: { checked: 3, refused: 3 - readable, readable, readableUsers: [] },
  membership: 'group',
});

describe('onboarding reports', () => {
  it('a scope that holds keeps the verdict and leads the reason; a leaking scope fails the report', () => {
    const held = withScopeProof(report, proof(0));
    expect(held.verdict).toBe(report.verdict);
    expect(held.verdictReason).toMatch(/^scoped to Together users: holds\. /);
    expect(held.scope?.holds).toBe(true);
    expect(withScopeProof(report, proof(2)).verdict).toBe('fail');
  });

  it('an unfinished sample test is an inconclusive report that says why', () => {
    const r = unfinishedTestReport('contoso', new Error('child timed out'), '2026-01-01T00:00:00.000Z');
    expect(r).toMatchObject({ verdict: 'inconclusive', sampled: 0, tenantId: 'contoso' });
    expect(r.verdictReason).toBe('The sample test did not finish: child timed out');
  });

  it('names an unreachable account as "Name <upn> — why", or by its upn alone', () => {
    expect(
      unreachableLine({
        user: { id: 'b', userPrincipalName: 'b@x', displayName: 'Bea' },
        reason: 'mailboxUnavailable',
      }),
    ).toBe('Bea <b@x> — mailboxUnavailable');
    expect(unreachableLine({ user: { id: 'c' }, reason: 'accessDenied', detail: 'refused by scope' })).toBe(
      'c — refused by scope',
    );
  });
});

describe('onboarding notices', () => {
  it('the onboarded notice gives the figures, the first unreachable accounts and the review step', () => {
    const n = onboardedNotice({
      idempotencyKey: 'k',
      since: '2026-01-01T00:00:00.000Z',
      report,
      settings: { ...DEFAULT_SETTINGS, owner: 'o@x' },
    });
    expect(n).toMatchObject({ kind: 'onboarded', facts: { reachable: 1, sampled: report.sampled } });
    expect(n.summary).toContain(`1 of ${report.sampled} sampled calendars reachable`);
    expect(n.unreachable?.total).toBe(report.inaccessible.length);
    expect(n.nextStep).toMatch(/Done/);
    const clean = onboardedNotice({
      idempotencyKey: 'k',
      since: undefined,
      report: { ...report, inaccessible: [] },
      settings: { ...DEFAULT_SETTINGS, owner: 'o@x' },
    });
    expect('unreachable' in clean).toBe(false);
  });

  it('reminders count days; the expiry notice names the wait and the consent link', () => {
    expect(
      consentReminderNotice({ idempotencyKey: 'k', since: 's', afterHours: 72, consentUrl: 'u' }).summary,
    ).toContain('(3 day(s))');
    expect(
      consentExpiredNotice({ idempotencyKey: 'k', since: 's', waitDays: 14, consentUrl: 'u' }),
    ).toMatchObject({
      kind: 'consentExpired',
      summary: expect.stringContaining('within 14 days') as unknown,
      fix: { consentUrl: 'u' },
    });
  });
});
