/**
 * Admin consent page (/{tenant}/v2.0/adminconsent and legacy /{tenant}/adminconsent), driven over plain
 * HTTP the way the no-browser fallback does: GET renders the page, POST with form fields decides.
 * Raw HTTP is the point here (redirects and HTML); the effect on tokens is checked through @azure/identity.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GRAPH_SCOPE,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, TOGETHER_APP } = ids;
const REDIRECT = TOGETHER_APP.redirectUris[0];

function consentUrl(emu: RunningEmulator, params: Record<string, string>, legacy = false): string {
  const q = new URLSearchParams(params);
  return `${emu.origin}/${CONTOSO.tenantId}/${legacy ? '' : 'v2.0/'}adminconsent?${q}`;
}

const v2Params = {
  client_id: TOGETHER_APP.appId,
  scope: GRAPH_SCOPE,
  redirect_uri: REDIRECT,
  state: 'nonce-123',
};

async function decide(
  emu: RunningEmulator,
  admin: string,
  action: 'accept' | 'cancel',
  params: Record<string, string> = v2Params,
  legacy = false,
) {
  const res = await fetch(consentUrl(emu, {}, legacy).replace(/\?$/, ''), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, admin, action }),
  });
  return res;
}

describe('admin consent page', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('lists the requested application permissions in words, the tenant admins, and Accept / Cancel', async () => {
    const res = await fetch(consentUrl(emu, v2Params));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Read and write calendars in all mailboxes');
    expect(html).toContain('Read all users&#39; basic profiles');
    expect(html).toMatch(/<select id="admin" name="admin"/);
    expect(html).toContain(CONTOSO.privilegedAdmin.userPrincipalName);
    expect(html).toMatch(/<button[^>]*value="accept"[^>]*>Accept<\/button>/);
    expect(html).toMatch(/<button[^>]*value="cancel"[^>]*>Cancel<\/button>/);
  });

  it('sends the consent page and its error pages unframeable and uncached, as Entra does', async () => {
    for (const url of [
      consentUrl(emu, v2Params),
      consentUrl(emu, { ...v2Params, redirect_uri: 'https://evil.example/callback' }),
    ]) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('shows the same error page as the authorize endpoint for the same problem (one page shape, headers included)', async () => {
    const evil = 'https://evil.example/callback';
    const authorize = `${emu.origin}/${CONTOSO.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: TOGETHER_APP.appId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: evil,
    })}`;
    const pages = [];
    for (const url of [consentUrl(emu, { ...v2Params, redirect_uri: evil }), authorize]) {
      const res = await fetch(url, { redirect: 'manual' });
      const html = (await res.text())
        .replace(/Correlation ID: [^<]+/, 'Correlation ID: X')
        .replace(/Timestamp: [^<]+/, 'Timestamp: X');
      pages.push({
        status: res.status,
        type: res.headers.get('content-type'),
        frame: res.headers.get('x-frame-options'),
        cache: res.headers.get('cache-control'),
        html,
      });
    }
    expect(pages[0]!.html).toContain('AADSTS50011');
    expect(pages[0]!.html).toContain('Sorry, but we&#39;re having trouble signing you in.');
    expect(pages[1]).toEqual(pages[0]);
  });

  it('on Accept by a Global Administrator redirects with admin_consent=True, tenant, scope and state, and grants the roles', async () => {
    const res = await decide(emu, CONTOSO.privilegedAdmin.userPrincipalName, 'accept');
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(Object.fromEntries(loc.searchParams)).toEqual({
      admin_consent: 'True',
      tenant: CONTOSO.tenantId,
      scope: GRAPH_SCOPE,
      state: 'nonce-123',
    });
    const { token } = await secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE);
    expect(decodeJwt(token).roles).toEqual(['Calendars.ReadWrite', 'User.ReadBasic.All']);
  });

  it('accepts a Privileged Role Administrator too', async () => {
    const res = await decide(emu, CONTOSO.privilegedRoleAdmin.userPrincipalName, 'accept');
    expect(new URL(res.headers.get('location')!).searchParams.get('admin_consent')).toBe('True');
  });

  it('on Cancel redirects with error=access_denied, error_description and state, and grants nothing', async () => {
    const res = await decide(emu, CONTOSO.privilegedAdmin.userPrincipalName, 'cancel');
    const loc = new URL(res.headers.get('location')!);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_description')).toMatch(/^AADSTS65004/);
    expect(loc.searchParams.get('state')).toBe('nonce-123');
    expect(
      (await emu.control.consentState(CONTOSO.tenantId, TOGETHER_APP.appId)).servicePrincipalId,
    ).toBeNull();
  });

  it('shows an AADSTS50011 error page, never a redirect, for a redirect_uri not registered on the app', async () => {
    const res = await fetch(consentUrl(emu, { ...v2Params, redirect_uri: 'https://evil.example/callback' }), {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('AADSTS50011');
    const post = await decide(emu, CONTOSO.privilegedAdmin.userPrincipalName, 'accept', {
      ...v2Params,
      redirect_uri: 'https://evil.example/callback',
    });
    expect(post.status).toBe(400);
    expect(post.headers.get('location')).toBeNull();
  });

  it('redirects to a URI only once the control API has registered it on the app (the demo console on a free port)', async () => {
    const late = 'http://127.0.0.1:45678/consent/callback';
    const before = await fetch(consentUrl(emu, { ...v2Params, redirect_uri: late }), { redirect: 'manual' });
    expect(before.status).toBe(400);
    expect(await before.text()).toContain('AADSTS50011');
    const { redirectUris } = await emu.control.addRedirectUris(TOGETHER_APP.appId, [late]);
    expect(redirectUris).toContain(late);
    expect(redirectUris).toContain(REDIRECT);
    const after = await fetch(consentUrl(emu, { ...v2Params, redirect_uri: late }), { redirect: 'manual' });
    expect(after.status).toBe(200);
    await expect(emu.control.addRedirectUris(TOGETHER_APP.appId, ['ftp://x.example/cb'])).rejects.toThrow(
      /http/,
    );
  });

  it("refuses a Cloud Application Administrator with Entra's 'Need admin approval' (AADSTS90094) and grants nothing", async () => {
    const res = await decide(emu, CONTOSO.nonPrivilegedAdmin.userPrincipalName, 'accept');
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('AADSTS90094');
    expect(html).toContain('Need admin approval');
    expect(
      (await emu.control.consentState(CONTOSO.tenantId, TOGETHER_APP.appId)).servicePrincipalId,
    ).toBeNull();
  });

  it("with tenant 'organizations' lets the admin choose, and consents in the chosen admin's tenant", async () => {
    const page = await fetch(
      `${emu.origin}/organizations/v2.0/adminconsent?${new URLSearchParams(v2Params)}`,
    );
    const html = await page.text();
    expect(html).toContain(ids.FABRIKAM.privilegedAdmin.userPrincipalName);
    const res = await fetch(`${emu.origin}/organizations/v2.0/adminconsent`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...v2Params,
        admin: CONTOSO.privilegedAdmin.userPrincipalName,
        action: 'accept',
      }),
    });
    expect(new URL(res.headers.get('location')!).searchParams.get('tenant')).toBe(CONTOSO.tenantId);
  });

  it('serves the legacy /{tenant}/adminconsent: tenant and admin_consent without scope; Cancel is permission_denied', async () => {
    const { scope: _s, ...legacy } = v2Params;
    const ok = await decide(emu, CONTOSO.privilegedAdmin.userPrincipalName, 'accept', legacy, true);
    expect(Object.fromEntries(new URL(ok.headers.get('location')!).searchParams)).toEqual({
      admin_consent: 'True',
      tenant: CONTOSO.tenantId,
      state: 'nonce-123',
    });
    const no = await decide(emu, CONTOSO.privilegedAdmin.userPrincipalName, 'cancel', legacy, true);
    expect(new URL(no.headers.get('location')!).searchParams.get('error')).toBe('permission_denied');
  });
});

describe('consent propagation delay', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ consentPropagationSeconds: 2 });
  });
  afterAll(() => emu.stop());

  it('creates the service principal at once but puts the roles in tokens only after the delay', async () => {
    await decide(emu, CONTOSO.privilegedAdmin.userPrincipalName, 'accept');
    const early = await secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE);
    expect(decodeJwt(early.token).roles).toBeUndefined();
    expect((await emu.control.consentState(CONTOSO.tenantId, TOGETHER_APP.appId)).pendingRoles).toEqual([
      'Calendars.ReadWrite',
      'User.ReadBasic.All',
    ]);
    await new Promise((r) => setTimeout(r, 2100));
    const late = await secretCredential(emu, CONTOSO.tenantId).getToken(GRAPH_SCOPE);
    expect(decodeJwt(late.token).roles).toEqual(['Calendars.ReadWrite', 'User.ReadBasic.All']);
  });
});
