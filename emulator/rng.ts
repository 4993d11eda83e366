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

/** A cheap deterministic generator that also yields bytes (for opaque ids); not for secrets. */
export interface FastRng extends Rng {
  /** `n` bytes (a multiple of 4) drawn from this generator. */
  bytes(n: number): Buffer;
}

/**
 * sfc32 seeded by cyrb128 (four 32-bit FNV/Murmur-style hashes of the text): 128 bits of state, a few
 * integer operations a draw, no crypto call and no hashing library. The seeded calendars regenerate a
 * mailbox's events on every read, so this sits on the read path (a class: no closures to allocate per seed);
 * 128 bits keeps millions of per-day seeds (tenants × mailboxes × days) from colliding, which a 32-bit-state
 * generator would not.
 */
class Sfc32 implements FastRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    let h1 = 1779033703,
      h2 = 3144134277,
      h3 = 1013904242,
      h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) | 0;
    this.b = (h2 ^ h1) | 0;
    this.c = (h3 ^ h1) | 0;
    this.d = (h4 ^ h1) | 0;
    for (let i = 0; i < 12; i++) this.next(); // let the state mix before the first draw
  }

  /** The next 32 bits, unsigned. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  int(min: number, max: number): number {
    return min + Math.floor((this.next() / 4294967296) * (max - min + 1));
  }

  float(): number {
    return this.next() / 4294967296;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  guid(): string {
    const h = this.bytes(16).toString('hex').split('');
    h[12] = '4';
    h[16] = '89ab'[this.int(0, 3)]!;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  bytes(n: number): Buffer {
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i + 4 <= n; i += 4) buf.writeUInt32LE(this.next(), i);
    return buf;
  }
}

export function makeFastRng(seed: string): FastRng {
  return new Sfc32(seed);
}
