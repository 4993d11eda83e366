import { describe, expect, it } from 'vitest';
import { parseDateTimeTimeZone } from './time';

describe('dateTimeTimeZone', () => {
  it('reads UTC and explicit offsets', () => {
    expect(parseDateTimeTimeZone('2026-12-01T10:00:00', 'UTC')!.toISOString()).toBe(
      '2026-12-01T10:00:00.000Z',
    );
    expect(parseDateTimeTimeZone('2026-12-01T10:00:00.0000000', 'UTC')!.toISOString()).toBe(
      '2026-12-01T10:00:00.000Z',
    );
    expect(parseDateTimeTimeZone('2026-12-01T10:00:00+02:00', 'Pacific Standard Time')!.toISOString()).toBe(
      '2026-12-01T08:00:00.000Z',
    );
  });

  it('converts IANA and Windows zone names, across daylight saving time', () => {
    expect(parseDateTimeTimeZone('2026-12-01T12:00:00', 'Europe/Paris')!.toISOString()).toBe(
      '2026-12-01T11:00:00.000Z',
    );
    expect(parseDateTimeTimeZone('2026-07-01T12:00:00', 'Romance Standard Time')!.toISOString()).toBe(
      '2026-07-01T10:00:00.000Z',
    );
    expect(parseDateTimeTimeZone('2026-07-01T12:00:00', 'Pacific Standard Time')!.toISOString()).toBe(
      '2026-07-01T19:00:00.000Z',
    );
  });

  it('returns null for impossible dates, malformed strings and unknown zones', () => {
    expect(parseDateTimeTimeZone('2026-02-30T10:00:00', 'UTC')).toBeNull();
    expect(parseDateTimeTimeZone('tomorrow', 'UTC')).toBeNull();
    expect(parseDateTimeTimeZone('2026-12-01T10:00:00', 'Mars/Olympus')).toBeNull();
  });
});
