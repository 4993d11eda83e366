import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type TenantSettings } from '../../contracts/messages';
import { buildReport } from '../../contracts/verdict';
import { acceptedExceptions, acceptedReview, acceptProblem } from './review';
import { scheduleRelevant } from './settings';

const report = buildReport({
  tenantId: 'contoso',
  users: [{ id: 'a' }, { id: 'b', userPrincipalName: 'b@contoso.example' }],
  results: [
    { userId: 'a', reason: 'ok' },
    { userId: 'b', reason: 'mailboxUnavailable' },
  ],
  threshold: 0.4,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 5,
  graphRequests: 3,
});

describe('accepting the first report', () => {
  it('keeps only exceptions actually given', () => {
    expect(acceptedExceptions(undefined)).toBeUndefined();
    expect(acceptedExceptions({ guests: false, accounts: [] })).toBeUndefined();
    expect(acceptedExceptions({ guests: true, accounts: [] })).toEqual({ guests: true });
    expect(acceptedExceptions({ accounts: ['b@contoso.example'] })).toEqual({
      accounts: ['b@contoso.example'],
    });
  });

  it('records when and with which figures the report was accepted', () => {
    const review = acceptedReview(report, undefined, '2026-01-02T00:00:00.000Z');
    expect(review).toMatchObject({ state: 'accepted', acceptedAt: '2026-01-02T00:00:00.000Z' });
    expect('exceptions' in review).toBe(false);
    expect(review.accepted?.sampled).toBe(report.sampled);
    expect(acceptedReview(report, { guests: true }, 'x').exceptions).toEqual({ guests: true });
  });

  it('refuses an acceptance before the first report, or with blank accounts', () => {
    expect(acceptProblem('contoso', false, undefined)).toMatch(/no report to accept yet/);
    expect(acceptProblem('contoso', true, { accounts: [' '] })).toMatch(/user principal names or object ids/);
    expect(acceptProblem('contoso', true, { accounts: ['b@contoso.example'] })).toBeUndefined();
  });
});

describe('settings changes', () => {
  const before: TenantSettings = { ...DEFAULT_SETTINGS, owner: 'o@contoso.example' };
  it('only changes the health checks use reach the schedule', () => {
    expect(scheduleRelevant(before, { ...before })).toBe(false);
    expect(scheduleRelevant(before, { ...before, sampleSize: before.sampleSize + 1 })).toBe(false);
    expect(scheduleRelevant(before, { ...before, owner: 'new@contoso.example' })).toBe(true);
    expect(scheduleRelevant(before, { ...before, scheduleIntervalMinutes: 5 })).toBe(true);
    expect(scheduleRelevant(before, { ...before, teamsProbe: !before.teamsProbe })).toBe(true);
    expect(scheduleRelevant(before, { ...before, sampleSource: { kind: 'group', groupId: 'g' } })).toBe(true);
  });
});
