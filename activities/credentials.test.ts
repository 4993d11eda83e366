import { describe, expect, it } from 'vitest';
import { gradeCredentials, severityFor, worst } from './credentials';

describe('credential expiry', () => {
  it('grades by days left: warning from 30, urgent from 14, expired after the end', () => {
    expect(severityFor(31)).toBe('ok');
    expect(severityFor(30)).toBe('warning');
    expect(severityFor(15)).toBe('warning');
    expect(severityFor(14)).toBe('urgent');
    expect(severityFor(0)).toBe('urgent');
    expect(severityFor(-1)).toBe('expired');
  });
  it('grades certificates and secrets, soonest first, and finds the worst', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    const out = gradeCredentials(
      {
        keyCredentials: [{ keyId: 'k1', displayName: 'cert', endDateTime: '2027-06-01T00:00:00Z' }],
        passwordCredentials: [
          { keyId: 'p1', endDateTime: '2026-12-05T00:00:00Z' },
          { keyId: 'p2', endDateTime: '2026-01-31T00:00:00Z' },
          { keyId: 'p3', endDateTime: null },
        ],
      },
      now,
    );
    expect(out.map((c) => [c.keyId, c.kind, c.daysLeft, c.severity])).toEqual([
      ['p2', 'secret', -298, 'expired'],
      ['p1', 'secret', 10, 'urgent'],
      ['k1', 'certificate', 188, 'ok'],
    ]);
    expect(worst(out.map((c) => c.severity))).toBe('expired');
    expect(worst([])).toBe('ok');
  });
});
