/**
 * Console staff sign-in in Chromium against the emulator's Entra: an unauthenticated visitor is sent to
 * sign in; a user without the Together.Operator app role gets a 403 page naming the role to ask for; an
 * operator sees the tenant list; sign-out ends the session; the consent routes stay public.
 */
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../cli/demo';
import { Csrf } from '../../console/csrf';
import { startConsole, type RunningConsole } from '../../console/server';
import { ConsentStateStore } from '../../console/state-store';
import { FakeBackend, FAKE_TENANT } from '../../console/testing/fake-backend';
import { ids, startTestEmulator, type RunningEmulator } from '../helpers/emulator';
import { RESULTS_DIR } from './helpers';

const { PUBLISHER, TOGETHER_APP } = ids;

describe('console staff sign-in (Chromium, emulator Entra)', () => {
  let emu: RunningEmulator;
  let console_: RunningConsole;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    emu = await startTestEmulator();
    const backend = new FakeBackend();
    backend.addTenant();
    console_ = await startConsole({
      backend,
      states: new ConsentStateStore({ file: null }),
      csrf: new Csrf(Buffer.alloc(32, 1)),
      port: 0,
      auth: {
        mode: 'entra',
        authorityHost: emu.loginUrl,
        tenantId: PUBLISHER.tenantId,
        clientId: TOGETHER_APP.appId,
        credential: { kind: 'secret', secret: TOGETHER_APP.clientSecret },
        operatorRole: 'Together.Operator',
        sessionKey: Buffer.alloc(32, 2),
      },
    });
    await emu.control.addRedirectUris(TOGETHER_APP.appId, [`${console_.url}/auth/callback`]);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    // The emulator's CA is not in Chromium's store (docs/emulator.md, "Trusting the CA").
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await console_?.close();
    await emu?.stop();
  });

  async function signIn(upn: string) {
    await page.goto(`${console_.url}/`);
    await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
    await page.fill('#login', upn);
    await page.click('#next');
  }

  it('sends an unauthenticated visitor to the sign-in page, and forms answer 401', async () => {
    await page.goto(`${console_.url}/tenants/${FAKE_TENANT}`);
    expect(page.url()).toContain(`${emu.origin}/${PUBLISHER.tenantId}/oauth2/v2.0/authorize`);
    expect(await page.locator('#login').count()).toBe(1);
    const post = await page.request.post(`${console_.url}/tenants/${FAKE_TENANT}/retest`, {
      maxRedirects: 0,
    });
    expect(post.status()).toBe(401);
  });

  it('keeps the consent routes and /healthz public, without a link to the tenant index', async () => {
    const res = await page.goto(
      `${console_.url}/consent/callback?state=nope&admin_consent=True&tenant=${FAKE_TENANT}`,
    );
    expect(res!.url()).toContain('/consent/callback');
    expect(await page.locator('a[href="/"]').count()).toBe(0);
    expect((await page.request.get(`${console_.url}/healthz`)).status()).toBe(200);
  });

  it('refuses a user without the Together.Operator role with a 403 page that says what to ask for', async () => {
    await signIn(PUBLISHER.nonOperator.userPrincipalName);
    await page.waitForURL(/\/auth\/callback/);
    expect(await page.locator('#auth-title').textContent()).toContain('not as a Together operator');
    const body = await page.locator('main').textContent();
    expect(body).toContain('Together.Operator');
    expect(body).toContain(PUBLISHER.nonOperator.userPrincipalName);
    // Still not signed in: the index sends to sign-in again.
    await page.goto(`${console_.url}/auth/logout`);
    await page.waitForURL(/\/auth\/signed-out/);
  });

  it('lets an operator see the tenant list, then sign out', async () => {
    await signIn(PUBLISHER.operator.userPrincipalName);
    await page.waitForURL(`${console_.url}/`);
    expect(await page.locator('main').textContent()).toContain(FAKE_TENANT);
    expect(await page.locator('#staff-name').textContent()).toContain(PUBLISHER.operator.displayName);
    const cookies = await context.cookies(console_.url);
    const session = cookies.find((c) => c.name === 'together_session')!;
    expect([session.httpOnly, session.sameSite]).toEqual([true, 'Lax']);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'staff-signin-operator.png') });

    await page.click('#sign-out');
    await page.waitForURL(/\/auth\/signed-out/);
    await page.goto(`${console_.url}/`);
    // Both sessions ended: the emulator asks who is signing in again.
    expect(page.url()).toContain('/oauth2/v2.0/authorize');
    expect(await page.locator('#login').count()).toBe(1);
  });
});
