/**
 * A stand-in for the Graph client's request builder (unit tests only): `api(url).headers().option().get()/post()`
 * resolving the handler's body, or throwing a GraphError-shaped object for non-2xx — what the SDK does.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { GraphClientFactory } from '../graph/client';

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
export type FakeHandler = (req: {
  method: string;
  url: string;
  body?: unknown;
}) => FakeResponse | Promise<FakeResponse>;

export function fakeClient(
  handler: FakeHandler,
): Client & { calls: { method: string; url: string; body?: unknown }[] } {
  const calls: { method: string; url: string; body?: unknown }[] = [];
  const run = async (method: string, url: string, body?: unknown) => {
    calls.push({ method, url, body });
    const r = await handler({ method, url, body });
    if (r.status >= 200 && r.status < 300) return r.body;
    const env = (r.body ?? {}) as {
      error?: { code?: string; message?: string; innerError?: Record<string, string> };
    };
    const err = Object.assign(new Error(env.error?.message ?? 'error'), {
      statusCode: r.status,
      code: env.error?.code ?? null,
      requestId: env.error?.innerError?.['request-id'] ?? null,
      body: JSON.stringify(env.error ?? {}),
      headers: new Headers(r.headers ?? {}),
    });
    throw err;
  };
  const client = {
    calls,
    api(url: string) {
      const b = {
        headers: () => b,
        header: () => b,
        option: () => b,
        get: () => run('GET', url),
        post: (body: unknown) => run('POST', url, body),
        patch: (body: unknown) => run('PATCH', url, body),
        delete: () => run('DELETE', url),
      };
      return b;
    },
  };
  return client as unknown as Client & { calls: typeof calls };
}

export function graphError(status: number, code: string, headers?: Record<string, string>): FakeResponse {
  return {
    status,
    body: {
      error: {
        code,
        message: `${code} message`,
        innerError: { 'request-id': `req-${code}`, date: '2026-01-01T00:00:00' },
      },
    },
    ...(headers ? { headers } : {}),
  };
}

/** A GraphClientFactory whose every tenant gets `client` and the given access token (unit tests only). */
export function fakeClients(client: Client, token = 'x.e30.x'): GraphClientFactory {
  return {
    forTenant: (t) => ({
      tenantId: t.tenantId,
      client,
      credential: { getToken: async () => null },
      token: async () => token,
    }),
    invalidate() {},
  };
}
