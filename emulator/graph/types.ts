/**
 * The shapes every Graph module shares: the server-wide context, one request, one result, the caller
 * (from the bearer token), the per-request context handed to a handler, and a route definition (data).
 */
import type { GraphResponse } from '../errors';
import type { FaultInjector, Latency, MailboxLimiter, RateLimiter, RequestLog } from '../runtime';
import type { EmulatorState, Tenant } from '../state';
import type { AccessTokenClaims, TokenService } from '../tokens';

export interface GraphContext {
  state: EmulatorState;
  tokens: TokenService;
  limiter: MailboxLimiter;
  /** Directory (non-mailbox) requests per app + tenant. */
  directoryLimiter: RateLimiter;
  faults: FaultInjector;
  latency: Latency;
  log: RequestLog;
  /** https://127.0.0.1:port — used in @odata.nextLink and @odata.context. */
  origin: () => string;
}

export interface GraphRequest {
  method: string;
  /** Path after /v1.0, with leading slash, URL-decoded per segment. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, or a `BodyParseError` marker for malformed JSON. */
  body: unknown;
  batchRequestId?: string;
}

export const MALFORMED_JSON = Symbol('malformed-json');

export interface GraphResult extends GraphResponse {
  route: string;
  /** For the HTTP layer: drop the connection instead of answering. */
  reset?: boolean;
  appId?: string;
  tenantId?: string;
  mailbox?: string;
  fault?: string;
}

export interface Caller {
  claims: AccessTokenClaims;
  tenant: Tenant;
  /** App roles (app-only tokens) or delegated scopes (`scp`, delegated tokens): what the token may do. */
  roles: Set<string>;
  /** Delegated tokens only: the signed-in user's object id (`oid`). */
  userId?: string;
}

export interface Ctx {
  g: GraphContext;
  req: GraphRequest;
  caller: Caller;
  params: string[];
  requestId: string;
  clientRequestId: string;
  /** Set by mailbox routes so the log and limiter know the mailbox. */
  mailbox?: string;
}

export type Handler = (c: Ctx) => Promise<GraphResponse> | GraphResponse;

/** One row of the dispatch table. `path` uses {name} for a segment and {key} for `/{id}` or `(appId='…')`. */
export interface RouteDef {
  /** Stable id: fault injection, the request log and limits name routes by it. */
  id: string;
  method: string;
  path: string;
  handler: Handler;
  /** Index of the path parameter holding the mailbox (user id or UPN) for per-mailbox limits, if any. */
  mailboxParam?: number;
}
