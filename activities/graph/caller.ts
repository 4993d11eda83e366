/**
 * Graph calls with bounded retries that honour Retry-After — for whole requests and for the items of a `$batch`
 * (a 200 batch can carry 429 items, which the SDK's RetryHandler never sees). Every request passes through the
 * per-mailbox limiter and is counted.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import {
  failureFromBody,
  failureFromError,
  headerValue,
  isTransient,
  parseRetryAfter,
  type GraphFailure,
} from './errors';
import { workerRequestBudget, type RequestBudget } from './budget';
import type { KeyedLimiter } from './limiter';

export const BATCH_LIMIT = 20;

export interface CallerOptions {
  /** Retries per request (or per batch item) after the first attempt. */
  maxRetries: number;
  limiter: KeyedLimiter;
  /** A Retry-After longer than this ends the retries at once (the item is reported throttled). */
  maxRetryAfterMs: number;
  /** Backoff when no Retry-After is given: base × 2^attempt + jitter, capped at 30 s. */
  backoffBaseMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Called while waiting (so long waits can heartbeat). */
  onWait?: (ms: number, reason: GraphFailure) => void;
  random?: () => number;
  /** Prefix of limiter keys (the tenant id: mailboxes are per tenant). */
  keyPrefix?: string;
  /** App-wide request budget (default: the worker-wide one, see budget.ts). */
  budget?: RequestBudget;
}

export type CallResult<T> =
  { ok: true; status: number; value: T } | { ok: false; failure: GraphFailure; attempts: number };

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path relative to the version root, with its query string, e.g. `/users/x/calendar/events?$top=1`. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Mailboxes (ids or UPNs) the request touches, for the per-mailbox limiter. */
  mailboxes?: string[];
}

export interface BatchItemSpec extends RequestSpec {
  id: string;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class GraphCaller {
  /** HTTP requests sent to Graph (a $batch counts once). */
  requests = 0;
  /** Retries caused by 429 (throttling), whole requests or batch items. */
  throttledRetries = 0;
  /** Retries caused by other transient failures (5xx, network). */
  transientRetries = 0;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: Client,
    private readonly opts: CallerOptions,
  ) {
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
  }

  private get budget(): RequestBudget {
    return this.opts.budget ?? workerRequestBudget();
  }

  private keys(mailboxes: string[]): string[] {
    const p = this.opts.keyPrefix;
    return p ? mailboxes.map((m) => `${p}|${m}`) : mailboxes;
  }

  /** Delay before retry number `attempt` (0-based) for this failure, or undefined to stop retrying. */
  retryDelay(f: GraphFailure, attempt: number): number | undefined {
    if (!isTransient(f) || attempt >= this.opts.maxRetries) return undefined;
    if (f.retryAfterMs !== undefined) {
      if (f.retryAfterMs > this.opts.maxRetryAfterMs) return undefined;
      return f.retryAfterMs;
    }
    const base = this.opts.backoffBaseMs ?? 1000;
    return Math.min(30_000, base * 2 ** attempt + Math.floor(this.random() * base));
  }

  private count(f: GraphFailure): void {
    if (f.status === 429) this.throttledRetries++;
    else this.transientRetries++;
  }

  private async send<T>(spec: RequestSpec): Promise<T> {
    this.requests++;
    let req = this.client.api(spec.url);
    if (spec.headers) req = req.headers(spec.headers);
    if (this.opts.signal) req = req.option('signal', this.opts.signal);
    switch (spec.method) {
      case 'GET':
        return (await req.get()) as T;
      case 'POST':
        return (await req.post(spec.body ?? {})) as T;
      case 'PATCH':
        return (await req.patch(spec.body ?? {})) as T;
      case 'DELETE':
        return (await req.delete()) as T;
    }
  }

  /** One request with retries. Never throws for HTTP or network failures: returns them. */
  async call<T>(spec: RequestSpec): Promise<CallResult<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.budget.take(1);
        const value = await this.opts.limiter.run(this.keys(spec.mailboxes ?? []), () => this.send<T>(spec));
        return { ok: true, status: 200, value };
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        const failure = failureFromError(err);
        const delay = this.retryDelay(failure, attempt);
        if (delay === undefined) return { ok: false, failure, attempts: attempt + 1 };
        this.count(failure);
        this.opts.onWait?.(delay, failure);
        await this.sleep(delay, this.opts.signal);
      }
    }
  }

  /**
   * A `$batch` of up to 20 independent requests. Items failing with 429/5xx are re-sent (in a smaller batch)
   * after the longest Retry-After among them, each at most `maxRetries` times; a 429/5xx of the batch request
   * itself is retried the same way. Returns one result per item id.
   */
  async batch(items: BatchItemSpec[]): Promise<Map<string, CallResult<unknown>>> {
    if (items.length > BATCH_LIMIT) throw new RangeError(`a $batch holds at most ${BATCH_LIMIT} requests`);
    const results = new Map<string, CallResult<unknown>>();
    const attempts = new Map<string, number>(items.map((i) => [i.id, 0]));
    let pending = items;
    let outerAttempt = 0;
    while (pending.length > 0) {
      const body = {
        requests: pending.map((i) => ({
          id: i.id,
          method: i.method,
          url: i.url,
          ...(i.body !== undefined
            ? { body: i.body, headers: { 'Content-Type': 'application/json', ...i.headers } }
            : i.headers
              ? { headers: i.headers }
              : {}),
        })),
      };
      const mailboxes = this.keys(pending.flatMap((i) => i.mailboxes ?? []));
      let responses: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[];
      try {
        // Graph evaluates each item of a batch against its limits (json-batching): one token per item.
        await this.budget.take(pending.length);
        const res = await this.opts.limiter.run(mailboxes, () =>
          this.send<{ responses?: typeof responses }>({ method: 'POST', url: '/$batch', body }),
        );
        responses = res?.responses ?? [];
      } catch (err) {
        if (this.opts.signal?.aborted) throw err;
        const failure = failureFromError(err);
        const delay = this.retryDelay(failure, outerAttempt);
        if (delay === undefined) {
          for (const i of pending)
            results.set(i.id, { ok: false, failure, attempts: (attempts.get(i.id) ?? 0) + 1 });
          return results;
        }
        outerAttempt++;
        this.count(failure);
        this.opts.onWait?.(delay, failure);
        await this.sleep(delay, this.opts.signal);
        continue;
      }
      const byId = new Map(responses.map((r) => [String(r.id), r]));
      const retry: BatchItemSpec[] = [];
      let wait = 0;
      let waitReason: GraphFailure | undefined;
      for (const item of pending) {
        const r = byId.get(item.id);
        const n = attempts.get(item.id) ?? 0;
        if (!r) {
          // Graph answered without this item: treat as transient.
          const failure: GraphFailure = { status: 0, code: 'MissingBatchResponse' };
          const delay = this.retryDelay(failure, n);
          if (delay === undefined) results.set(item.id, { ok: false, failure, attempts: n + 1 });
          else {
            retry.push(item);
            attempts.set(item.id, n + 1);
            this.count(failure);
            wait = Math.max(wait, delay);
          }
          continue;
        }
        if (r.status >= 200 && r.status < 300) {
          results.set(item.id, { ok: true, status: r.status, value: r.body });
          continue;
        }
        const failure = failureFromBody(r.status, r.body, r.headers);
        if (failure.retryAfterMs === undefined) {
          const ra = parseRetryAfter(headerValue(r.headers, 'Retry-After'));
          if (ra !== undefined) failure.retryAfterMs = ra;
        }
        const delay = this.retryDelay(failure, n);
        if (delay === undefined) {
          results.set(item.id, { ok: false, failure, attempts: n + 1 });
        } else {
          retry.push(item);
          attempts.set(item.id, n + 1);
          this.count(failure);
          if (delay >= wait) {
            wait = delay;
            waitReason = failure;
          }
        }
      }
      pending = retry;
      if (pending.length > 0) {
        this.opts.onWait?.(wait, waitReason ?? { status: 0 });
        await this.sleep(wait, this.opts.signal);
      }
    }
    return results;
  }
}
