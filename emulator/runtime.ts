/** Cross-cutting runtime behaviour: Outlook's per-mailbox limits, fault injection, latency, the request log. */
import type { FaultInput, FaultSpec, Limits } from './fixture';
import { faultSchema, limitsSchema } from './fixture';
import { makeRng, type Rng } from './rng';

/**
 * Outlook limits per app ID + mailbox: four concurrent requests and 10,000 requests per 10 minutes
 * (https://learn.microsoft.com/en-us/graph/throttling-limits, "Outlook service limits"). Exceeding one
 * mailbox's limit doesn't affect other mailboxes. Throttled requests still count ("Microsoft Graph continues
 * to log resource usage while a client is being throttled").
 */
export class MailboxLimiter {
  private readonly inflight = new Map<string, number>();
  private readonly history = new Map<string, { times: number[]; head: number }>();
  constructor(public limits: Limits = limitsSchema.parse({})) {}

  /** Returns a release function, or the Retry-After seconds when the request must be refused. */
  acquire(
    key: string,
    now = Date.now(),
  ): { release: () => void } | { retryAfter: number; reason: 'concurrency' | 'rate' } {
    const windowMs = this.limits.mailboxWindowSeconds * 1000;
    let h = this.history.get(key);
    if (!h) this.history.set(key, (h = { times: [], head: 0 }));
    while (h.head < h.times.length && h.times[h.head]! <= now - windowMs) h.head++;
    if (h.head > 4096) {
      h.times = h.times.slice(h.head);
      h.head = 0;
    }
    const inWindow = h.times.length - h.head;
    h.times.push(now);
    if (inWindow >= this.limits.mailboxRequestsPerWindow) {
      const oldest = h.times[h.head + (inWindow - this.limits.mailboxRequestsPerWindow)]!;
      return { retryAfter: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)), reason: 'rate' };
    }
    const n = this.inflight.get(key) ?? 0;
    if (n >= this.limits.mailboxConcurrency) return { retryAfter: 1, reason: 'concurrency' };
    this.inflight.set(key, n + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const m = (this.inflight.get(key) ?? 1) - 1;
        if (m <= 0) this.inflight.delete(key);
        else this.inflight.set(key, m);
      },
    };
  }

  reset(): void {
    this.inflight.clear();
    this.history.clear();
  }
}

/**
 * A plain sliding-window request counter per key (app + tenant), for the limits that are not Outlook's:
 * directory reads (Entra ID throttles per app and tenant, https://learn.microsoft.com/graph/throttling-limits,
 * "Identity and access service limits") and the token endpoint. `limit` undefined = unlimited (the default,
 * so tests are not throttled unless they ask for it). Refused requests count too.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    public limit: number | undefined,
    public windowSeconds: number,
  ) {}

  /** undefined = allowed; otherwise seconds until the oldest request in the window leaves it. */
  hit(key: string, now = Date.now()): number | undefined {
    if (this.limit === undefined) return undefined;
    const windowMs = this.windowSeconds * 1000;
    const times = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    times.push(now);
    this.hits.set(key, times);
    if (times.length <= this.limit) return undefined;
    return Math.max(1, Math.ceil((times[times.length - 1 - this.limit]! + windowMs - now) / 1000));
  }

  reset(): void {
    this.hits.clear();
  }
}

export interface ActiveFault extends FaultSpec {
  injected: number;
}

/** Fault injection by rate per route, Dev Proxy style (GenericRandomErrorPlugin: rate + Retry-After), seeded so runs repeat. */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private rng: Rng;
  constructor(
    faults: FaultInput[] = [],
    private readonly seed = 'faults',
  ) {
    this.rng = makeRng(seed);
    this.set(faults);
  }

  set(faults: FaultInput[]): void {
    this.faults = faults.map((f) => ({ ...faultSchema.parse(f), injected: 0 }));
    this.rng = makeRng(this.seed);
  }

  add(f: FaultInput): void {
    this.faults.push({ ...faultSchema.parse(f), injected: 0 });
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault to inject for this request, if any. Route "*" matches every Graph route (not the token endpoint). */
  pick(route: string, tenantId?: string): ActiveFault | undefined {
    for (const f of this.faults) {
      if (f.route !== route && !(f.route === '*' && route !== 'token')) continue;
      if (f.tenantId && tenantId && f.tenantId.toLowerCase() !== tenantId.toLowerCase()) continue;
      if (f.count !== undefined && f.injected >= f.count) continue;
      if (f.rate < 1 && this.rng.float() >= f.rate) continue;
      f.injected++;
      return f;
    }
    return undefined;
  }
}

export class Latency {
  private rng = makeRng('latency');
  constructor(
    public ms = 0,
    public jitterMs = 0,
  ) {}
  async wait(): Promise<void> {
    const d = this.ms + (this.jitterMs ? this.rng.int(0, this.jitterMs) : 0);
    if (d > 0) await new Promise((r) => setTimeout(r, d));
  }
}

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  /** Raw query string, e.g. "$select=id,start,end&$top=5" (decoded). */
  query: string;
  status: number;
  route: string;
  appId?: string;
  tenantId?: string;
  mailbox?: string;
  requestId: string;
  /** The $batch request this item was part of. */
  batchRequestId?: string;
  fault?: string;
  durationMs: number;
}

/** A bounded ring of recent requests (newest last). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  constructor(private readonly capacity = 20_000) {}
  add(e: Omit<RequestLogEntry, 'seq'>): void {
    this.entries.push({ ...e, seq: ++this.seq });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }
  list(filter: { since?: number; route?: string; limit?: number } = {}): RequestLogEntry[] {
    let out = this.entries;
    if (filter.since !== undefined) out = out.filter((e) => e.seq > filter.since!);
    if (filter.route) out = out.filter((e) => e.route === filter.route);
    if (filter.limit !== undefined) out = out.slice(-filter.limit);
    return out;
  }
  clear(): void {
    this.entries = [];
  }
}
