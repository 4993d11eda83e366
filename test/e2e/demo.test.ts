/**
 * The main job end to end, as a user runs it: `npm run demo` (twice in a row), then the console driven in
 * headless Chromium against the same moving parts the demo starts — consent accepted, refused and forged,
 * the status page (screenshot in test-results/), the re-test and settings forms, and the CLI's --json output
 * and exit codes against the running onboarding.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, demoOnboardingInput } from '../../cli/demo';
import { startDemoEnv, type DemoEnv } from '../../dev/demo-env';
import { CONTOSO, FABRIKAM, TOGETHER_APP } from '../../emulator/fixtures/ids';
import type { OnboardingStatus } from '../../contracts/messages';
import { cli, RESULTS_DIR, ROOT, run } from './helpers';

const TENANT = CONTOSO.tenantId;
const SAMPLE = 200;

describe('npm run demo', () => {
  // Port 3000 is taken (a dev server, another demo): the demo must pick a free port for its console and
  // register that callback on the emulated app, not fail or collide.
  let holder: net.Server | undefined;
  beforeAll(async () => {
    holder = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => {
      holder!.once('error', () => {
        holder = undefined; // already taken by something else: the point holds all the same
        resolve();
      });
      holder!.listen(3000, '127.0.0.1', () => resolve());
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  });

  it('prints the Contoso report and exits 0 while port 3000 is taken', async () => {
    const r = await run('npm', ['run', '--silent', 'demo'], { timeoutMs: 110_000 });
    expect(r.stderr).not.toMatch(/Error:|at .*\.ts:\d+/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[3/6] Admin consent in headless Chromium');
    expect(r.stdout).toContain('Signed in as Megan Bowen');
    expect(r.stdout).toContain('"Thank you — consent received"');
    expect(r.stdout).toMatch(/\d+ of 200 sampled users reachable \(\d+(\.\d)?%\) — verdict: (PASS|DEGRADED)/);
    expect(r.stdout).toContain('Unreachable accounts');
    expect(r.stdout).toContain('MailboxNotEnabledForRESTAPI');
    expect(r.stdout).toContain('How to fix:');
    expect(r.stdout).toContain(`Health schedule health-${TENANT}`);
    expect(r.stdout).toContain('Owner notified by email');
    expect(r.stdout).toMatch(/Done in \d+ s/);
    const consoleLine = /Console\s+(http:\/\/127\.0\.0\.1:(\d+))/.exec(r.stdout);
    expect(consoleLine?.[2]).toBeDefined();
    expect(consoleLine?.[2]).not.toBe('3000');
    expect(r.stdout).toContain(`Entra redirected to ${consoleLine?.[1]}/consent/callback`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'demo-output.txt'), r.stdout);
  });

  it('runs again right away; without Chromium it says so and accepts consent over HTTP', async () => {
    const r = await run('npm', ['run', '--silent', 'demo'], {
      timeoutMs: 110_000,
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Chromium was not found at /nonexistent/chromium');
    expect(r.stdout).toContain('[3/6] Admin consent over HTTP');
    expect(r.stdout).toContain('"Thank you — consent received"');
    expect(r.stdout).toMatch(/\d+ of 200 sampled users reachable/);
  });
});

describe('console and CLI against the running demo pieces', () => {
  let env: DemoEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let clockOffsetMs = 0;
  let acceptedCallbackUrl = '';
  const status = async () => (await env.api.getStatus(TENANT)) as OnboardingStatus;
  const consoleUrl = () => env.console.url;

  async function freshState(): Promise<string> {
    const res = await fetch(`${consoleUrl()}/consent/start?tenant=${TENANT}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('state')!;
  }

  async function waitFor(pred: (s: OnboardingStatus) => boolean, ms = 60_000): Promise<OnboardingStatus> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await status();
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out; phase ${s.phase}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    env = await startDemoEnv({
      dir: path.join(ROOT, '.data', 'e2e'),
      now: () => new Date(Date.now() + clockOffsetMs),
    });
    await env.api.startOnboarding(demoOnboardingInput(env, SAMPLE));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await env?.stop();
  });

  it('a forged or missing state gets a 400 page and no signal', async () => {
    const forged = await page.goto(
      `${consoleUrl()}/consent/callback?admin_consent=True&tenant=${TENANT}&scope=x&state=${'F'.repeat(43)}`,
    );
    expect(forged!.status()).toBe(400);
    await expect(page.locator('#consent-rejected').getAttribute('data-reason')).resolves.toBe('unknown');
    const missing = await page.goto(`${consoleUrl()}/consent/callback?admin_consent=True&tenant=${TENANT}`);
    expect(missing!.status()).toBe(400);
    const s = await status();
    expect(s.phase).toBe('awaitingConsent');
    expect(s.rejectedCallbacks).toBe(0); // the console never signalled
  });

  it('an expired state and a state for another tenant are rejected', async () => {
    const state = await freshState();
    clockOffsetMs = 61 * 60_000;
    const expired = await page.goto(
      `${consoleUrl()}/consent/callback?admin_consent=True&tenant=${TENANT}&state=${state}`,
    );
    clockOffsetMs = 0;
    expect(expired!.status()).toBe(400);
    expect(await page.textContent('#consent-rejected')).toContain('expired');
    const other = await page.goto(
      `${consoleUrl()}/consent/callback?admin_consent=True&tenant=${FABRIKAM.tenantId}&state=${await freshState()}`,
    );
    expect(other!.status()).toBe(400);
    expect(await page.textContent('#consent-rejected')).toContain('does not match');
    expect((await status()).phase).toBe('awaitingConsent');
  });

  it('a Cloud Application Administrator is refused, and the console tells the admin who can grant', async () => {
    await page.goto(`${consoleUrl()}/consent/start?tenant=${TENANT}`);
    await page.selectOption('select#admin', CONTOSO.nonPrivilegedAdmin.userPrincipalName);
    await page.click('button[value="accept"]');
    expect(await page.textContent('#error-code')).toContain('AADSTS90094');
    await page.click('text=Return to the application without granting consent');
    await page.waitForURL((u) => u.href.startsWith(`${consoleUrl()}/consent/callback`));
    expect(await page.textContent('h1')).toBe('An administrator must grant these permissions');
    expect(await page.textContent('#consent-error')).toContain(
      'Global Administrator or a Privileged Role Administrator',
    );
    await page.screenshot({ path: path.join(RESULTS_DIR, 'consent-error.png'), fullPage: true });
    // Cancel → declined page with a fresh start link
    await page.goto(`${consoleUrl()}/consent/start?tenant=${TENANT}`);
    await page.click('button[value="cancel"]');
    await page.waitForURL((u) => u.href.startsWith(`${consoleUrl()}/consent/callback`));
    expect(await page.textContent('h1')).toBe('Consent was declined');
    expect(await page.getAttribute('#retry-link', 'href')).toBe(`/consent/start?tenant=${TENANT}`);
    expect((await status()).phase).toBe('awaitingConsent');
  });

  it("a Global Administrator's consent reaches the workflow; replaying the redirect is rejected", async () => {
    await page.goto(`${consoleUrl()}/consent/start?tenant=${TENANT}`);
    await page.selectOption('select#admin', CONTOSO.privilegedAdmin.userPrincipalName);
    await page.click('button[value="accept"]');
    await page.waitForURL((u) => u.href.startsWith(`${consoleUrl()}/consent/callback`));
    acceptedCallbackUrl = page.url();
    expect(new URL(acceptedCallbackUrl).searchParams.get('admin_consent')).toBe('True');
    expect(await page.textContent('h1')).toBe('Thank you — consent received');
    const replay = await page.goto(acceptedCallbackUrl);
    expect(replay!.status()).toBe(400);
    expect(await page.textContent('#consent-rejected')).toContain('already used');
    const s = await waitFor((x) => x.phase === 'active' && !!x.lastReport && !!x.scheduleId);
    expect(s.lastReport!.sampled).toBe(SAMPLE);
    expect(s.rejectedCallbacks).toBe(0);
  });

  it('the status page shows phase, N of M reachable, unreachable accounts with fixes and the health chart', async () => {
    const s = await status();
    await page.goto(`${consoleUrl()}/tenants/${TENANT}`);
    expect(await page.getAttribute('[data-phase]', 'data-phase')).toBe('active');
    expect(await page.textContent('#reachable')).toBe(
      `${s.lastReport!.accessible} of ${SAMPLE} sampled users reachable`,
    );
    const rows = page.locator('#unreachable tbody tr');
    expect(await rows.count()).toBe(s.lastReport!.inaccessible.length);
    expect(await page.textContent('#unreachable')).toContain('MailboxNotEnabledForRESTAPI');
    expect(await page.locator('svg.health-chart circle').count()).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: path.join(RESULTS_DIR, 'status-page.png'), fullPage: true });
    await page.goto(consoleUrl());
    expect(await page.textContent('#tenants')).toContain(TENANT);
  });

  it('the re-test form runs the sample test again through the update', async () => {
    const before = (await status()).lastReport!.startedAt;
    await page.goto(`${consoleUrl()}/tenants/${TENANT}`);
    await page.click('#retest-form button');
    await page.waitForURL(`${consoleUrl()}/tenants/${TENANT}?notice=retested`, { timeout: 60_000 });
    expect(await page.textContent('#notice')).toContain('ran again');
    expect((await status()).lastReport!.startedAt).not.toBe(before);
    // Without the CSRF token (a cross-site form post) the same request is refused.
    const forged = await fetch(`${consoleUrl()}/tenants/${TENANT}/retest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
  });

  it('the settings form goes through the validated update', async () => {
    await page.goto(`${consoleUrl()}/tenants/${TENANT}`);
    await page.fill('#thresholdPercent', '80');
    await page.click('#settings-form button');
    await page.waitForURL(`${consoleUrl()}/tenants/${TENANT}?notice=saved`);
    expect((await status()).settings.threshold).toBe(0.8);
    await page.fill('#sampleSize', '999999');
    await page.click('#settings-form button');
    // The same page again (400) with the problem and the typed value kept, not a generic error page.
    expect(await page.textContent('#settings-errors')).toContain('sampleSize');
    expect(await page.inputValue('#sampleSize')).toBe('999999');
  });

  it('CLI: --json outputs and exit codes against the running onboarding', async () => {
    const e = env.childEnv;
    const st = await cli(['status', '--tenant', TENANT, '--json'], e);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({
      tenantId: TENANT,
      phase: 'active',
      lastReport: { sampled: SAMPLE },
    });
    const list = await cli(['status', '--json'], e);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ tenantId: TENANT, phase: 'active' })]);
    const sched = await cli(['schedule', 'show', '--tenant', TENANT, '--json'], e);
    expect(sched.code).toBe(0);
    expect(JSON.parse(sched.stdout)).toMatchObject({
      scheduleId: `health-${TENANT}`,
      paused: false,
      intervalMinutes: 360,
    });
    expect((await cli(['schedule', 'pause', '--tenant', TENANT, '--note', 'e2e'], e)).code).toBe(0);
    expect(
      JSON.parse((await cli(['schedule', 'show', '--tenant', TENANT, '--json'], e)).stdout),
    ).toMatchObject({ paused: true, note: 'e2e' });
    const again = await cli(
      ['onboard', '--tenant', TENANT, '--owner', 'x@contoso.com', '--app-id', TOGETHER_APP.appId, '--json'],
      e,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ started: false, workflowId: `onboard-${TENANT}` });
    const unknown = await cli(['status', '--tenant', FABRIKAM.tenantId], e);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No onboarding for tenant');
  });

  it('CLI: a failing sample test exits 1 (a group sample without group-read permission)', async () => {
    // Sampling a group needs GroupMember.Read.All, which Together does not ask for: the sample test cannot run.
    await env.api.updateSettings(TENANT, {
      sampleSource: { kind: 'group', groupId: CONTOSO.groups.mentoringPilot },
    });
    const t = await cli(['test', '--tenant', TENANT, '--json'], env.childEnv);
    const report = JSON.parse(t.stdout);
    expect(report.verdict).toBe('fail');
    expect(t.code).toBe(1);
    await page.goto(`${consoleUrl()}/tenants/${TENANT}`);
    expect(await page.getAttribute('[data-phase]', 'data-phase')).toBe('failing');
    expect(await page.textContent('#report')).toContain('No users were sampled');
    await page.screenshot({ path: path.join(RESULTS_DIR, 'status-page-failing.png'), fullPage: true });
  });
});
