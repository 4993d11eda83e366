import { describe, expect, it } from 'vitest';
import { Clock } from './clock';
import { limitsSchema } from './fixture';
import { FaultInjector, MailboxLimiter, RateLimiter } from './runtime';

describe('MailboxLimiter (Outlook: 4 concurrent, 10,000 per 10 minutes per app + mailbox)', () => {
  it('refuses a fifth concurrent request and admits one again after a release', () => {
    const l = new MailboxLimiter();
    const slots = Array.from({ length: 4 }, () => l.acquire('app|t|m'));
    expect(slots.every((s) => 'release' in s)).toBe(true);
    expect(l.acquire('app|t|m')).toEqual({ retryAfter: 1, reason: 'concurrency' });
    (slots[0] as { release: () => void }).release();
    expect('release' in l.acquire('app|t|m')).toBe(true);
  });

  it('keeps mailboxes independent', () => {
    const l = new MailboxLimiter(
      limitsSchema.parse({ mailboxConcurrency: 1, mailboxRequestsPerWindow: 10, mailboxWindowSeconds: 60 }),
    );
    l.acquire('a');
    expect('release' in l.acquire('b')).toBe(true);
  });

  it('counts requests in a sliding window and says when the oldest leaves it', () => {
    const l = new MailboxLimiter(
      limitsSchema.parse({ mailboxConcurrency: 100, mailboxRequestsPerWindow: 3, mailboxWindowSeconds: 600 }),
    );
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) (l.acquire('k', t0 + i * 1000) as { release: () => void }).release();
    expect(l.acquire('k', t0 + 10_000)).toEqual({ retryAfter: 590, reason: 'rate' });
    expect('release' in l.acquire('k', t0 + 600_001 + 2000)).toBe(true);
  });
});

describe('FaultInjector', () => {
  it('injects by route, up to count, and "*" never matches the token endpoint', () => {
    const f = new FaultInjector([
      { route: 'getSchedule', kind: '503', count: 2 },
      { route: '*', kind: '500', rate: 1 },
    ]);
    expect(f.pick('getSchedule')?.kind).toBe('503');
    expect(f.pick('getSchedule')?.kind).toBe('503');
    expect(f.pick('getSchedule')?.kind).toBe('500');
    expect(f.pick('token')).toBeUndefined();
  });

  it('injects at the configured rate, reproducibly for the same seed', () => {
    const run = () => {
      const f = new FaultInjector([{ route: 'listEvents', kind: '429', rate: 0.25 }], 'seed');
      return Array.from({ length: 2000 }, () => (f.pick('listEvents') ? 1 : 0));
    };
    const a = run();
    const hits = a.reduce<number>((s, x) => s + x, 0);
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(600);
    expect(run()).toEqual(a);
  });
});

describe('RateLimiter (directory and token endpoint limits per app + tenant)', () => {
  it('admits `limit` requests per window, then says how long until the oldest leaves the window', () => {
    const l = new RateLimiter(2, 10);
    const t0 = 5_000_000;
    expect(l.hit('app|t', t0)).toBeUndefined();
    expect(l.hit('app|t', t0 + 1_000)).toBeUndefined();
    expect(l.hit('app|t', t0 + 2_000)).toBe(8);
    expect(l.hit('other|t', t0 + 2_000)).toBeUndefined();
    expect(l.hit('app|t', t0 + 12_500)).toBeUndefined();
  });

  it('is unlimited when no limit is set (the default for tests)', () => {
    const l = new RateLimiter(undefined, 10);
    for (let i = 0; i < 1000; i++) expect(l.hit('k')).toBeUndefined();
  });
});

describe('Clock', () => {
  it('moves forward on request and refuses to move back', () => {
    const c = new Clock();
    const before = c.now();
    c.advance(7200);
    expect(c.now() - before).toBeGreaterThanOrEqual(7_200_000);
    expect(() => c.advance(-1)).toThrow(/only moves forward/);
  });
});
