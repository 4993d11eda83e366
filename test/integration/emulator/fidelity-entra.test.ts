/**
 * Entra and Exchange behaviours checked against Microsoft Learn (issue 14): token endpoint errors for missing
 * parameters, grant types and scopes; every client authentication method the discovery document advertises;
 * token endpoint throttling; replication delay after consent; the Exchange RBAC for Applications cache, all
 * on the emulator clock; and the --realistic profile.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  certificateCredential,
  graphClient,
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, FABRIKAM, TOGETHER_APP } = ids;
const U = CONTOSO.users;

async function token(
  emu: RunningEmulator,
  tenant: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(`${emu.origin}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    retryAfter: res.headers.get('retry-after'),
  };
}

const valid = {
  grant_type: 'client_credentials',
  client_id: TOGETHER_APP.appId,
  client_secret: TOGETHER_APP.clientSecret,
  scope: GRAPH_SCOPE,
};

describe('token endpoint fidelity', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it.each([
    {
      name: 'missing grant_type',
      params: { ...valid, grant_type: '' },
      status: 400,
      error: 'invalid_request',
      code: 900144,
    },
    {
      name: 'unsupported grant_type',
      params: { ...valid, grant_type: 'password' },
      status: 400,
      error: 'unsupported_grant_type',
      code: 70003,
    },
    {
      name: 'missing client_id',
      params: { ...valid, client_id: '' },
      status: 400,
      error: 'invalid_request',
      code: 900144,
    },
    {
      name: 'missing scope',
      params: { ...valid, scope: '' },
      status: 400,
      error: 'invalid_request',
      code: 900144,
    },
    {
      name: 'a delegated scope',
      params: { ...valid, scope: 'User.Read' },
      status: 400,
      error: 'invalid_scope',
      code: 1002012,
    },
    {
      name: '/.default mixed with openid',
      params: { ...valid, scope: `${GRAPH_SCOPE} openid` },
      status: 400,
      error: 'invalid_scope',
      code: 70011,
    },
    {
      name: 'an unknown resource',
      params: { ...valid, scope: 'api://nope/.default' },
      status: 400,
      error: 'invalid_resource',
      code: 500011,
    },
    {
      name: 'a wrong secret',
      params: { ...valid, client_secret: 'wrong' },
      status: 401,
      error: 'invalid_client',
      code: 7000215,
    },
  ])('answers $name with HTTP $status $error AADSTS$code', async ({ params, status, error, code }) => {
    const r = await token(emu, FABRIKAM.tenantId, params);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ error, error_codes: [code] });
    expect(r.body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
  });

  it('advertises client_secret_post, client_secret_basic and private_key_jwt, and each of them works', async () => {
    const doc = (await (
      await fetch(`${emu.origin}/${FABRIKAM.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as { token_endpoint_auth_methods_supported: string[] };
    expect(doc.token_endpoint_auth_methods_supported.sort()).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ]);
    expect((await token(emu, FABRIKAM.tenantId, valid)).status).toBe(200);
    const basic = Buffer.from(
      `${encodeURIComponent(TOGETHER_APP.appId)}:${encodeURIComponent(TOGETHER_APP.clientSecret)}`,
    ).toString('base64');
    const viaBasic = await token(
      emu,
      FABRIKAM.tenantId,
      { grant_type: 'client_credentials', scope: GRAPH_SCOPE },
      { authorization: `Basic ${basic}` },
    );
    expect(viaBasic.status).toBe(200);
    await expect(certificateCredential(emu, FABRIKAM.tenantId).getToken(GRAPH_SCOPE)).resolves.toBeTruthy();
  });

  it('throttles token requests per app and tenant with 429, Retry-After and AADSTS50196', async () => {
    await emu.control.setLimits({ tokenRequestsPerWindow: 1, tokenWindowSeconds: 60 });
    expect((await token(emu, FABRIKAM.tenantId, valid)).status).toBe(200);
    const second = await token(emu, FABRIKAM.tenantId, valid);
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ error: 'temporarily_unavailable', error_codes: [50196] });
    expect(Number(second.retryAfter)).toBeGreaterThan(0);
  });
});

describe('delays on the emulator clock', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ replicationDelaySeconds: 120, exchangeRbacCacheSeconds: 3600 });
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('refuses tokens with AADSTS700016 until a new service principal has replicated', async () => {
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    const early = await token(emu, CONTOSO.tenantId, valid);
    expect(early).toMatchObject({
      status: 400,
      body: { error: 'unauthorized_client', error_codes: [700016] },
    });
    await emu.control.advanceClock(120);
    expect((await token(emu, CONTOSO.tenantId, valid)).status).toBe(200);
  });

  it('applies an Exchange RBAC scope only after the cache delay, and a removed one until the cache expires', async () => {
    // Scoped only: consent without any Calendars role, so the Exchange scope alone decides.
    await emu.control.grantConsent({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      roles: ['User.ReadBasic.All'],
    });
    await emu.control.advanceClock(120);
    for (const s of await emu.control.listExchangeScopes(CONTOSO.tenantId))
      await emu.control.removeExchangeScope(CONTOSO.tenantId, s.id);
    await emu.control.advanceClock(3600);
    const graph = graphClient(emu, secretCredential(emu, CONTOSO.tenantId), { retry: false });
    const events = () => graph.api(`/users/${U.inScope.id}/calendar/events`).top(1).get();
    await expect(events()).rejects.toMatchObject({ statusCode: 403, code: 'ErrorAccessDenied' });

    const { id } = await emu.control.addExchangeScope({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      role: 'Application Calendars.ReadWrite',
      groupId: CONTOSO.groups.mentoringPilot,
    });
    await expect(events()).rejects.toMatchObject({ statusCode: 403 });
    await emu.control.advanceClock(3600);
    await expect(events()).resolves.toBeDefined();

    await emu.control.removeExchangeScope(CONTOSO.tenantId, id);
    await expect(events()).resolves.toBeDefined();
    const [listed] = await emu.control.listExchangeScopes(CONTOSO.tenantId);
    expect(listed).toMatchObject({ id, activeUntil: expect.any(String) });
    await emu.control.advanceClock(3600);
    await expect(events()).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('--realistic profile', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ realistic: true });
  });
  afterAll(() => emu.stop());

  it('delays consent, replication and the Exchange RBAC cache unless told otherwise', async () => {
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    const state = await emu.control.consentState(CONTOSO.tenantId, TOGETHER_APP.appId);
    expect(state.effectiveRoles).toEqual([]);
    expect(state.pendingRoles).toContain('Calendars.ReadWrite');
    expect((await token(emu, CONTOSO.tenantId, valid)).status).toBe(400);
    const { activeFrom } = await emu.control.addExchangeScope({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      role: 'Application Calendars.Read',
      groupId: CONTOSO.groups.mentoringPilot,
    });
    const { now } = await emu.control.clock();
    expect(Date.parse(activeFrom) - Date.parse(now)).toBeGreaterThanOrEqual(30 * 60_000 - 5_000);
  });
});
