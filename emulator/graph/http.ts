/** Response helpers shared by the resource modules: JSON bodies, permission checks, paging, request bodies. */
import { badRequest, GraphHttpError, type GraphResponse } from '../errors';
import { decodeSkipToken, encodeSkipToken, parseFilter, parseTop, type Row } from '../odata';
import { parseDateTimeTimeZone } from '../time';
import { MALFORMED_JSON, type Ctx } from './types';

// ------------------------------------------------------------------ helpers

export function ok(body: unknown, status = 200, headers: Record<string, string> = {}): GraphResponse {
  return {
    status,
    headers: {
      'content-type':
        'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
      ...headers,
    },
    body,
  };
}

export function requireRoles(c: Ctx, any: string[]): void {
  if (!any.some((r) => c.caller.roles.has(r)))
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
}

export function ctxUrl(c: Ctx, fragment: string): string {
  return `${c.g.origin()}/v1.0/$metadata#${fragment}`;
}

/** Page an array; @odata.nextLink carries the same query with an opaque $skiptoken (paging.md). */
export function page<T>(
  c: Ctx,
  all: T[],
  def: number,
  max: number,
  map: (t: T) => Row,
  context: string,
  extra: Row = {},
): GraphResponse {
  const top = parseTop(c.req.query, def, max);
  const offset = decodeSkipToken(c.req.query);
  const slice = all.slice(offset, offset + top);
  // "@odata.count … will be present only in the first page" (https://learn.microsoft.com/graph/paging).
  const first =
    offset === 0 ? extra : Object.fromEntries(Object.entries(extra).filter(([k]) => k !== '@odata.count'));
  const body: Row = { '@odata.context': ctxUrl(c, context), ...first, value: slice.map(map) };
  if (offset + top < all.length) {
    const q = new URLSearchParams(c.req.query);
    q.set('$skiptoken', encodeSkipToken(offset + top));
    if (!q.has('$top') && def !== top) q.set('$top', String(top));
    body['@odata.nextLink'] = `${c.g.origin()}/v1.0${c.req.path}?${decodeURIComponent(q.toString())}`.replace(
      / /g,
      '%20',
    );
  }
  return ok(body);
}

/**
 * `$count=true` on a directory collection is an advanced query: it needs `ConsistencyLevel: eventual`
 * (https://learn.microsoft.com/graph/aad-advanced-queries), else 400. Returns the annotation to add.
 */
export function countAnnotation(c: Ctx, n: number): Row {
  if (!countRequested(c)) return {};
  if (!advancedQuery(c))
    throw new GraphHttpError(
      400,
      'Request_BadRequest',
      '$count is not supported without the ConsistencyLevel: eventual header.',
    );
  return { '@odata.count': n };
}

/**
 * The items whose `row` passes the request's `$filter` over `properties` (all of them without one); advanced
 * operators need ConsistencyLevel: eventual (https://learn.microsoft.com/graph/aad-advanced-queries).
 */
export function filterRows<T>(c: Ctx, items: T[], properties: string[], row: (t: T) => Row): T[] {
  const filter = c.req.query.get('$filter');
  if (filter === null) return items;
  const clause = parseFilter(filter, { properties, advanced: advancedQuery(c) });
  return items.filter((t) => clause(row(t)));
}

/** A page of a directory collection: 100 by default, $top up to 999, `@odata.count` when $count asks. */
export function directoryPage<T>(c: Ctx, rows: T[], map: (t: T) => Row, context: string): GraphResponse {
  return page(c, rows, 100, 999, map, context, countAnnotation(c, rows.length));
}

/** @odata.context of an entity set or entity, naming the selected properties as Graph does: users(id,mail). */
export function setContext(set: string, select: string[] | undefined, entity = false): string {
  return `${set}${select ? `(${select.join(',')})` : ''}${entity ? '/$entity' : ''}`;
}

export function countRequested(c: Ctx): boolean {
  return c.req.query.get('$count') === 'true';
}
export function advancedQuery(c: Ctx): boolean {
  return (c.req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual' && countRequested(c);
}

export function objectBody(c: Ctx): Record<string, unknown> {
  const b = c.req.body;
  if (b === MALFORMED_JSON)
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b))
    throw badRequest('Empty Payload. JSON content expected.');
  return b as Record<string, unknown>;
}

export function dtz(v: unknown, field: string): { dateTime: string; timeZone: string; utc: Date } {
  const o = v as { dateTime?: unknown; timeZone?: unknown } | undefined;
  if (!o || typeof o !== 'object' || typeof o.dateTime !== 'string')
    throw badRequest(
      `'${field}' must be a dateTimeTimeZone: {"dateTime":"2026-11-25T09:00:00","timeZone":"UTC"}.`,
      'ErrorInvalidRequest',
    );
  const tz = typeof o.timeZone === 'string' ? o.timeZone : 'UTC';
  const utc = parseDateTimeTimeZone(o.dateTime, tz);
  if (!utc)
    throw badRequest(
      `Cannot convert the literal '${o.dateTime}' (time zone '${tz}') to the expected type 'Edm.DateTimeOffset'.`,
      'ErrorInvalidRequest',
    );
  return { dateTime: o.dateTime, timeZone: tz, utc };
}
