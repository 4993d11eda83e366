/**
 * Per-mailbox concurrency limiter. Exchange Online allows four concurrent requests per app and mailbox
 * (graph.md §4.2); going over earns 429 MailboxConcurrency. Every Graph request that touches a mailbox takes a
 * slot for that mailbox first (a $batch takes one per item touching it: a batch with a mailbox's read and a
 * getSchedule routed through that mailbox takes two), so no mailbox ever has more than `perKey` requests in flight
 * from this worker, whatever the overall concurrency.
 *
 * Keys are acquired in sorted order and a key's slots all at once, so requests holding several cannot deadlock.
 */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /**
   * Highest in-flight count seen per key, only with `trackPeak` (tests and diagnostics). Off in the worker-wide
   * limiter: it would keep an entry for every mailbox the worker ever probed (200,000 at a 10,000-tenant fleet,
   * ~30 MB that only grew; found by the fleet bench's per-round RSS).
   */
  readonly peak = new Map<string, number>();
  private readonly trackPeak: boolean;

  constructor(
    readonly perKey: number,
    opts: { trackPeak?: boolean } = {},
  ) {
    if (!Number.isInteger(perKey) || perKey < 1) throw new RangeError('perKey must be a positive integer');
    this.trackPeak = opts.trackPeak ?? false;
  }

  /** Mailboxes with a request in flight or waiting: the limiter keeps nothing for an idle mailbox. */
  get trackedKeys(): number {
    return new Set([...this.active.keys(), ...this.waiters.keys()]).size;
  }

  inFlight(key: string): number {
    return this.active.get(norm(key)) ?? 0;
  }

  private async acquire(key: string, slots: number): Promise<void> {
    for (;;) {
      const n = this.active.get(key) ?? 0;
      if (n + slots <= this.perKey) {
        this.active.set(key, n + slots);
        if (this.trackPeak && (this.peak.get(key) ?? 0) < n + slots) this.peak.set(key, n + slots);
        return;
      }
      await new Promise<void>((resolve) => {
        const q = this.waiters.get(key) ?? [];
        q.push(resolve);
        this.waiters.set(key, q);
      });
    }
  }

  private release(key: string, slots: number): void {
    const n = (this.active.get(key) ?? slots) - slots;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
    // Wake every waiter of the key: each re-checks whether its slot count fits now.
    const q = this.waiters.get(key);
    this.waiters.delete(key);
    for (const w of q ?? []) w();
  }

  /** Run `fn` holding one slot per occurrence of each key (capped at `perKey`). */
  async run<T>(keys: Iterable<string>, fn: () => Promise<T>): Promise<T> {
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(norm(k), Math.min(this.perKey, (counts.get(norm(k)) ?? 0) + 1));
    const sorted = [...counts.keys()].sort();
    const held: string[] = [];
    try {
      for (const k of sorted) {
        await this.acquire(k, counts.get(k)!);
        held.push(k);
      }
      return await fn();
    } finally {
      for (const k of held.reverse()) this.release(k, counts.get(k)!);
    }
  }
}

function norm(key: string): string {
  return key.toLowerCase();
}

let shared: KeyedLimiter | undefined;

/**
 * The process-wide per-mailbox limiter. Exchange's four concurrent requests are per app *and mailbox*, whatever
 * the token: an app-only probe and a delegated (individual-mode) probe of the same mailbox count against the same
 * four, so both activity sets take their slots here (like the request budget in budget.ts).
 */
export function workerMailboxLimiter(perKey: number): KeyedLimiter {
  if (!shared || shared.perKey !== perKey) shared = new KeyedLimiter(perKey);
  return shared;
}
