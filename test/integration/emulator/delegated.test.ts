/**
 * Delegated sign-in on the emulator: the authorization code flow with PKCE (raw HTTPS and @azure/msal-node),
 * the user-consent policy and "Need admin approval", refresh-token rotation and every invalid_grant kind,
 * the id_token's claims, and Graph honouring delegated tokens (a user reaches only their own calendar).
 */
import {
  ConfidentialClientApplication,
  CryptoProvider,
  type AuthorizationUrlRequest,
} from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorizeUrl, authorizeWithoutBrowser, pkcePair } from '../../helpers/delegated';
import { ids, secretCredential, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';

const { CONTOSO, PUBLISHER, TOGETHER_APP, CONTOSO_ADMIN_APP } = ids;
const REDIRECT = 'http://127.0.0.1:3000/connect/callback';
const ADELE = 'adele.vance@contoso.onmicrosoft.com';
const ALEX = 'alex.wilber@contoso.onmicrosoft.com';
const SCOPES =
  'openid profile offline_access https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/User.Read';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu?.stop());
// Contoso ships with the recommended setting (lowRisk: Calendars.ReadWrite needs an admin); most tests let
// users consent to everything and the policy tests narrow it again.
beforeEach(async () => {
  await emu.control.reset();
  await emu.control.setUserConsent(CONTOSO.tenantId, 'all');
});

async function token(tenant: string, fields: Record<string, string>) {
  const res = await fetch(`${emu.origin}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: TOGETHER_APP.appId,
      client_secret: TOGETHER_APP.clientSecret,
      ...fields,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Sign `user` in with PKCE, consent, redeem the code: the token response. */
async function connect(user: string, scope = SCOPES, nonce = 'n-1') {
  const { verifier, challenge } = pkcePair();
  const url = authorizeUrl(emu, CONTOSO.tenantId, {
    client_id: TOGETHER_APP.appId,
    redirect_uri: REDIRECT,
    scope,
    state: 's-1',
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const out = await authorizeWithoutBrowser(url, { user });
  const code = out.location?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${out.location?.toString() ?? out.page?.html.slice(0, 400)}`);
  const r = await token(CONTOSO.tenantId, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    scope,
  });
  expect(r.status).toBe(200);
  return r.body as { access_token: string; refresh_token: string; id_token: string; scope: string };
}

const refresh = (rt: string) =>
  token(CONTOSO.tenantId, { grant_type: 'refresh_token', refresh_token: rt, scope: SCOPES });
const aadsts = (body: Record<string, unknown>) => (body.error_codes as number[])[0];

describe('authorization code flow with PKCE (raw HTTPS)', () => {
  it('signs in, asks consent once, returns a one-time code bound to the PKCE verifier', async () => {
    const { verifier, challenge } = pkcePair();
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const stop = await authorizeWithoutBrowser(url, { user: ADELE, consent: 'none' });
    expect(stop.page?.html).toContain('Have full access to your calendars');
    const out = await authorizeWithoutBrowser(url, { user: ADELE });
    expect(out.location?.origin + out.location!.pathname).toBe(REDIRECT);
    expect(out.location!.searchParams.get('state')).toBe('xyz');
    const code = out.location!.searchParams.get('code')!;

    const missing = await token(CONTOSO.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      scope: SCOPES,
    });
    expect([missing.status, missing.body.error, aadsts(missing.body)]).toEqual([400, 'invalid_grant', 50148]);
    const wrong = await token(CONTOSO.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      code_verifier: pkcePair().verifier,
    });
    expect([wrong.status, wrong.body.error, aadsts(wrong.body)]).toEqual([400, 'invalid_grant', 501481]);
    const ok = await token(CONTOSO.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      code_verifier: verifier,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toEqual(expect.any(String));
    const at = decodeJwt(ok.body.access_token as string);
    expect(at).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: CONTOSO.tenantId,
      appid: TOGETHER_APP.appId,
      idtyp: 'user',
    });
    expect(String(at.scp).split(' ').sort()).toEqual(['Calendars.ReadWrite', 'User.Read']);
    const again = await token(CONTOSO.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      code_verifier: verifier,
    });
    expect([again.status, aadsts(again.body)]).toEqual([400, 54005]);

    // Consent is remembered: the next sign-in goes straight back with a code (SSO cookie, no pages).
    const sso = await authorizeWithoutBrowser(url, { user: ADELE, consent: 'none', cookie: out.cookie });
    expect(sso.location?.searchParams.get('code')).toBeTruthy();
  });

  it('accepts consent only from the browser that signed in (its session cookie)', async () => {
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
    });
    const stop = await authorizeWithoutBrowser(url, { user: ADELE, consent: 'none' });
    const flow = /name="flow" value="([^"]+)"/.exec(stop.page!.html)![1]!;
    const res = await fetch(`${emu.origin}/${CONTOSO.tenantId}/oauth2/v2.0/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ flow, step: 'consent', action: 'accept' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="login"');
    expect(await emu.control.listDelegatedGrants(CONTOSO.tenantId)).toEqual([]);
  });

  it('a code older than 10 minutes is refused (AADSTS70008)', async () => {
    const { verifier, challenge } = pkcePair();
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const code = (await authorizeWithoutBrowser(url, { user: ADELE })).location!.searchParams.get('code')!;
    await emu.control.advanceClock(11 * 60);
    const r = await token(CONTOSO.tenantId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect([r.status, aadsts(r.body)]).toEqual([400, 70008]);
  });

  it('refuses an unregistered redirect URI with an error page, never a redirect (AADSTS50011)', async () => {
    const res = await fetch(
      authorizeUrl(emu, CONTOSO.tenantId, {
        client_id: TOGETHER_APP.appId,
        redirect_uri: 'https://evil.example/cb',
        scope: SCOPES,
      }),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS50011');
  });

  it('declining consent returns access_denied with error_subcode=cancel (AADSTS65004)', async () => {
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      state: 'st',
    });
    const out = await authorizeWithoutBrowser(url, { user: ADELE, consent: 'cancel' });
    const q = out.location!.searchParams;
    expect([q.get('error'), q.get('error_subcode'), q.get('state')]).toEqual([
      'access_denied',
      'cancel',
      'st',
    ]);
    expect(q.get('error_description')).toMatch(/^AADSTS65004/);
  });

  it('form_post answers with an auto-submitting form to the redirect URI', async () => {
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      state: 'fp',
      response_mode: 'form_post',
    });
    const out = await authorizeWithoutBrowser(url, { user: ADELE });
    expect(out.page?.html).toContain(`action="${REDIRECT}"`);
    expect(out.page?.html).toMatch(/name="code" value="1\./);
  });
});

describe('user-consent policy', () => {
  it("'none': Need admin approval (AADSTS90094) until an admin grants for everyone (AllPrincipals)", async () => {
    await emu.control.setUserConsent(CONTOSO.tenantId, 'none');
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      state: 'p',
    });
    const blocked = await authorizeWithoutBrowser(url, { user: ADELE });
    expect(blocked.page?.status).toBe(403);
    expect(blocked.page?.html).toContain('Need admin approval');
    expect(blocked.page?.html).toContain('AADSTS90094');
    const back = /id="return" href="([^"]+)"/.exec(blocked.page!.html)![1]!.replace(/&amp;/g, '&');
    expect(new URL(back).searchParams.get('error')).toBe('access_denied');

    await emu.control.grantDelegated({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      scopes: ['openid', 'profile', 'offline_access', 'Calendars.ReadWrite', 'User.Read'],
    });
    const through = await authorizeWithoutBrowser(url, { user: ADELE, consent: 'none' });
    expect(through.location?.searchParams.get('code')).toBeTruthy();
  });

  it('an admin grant through Graph POST /oauth2PermissionGrants (AllPrincipals) lets users through', async () => {
    await emu.control.setUserConsent(CONTOSO.tenantId, 'none');
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId, roles: [] });
    const admin = await secretCredential(
      emu,
      CONTOSO.tenantId,
      CONTOSO_ADMIN_APP.appId,
      CONTOSO_ADMIN_APP.clientSecret,
    ).getToken('https://graph.microsoft.com/.default');
    const h = { authorization: `Bearer ${admin!.token}`, 'content-type': 'application/json' };
    const sps = (await (
      await fetch(`${emu.origin}/v1.0/servicePrincipals?$filter=appId eq '${TOGETHER_APP.appId}'`, {
        headers: h,
      })
    ).json()) as { value: { id: string }[] };
    const graphSp = (await (
      await fetch(
        `${emu.origin}/v1.0/servicePrincipals?$filter=appId eq '00000003-0000-0000-c000-000000000000'`,
        { headers: h },
      )
    ).json()) as { value: { id: string }[] };
    const res = await fetch(`${emu.origin}/v1.0/oauth2PermissionGrants`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({
        clientId: sps.value[0]!.id,
        consentType: 'AllPrincipals',
        resourceId: graphSp.value[0]!.id,
        scope: 'openid profile offline_access Calendars.ReadWrite User.Read',
      }),
    });
    expect(res.status).toBe(201);
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
    });
    expect(
      (await authorizeWithoutBrowser(url, { user: ALEX, consent: 'none' })).location?.searchParams.get(
        'code',
      ),
    ).toBeTruthy();
  });

  it("'lowRisk': User.Read alone may be consented by a user, Calendars.ReadWrite needs an admin", async () => {
    await emu.control.setUserConsent(CONTOSO.tenantId, 'lowRisk');
    const low = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: 'openid profile User.Read',
    });
    expect(
      (await authorizeWithoutBrowser(low, { user: ALEX })).location?.searchParams.get('code'),
    ).toBeTruthy();
    const high = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
    });
    expect((await authorizeWithoutBrowser(high, { user: ALEX })).page?.html).toContain('Calendars.ReadWrite');
  });

  it('prompt=none without consent answers consent_required (AADSTS65001)', async () => {
    const first = await authorizeWithoutBrowser(
      authorizeUrl(emu, CONTOSO.tenantId, {
        client_id: TOGETHER_APP.appId,
        redirect_uri: REDIRECT,
        scope: 'openid User.Read',
      }),
      { user: ADELE },
    );
    const url = authorizeUrl(emu, CONTOSO.tenantId, {
      client_id: TOGETHER_APP.appId,
      redirect_uri: REDIRECT,
      scope: SCOPES,
      prompt: 'none',
    });
    const out = await authorizeWithoutBrowser(url, { user: ADELE, cookie: first.cookie });
    expect(out.location?.searchParams.get('error')).toBe('consent_required');
    expect(out.location?.searchParams.get('error_description')).toMatch(/^AADSTS65001/);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use, and the old one keeps working (refresh-tokens.md)', async () => {
    const t = await connect(ADELE);
    const r1 = await refresh(t.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(t.refresh_token);
    expect((await refresh(t.refresh_token)).status).toBe(200);
    expect((await refresh(r1.body.refresh_token as string)).status).toBe(200);
  });

  it.each([
    ['revokeSignInSessions', 50173, (u: string) => emu.control.revokeSignInSessions(CONTOSO.tenantId, u)],
    [
      'an admin password reset',
      50173,
      (u: string) => emu.control.resetPassword(CONTOSO.tenantId, u, 'admin'),
    ],
    [
      'a Conditional Access block',
      53003,
      (u: string) => emu.control.setConditionalAccessBlock(CONTOSO.tenantId, u, true),
    ],
    [
      'a disabled user',
      50057,
      (u: string) => emu.control.setUser(CONTOSO.tenantId, u, { accountEnabled: false }),
    ],
    [
      'revoked consent',
      65001,
      () => emu.control.revokeDelegated({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId }),
    ],
  ])('die after %s (invalid_grant AADSTS%i)', async (_what, code, act) => {
    const t = await connect(ADELE);
    await act(ADELE);
    const r = await refresh(t.refresh_token);
    expect([r.status, r.body.error, aadsts(r.body)]).toEqual([400, 'invalid_grant', code]);
  });

  it("survive the user's own password change (confidential client, refresh-tokens.md revocation table)", async () => {
    const t = await connect(ADELE);
    await emu.control.resetPassword(CONTOSO.tenantId, ADELE, 'user');
    expect((await refresh(t.refresh_token)).status).toBe(200);
  });

  it('die after 90 days without use (AADSTS700082), not while used', async () => {
    const t = await connect(ADELE);
    const days = async (n: number) => {
      for (; n > 0; n -= 30) await emu.control.advanceClock(Math.min(n, 30) * 86_400);
    };
    await days(60);
    const kept = await refresh(t.refresh_token);
    expect(kept.status).toBe(200);
    await days(60);
    expect((await refresh(kept.body.refresh_token as string)).status).toBe(200);
    await days(91);
    const r = await refresh(kept.body.refresh_token as string);
    expect([r.status, aadsts(r.body)]).toEqual([400, 700082]);
  });

  it('revokeSignInSessions through Graph works like the control API', async () => {
    const t = await connect(ADELE);
    const admin = await secretCredential(
      emu,
      CONTOSO.tenantId,
      CONTOSO_ADMIN_APP.appId,
      CONTOSO_ADMIN_APP.clientSecret,
    ).getToken('https://graph.microsoft.com/.default');
    const res = await fetch(`${emu.origin}/v1.0/users/${ADELE}/revokeSignInSessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin!.token}` },
    });
    expect(((await res.json()) as { value: boolean }).value).toBe(true);
    expect(aadsts((await refresh(t.refresh_token)).body)).toBe(50173);
  });
});

describe('Graph with a delegated token', () => {
  const graph = (at: string, path: string, init: RequestInit = {}) =>
    fetch(`${emu.origin}/v1.0${path}`, {
      ...init,
      headers: { authorization: `Bearer ${at}`, 'content-type': 'application/json' },
    });

  it("reaches the user's own profile and calendar, nobody else's", async () => {
    const { access_token: at } = await connect(ADELE);
    const me = (await (await graph(at, '/me')).json()) as { userPrincipalName: string };
    expect(me.userPrincipalName).toBe(ADELE);
    const start = new Date().toISOString();
    const end = new Date(Date.now() + 86_400_000).toISOString();
    expect((await graph(at, `/me/calendarView?startDateTime=${start}&endDateTime=${end}`)).status).toBe(200);
    expect((await graph(at, `/users/${ADELE}/events?$select=id`)).status).toBe(200);
    const other = await graph(at, `/users/${ALEX}/events`);
    expect([other.status, ((await other.json()) as { error: { code: string } }).error.code]).toEqual([
      403,
      'ErrorAccessDenied',
    ]);
    const dir = await graph(at, '/users');
    expect([dir.status, ((await dir.json()) as { error: { code: string } }).error.code]).toEqual([
      403,
      'Authorization_RequestDenied',
    ]);
  });

  it('enforces scopes: User.Read alone reads /me but not the calendar', async () => {
    const { access_token: at } = await connect(ADELE, 'openid offline_access User.Read');
    expect((await graph(at, '/me')).status).toBe(200);
    expect((await graph(at, '/me/events')).status).toBe(403);
  });

  it('an app-only token may not use /me (400), as in Graph', async () => {
    await emu.control.grantConsent({ tenantId: CONTOSO.tenantId, appId: TOGETHER_APP.appId });
    const app = await secretCredential(emu, CONTOSO.tenantId).getToken(
      'https://graph.microsoft.com/.default',
    );
    expect((await graph(app!.token, '/me')).status).toBe(400);
  });
});

describe('@azure/msal-node against the emulator', () => {
  function msal(tenant: string) {
    return new ConfidentialClientApplication({
      auth: {
        clientId: TOGETHER_APP.appId,
        clientSecret: TOGETHER_APP.clientSecret,
        authority: `${emu.origin}/${tenant}`,
        knownAuthorities: [new URL(emu.origin).host],
      },
    });
  }

  /** The code flow as an app runs it: msal's authorize URL (PKCE), the emulator's pages, the code exchange. */
  async function signInByCode(
    cca: ConfidentialClientApplication,
    user: string,
    opts: {
      scopes?: string[];
      redirectUri?: string;
      consent?: 'accept' | 'none';
      url?: Omit<AuthorizationUrlRequest, 'scopes' | 'redirectUri'>;
    } = {},
  ) {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const scopes = opts.scopes ?? [];
    const redirectUri = opts.redirectUri ?? REDIRECT;
    const url = await cca.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      ...opts.url,
    });
    const out = await authorizeWithoutBrowser(url, {
      user,
      ...(opts.consent ? { consent: opts.consent } : {}),
    });
    return cca.acquireTokenByCode({
      code: out.location!.searchParams.get('code')!,
      scopes,
      redirectUri,
      codeVerifier: pkce.verifier,
      ...(opts.url?.nonce ? { nonce: opts.url.nonce } : {}),
    });
  }

  it('acquireTokenByCode with PKCE, then silent refresh and acquireTokenByRefreshToken', async () => {
    const cca = msal(CONTOSO.tenantId);
    const scopes = [
      'https://graph.microsoft.com/Calendars.ReadWrite',
      'https://graph.microsoft.com/User.Read',
    ];
    const result = await signInByCode(cca, ADELE, { scopes, url: { state: 'm', nonce: 'nn' } });
    expect(result.account?.username).toBe(ADELE);
    expect(result.idTokenClaims).toMatchObject({
      aud: TOGETHER_APP.appId,
      tid: CONTOSO.tenantId,
      nonce: 'nn',
    });
    expect(result.scopes.map((s) => s.toLowerCase())).toEqual(
      expect.arrayContaining(['calendars.readwrite']),
    );

    const silent = await cca.acquireTokenSilent({ account: result.account!, scopes, forceRefresh: true });
    expect(silent.accessToken).not.toBe(result.accessToken);

    const cache = JSON.parse(cca.getTokenCache().serialize()) as {
      RefreshToken: Record<string, { secret: string }>;
    };
    const rt = Object.values(cache.RefreshToken)[0]!.secret;
    const byRt = await cca.acquireTokenByRefreshToken({ refreshToken: rt, scopes });
    expect(decodeJwt(byRt!.accessToken).oid).toBe(CONTOSO.users.inScope.id);

    await emu.control.revokeSignInSessions(CONTOSO.tenantId, ADELE);
    await expect(
      cca.acquireTokenSilent({ account: result.account!, scopes, forceRefresh: true }),
    ).rejects.toMatchObject({
      errorCode: 'invalid_grant',
    });
  });

  it('works with the multi-tenant authority /organizations (the user picks the tenant by signing in)', async () => {
    const cca = msal('organizations');
    const r = await signInByCode(cca, ADELE, { scopes: ['https://graph.microsoft.com/Calendars.ReadWrite'] });
    expect(r.tenantId).toBe(CONTOSO.tenantId);
    expect(decodeJwt(r.accessToken).scp).toBe('Calendars.ReadWrite');
  });

  it("signs an operator in with the id_token's roles claim (publisher tenant)", async () => {
    const cca = msal(PUBLISHER.tenantId);
    const redirectUri = 'http://127.0.0.1:3000/auth/callback';
    const r = await signInByCode(cca, PUBLISHER.operator.userPrincipalName, { redirectUri, consent: 'none' });
    expect(r.idTokenClaims).toMatchObject({ roles: ['Together.Operator'], oid: PUBLISHER.operator.id });
    const r2 = await signInByCode(cca, PUBLISHER.nonOperator.userPrincipalName, {
      redirectUri,
      consent: 'none',
      url: { prompt: 'login' },
    });
    expect((r2.idTokenClaims as { roles?: string[] }).roles).toBeUndefined();
  });
});
