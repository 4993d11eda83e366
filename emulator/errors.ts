/** Error bodies exactly as Graph and Entra shape them (see ../shared/reference/graph.md §2.3, §3.3). */
import { randomUUID } from 'node:crypto';

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Graph's error shape: {error:{code,message,innerError:{date,request-id,client-request-id}}} (https://learn.microsoft.com/en-us/graph/errors). */
export function graphError(
  status: number,
  code: string,
  message: string,
  ctx: { requestId: string; clientRequestId?: string },
  headers: Record<string, string> = {},
): GraphResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': ctx.requestId,
          'client-request-id': ctx.clientRequestId ?? ctx.requestId,
        },
      },
    },
  };
}

/** Throttling response; Outlook adds Retry-After (https://learn.microsoft.com/graph/throttling). */
export function throttled(
  ctx: { requestId: string; clientRequestId?: string },
  retryAfterSeconds: number,
): GraphResponse {
  const r = graphError(429, 'TooManyRequests', 'Please retry again later.', ctx, {
    'retry-after': String(retryAfterSeconds),
  });
  const inner = (r.body as { error: { innerError: Record<string, string> } }).error.innerError;
  inner.code = '429';
  inner.status = '429';
  return r;
}

/**
 * Outlook's per-app-per-mailbox concurrency limit (four): Exchange answers 429 with its own code, not Graph's
 * TooManyRequests — `{"error":{"code":"ApplicationThrottled","message":"Application is over its
 * MailboxConcurrency limit."}}` (observed: github.com/magodo/terraform-provider-outlook/issues/21,
 * github.com/alcionai/corso/issues/3695; limit from https://learn.microsoft.com/graph/throttling-limits,
 * "Outlook service limits"), with Retry-After.
 */
export function mailboxConcurrencyThrottled(
  ctx: { requestId: string; clientRequestId?: string },
  retryAfterSeconds: number,
): GraphResponse {
  return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', ctx, {
    'retry-after': String(retryAfterSeconds),
  });
}

/** Thrown inside Graph handlers; turned into a Graph error response by the dispatcher. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'BadRequest') => new GraphHttpError(400, code, message);

/** A directory object that is not there (users, groups, applications, service principals, assignments). */
export const resourceNotFound = (id: string | undefined) =>
  new GraphHttpError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

/** Entra's token/authorize error body: {error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}. */
export function entraError(
  status: number,
  error: string,
  aadsts: number,
  message: string,
  correlationId: string = randomUUID(),
): { status: number; body: Record<string, unknown> } {
  const traceId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${aadsts}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
    },
  };
}
