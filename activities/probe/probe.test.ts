import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { parseGraphConfig } from '../config';
import type { ProbeCalendarsResult, SampledUser } from '../../contracts/activities';
import type { GraphClientFactory } from '../graph/client';
import { fakeClient, type FakeHandler } from '../test-support/fake-graph';
import { compactChunk, expandChunk, probeCalendars, type ProbeHeartbeat } from './probe';

const TENANT = '489b6456-9a48-45dd-8b21-086d092d8c11';
const config = parseGraphConfig({
  appId: 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619',
  credentials: { default: { kind: 'secret', clientSecret: 'unused-secret-xx' } },
});
// A token whose payload carries roles (header and signature are irrelevant: we only decode).
const token = (roles: string[]) => `x.${Buffer.from(JSON.stringify({ roles })).toString('base64url')}.x`;

const users: SampledUser[] = Array.from({ length: 45 }, (_, i) => ({
  id: `u${i}`,
  userPrincipalName:
    i === 3 ? `guest${i}_x.com#EXT#@contoso.onmicrosoft.com` : `user${i}@contoso.onmicrosoft.com`,
  mail: `user${i}@contoso.onmicrosoft.com`,
}));

const scheduleAnswer = (schedules: string[]) => ({
  value: schedules.map((s) =>
    s === 'user9@contoso.onmicrosoft.com'
      ? { scheduleId: s, error: { responseCode: '5009' } }
      : { scheduleId: s, availabilityView: '0' },
  ),
});

/** u3 guest (404 MailboxNotEnabled), u5 outside scope (403 ErrorAccessDenied), u7 missing, the rest ok. */
const tenantBehaviour: FakeHandler = ({ url, body }) => {
  if (url === '/$batch') {
    const reqs = (body as { requests: { id: string; url: string; body?: unknown }[] }).requests;
    return {
      status: 200,
      body: {
        responses: reqs.map((r) => {
          if (r.url.endsWith('/calendar/getSchedule'))
            return {
              id: r.id,
              status: 200,
              body: scheduleAnswer((r.body as { schedules: string[] }).schedules),
            };
          const user = decodeURIComponent(/\/users\/([^/?]+)/.exec(r.url)![1]!);
          const err = (status: number, code: string) => ({
            id: r.id,
            status,
            body: { error: { code, message: 'm', innerError: { 'request-id': `rq-${user}` } } },
          });
          if (user === 'u3') return err(404, 'MailboxNotEnabledForRESTAPI');
          if (user === 'u5') return err(403, 'ErrorAccessDenied');
          if (user === 'u7') return err(404, 'ErrorInvalidUser');
          return { id: r.id, status: 200, body: { value: [] } };
        }),
      },
    };
  }
  if (url.endsWith('/calendar/getSchedule')) {
    return { status: 200, body: scheduleAnswer((body as { schedules: string[] }).schedules) };
  }
  return { status: 404, body: { error: { code: 'NotFound' } } };
};

function deps(handler: FakeHandler, roles = ['Calendars.ReadWrite', 'User.ReadBasic.All']) {
  const client = fakeClient(handler);
  const clients: GraphClientFactory = {
    forTenant: (t) => ({
      tenantId: t.tenantId,
      client,
      credential: { getToken: async () => null },
      token: async () => token(roles),
    }),
    invalidate() {},
  };
  return { d: { config, clients }, client };
}

describe('probeCalendars (fake Graph)', () => {
  it('packs 19 reads + the chunk’s getSchedule per $batch, classifies each user, checks free/busy, selects only id,start,end', async () => {
    const { d, client } = deps(tenantBehaviour);
    const r = await probeCalendars(d, { tenant: { tenantId: TENANT }, users });
    const by = new Map(r.results.map((x) => [x.userId, x]));
    expect(by.get('u0')).toMatchObject({ reason: 'ok', freeBusy: 'ok' });
    expect(by.get('u3')).toMatchObject({
      reason: 'mailboxUnavailable',
      detail: 'guest',
      code: 'MailboxNotEnabledForRESTAPI',
      requestId: 'rq-u3',
      freeBusy: 'skipped',
    });
    expect(by.get('u5')).toMatchObject({ reason: 'outsideScope', code: 'ErrorAccessDenied', status: 403 });
    expect(by.get('u7')).toMatchObject({ reason: 'userNotFound' });
    expect(by.get('u9')).toMatchObject({ reason: 'ok', freeBusy: 'error', freeBusyCode: '5009' });
    const batches = client.calls.filter((c) => c.url === '/$batch');
    expect(batches).toHaveLength(3);
    const items = batches.flatMap(
      (b) => (b.body as { requests: { url: string; body?: unknown }[] }).requests,
    );
    expect(items.length).toBeLessThanOrEqual(3 * 20);
    const reads = items.filter((q) => !q.url.endsWith('/calendar/getSchedule'));
    expect(reads).toHaveLength(45);
    for (const q of reads) expect(q.url).toMatch(/\/calendar\/events\?\$top=1&\$select=id,start,end$/);
    const packed = items.filter((q) => q.url.endsWith('/calendar/getSchedule'));
    expect(packed).toHaveLength(3);
    for (const q of packed)
      expect((q.body as { schedules: string[] }).schedules.length).toBeLessThanOrEqual(20);
    // every chunk's first route was readable: no separate getSchedule request, 3 requests for 45 users
    expect(client.calls.filter((c) => c.url.endsWith('getSchedule'))).toHaveLength(0);
    expect(r.graphRequests).toBe(3);
  });

  it('routes the packed getSchedule around a guest (404 MailboxNotEnabledForRESTAPI): through the next user', async () => {
    const guestFirst = [users[3]!, ...users.slice(0, 3), ...users.slice(4, 10)];
    const { d, client } = deps(tenantBehaviour);
    const r = await probeCalendars(d, { tenant: { tenantId: TENANT }, users: guestFirst });
    const items = (client.calls[0]!.body as { requests: { url: string }[] }).requests;
    expect(items.filter((q) => q.url.endsWith('/calendar/getSchedule')).map((q) => q.url)).toEqual([
      '/users/u0/calendar/getSchedule',
    ]);
    expect(r.results.find((x) => x.userId === 'u0')).toMatchObject({ reason: 'ok', freeBusy: 'ok' });
    expect(r.graphRequests).toBe(1);
  });

  it('with directory facts (User.Read.All) the packed getSchedule goes through a licensed, cloud-homed mailbox', async () => {
    const facts: SampledUser[] = users.map((u, i) => ({
      ...u,
      onPremisesSyncEnabled: i === 1 ? true : null,
      licensed: i !== 0,
    }));
    const { d, client } = deps(tenantBehaviour);
    await probeCalendars(d, { tenant: { tenantId: TENANT }, users: facts });
    const batches = client.calls.map((c) => (c.body as { requests: { url: string }[] }).requests);
    expect(batches.map((b) => b.length).sort((a, b) => b - a)).toEqual([20, 20, 8]);
    const routes = batches.map((b) => b.filter((q) => q.url.endsWith('/calendar/getSchedule')));
    expect(routes.map((x) => x.length)).toEqual([1, 1, 1]);
    // u0 unlicensed, u1 synced from on-premises, u3 a guest: the first chunk routes through u2.
    const first = batches.findIndex((b) => b.some((q) => q.url.startsWith('/users/u0/calendar/events')));
    expect(routes[first]![0]!.url).toBe('/users/u2/calendar/getSchedule');
  });

  it('without any calendar access a mailbox 403 stays accessDenied', async () => {
    const { d } = deps(
      ({ url, body }) =>
        url === '/$batch'
          ? {
              status: 200,
              body: {
                responses: (body as { requests: { id: string }[] }).requests.map((q) => ({
                  id: q.id,
                  status: 403,
                  body: { error: { code: 'ErrorAccessDenied' } },
                })),
              },
            }
          : { status: 500 },
      ['User.ReadBasic.All'],
    );
    const r = await probeCalendars(d, { tenant: { tenantId: TENANT }, users: users.slice(0, 3) });
    expect(r.results.map((x) => x.reason)).toEqual(['accessDenied', 'accessDenied', 'accessDenied']);
  });

  it('resumes from heartbeat details: finished chunks are not probed again', async () => {
    // First attempt: crash after the first finished chunk.
    const first = deps(tenantBehaviour);
    const env1 = new MockActivityEnvironment();
    let saved: ProbeHeartbeat | undefined;
    env1.on('heartbeat', (d: ProbeHeartbeat) => (saved = structuredClone(d)));
    await expect(
      env1.run(() =>
        probeCalendars(
          first.d,
          { tenant: { tenantId: TENANT }, users, options: { concurrency: 1, freeBusy: false } },
          {
            onChunk: () => {
              throw new Error('worker crashed');
            },
          },
        ),
      ),
    ).rejects.toThrow('worker crashed');
    expect(Object.keys(saved!.done)).toEqual(['0']);

    // Retry: same input, heartbeat details from the first attempt.
    const second = deps(tenantBehaviour);
    const env2 = new MockActivityEnvironment({ heartbeatDetails: saved });
    const r: ProbeCalendarsResult = await env2.run(() =>
      probeCalendars(second.d, {
        tenant: { tenantId: TENANT },
        users,
        options: { concurrency: 1, freeBusy: false },
      }),
    );
    const probed = second.client.calls.flatMap(
      (c) => (c.body as { requests?: { url: string }[] }).requests?.map((q) => q.url) ?? [],
    );
    expect(probed).toHaveLength(25); // chunks 1 and 2 only
    expect(r.results).toHaveLength(45);
    expect(r.results[3]).toMatchObject({
      userId: 'u3',
      reason: 'mailboxUnavailable',
      userPrincipalName: users[3]!.userPrincipalName,
    });
    expect(r.graphRequests).toBe(3);
  });

  it('ignores heartbeat details of another input', async () => {
    const { d, client } = deps(tenantBehaviour);
    const stale: ProbeHeartbeat = {
      v: 3,
      chunkSize: 20,
      fingerprint: 'other',
      total: 1,
      done: { '0': [] },
      graphRequests: 9,
      throttledRetries: 0,
    };
    const env = new MockActivityEnvironment({ heartbeatDetails: stale });
    const r: ProbeCalendarsResult = await env.run(() =>
      probeCalendars(d, {
        tenant: { tenantId: TENANT },
        users: users.slice(0, 5),
        options: { freeBusy: false },
      }),
    );
    expect(r.results).toHaveLength(5);
    expect(client.calls).toHaveLength(1);
  });

  it('deduplicates users: one probe per mailbox, one result per input entry', async () => {
    const { d, client } = deps(tenantBehaviour);
    const dup = [users[0]!, users[0]!, users[1]!];
    const r = await probeCalendars(d, {
      tenant: { tenantId: TENANT },
      users: dup,
      options: { freeBusy: false },
    });
    expect(r.results.map((x) => x.userId)).toEqual(['u0', 'u0', 'u1']);
    expect((client.calls[0]!.body as { requests: unknown[] }).requests).toHaveLength(2);
  });
});

describe('heartbeat details encoding', () => {
  it('round-trips and stays small: 10,000 readable users under 40 KB', () => {
    const chunk = users.slice(0, 4);
    const results = [
      { userId: 'u0', reason: 'ok' as const, status: 200, freeBusy: 'ok' as const },
      { userId: 'u1', reason: 'ok' as const, status: 200, freeBusy: 'skipped' as const },
      { userId: 'u2', reason: 'ok' as const, status: 200, freeBusy: 'error' as const, freeBusyCode: '5009' },
      {
        userId: 'u3',
        reason: 'mailboxUnavailable' as const,
        detail: 'guest' as const,
        status: 404,
        code: 'MailboxNotEnabledForRESTAPI',
        requestId: 'r',
        freeBusy: 'skipped' as const,
      },
    ];
    expect(expandChunk(chunk, compactChunk(results))).toEqual(results);
    const big = Array.from({ length: 500 }, () =>
      compactChunk(
        Array.from({ length: 20 }, (_, i) => ({
          userId: `u${i}`,
          reason: 'ok' as const,
          status: 200,
          freeBusy: 'ok' as const,
        })),
      ),
    );
    expect(JSON.stringify(Object.fromEntries(big.map((c, i) => [String(i), c]))).length).toBeLessThan(40_000);
  });
});
