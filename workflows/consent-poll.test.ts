import { describe, expect, it } from 'vitest';
import { AFTER_CALLBACK_POLL_SECONDS, nextConsentPollSeconds } from './consent-poll';

// onboard/consent-wait.ts's DEFAULT_CONSENT_POLL_SECONDS (spelled out: the schedule under test, not whatever the default becomes)
const base = { pollSeconds: [30, 60, 120, 300, 600, 1800, 3600, 7200, 14400], graceCapSeconds: 120 };

/** When (seconds after the callback) each poll runs, ignoring the poll's own duration. */
function pollTimesAfterCallback(count: number): number[] {
  const times = [0]; // the callback polls at once
  for (let i = 1; i < count; i++)
    times.push(
      times.at(-1)! + nextConsentPollSeconds({ ...base, pollsSinceCallback: i, pollIndex: i, inGrace: true }),
    );
  return times;
}

describe('consent polling schedule', () => {
  it('polls 1, 2, 2 then every 5 s after a callback: consent is found within 5 s of propagation for 0–60 s delays', () => {
    const times = pollTimesAfterCallback(40);
    expect(times.slice(0, 5)).toEqual([0, 1, 3, 5, 10]);
    for (const propagation of [0, 1, 4, 5, 6, 30, 59, 60]) {
      const found = times.find((t) => t >= propagation)!;
      expect(found - propagation, `propagation ${propagation} s`).toBeLessThanOrEqual(5);
    }
  });

  it('backs off after the first minute and never waits longer than the grace cap while in grace', () => {
    const gaps = Array.from({ length: 40 }, (_, i) =>
      nextConsentPollSeconds({ ...base, pollsSinceCallback: i + 1, pollIndex: i + 1, inGrace: true }),
    );
    expect(gaps.slice(AFTER_CALLBACK_POLL_SECONDS.length).every((g) => g === 120)).toBe(true);
    expect(gaps.every((g, i) => i === 0 || g >= gaps[i - 1]!)).toBe(true);
  });

  it('without a callback follows the slow back-off (30 s, 60 s, … hours): no fast polling for nothing', () => {
    const gaps = [0, 1, 2, 8].map((i) => nextConsentPollSeconds({ ...base, pollIndex: i, inGrace: false }));
    expect(gaps).toEqual([30, 60, 120, 14400]);
  });

  it('after the grace period ends, a callback’s tenant goes back to the slow schedule', () => {
    expect(nextConsentPollSeconds({ ...base, pollsSinceCallback: 500, pollIndex: 8, inGrace: false })).toBe(
      14400,
    );
  });

  it('never polls faster than a short custom schedule asks (tests use 1-second schedules)', () => {
    expect(
      nextConsentPollSeconds({
        ...base,
        pollSeconds: [1],
        pollsSinceCallback: 4,
        pollIndex: 4,
        inGrace: true,
      }),
    ).toBe(1);
  });
});
