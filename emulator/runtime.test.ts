import { describe, expect, it } from 'vitest';
import { FaultInjector, MailboxLimiter } from './runtime';

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
    const l = new MailboxLimiter({
      mailboxConcurrency: 1,
      mailboxRequestsPerWindow: 10,
      mailboxWindowSeconds: 60,
    });
    l.acquire('a');
    expect('release' in l.acquire('b')).toBe(true);
  });

  it('counts requests in a sliding window and says when the oldest leaves it', () => {
    const l = new MailboxLimiter({
      mailboxConcurrency: 100,
      mailboxRequestsPerWindow: 3,
      mailboxWindowSeconds: 600,
    });
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
