/**
 * Individual mode in Chromium against the emulator's Entra: a user connects their Outlook calendar (sign-in,
 * consent, PKCE code exchange, calendar call), sees their connection and disconnects it; with user consent
 * forbidden, the user lands on the page that says what to ask the admin.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphConfig, MemoryIdempotencyStore } from '../../activities';
import { createIndividual } from '../../activities/individual';
import { createIndividualConsoleBackend } from '../../activities/individual/console-backend';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../dev/chromium';
import { connectCalendarInPage, signInToConnect } from '../../dev/connect-calendar';
import { Csrf } from '../../console/csrf';
import { startConsole, type RunningConsole } from '../../console/server';
import { ConsentStateStore } from '../../console/state-store';
import { FakeBackend } from '../../console/testing/fake-backend';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../helpers/emulator';

const { CONTOSO, TOGETHER_APP } = ids;
const T = CONTOSO.tenantId;

describe('individual connect (Chromium, emulator Entra)', () => {
  let emu: RunningEmulator;
  let web: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    emu = await startTestEmulator();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-e2e-'));
    const { ind } = createIndividual({
      config: loadGraphConfig(graphEnvFor(emu, dir)),
      env: { TOGETHER_STATE_DIR: dir },
      idempotencyStore: new MemoryIdempotencyStore(),
    });
    web = await startConsole({
      backend: new FakeBackend(),
      states: new ConsentStateStore({ file: null }),
      csrf: new Csrf(Buffer.alloc(32, 1)),
      individual: createIndividualConsoleBackend(ind),
      port: 0,
    });
    await emu.control.addRedirectUris(TOGETHER_APP.appId, [`${web.url}/connect/callback`]);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await emu?.stop();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    return context.newPage();
  }

  it('connects, shows the connection, and disconnects', async () => {
    await emu.control.setUserConsent(T, 'all');
    const page = await newPage();
    const c = await connectCalendarInPage(page, web.url, T, CONTOSO.users.inScope.userPrincipalName);
    expect(c.account).toBe(CONTOSO.users.inScope.userPrincipalName);
    expect(c.status).toBe('connected');
    expect(c.notice).toContain('Together reached your calendar');
    await page.click('#disconnect');
    await page.waitForURL(/disconnected=1/);
    expect(await page.locator('#disconnected').count()).toBe(1);
  });

  it('tells the user what to ask the admin when user consent is not allowed', async () => {
    await emu.control.setUserConsent(T, 'none');
    const page = await newPage();
    await signInToConnect(page, web.url, T, CONTOSO.users.outsideScope.userPrincipalName);
    await page.click('#return');
    await page.waitForURL(/\/connect\/callback/);
    expect(await page.locator('#admin-approval').count()).toBe(1);
    expect(await page.textContent('#admin-steps')).toContain('Grant admin consent');
  });
});
