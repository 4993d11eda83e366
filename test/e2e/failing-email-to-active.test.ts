/**
 * From a failing email back to active, in headless Chromium (issue 11 point 3, its e2e test): Contoso is
 * onboarded and its first report accepted (active); consent is revoked through the emulator's control API and a
 * health check runs; the monitor emails the owner once. The email's status link opens the tenant page, whose
 * headline says failing and why; its consent link is the console's /consent/start (never the raw adminconsent
 * URL, whose state-less callback the console must refuse). Following it through the emulator's consent page as
 * Contoso's Global Administrator lands on the console's callback, which says a verification started; the tenant
 * then becomes active without a further health check, in the API, on the page and in `status --tenant`.
 * All real: emulator over HTTPS, Temporal dev server, worker, console (dev/demo-env.ts).
 */
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, DEMO_OWNER, demoOnboardingInput } from '../../cli/demo';
import { startDemoEnv, type DemoEnv } from '../../dev/demo-env';
import { CONTOSO, TOGETHER_APP } from '../../emulator/fixtures/ids';
import { cli, ROOT } from './helpers';

const TENANT = CONTOSO.tenantId;
const REASON = 'Admin consent is revoked.';
const INCIDENT_SUBJECT = /^Together’s Outlook calendar integration is failing/;

/** Polls `probe` until it returns a value (not undefined); fails with what it last saw. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  last?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `; ${last()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

const bodyText = async (page: Page) => ((await page.textContent('body')) ?? '').replace(/\s+/g, ' ');

describe('a failing email leads back to active', () => {
  let env: DemoEnv;
  let browser: Browser;
  beforeAll(async () => {
    env = await startDemoEnv({ dir: path.join(ROOT, '.data', 'e2e-failing-email') });
    // Consent granted before the onboarding starts: its first poll finds it and the first test runs.
    await env.emulator.control.grantConsent({ tenantId: TENANT, appId: TOGETHER_APP.appId });
    // Threshold 50%: Contoso has unreachable users by design (guests, unlicensed, on-premises…), so a random
    // sample of 20 can fall under the default 90% and be judged degraded. This test is about consent, not sampling.
    const input = demoOnboardingInput(env, 20);
    await env.api.startOnboarding({
      ...input,
      settings: { ...input.settings, threshold: 0.5 },
      consentPollSeconds: [1],
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.stop();
  }, 60_000);

  it('revoked consent → one failing email → its links in Chromium → re-consent → active', async () => {
    const state = async () => (await env.api.getTenant(TENANT))?.state.state;

    // 1. Onboarded: first report, accepted (Done), monitor running → active.
    let seen: string | undefined;
    await until(
      'the first report',
      async () => {
        const s = await env.api.getStatus(TENANT);
        seen = s?.phase;
        return s?.review?.state === 'pending' && s.scheduleId ? true : undefined;
      },
      180_000,
      () => `phase ${seen}`,
    );
    await env.api.acceptReport(TENANT);
    await until(
      'active',
      async () => ((seen = await state()) === 'active' ? true : undefined),
      60_000,
      () => `state ${seen}`,
    );

    // 2. Consent revoked in Entra (the service principal deleted), then a health check.
    await env.emulator.control.revokeConsent({ tenantId: TENANT, appId: TOGETHER_APP.appId });
    await env.api.triggerSchedule(TENANT);
    await until(
      'failing',
      async () => ((seen = await state()) === 'failing' ? true : undefined),
      120_000,
      () => `state ${seen}`,
    );

    // 3. Exactly one incident email, to the owner, saying failing and why, with the console's links.
    const incidentMails = async () =>
      (await env.emulator.control.outbox()).filter((m) => INCIDENT_SUBJECT.test(m.message.subject ?? ''));
    const [mail, ...more] = await until(
      'the incident email',
      async () => {
        const found = await incidentMails();
        return found.length ? found : undefined;
      },
      60_000,
    );
    expect(more).toHaveLength(0);
    const msg = mail!.message;
    expect(msg.toRecipients?.map((r) => r.emailAddress.address)).toContain(DEMO_OWNER);
    expect(msg.subject).toContain(TENANT);
    const html = msg.body?.content ?? '';
    const text = html
      .replace(/<[^>]+>/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ');
    expect(text).toContain(`Failing: ${REASON}`);
    const consoleUrl = env.console.url;
    const links = [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);
    const statusLink = links.find((l) => l === `${consoleUrl}/tenants/${TENANT}`);
    const consentLink = links.find((l) => l.startsWith(`${consoleUrl}/consent/start?`));
    expect(statusLink, `status link among ${links.join(' ')}`).toBeDefined();
    expect(consentLink).toBe(`${consoleUrl}/consent/start?tenant=${TENANT}`);
    expect(links.filter((l) => /adminconsent/i.test(l))).toEqual([]);

    // 4. In Chromium: the status link shows failing with the reason; the consent link goes through the emulator's
    // consent page (accepted as Contoso's Global Administrator) back to the console, which starts a verification.
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(statusLink!);
    expect(await page.getAttribute('#tenant-state', 'data-state')).toBe('failing');
    expect((await page.textContent('#tenant-state'))?.trim()).toMatch(/^Failing/);
    expect(await page.textContent('#state-reason')).toContain(REASON);

    await page.goto(consentLink!);
    await page.waitForSelector('select#admin', { timeout: 30_000 });
    expect(new URL(page.url()).origin).toBe(env.emulator.origin);
    await page.selectOption('select#admin', CONTOSO.privilegedAdmin.userPrincipalName);
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(`${consoleUrl}/consent/callback`), { timeout: 60_000 }),
      page.click('button[value="accept"]'),
    ]);
    const done = page.locator('#consent-done');
    expect(await done.getAttribute('data-verification')).toBe('consented');
    expect(await done.getAttribute('data-retest')).toMatch(/^(started|alreadyRunning)$/);
    const heading = (await page.textContent('h1'))?.trim();
    expect(heading).toBe('Consent re-verified');
    expect(await bodyText(page)).not.toContain('Thank you');

    // 5. The verification's sample test closes the incident: active, without another health check.
    await until(
      'active again',
      async () => ((seen = await state()) === 'active' ? true : undefined),
      180_000,
      () => `state ${seen}`,
    );
    await page.goto(statusLink!);
    expect(await page.getAttribute('#tenant-state', 'data-state')).toBe('active');
    expect((await page.textContent('#tenant-state'))?.trim()).toBe('Active');
    const reasonShown = page.locator('#state-reason');
    if (await reasonShown.count()) expect(await reasonShown.textContent()).not.toContain(REASON);
    await context.close();

    const status = await cli(['status', '--tenant', TENANT], env.childEnv);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/State:\s+Active/);
    // Still one incident email: the re-consent sent a "resolved" one at most, never a second "failing".
    expect(await incidentMails()).toHaveLength(1);
  }, 600_000);
});
