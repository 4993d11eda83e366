/**
 * A user connects their Outlook calendar in a browser, as individual mode's console pages and the emulator's
 * Entra sign-in and consent pages ask them to: the console's /connect page → "Connect with Microsoft" →
 * sign-in (the emulator's account picker) → consent → the console's /connect/callback, which exchanges the code
 * (PKCE), makes a real calendar call and shows "your connection". Used by the individual demo act and the e2e
 * tests (test/e2e/), so both drive the same pages the same way.
 */
import type { Browser, Page } from 'playwright-core';

export interface CalendarConnection {
  /** The account the console shows on /connect/me. */
  account: string;
  /** `connected` when the callback's calendar call worked. */
  status: string;
  /** The title of the Entra page the user consented on. */
  consentPageTitle: string;
  /** "Connected: Together reached your calendar." when the console just connected it. */
  notice: string;
}

/** Opens /connect for the tenant, starts the flow and signs in as `upn`; stops on Entra's consent page. */
export async function signInToConnect(
  page: Page,
  consoleUrl: string,
  tenantId: string,
  upn: string,
): Promise<void> {
  await page.goto(`${consoleUrl}/connect?tenant=${encodeURIComponent(tenantId)}`);
  await page.click('#connect-button');
  await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
  if (await page.locator('#login').count()) {
    await page.fill('#login', upn);
    await page.click('#next');
  }
}

/** The whole connect flow in `page`: sign in, accept the delegated permissions, land on "your connection". */
export async function connectCalendarInPage(
  page: Page,
  consoleUrl: string,
  tenantId: string,
  upn: string,
): Promise<CalendarConnection> {
  await signInToConnect(page, consoleUrl, tenantId, upn);
  await page.waitForSelector('#accept', { timeout: 15_000 });
  const consentPageTitle = (await page.title()).trim();
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(`${consoleUrl}/connect/me`), { timeout: 30_000 }),
    page.click('#accept'),
  ]);
  const text = async (sel: string) =>
    (await page.locator(sel).count()) ? ((await page.textContent(sel)) ?? '').trim() : '';
  return {
    account: await text('#account'),
    status: (await page.getAttribute('#connection', 'data-status')) ?? '',
    consentPageTitle,
    notice: await text('#connected-notice'),
  };
}

/** The same in a fresh browser context (its own cookies: one user per context), closed afterwards. */
export async function connectCalendarInBrowser(
  browser: Browser,
  consoleUrl: string,
  tenantId: string,
  upn: string,
): Promise<CalendarConnection> {
  // The emulator's CA is private to this machine; this context alone accepts it.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    return await connectCalendarInPage(await context.newPage(), consoleUrl, tenantId, upn);
  } finally {
    await context.close();
  }
}
