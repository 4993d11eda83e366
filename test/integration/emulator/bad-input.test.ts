/**
 * Bad input never crashes the emulator: malformed JSON, unknown routes, bad dates, bad $batch payloads and
 * unauthenticated calls get Graph-shaped 4xx answers. Raw HTTP on purpose — the SDKs would not send these.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, TOGETHER_APP } = ids;

interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

describe('bad input', () => {
  let emu: RunningEmulator;
  let token: string;
  beforeAll(async () => {
    emu = await startTestEmulator();
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    token = (await secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE)).token;
  });
  afterAll(() => emu.stop());

  const call = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${emu.origin}${path}`, {
      method,
      body,
      headers: {
        authorization: `Bearer ${token}`,
        'client-request-id': 'test-crid',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
    });
    return { status: res.status, body: (await res.json()) as GraphErrorBody, headers: res.headers };
  };

  it('answers malformed JSON with 400 BadRequest in the Graph error shape, echoing client-request-id', async () => {
    const r = await call('POST', `/v1.0/users/${CONTOSO.users.inScope.id}/calendar/events`, '{"subject": ');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest');
    expect(r.body.error.innerError).toMatchObject({ 'client-request-id': 'test-crid' });
    expect(r.body.error.innerError['request-id']).toBe(r.headers.get('request-id'));
    expect(r.body.error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it('answers an unknown Graph segment with 400 "Resource not found for the segment"', async () => {
    const r = await call('GET', '/v1.0/users/x/notARelationship');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("Resource not found for the segment 'notARelationship'.");
  });

  it('answers a path outside Graph and login with a 404 in the same error shape', async () => {
    const r = await call('GET', '/nothing/here');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NotFound');
  });

  it('answers an impossible date with 400 instead of storing it', async () => {
    const r = await call(
      'POST',
      `/v1.0/users/${CONTOSO.users.inScope.id}/calendar/events`,
      JSON.stringify({
        subject: 'x',
        start: { dateTime: '2026-02-30T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-03-01T10:00:00', timeZone: 'UTC' },
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('ErrorInvalidRequest');
  });

  it('answers an unknown time zone and end-before-start in getSchedule with 400', async () => {
    const path = `/v1.0/users/${CONTOSO.users.inScope.id}/calendar/getSchedule`;
    const base = { schedules: [CONTOSO.users.inScope.userPrincipalName] };
    const badZone = await call(
      'POST',
      path,
      JSON.stringify({
        ...base,
        startTime: { dateTime: '2026-12-01T00:00:00', timeZone: 'Mars/Olympus' },
        endTime: { dateTime: '2026-12-02T00:00:00', timeZone: 'UTC' },
      }),
    );
    expect(badZone.status).toBe(400);
    const backwards = await call(
      'POST',
      path,
      JSON.stringify({
        ...base,
        startTime: { dateTime: '2026-12-02T00:00:00', timeZone: 'UTC' },
        endTime: { dateTime: '2026-12-01T00:00:00', timeZone: 'UTC' },
      }),
    );
    expect(backwards.status).toBe(400);
  });

  it('answers a $batch without a requests array, with duplicate ids, or with an absolute url', async () => {
    expect((await call('POST', '/v1.0/$batch', '{"foo":1}')).status).toBe(400);
    const dup = {
      requests: [
        { id: '1', method: 'GET', url: '/users' },
        { id: '1', method: 'GET', url: '/users' },
      ],
    };
    expect((await call('POST', '/v1.0/$batch', JSON.stringify(dup))).status).toBe(400);
    const abs = await call(
      'POST',
      '/v1.0/$batch',
      JSON.stringify({
        requests: [{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/users' }],
      }),
    );
    expect(abs.status).toBe(200);
    expect((abs.body as unknown as { responses: { status: number }[] }).responses[0]!.status).toBe(400);
  });

  it('answers a missing or forged bearer token with 401 InvalidAuthenticationToken', async () => {
    const none = await call('GET', '/v1.0/users', undefined, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('InvalidAuthenticationToken');
    const [h, p] = token.split('.');
    const forged = await call('GET', '/v1.0/users', undefined, {
      authorization: `Bearer ${h}.${p}.c2lnbmF0dXJl`,
    });
    expect(forged.status).toBe(401);
  });

  it('answers an unsupported HTTP method on a known route with 405', async () => {
    expect((await call('PUT', `/v1.0/users/${CONTOSO.users.inScope.id}`, '{}')).status).toBe(405);
  });

  it('protects the control API with the bearer token printed at start', async () => {
    const res = await fetch(`${emu.origin}/_emulator/requests`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${emu.origin}/_emulator/consent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: CONTOSO.tenantId,
        appId: TOGETHER_APP.appId,
        roles: ['Calendars.Everything'],
      }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request', field: 'roles.0' });
  });

  it('keeps serving after all of the above', async () => {
    expect((await call('GET', `/v1.0/users/${CONTOSO.users.inScope.id}`)).status).toBe(200);
  });
});
