/**
 * Microsoft Graph v1.0 as a plain function: (request) → {status, headers, body}. The HTTP server and
 * `$batch` both call `handleGraph`, so throttling, faults, latency, authorization and logging apply the same
 * way to top-level requests and to items inside a batch ("Requests in a batch are evaluated individually
 * against the applicable throttling limits", json-batching.md).
 */
import { randomUUID } from 'node:crypto';
import { graphError, GraphHttpError, mailboxConcurrencyThrottled, throttled } from '../errors';
import { authenticate } from './auth';
import { delegatedGate, rewriteMe } from './delegated';
import { handleBatch } from './batch';
import { createRouter } from './router';
import type { Ctx, GraphContext, GraphRequest, GraphResult } from './types';

export { MALFORMED_JSON } from './types';
export type { GraphContext, GraphRequest, GraphResult } from './types';

const router = createRouter();

export function routeIds(): string[] {
  return router.ids();
}

/** One Graph request (top-level or a $batch item), through faults, auth, limits, latency and the handler. */
export async function handleGraph(g: GraphContext, req: GraphRequest): Promise<GraphResult> {
  const started = Date.now();
  const requestId = randomUUID();
  const clientRequestId = req.headers['client-request-id'] ?? requestId;
  const ids = { requestId, clientRequestId };
  const base = { 'request-id': requestId, 'client-request-id': clientRequestId };
  let result: GraphResult;
  let release: (() => void) | undefined;
  let routeId = 'unknown';
  const meta: { appId?: string; tenantId?: string; mailbox?: string; fault?: string } = {};
  try {
    if (req.path === '/$batch' || req.path === '/$batch/') {
      routeId = 'batch';
      result = { ...(await handleBatch(handleGraph, g, req, ids)), route: routeId };
    } else {
      const found = router.match(req.method, rewriteMe(req.path));
      if (!found) {
        const seg = req.path.split('/').filter(Boolean).at(-1) ?? '';
        throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
      }
      if ('allowed' in found)
        throw new GraphHttpError(
          405,
          'Request_BadRequest',
          `The request method '${req.method}' is not allowed for this resource.`,
        );
      routeId = found.route.id;
      const caller = await authenticate(g, req.headers.authorization);
      meta.appId = caller.claims.appid;
      meta.tenantId = caller.tenant.id;
      const c: Ctx = { g, req, caller, params: found.params, ...ids };
      delegatedGate(c, found.route);
      const fault = g.faults.pick(routeId, caller.tenant.id);
      if (fault) {
        meta.fault = fault.kind;
        if (fault.kind === 'reset') return finish({ status: 0, headers: {}, route: routeId, reset: true });
        if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
        else {
          const status = Number(fault.kind);
          const resp =
            status === 429
              ? throttled(ids, fault.retryAfterSeconds)
              : graphError(
                  status,
                  status === 500
                    ? 'generalException'
                    : status === 503
                      ? 'serviceNotAvailable'
                      : 'UnknownError',
                  status === 500
                    ? 'General exception while processing.'
                    : status === 503
                      ? 'Service unavailable.'
                      : 'Gateway timeout.',
                  ids,
                  status === 503 ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
                );
          return finish({ ...resp, route: routeId });
        }
      }
      if (found.route.mailboxParam === undefined) {
        // Directory reads and writes: Entra ID throttles per app + tenant, answering 429 TooManyRequests
        // "Too many requests from Identifier:{appId} under category:throttle.aad.ags.appId.large" with
        // Retry-After (body observed in github.com/dafthack/GraphRunner/pull/11; limits per app and tenant in
        // https://learn.microsoft.com/graph/throttling-limits, "Identity and access service limits").
        const wait = g.directoryLimiter.hit(`${caller.claims.appid}|${caller.tenant.id}`);
        if (wait !== undefined)
          return finish({
            ...graphError(
              429,
              'TooManyRequests',
              `Too many requests from Identifier:${caller.claims.appid} under category:throttle.aad.ags.appId.large. Please try again later.`,
              ids,
              { 'retry-after': String(wait) },
            ),
            route: routeId,
          });
      } else {
        const raw = found.params[found.route.mailboxParam]!;
        const key = `${caller.claims.appid}|${caller.tenant.id}|${(caller.tenant.findUser(raw)?.id ?? raw).toLowerCase()}`;
        meta.mailbox = caller.tenant.findUser(raw)?.userPrincipalName ?? raw;
        const slot = g.limiter.acquire(key);
        if ('retryAfter' in slot)
          return finish({
            ...(slot.reason === 'concurrency'
              ? mailboxConcurrencyThrottled(ids, slot.retryAfter)
              : throttled(ids, slot.retryAfter)),
            route: routeId,
          });
        release = slot.release;
      }
      await g.latency.wait();
      const resp = await found.route.handler(c);
      if (c.mailbox) meta.mailbox = c.mailbox;
      result = { ...resp, route: routeId };
    }
  } catch (err) {
    if (err instanceof GraphHttpError)
      result = { ...graphError(err.status, err.code, err.message, ids, err.headers), route: routeId };
    else {
      result = {
        ...graphError(500, 'generalException', 'An unexpected error occurred in the emulator.', ids),
        route: routeId,
      };
      process.emitWarning(
        `emulator: ${req.method} ${req.path} failed: ${(err as Error).stack ?? String(err)}`,
      );
    }
  } finally {
    release?.();
  }
  return finish(result);

  function finish(r: GraphResult): GraphResult {
    const out: GraphResult = { ...r, headers: { ...base, ...r.headers }, ...meta };
    g.log.add({
      time: new Date(started).toISOString(),
      method: req.method,
      path: `/v1.0${req.path}`,
      query: decodeURIComponent(req.query.toString().replace(/\+/g, ' ')),
      status: out.reset ? 0 : out.status,
      route: out.route,
      appId: meta.appId,
      tenantId: meta.tenantId,
      mailbox: meta.mailbox,
      requestId,
      batchRequestId: req.batchRequestId,
      fault: meta.fault,
      durationMs: Date.now() - started,
    });
    return out;
  }
}
