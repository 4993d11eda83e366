/** The OData query options the project uses: $select, $top, $skiptoken, and a small $filter grammar. */
import { badRequest, GraphHttpError } from './errors';

export type Row = Record<string, unknown>;

/** $select=a,b → only those keys; no $select → every key of the row. */
export function applySelect(row: Row, select: string[] | undefined, opts: { alwaysId?: boolean } = {}): Row {
  const keys = select ?? Object.keys(row);
  const out: Row = {};
  // Directory objects return exactly what $select names, `id` included only when named (query-parameters.md,
  // "select parameter"). Outlook items are the exception: the service adds `id` (and `@odata.etag`) to every
  // item whatever $select says (example responses in https://learn.microsoft.com/graph/api/user-list-events).
  if (opts.alwaysId && 'id' in row) out.id = row.id;
  for (const k of keys) if (k in row) out[k] = row[k];
  return out;
}

/** Parse $select against the properties an entity has; unknown property → 400 as Graph does. */
export function parseSelect(
  q: URLSearchParams,
  known: readonly string[],
  entity: string,
): string[] | undefined {
  const raw = q.get('$select');
  if (raw === null) return undefined;
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) throw badRequest('Invalid $select: it must name at least one property.');
  const lower = new Map(known.map((k) => [k.toLowerCase(), k]));
  return parts.map((p) => {
    const k = lower.get(p.toLowerCase());
    if (!k) throw badRequest(`Could not find a property named '${p}' on type 'microsoft.graph.${entity}'.`);
    return k;
  });
}

export function parseTop(q: URLSearchParams, def: number, max: number): number {
  const raw = q.get('$top');
  if (raw === null) return def;
  if (!/^\d+$/.test(raw))
    throw badRequest(
      `Invalid value '${raw}' for $top query option found. The $top query option requires a non-negative integer value.`,
    );
  const n = Number(raw);
  if (n < 1 || n > max)
    throw new GraphHttpError(
      400,
      'Request_UnsupportedQuery',
      `Invalid page size specified: '${n}'. Must be between 1 and ${max} inclusive.`,
    );
  return n;
}

/** $skiptoken is opaque to clients ("Do not try to extract the $skiptoken", paging.md); ours encodes an offset. */
export function encodeSkipToken(offset: number): string {
  return `RFNwdAIAAQAAA${Buffer.from(`o:${offset}`).toString('base64url')}`;
}
export function decodeSkipToken(q: URLSearchParams): number {
  const raw = q.get('$skiptoken');
  if (raw === null) return 0;
  const m = /^RFNwdAIAAQAAA(.+)$/.exec(raw);
  const text = m ? Buffer.from(m[1]!, 'base64url').toString() : '';
  const o = /^o:(\d+)$/.exec(text);
  if (!o)
    throw badRequest(
      `Invalid $skiptoken value '${raw}'. Use @odata.nextLink as returned.`,
      'Request_BadRequest',
    );
  return Number(o[1]);
}

// ------------------------------------------------------------------ $filter

type Clause = (row: Row) => boolean;

export interface FilterOptions {
  /** Property names (case-insensitive) that may be filtered. */
  properties: readonly string[];
  /** `ne`, `not`, `endswith` need ConsistencyLevel: eventual + $count (aad-advanced-queries.md). */
  advanced: boolean;
}

/**
 * A small, strict $filter grammar: `prop eq|ne|ge|le|gt|lt literal`, `startswith(prop,'x')`,
 * `endswith(prop,'x')`, `prop in ('a','b')`, joined by `and` / `or` (and binds tighter), optional
 * parentheses around whole clauses. Literals: 'string' (with '' escaping), true, false, null, numbers.
 * Anything else is a 400 "Invalid filter clause", like Graph.
 */
export function parseFilter(expr: string, opts: FilterOptions): Clause {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expect = (v: string) => {
    const t = next();
    if (!t || t.toLowerCase() !== v) throw invalid(`expected '${v}'`);
  };
  const invalid = (why: string) => badRequest(`Invalid filter clause: ${why} in '${expr}'.`);
  const prop = (): string => {
    const t = next();
    if (!t || !/^[A-Za-z][\w/]*$/.test(t)) throw invalid(`expected a property name, found '${t ?? 'end'}'`);
    const found = opts.properties.find((p) => p.toLowerCase() === t.toLowerCase());
    if (!found)
      throw new GraphHttpError(
        400,
        'Request_UnsupportedQuery',
        `Unsupported or invalid query filter clause specified for property '${t}' of resource '${'entity'}'.`,
      );
    return found;
  };
  const literal = (): unknown => {
    const t = next();
    if (t === undefined) throw invalid('expected a value');
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
    if (/^null$/i.test(t)) return null;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    throw invalid(`'${t}' is not a literal`);
  };
  const get = (row: Row, p: string): unknown =>
    p.split('/').reduce<unknown>((o, k) => (o as Row | undefined)?.[k], row);
  const cmp = (a: unknown, b: unknown): number =>
    typeof a === 'string' && typeof b === 'string'
      ? a.toLowerCase().localeCompare(b.toLowerCase())
      : a === b
        ? 0
        : (a as number) < (b as number)
          ? -1
          : 1;
  const needAdvanced = (what: string) => {
    if (!opts.advanced)
      throw new GraphHttpError(
        400,
        'Request_UnsupportedQuery',
        `Operator '${what}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header.`,
      );
  };

  const primary = (): Clause => {
    const t = peek();
    if (t === '(') {
      next();
      const c = orExpr();
      expect(')');
      return c;
    }
    if (t && /^(startswith|endswith)$/i.test(t)) {
      const fn = next()!.toLowerCase();
      if (fn === 'endswith') needAdvanced('endsWith');
      expect('(');
      const p = prop();
      expect(',');
      const v = literal();
      expect(')');
      if (typeof v !== 'string') throw invalid(`${fn} needs a string`);
      return (row) => {
        const x = get(row, p);
        if (typeof x !== 'string') return false;
        return fn === 'startswith'
          ? x.toLowerCase().startsWith(v.toLowerCase())
          : x.toLowerCase().endsWith(v.toLowerCase());
      };
    }
    if (t && /^not$/i.test(t)) {
      next();
      needAdvanced('not');
      const c = primary();
      return (row) => !c(row);
    }
    const p = prop();
    const op = next()?.toLowerCase();
    if (op === 'in') {
      expect('(');
      const vals: unknown[] = [literal()];
      while (peek() === ',') {
        next();
        vals.push(literal());
      }
      expect(')');
      return (row) => vals.some((v) => cmp(get(row, p), v) === 0);
    }
    if (!op || !['eq', 'ne', 'ge', 'le', 'gt', 'lt'].includes(op))
      throw invalid(`unknown operator '${op ?? 'end'}'`);
    if (op === 'ne') needAdvanced('ne');
    const v = literal();
    return (row) => {
      const x = get(row, p);
      if (op === 'eq') return v === null ? x === null || x === undefined : cmp(x, v) === 0;
      if (op === 'ne') return v === null ? x !== null && x !== undefined : cmp(x, v) !== 0;
      if (x === null || x === undefined) return false;
      const c = cmp(x, v);
      return op === 'ge' ? c >= 0 : op === 'le' ? c <= 0 : op === 'gt' ? c > 0 : c < 0;
    };
  };
  const andExpr = (): Clause => {
    let c = primary();
    while (peek()?.toLowerCase() === 'and') {
      next();
      const l = c;
      const r = primary();
      c = (row) => l(row) && r(row);
    }
    return c;
  };
  const orExpr = (): Clause => {
    let c = andExpr();
    while (peek()?.toLowerCase() === 'or') {
      next();
      const l = c;
      const r = andExpr();
      c = (row) => l(row) || r(row);
    }
    return c;
  };
  const clause = orExpr();
  if (i !== tokens.length) throw invalid(`unexpected '${tokens[i]}'`);
  return clause;
}

function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= s.length) throw badRequest(`Invalid filter clause: unterminated string literal in '${s}'.`);
        if (s[j] === "'") {
          if (s[j + 1] === "'") j += 2;
          else break;
        } else j++;
      }
      out.push(s.slice(i, j + 1));
      i = j + 1;
    } else if ('(),'.includes(c)) {
      out.push(c);
      i++;
    } else {
      let j = i;
      while (j < s.length && !/[\s(),']/.test(s[j]!)) j++;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  if (!out.length) throw badRequest(`Invalid filter clause: empty $filter.`);
  return out;
}
