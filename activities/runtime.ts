/**
 * Access to the Temporal activity context when there is one (the activities also run outside Temporal: in the
 * benchmark and the CLI's direct mode), and the dependencies every activity receives.
 */
import { Context } from '@temporalio/activity';
import type { GraphConfig } from './config';
import type { GraphClientFactory, TenantGraph } from './graph/client';
import { GraphCaller, type CallerOptions } from './graph/caller';
import { KeyedLimiter } from './graph/limiter';

/** Minimal structured logger (pino satisfies it). Never pass secrets or tokens. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export interface ActivityDeps {
  config: GraphConfig;
  logger?: Logger;
  /** Override the Graph client factory (tests). */
  clients?: GraphClientFactory;
  /** Override the clock (tests). */
  now?: () => Date;
  /** Override fetch for webhooks (tests). */
  fetch?: typeof fetch;
  /**
   * The worker-wide per-mailbox limiter (createActivities makes one), shared by every activity invocation on this
   * worker so that concurrent activities together stay within Exchange's 4 concurrent requests per mailbox.
   */
  mailboxLimiter?: KeyedLimiter;
}

export function mailboxLimiter(deps: ActivityDeps): KeyedLimiter {
  return deps.mailboxLimiter ?? new KeyedLimiter(deps.config.probe.perMailboxConcurrency);
}

export function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export function heartbeat(details?: unknown): void {
  currentContext()?.heartbeat(details);
}

export function heartbeatDetails<T>(): T | undefined {
  return currentContext()?.info.heartbeatDetails as T | undefined;
}

export function cancellationSignal(): AbortSignal | undefined {
  return currentContext()?.cancellationSignal;
}

/**
 * The one way an activity gets a GraphCaller for a tenant: limiter keys prefixed with the tenant (mailboxes are
 * per tenant), the worker-wide per-mailbox limiter, the configured retries and Retry-After cap, and the
 * activity's cancellation signal. `overrides` adjust a field (the probe's tuning, heartbeats while waiting).
 */
export function graphCallerFor(
  deps: ActivityDeps,
  graph: Pick<TenantGraph, 'client' | 'tenantId'>,
  overrides: Partial<CallerOptions> = {},
): GraphCaller {
  const signal = cancellationSignal();
  return new GraphCaller(graph.client, {
    keyPrefix: graph.tenantId.toLowerCase(),
    maxRetries: deps.config.probe.maxRetries,
    limiter: mailboxLimiter(deps),
    maxRetryAfterMs: deps.config.probe.maxRetryAfterSeconds * 1000,
    ...(signal ? { signal } : {}),
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  });
}
