/**
 * The request-log measure behind "no mailbox gets more than 4 concurrent requests" (test/integration/activities):
 * a refused request counts at its arrival even when its log entry lasts 0 ms, and admitted requests that merely
 * touch (one ends in the millisecond the next starts) do not overlap.
 */
import { describe, expect, it } from 'vitest';
import { peakConcurrencyPerMailbox } from '../integration/activities/setup';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 30, 12, 0, 0, ms)).toISOString();
const admitted = (start: number, durationMs: number, mailbox = 'a@x') => ({
  mailbox,
  time: at(start),
  durationMs,
  route: 'listEvents',
  status: 200,
});
const refused = (start: number, mailbox = 'a@x') => ({ ...admitted(start, 0, mailbox), status: 429 });

describe('peakConcurrencyPerMailbox', () => {
  it('counts a 0-ms refusal (429) at its arrival, on top of the four requests in flight', () => {
    const four = [0, 1, 2, 3].map((s) => admitted(s, 250));
    expect(peakConcurrencyPerMailbox(four).get('a@x')).toBe(4);
    expect(peakConcurrencyPerMailbox([...four, refused(3)]).get('a@x')).toBe(5);
    expect(peakConcurrencyPerMailbox([...four, refused(100), refused(100)]).get('a@x')).toBe(6);
  });

  it('admitted requests that end in the millisecond the next starts do not overlap; mailboxes are apart', () => {
    const chain = [admitted(0, 100), admitted(100, 100), admitted(200, 100), admitted(300, 100, 'b@x')];
    const peaks = peakConcurrencyPerMailbox(chain);
    expect(peaks.get('a@x')).toBe(1);
    expect(peaks.get('b@x')).toBe(1);
  });
});
