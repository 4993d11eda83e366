import { describe, expect, it } from 'vitest';
import { GRAPH_APP_LIMIT_PER_10S, RequestBudget, type BudgetClock } from './budget';

/** A virtual clock: sleeping advances time at once, so the tests are exact and instant. */
function virtualClock(): BudgetClock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

describe('RequestBudget (worker-wide token bucket under Graph’s app-wide limit)', () => {
  it('grants a burst at once, then paces requests at the configured rate', async () => {
    const clock = virtualClock();
    const b = new RequestBudget(1000, 10_000, 100, clock); // 100 per second, burst 100
    for (let i = 0; i < 100; i++) await b.take(1);
    expect(clock.t).toBe(0);
    for (let i = 0; i < 50; i++) await b.take(1);
    expect(clock.t).toBeGreaterThanOrEqual(490);
    expect(clock.t).toBeLessThanOrEqual(510);
  });

  it('never lets any 10-second window exceed the budget plus one burst (the default stays under 130,000)', async () => {
    const clock = virtualClock();
    const b = new RequestBudget(100_000, 10_000, undefined, clock);
    const grants: number[] = [];
    // 30 s of demand far above the rate, in batches of 20 items
    while (clock.t < 30_000) {
      await b.take(20);
      grants.push(clock.t);
    }
    let worst = 0;
    for (let i = 0, j = 0; i < grants.length; i++) {
      while (grants[j]! < grants[i]! - 10_000) j++;
      worst = Math.max(worst, (i - j + 1) * 20);
    }
    expect(worst).toBeLessThanOrEqual(100_000 + b.burst + 20);
    expect(worst).toBeLessThan(GRAPH_APP_LIMIT_PER_10S);
    expect(worst).toBeGreaterThan(90_000); // and it does not starve the worker either
  });

  it('serves waiters in arrival order: a batch of 20 is not starved by single requests behind it', async () => {
    const clock = virtualClock();
    const b = new RequestBudget(100, 10_000, 20, clock); // 10 per second
    await b.take(20); // empty the bucket
    const order: string[] = [];
    const big = b.take(20).then(() => order.push('batch'));
    const small = b.take(1).then(() => order.push('single'));
    await Promise.all([big, small]);
    expect(order).toEqual(['batch', 'single']);
  });

  it('refuses a budget of zero with a message naming the value', () => {
    expect(() => new RequestBudget(0)).toThrow(/at least 1 request per window \(got 0\)/);
  });
});
