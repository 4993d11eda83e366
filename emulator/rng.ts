/** Seeded, deterministic randomness (pure-rand): same seed ⇒ same tenant, same events, same fault decisions. */
import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Rng {
  int(min: number, max: number): number;
  float(): number;
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped GUID drawn from this generator. */
  guid(): string;
}

export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readInt32LE(0);
}

export function makeRng(seed: string): Rng {
  const gen = xoroshiro128plus(seedOf(seed));
  const int = (min: number, max: number) => uniformInt(gen, min, max);
  return {
    int,
    float: () => uniformFloat64(gen),
    pick: <T>(items: readonly T[]) => items[int(0, items.length - 1)]!,
    guid() {
      const h = Array.from({ length: 32 }, () => int(0, 15).toString(16));
      h[12] = '4';
      h[16] = '89ab'[int(0, 3)]!;
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
  };
}
