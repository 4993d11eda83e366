import { describe, expect, it } from 'vitest';
import { fakeClient, graphError } from '../test-support/fake-graph';
import { GraphCaller } from './caller';
import { KeyedLimiter } from './limiter';

function caller(handler: Parameters<typeof fakeClient>[0], maxRetries = 3) {
  const client = fakeClient(handler);
  const sleeps: number[] = [];
  const c = new GraphCaller(client, {
    maxRetries,
    limiter: new KeyedLimiter(4),
    maxRetryAfterMs: 60_000,
    backoffBaseMs: 100,
    random: () => 0,
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { c, client, sleeps };
}

describe('GraphCaller.call', () => {
  it('retries 429 after Retry-After and 503 with exponential backoff, then succeeds', async () => {
    let n = 0;
    const { c, sleeps } = caller(() => {
      n++;
      if (n === 1) return graphError(429, 'TooManyRequests', { 'Retry-After': '3' });
      if (n === 2) return graphError(503, 'serviceNotAvailable');
      return { status: 200, body: { value: [] } };
    });
    const r = await c.call({ method: 'GET', url: '/users' });
    expect(r.ok).toBe(true);
    expect(sleeps).toEqual([3000, 200]);
    expect(c.requests).toBe(3);
    expect(c.throttledRetries).toBe(1);
    expect(c.transientRetries).toBe(1);
  });

  it('is bounded: gives up after maxRetries with the last failure', async () => {
    const { c } = caller(() => graphError(429, 'TooManyRequests', { 'Retry-After': '1' }), 2);
    const r = await c.call({ method: 'GET', url: '/users' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failure.status).toBe(429);
      expect(r.attempts).toBe(3);
    }
  });

  it('does not retry permanent errors, nor a Retry-After beyond the cap', async () => {
    const { c } = caller(() => graphError(404, 'ErrorInvalidUser'));
    expect((await c.call({ method: 'GET', url: '/x' })).ok).toBe(false);
    expect(c.requests).toBe(1);
    const { c: c2 } = caller(() => graphError(429, 'TooManyRequests', { 'Retry-After': '3600' }));
    expect((await c2.call({ method: 'GET', url: '/x' })).ok).toBe(false);
    expect(c2.requests).toBe(1);
  });
});

describe('GraphCaller.batch', () => {
  it('re-sends only the 429/5xx items, after the longest Retry-After among them', async () => {
    const seen: string[][] = [];
    let round = 0;
    const { c, sleeps } = caller(({ body }) => {
      const reqs = (body as { requests: { id: string }[] }).requests;
      seen.push(reqs.map((r) => r.id));
      round++;
      return {
        status: 200,
        body: {
          responses: reqs.map((r) => {
            if (round === 1 && r.id === '2')
              return {
                id: r.id,
                status: 429,
                headers: { 'Retry-After': '5' },
                body: { error: { code: 'TooManyRequests' } },
              };
            if (round === 1 && r.id === '3')
              return {
                id: r.id,
                status: 429,
                headers: { 'retry-after': '2' },
                body: { error: { code: 'ApplicationThrottled' } },
              };
            if (r.id === '4')
              return {
                id: r.id,
                status: 404,
                body: { error: { code: 'MailboxNotEnabledForRESTAPI', innerError: { 'request-id': 'q4' } } },
              };
            return { id: r.id, status: 200, body: { value: [] } };
          }),
        },
      };
    });
    const res = await c.batch(
      ['1', '2', '3', '4'].map((id) => ({ id, method: 'GET' as const, url: `/users/${id}/calendar/events` })),
    );
    expect(seen).toEqual([
      ['1', '2', '3', '4'],
      ['2', '3'],
    ]);
    expect(sleeps).toEqual([5000]);
    expect(res.get('2')?.ok).toBe(true);
    const four = res.get('4');
    expect(four?.ok).toBe(false);
    if (four && !four.ok)
      expect(four.failure).toMatchObject({
        status: 404,
        code: 'MailboxNotEnabledForRESTAPI',
        requestId: 'q4',
      });
    expect(c.requests).toBe(2);
    expect(c.throttledRetries).toBe(2);
  });

  it('reports items still throttled after the bounded retries as 429', async () => {
    const { c } = caller(
      ({ body }) => ({
        status: 200,
        body: {
          responses: (body as { requests: { id: string }[] }).requests.map((r) => ({
            id: r.id,
            status: 429,
            headers: { 'Retry-After': '1' },
            body: {},
          })),
        },
      }),
      2,
    );
    const res = await c.batch([{ id: '1', method: 'GET', url: '/x' }]);
    const r = res.get('1')!;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.failure.status).toBe(429);
    expect(c.requests).toBe(3);
  });

  it('retries the whole batch when the $batch request itself is throttled', async () => {
    let n = 0;
    const { c, sleeps } = caller(({ body }) => {
      n++;
      if (n === 1) return graphError(503, 'serviceNotAvailable', { 'Retry-After': '1' });
      return {
        status: 200,
        body: {
          responses: (body as { requests: { id: string }[] }).requests.map((r) => ({
            id: r.id,
            status: 200,
            body: {},
          })),
        },
      };
    });
    const res = await c.batch([{ id: '1', method: 'GET', url: '/x' }]);
    expect(res.get('1')?.ok).toBe(true);
    expect(sleeps).toEqual([1000]);
  });

  it('refuses more than 20 items', async () => {
    const { c } = caller(() => ({ status: 200, body: { responses: [] } }));
    await expect(
      c.batch(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET' as const, url: '/x' }))),
    ).rejects.toThrow(RangeError);
  });
});
