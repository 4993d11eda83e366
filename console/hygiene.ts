/**
 * Request hygiene for the console: log lines never carry a consent route's query string (it holds the one-time
 * `state`, and Entra's redirect may add `error_description` text), and state-changing requests must come from
 * the console's own pages (Origin / Fetch Metadata, on top of the CSRF token).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyChildLoggerFactory } from 'fastify/types/logger';

/** Paths whose query strings are secret-bearing. */
const SECRET_QUERY_PATHS = /^\/consent(\/|$|\?)/;

/** The URL as it may appear in a log: consent routes keep their path, the query becomes `?[redacted]`. */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pathOnly = url.slice(0, q);
  return SECRET_QUERY_PATHS.test(pathOnly) ? `${pathOnly}?[redacted]` : url;
}

interface ReqLike {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** pino serializer for `req` (replaces fastify's default one, which logs the raw url). */
export function redactingReqSerializer(req: ReqLike): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * fastify's `childLoggerFactory`: each request's logger gets the redacting `req` serializer, whatever logger
 * instance the console was given (a child's serializers take precedence over its parent's in pino).
 */
export const redactingChildLoggerFactory: FastifyChildLoggerFactory = (logger, bindings, opts) =>
  logger.child(bindings, {
    ...opts,
    serializers: { ...(opts.serializers ?? {}), req: redactingReqSerializer as never },
  });

/**
 * A state-changing request is accepted only from the console's own origin: `Sec-Fetch-Site` (sent by every
 * current browser) must be same-origin, and `Origin`, when present, must be this console's. Requests without
 * either header (curl, old browsers) still need the CSRF token. See OWASP "Cross-Site Request Forgery
 * Prevention Cheat Sheet" (Verifying Origin with standard headers; Fetch Metadata).
 */
export function requestOriginAllowed(req: FastifyRequest, publicUrl: string | undefined): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return true;
  // The console's pages send `Referrer-Policy: no-referrer`, and then Chromium sends `Origin: null` even for a
  // same-origin form post (Fetch: "serializing a request origin" yields null under no-referrer). A browser
  // that says `Sec-Fetch-Site: same-origin` (a header pages cannot set) has told us what we need to know.
  if (origin === 'null') return site === 'same-origin';
  const allowed = new Set<string>();
  if (publicUrl) {
    try {
      allowed.add(new URL(publicUrl).origin);
    } catch {
      // an invalid publicUrl is reported elsewhere
    }
  }
  const host = req.headers.host;
  if (host) allowed.add(`${req.protocol}://${host}`);
  return allowed.has(origin);
}
