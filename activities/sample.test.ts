import { describe, expect, it } from 'vitest';
import { sampleConnections } from './individual/sample-test';
import type { IndividualDeps } from './individual/connections';
import { BottomK, MAX_SAMPLE, checkSampleInput, sampleKey } from './sample';

function sample(ids: string[], k: number, seed: string): string[] {
  const r = new BottomK<string>(k);
  for (const id of ids) r.offer(sampleKey(seed, id), id);
  return r.items();
}

const ids = Array.from({ length: 1000 }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`);

describe('bottom-k reservoir', () => {
  it('keeps exactly the k smallest keys, whatever the order', () => {
    const s = sample(ids, 25, 'seed-1');
    const expected = [...ids]
      .sort((a, b) => (sampleKey('seed-1', a) < sampleKey('seed-1', b) ? -1 : 1))
      .slice(0, 25);
    expect(s).toEqual(expected);
    expect(sample([...ids].reverse(), 25, 'seed-1')).toEqual(s);
  });

  it('is reproducible from its seed and differs across seeds', () => {
    expect(sample(ids, 50, 'a')).toEqual(sample(ids, 50, 'a'));
    expect(sample(ids, 50, 'a')).not.toEqual(sample(ids, 50, 'b'));
  });

  it('returns everyone when the population is smaller than k, and holds at most k', () => {
    expect(sample(ids.slice(0, 7), 20, 's').sort()).toEqual(ids.slice(0, 7));
    const r = new BottomK<number>(10);
    for (let i = 0; i < 10_000; i++) r.offer(sampleKey('x', String(i)), i);
    expect(r.size).toBe(10);
  });

  it('is uniform: each of 20 users is picked about k/N of the time (chi-square)', () => {
    const pop = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const counts = new Map(pop.map((p) => [p, 0]));
    const trials = 4000;
    for (let t = 0; t < trials; t++)
      for (const id of sample(pop, 5, `seed-${t}`)) counts.set(id, counts.get(id)! + 1);
    const expected = (trials * 5) / 20;
    const chi = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(43.8); // 19 degrees of freedom, p = 0.001
  });
});

describe('sample input checks (shared by sampleUsers and sampleConnections)', () => {
  it('refuses a size outside 1..MAX_SAMPLE or a missing seed, naming the rule', () => {
    for (const size of [0, 1.5, MAX_SAMPLE + 1])
      expect(() => checkSampleInput({ size, seed: 's' })).toThrow(
        /sample size must be an integer between 1 and/,
      );
    expect(() => checkSampleInput({ size: 5, seed: '' })).toThrow(/a seed is required/);
    expect(() => checkSampleInput({ size: MAX_SAMPLE, seed: 's' })).not.toThrow();
  });

  it('sampleConnections refuses a bad size before reading any connection', async () => {
    // No store: the check must throw before the store is touched.
    const deps = {} as IndividualDeps;
    await expect(sampleConnections(deps, { tenantId: 't', size: 0, seed: 's' })).rejects.toThrow(
      /sample size must be an integer/,
    );
    await expect(sampleConnections(deps, { tenantId: 't', size: 3, seed: '' })).rejects.toThrow(
      /a seed is required/,
    );
  });
});
