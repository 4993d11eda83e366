import { describe, expect, it } from 'vitest';
import type { ReportReview, SampleTestReport } from './messages';
import {
  ACCEPTED_UNREACHABLE_KEPT,
  acceptedFigures,
  diffSinceAccepted,
  reportDiffLines,
} from './report-diff';

const T = '11111111-1111-1111-1111-111111111111';
const user = (upn: string) => ({
  user: { id: `id-${upn}`, userPrincipalName: upn, displayName: `Name of ${upn}` },
  reason: 'mailboxUnavailable' as const,
});
const report = (over: Partial<SampleTestReport> = {}): SampleTestReport => ({
  tenantId: T,
  sampled: 10,
  accessible: 8,
  inaccessible: [user('a@contoso.com'), user('b@contoso.com')],
  byReason: {},
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1000,
  graphRequests: 12,
  verdict: 'degraded',
  ...over,
});
const accepted = (r: SampleTestReport, at = '2026-01-01T01:00:00.000Z'): ReportReview => ({
  state: 'accepted',
  acceptedAt: at,
  accepted: acceptedFigures(r),
});

describe('what changed since the accepted report', () => {
  it('a later re-test lists newly unreachable and no-longer-unreachable accounts, reachable and verdict before → after', () => {
    const review = accepted(report());
    const later = report({
      startedAt: '2026-01-02T00:00:00.000Z',
      accessible: 7,
      inaccessible: [user('B@contoso.com'), user('c@contoso.com'), user('d@contoso.com')],
      verdict: 'fail',
    });
    const d = diffSinceAccepted(review, later)!;
    expect(d).toMatchObject({
      acceptedAt: '2026-01-01T01:00:00.000Z',
      reachable: { before: 8, after: 7 },
      verdict: { before: 'degraded', after: 'fail' },
      newlyUnreachable: ['c@contoso.com', 'd@contoso.com'], // B@ is b@: compared case-insensitively
      noLongerUnreachable: ['a@contoso.com'],
    });
    expect(d.approximate).toBeUndefined();
    const text = reportDiffLines(d).join('\n');
    expect(text).toContain('Reachable: 8 of 10 → 7 of 10');
    expect(text).toContain('Verdict: degraded → fail');
    expect(text).toContain('Newly unreachable (2): c@contoso.com, d@contoso.com');
    expect(text).toContain('No longer unreachable (1; reachable now, or not in this sample): a@contoso.com');
  });

  it('no diff before acceptance, while the review is pending, or for the accepted report itself', () => {
    const r = report();
    expect(diffSinceAccepted(undefined, r)).toBeUndefined();
    expect(diffSinceAccepted({ state: 'pending' }, r)).toBeUndefined();
    expect(diffSinceAccepted(accepted(r), r)).toBeUndefined();
    expect(
      diffSinceAccepted({ state: 'accepted', acceptedAt: '2026-01-01T01:00:00.000Z' }, r),
    ).toBeUndefined();
  });

  it('keeps only UPNs/ids of at most 200 unreachable accounts, never display names, and says when it is approximate', () => {
    const many = Array.from({ length: 250 }, (_, i) => user(`u${i}@contoso.com`));
    const figures = acceptedFigures(report({ sampled: 300, accessible: 50, inaccessible: many }));
    expect(figures.unreachable).toHaveLength(ACCEPTED_UNREACHABLE_KEPT);
    expect(figures.unreachableTotal).toBe(250);
    expect(JSON.stringify(figures)).not.toContain('Name of');
    const noUpn = acceptedFigures(
      report({ inaccessible: [{ user: { id: 'obj-1' }, reason: 'userNotFound' }] }),
    );
    expect(noUpn.unreachable).toEqual(['obj-1']);
    const d = diffSinceAccepted(
      { state: 'accepted', acceptedAt: '2026-01-01T01:00:00.000Z', accepted: figures },
      report({ startedAt: '2026-01-02T00:00:00.000Z', inaccessible: many }),
    )!;
    expect(d.newlyUnreachable).toHaveLength(50);
    expect(d.approximate).toBe(true);
    expect(reportDiffLines(d).join('\n')).toMatch(/Only the first 200/);
  });
});
