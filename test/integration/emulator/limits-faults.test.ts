/**
 * Outlook's per-app-per-mailbox limits (4 concurrent, N per window → 429 + Retry-After, also inside
 * $batch), $batch semantics, fault injection by route, latency, and the request log.
 */
import { BatchRequestContent, BatchResponseContent, type Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  graphClient,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, TOGETHER_APP } = ids;
const U = CONTOSO.users;
const eventsPath = (id: string) => `/users/${id}/calendar/events`;

async function outcome(p: Promise<unknown>): Promise<{ status: number; retryAfter?: string | null }> {
  try {
    await p;
    return { status: 200 };
  } catch (e) {
    const g = e as { statusCode: number; headers?: Headers };
    return { status: g.statusCode, retryAfter: g.headers?.get('retry-after') };
  }
}

describe('limits, $batch, faults and latency', () => {
  let emu: RunningEmulator;
  let graph: Client;
  let raw: Client;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(async () => {
    await emu.control.reset();
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    const cred = secretCredential(emu, CONTOSO.tenantId);
    graph = graphClient(emu, cred);
    raw = graphClient(emu, cred, { retry: false });
    await raw.api('/users').top(1).get(); // warm the token cache so timing below is Graph only
  });

  it('allows 4 concurrent requests per app and mailbox; the 5th gets 429 with Retry-After', async () => {
    await emu.control.setLatency(300);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => outcome(raw.api(eventsPath(U.inScope.id)).get())),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    expect(results.filter((r) => r.status === 429)).toEqual([{ status: 429, retryAfter: '1' }]);
  });

  it('throttles one mailbox without affecting another', async () => {
    await emu.control.setLatency(300);
    const busy = Array.from({ length: 5 }, () => outcome(raw.api(eventsPath(U.inScope.id)).get()));
    const other = outcome(raw.api(eventsPath(U.outsideScope.id)).get());
    expect((await other).status).toBe(200);
    await Promise.all(busy);
  });

  it('answers 429 with the seconds until the window frees once the per-window request limit is used up', async () => {
    await emu.control.setLimits({ mailboxRequestsPerWindow: 3, mailboxWindowSeconds: 60 });
    for (let i = 0; i < 3; i++)
      expect((await outcome(raw.api(eventsPath(U.inScope.id)).get())).status).toBe(200);
    const r = await outcome(raw.api(eventsPath(U.inScope.id)).get());
    expect(r.status).toBe(429);
    expect(Number(r.retryAfter)).toBeGreaterThan(50);
  });

  it('evaluates $batch items individually: a throttled item is a 429 with Retry-After inside a 200', async () => {
    await emu.control.setLimits({ mailboxRequestsPerWindow: 2, mailboxWindowSeconds: 60 });
    const batch = new BatchRequestContent(
      [0, 1, 2].map((i) => ({
        id: String(i),
        request: new Request(`${emu.graphUrl}v1.0${eventsPath(U.inScope.id)}?$select=id`),
      })),
    );
    const res = new BatchResponseContent(await graph.api('/$batch').post(await batch.getContent()));
    const statuses = [...res.getResponses().values()].map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = [...res.getResponses().values()].find((r) => r.status === 429)!;
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('runs dependsOn in order and fails a dependent of a failed request with 424', async () => {
    const body = {
      requests: [
        { id: '1', method: 'GET', url: `/users/ghost@contoso.onmicrosoft.com/calendar/events` },
        { id: '2', method: 'GET', url: `/users/${U.inScope.id}`, dependsOn: ['1'] },
        { id: '3', method: 'GET', url: `/users/${U.inScope.id}?$select=id`, dependsOn: ['1'] },
      ],
    };
    const res = await graph.api('/$batch').post(body);
    const byId = Object.fromEntries(
      res.responses.map((r: { id: string; status: number }) => [r.id, r.status]),
    );
    expect(byId).toEqual({ 1: 404, 2: 424, 3: 424 });
  });

  it('refuses a $batch of more than 20 requests with 400', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: '/users?$top=1',
    }));
    await expect(graph.api('/$batch').post({ requests })).rejects.toMatchObject({
      statusCode: 400,
      code: 'BadRequest',
    });
  });

  it('injects a 503 on one route; the Graph client retries after Retry-After and succeeds', async () => {
    await emu.control.addFault({
      route: 'getSchedule',
      kind: '503',
      rate: 1,
      count: 1,
      retryAfterSeconds: 1,
    });
    const res = await graph.api(`/users/${U.inScope.id}/calendar/getSchedule`).post({
      schedules: [U.inScope.userPrincipalName],
      startTime: { dateTime: '2026-12-01T00:00:00', timeZone: 'UTC' },
      endTime: { dateTime: '2026-12-02T00:00:00', timeZone: 'UTC' },
    });
    expect(res.value).toHaveLength(1);
    const log = await emu.control.requests({ route: 'getSchedule' });
    expect(log.map((e) => [e.status, e.fault ?? null])).toEqual([
      [503, '503'],
      [200, null],
    ]);
  });

  it('injects 429, 500 and 504 as Graph-shaped errors', async () => {
    for (const kind of ['429', '500', '504'] as const) {
      await emu.control.setFaults([{ route: 'listEvents', kind, rate: 1, count: 1 }]);
      expect((await outcome(raw.api(eventsPath(U.inScope.id)).get())).status).toBe(Number(kind));
    }
  });

  it('resets the connection when asked to, and only on the faulted route', async () => {
    await emu.control.setFaults([{ route: 'listEvents', kind: 'reset', rate: 1 }]);
    await expect(raw.api(eventsPath(U.inScope.id)).get()).rejects.toThrow();
    expect((await outcome(raw.api(`/users/${U.inScope.id}`).get())).status).toBe(200);
  });

  it('adds the configured latency to each request', async () => {
    await emu.control.setLatency(250);
    const t = Date.now();
    await raw.api(`/users/${U.inScope.id}`).get();
    expect(Date.now() - t).toBeGreaterThanOrEqual(245);
  });

  it('records method, path, query with $select, status, app, tenant and mailbox in the request log', async () => {
    await emu.control.clearRequests();
    await graph.api(eventsPath(U.inScope.userPrincipalName)).select('id,start,end').get();
    const [entry] = await emu.control.requests();
    expect(entry).toMatchObject({
      method: 'GET',
      path: `/v1.0${eventsPath(U.inScope.userPrincipalName)}`,
      query: '$select=id,start,end',
      status: 200,
      route: 'listEvents',
      appId: TOGETHER_APP.appId,
      tenantId: CONTOSO.tenantId,
      mailbox: U.inScope.userPrincipalName,
    });
  });
});
