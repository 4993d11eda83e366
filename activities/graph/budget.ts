/**
 * The worker-wide Graph request budget: a token bucket shared by every Graph call in the worker process, kept
 * under Microsoft Graph's one app-wide limit — "130,000 requests per 10 seconds" per app across all tenants
 * (https://learn.microsoft.com/graph/throttling-limits, "global limits"). The Outlook limits (4 concurrent and
 * 10,000 per 10 minutes) are per app *and mailbox* (graph.md §4.2) and are enforced separately by the per-mailbox
 * limiter (limiter.ts); this budget is the only app-wide brake, so a probe can keep all its batches in flight.
 *
 * Requests inside a `$batch` "are evaluated individually against the applicable throttling limits"
 * (json-batching), so a batch takes one token per item. The bucket holds at most `burst` tokens (default one
 * second's worth) and refills at `perWindow / windowMs`, so any 10-second window sees at most
 * perWindow + burst requests (110,000 with the defaults): under 130,000 with one worker. Several workers share the
 * app-wide limit: give each `130,000 / workers` minus a margin (TOGETHER_GRAPH_REQUESTS_PER_10S).
 */
export const GRAPH_APP_LIMIT_PER_10S = 130_000;
export const DEFAULT_REQUESTS_PER_10S = 100_000;

export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: BudgetClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export class RequestBudget {
  readonly burst: number;
  private tokens: number;
  private last: number;
  /** Waiters are served in arrival order (one chain), so a big batch is not starved by single requests. */
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  /** Tokens handed out (for diagnostics and tests). */
  granted = 0;

  constructor(
    readonly perWindow: number = DEFAULT_REQUESTS_PER_10S,
    readonly windowMs = 10_000,
    burst?: number,
    private readonly clock: BudgetClock = realClock,
  ) {
    if (!Number.isFinite(perWindow) || perWindow < 1)
      throw new RangeError(`a request budget needs at least 1 request per window (got ${perWindow})`);
    if (!(windowMs > 0)) throw new RangeError(`the budget window must be positive (got ${windowMs} ms)`);
    this.burst = Math.max(1, Math.floor(burst ?? perWindow / 10));
    this.tokens = this.burst;
    this.last = clock.now();
  }

  private refill(): void {
    const t = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perWindow) / this.windowMs);
    this.last = t;
  }

  /** Milliseconds until `n` tokens are available (0 if they are). */
  private deficitMs(n: number): number {
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) * this.windowMs) / this.perWindow);
  }

  /** Resolves when `n` requests may be sent (n is capped at the burst size, so it always resolves). */
  take(n = 1): Promise<void> {
    const need = Math.min(Math.max(1, n), this.burst);
    if (this.waiting === 0) {
      this.refill();
      if (this.tokens >= need) {
        this.tokens -= need;
        this.granted += need;
        return Promise.resolve();
      }
    }
    this.waiting++;
    const turn = this.tail.then(async () => {
      for (;;) {
        this.refill();
        const wait = this.deficitMs(need);
        if (wait === 0) break;
        await this.clock.sleep(wait);
      }
      this.tokens -= need;
      this.granted += need;
      this.waiting--;
    });
    this.tail = turn;
    return turn;
  }
}

let shared: RequestBudget | undefined;

/**
 * The process-wide budget every GraphCaller uses unless given its own. `configureWorkerRequestBudget` (called by
 * createActivities with the configured rate) replaces it when the rate differs.
 */
export function workerRequestBudget(): RequestBudget {
  return (shared ??= new RequestBudget());
}

export function configureWorkerRequestBudget(perWindow: number): RequestBudget {
  if (!shared || shared.perWindow !== perWindow) shared = new RequestBudget(perWindow);
  return shared;
}
