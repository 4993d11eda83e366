import pLimit from 'p-limit';
import { badRequest, graphError, GraphHttpError, type GraphResponse } from '../errors';
import { ok } from './http';
import { MALFORMED_JSON, type GraphContext, type GraphRequest, type GraphResult } from './types';

// ------------------------------------------------------------------ $batch

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

/**
 * JSON batching (concepts/json-batching.md): at most 20 requests, unique ids, relative URLs, per-item
 * status; a dependent of a failed request gets 424. Unordered items run four at a time, as Graph feeds
 * Outlook "up to four individual requests from the batch at a time"; with dependsOn, one at a time.
 */
export async function handleBatch(
  handleGraph: (g: GraphContext, req: GraphRequest) => Promise<GraphResult>,
  g: GraphContext,
  req: GraphRequest,
  ids: { requestId: string; clientRequestId: string },
): Promise<GraphResponse> {
  if (req.method !== 'POST')
    throw new GraphHttpError(
      405,
      'Request_BadRequest',
      `The request method '${req.method}' is not allowed for $batch.`,
    );
  const body = req.body;
  if (body === MALFORMED_JSON)
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) throw badRequest('Invalid batch payload format.');
  if (requests.length === 0) throw badRequest('Invalid batch payload format: requests must not be empty.');
  if (requests.length > 20) throw badRequest('Number of requests in a batch exceeds the limit of 20.');
  const seen = new Set<string>();
  const items: BatchItem[] = [];
  for (const r of requests as Record<string, unknown>[]) {
    if (
      !r ||
      typeof r !== 'object' ||
      typeof r.id !== 'string' ||
      !r.id ||
      typeof r.method !== 'string' ||
      typeof r.url !== 'string'
    )
      throw badRequest('Invalid batch payload format: every request needs string id, method and url.');
    if (seen.has(r.id))
      throw badRequest(`Batch request ids must be unique; '${r.id}' appears more than once.`);
    seen.add(r.id);
    if (
      r.body !== undefined &&
      !Object.keys((r.headers as Record<string, string>) ?? {}).some(
        (h) => h.toLowerCase() === 'content-type',
      )
    )
      throw badRequest(`Request '${r.id}': a Content-Type header is required when a body is present.`);
    if (
      r.dependsOn !== undefined &&
      (!Array.isArray(r.dependsOn) ||
        !r.dependsOn.every((d) => typeof d === 'string' && seen.has(d) && d !== r.id))
    )
      // A dependency must be an earlier request of the same batch; Graph answers "Invalid dependency for
      // request Id …" (seen in microsoftgraph/msgraph-sdk-dotnet-core#891).
      throw badRequest(
        `Invalid dependency for request Id '${r.id}': dependsOn must name earlier requests of this batch.`,
      );
    items.push(r as unknown as BatchItem);
  }
  // "Batch should be either fully sequential or fully parallel" (400; json-batching.md as corrected in
  // microsoftgraph/microsoft-graph-docs-contrib#2339): once one request uses dependsOn, every request after
  // the first must depend on another.
  if (items.some((i) => i.dependsOn?.length) && items.slice(1).some((i) => !i.dependsOn?.length))
    throw badRequest('Batch should be either fully sequential or fully parallel.');
  const sequential = items.some((i) => i.dependsOn?.length);
  const results = new Map<
    string,
    { id: string; status: number; headers: Record<string, string>; body?: unknown }
  >();
  const run = async (item: BatchItem) => {
    const failedDep = item.dependsOn?.find((d) => (results.get(d)?.status ?? 0) >= 400);
    if (failedDep) {
      const e = graphError(
        424,
        'FailedDependency',
        `The request depends on request '${failedDep}', which failed.`,
        ids,
      );
      results.set(item.id, { id: item.id, status: 424, headers: e.headers, body: e.body });
      return;
    }
    let url: URL;
    try {
      if (/^https?:/i.test(item.url)) throw new Error('absolute');
      url = new URL(item.url.replace(/^\/?(v1\.0\/)?/, '/'), 'https://batch.invalid');
    } catch {
      const e = graphError(
        400,
        'BadRequest',
        `Request '${item.id}': the url must be relative to the version, e.g. /users/{id}.`,
        ids,
      );
      results.set(item.id, { id: item.id, status: 400, headers: e.headers, body: e.body });
      return;
    }
    const headers: Record<string, string | undefined> = { authorization: req.headers.authorization };
    for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = v;
    const r = await handleGraph(g, {
      method: item.method.toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers,
      body: item.body,
      batchRequestId: ids.requestId,
    });
    const status = r.reset ? 504 : r.status;
    const out: { id: string; status: number; headers: Record<string, string>; body?: unknown } = {
      id: item.id,
      status,
      headers: {},
    };
    for (const [k, v] of Object.entries(r.headers))
      if (k === 'retry-after' || k === 'content-type' || k === 'location')
        out.headers[
          k === 'retry-after' ? 'Retry-After' : k === 'content-type' ? 'Content-Type' : 'Location'
        ] = v;
    if (r.reset) {
      const e = graphError(504, 'UnknownError', 'Gateway timeout.', ids);
      out.body = e.body;
      out.headers['Content-Type'] = 'application/json';
    } else if (r.body !== undefined) out.body = r.body;
    results.set(item.id, out);
  };
  if (sequential) for (const item of items) await run(item);
  else {
    const limit = pLimit(4);
    await Promise.all(items.map((item) => limit(() => run(item))));
  }
  return ok({ responses: items.map((i) => results.get(i.id)!) });
}
