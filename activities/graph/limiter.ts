/**
 * Per-mailbox concurrency limiter. Exchange Online allows four concurrent requests per app and mailbox
 * (graph.md §4.2); going over earns 429 MailboxConcurrency. Every Graph request that touches a mailbox takes a
 * slot for that mailbox first (a $batch takes one per distinct mailbox among its items), so no mailbox ever has
 * more than `perKey` requests in flight from this worker, whatever the overall concurrency.
 *
 * Keys are acquired in sorted order, so requests holding several keys cannot deadlock.
 */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /** Highest in-flight count seen per key (for tests and diagnostics). */
  readonly peak = new Map<string, number>();

  constructor(readonly perKey: number) {
    if (!Number.isInteger(perKey) || perKey < 1) throw new RangeError('perKey must be a positive integer');
  }

  inFlight(key: string): number {
    return this.active.get(norm(key)) ?? 0;
  }

  private async acquireOne(key: string): Promise<void> {
    for (;;) {
      const n = this.active.get(key) ?? 0;
      if (n < this.perKey) {
        this.active.set(key, n + 1);
        if ((this.peak.get(key) ?? 0) < n + 1) this.peak.set(key, n + 1);
        return;
      }
      await new Promise<void>((resolve) => {
        const q = this.waiters.get(key) ?? [];
        q.push(resolve);
        this.waiters.set(key, q);
      });
    }
  }

  private releaseOne(key: string): void {
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
    const q = this.waiters.get(key);
    const next = q?.shift();
    if (q && q.length === 0) this.waiters.delete(key);
    next?.();
  }

  /** Run `fn` holding one slot for each distinct key. */
  async run<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set([...keys].map(norm))].sort();
    const held: string[] = [];
    try {
      for (const k of sorted) {
        await this.acquireOne(k);
        held.push(k);
      }
      return await fn();
    } finally {
      for (const k of held.reverse()) this.releaseOne(k);
    }
  }
}

function norm(key: string): string {
  return key.toLowerCase();
}
