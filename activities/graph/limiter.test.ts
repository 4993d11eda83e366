import { describe, expect, it } from 'vitest';
import { KeyedLimiter, workerMailboxLimiter } from './limiter';

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('KeyedLimiter', () => {
  it('never lets more than perKey run for one key, and others proceed', async () => {
    const l = new KeyedLimiter(4, { trackPeak: true });
    let active = 0;
    let peak = 0;
    const jobs = Array.from({ length: 25 }, () =>
      l.run(['Adele@Contoso'], async () => {
        active++;
        peak = Math.max(peak, active);
        await tick(2);
        active--;
      }),
    );
    let otherRan = false;
    jobs.push(l.run(['other'], async () => void (otherRan = true)));
    await Promise.all(jobs);
    expect(peak).toBe(4);
    expect(otherRan).toBe(true);
    expect(l.peak.get('adele@contoso')).toBe(4);
    expect(l.inFlight('adele@contoso')).toBe(0);
  });

  it('multi-key acquisition in sorted order does not deadlock', async () => {
    const l = new KeyedLimiter(1);
    const runs = Array.from({ length: 20 }, (_, i) =>
      l.run(i % 2 ? ['a', 'b', 'c'] : ['c', 'b', 'a'], () => tick(1)),
    );
    await expect(Promise.all(runs)).resolves.toHaveLength(20);
  });

  it('releases slots when the function throws', async () => {
    const l = new KeyedLimiter(1);
    await expect(l.run(['k'], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(l.inFlight('k')).toBe(0);
    await expect(l.run(['k'], async () => 1)).resolves.toBe(1);
  });
});

describe('KeyedLimiter memory', () => {
  it('keeps nothing for a mailbox once its requests are done (a fleet probes 200,000 mailboxes)', async () => {
    const l = new KeyedLimiter(4);
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => l.run([`user${i}@tenant${i % 50}`], async () => i)),
    );
    expect(l.trackedKeys).toBe(0);
    expect(l.peak.size).toBe(0);
  });
});

describe('workerMailboxLimiter', () => {
  it('is one limiter per process, so app-only and delegated probes of a mailbox share its four slots', () => {
    const a = workerMailboxLimiter(4);
    expect(workerMailboxLimiter(4)).toBe(a);
    // A different configured limit replaces it (the worker reconfigured), as the request budget does.
    expect(workerMailboxLimiter(2)).not.toBe(a);
    expect(workerMailboxLimiter(2).perKey).toBe(2);
  });
});
