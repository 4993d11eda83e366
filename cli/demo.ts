/**
 * `npm run demo` / `together-o365 demo`: the main job, unattended, on this machine. Starts the Temporal dev
 * server, the Microsoft 365 emulator (Contoso), a worker and the console; onboards Contoso; opens the consent
 * link in headless Chromium and accepts as Contoso's Global Administrator, so Entra's redirect reaches the
 * console, which signals the workflow; follows the workflow's progress; prints the report and the health
 * schedule; shuts everything down. Without Chromium it says so and accepts the consent page over HTTP.
 */
import fs from 'node:fs';
import { CONTOSO } from '../emulator/fixtures/ids';
import { DEFAULT_SETTINGS, type OnboardingStatus, type OnboardTenantInput } from '../contracts/messages';
import { CliError, EXIT } from './errors';
import { formatReport, formatSchedule } from './output';
import type { DemoCommandOptions } from './context';
import { followStatus } from './progress';
import { adminConsentUrl } from './tenant-input';
import type { DemoEnv } from '../dev/demo-env';
import { runDemoAct } from './demo-shared';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../dev/chromium';
import { runIndividualDemo } from './demo-individual';
// Where the project finds Chromium (dev/chromium.ts); re-exported for the e2e tests that import it from here.
export { CHROMIUM_ARGS, CHROMIUM_PATH };

export const DEMO_OWNER = CONTOSO.privilegedAdmin.userPrincipalName;

export interface ConsentOutcome {
  via: 'chromium' | 'http';
  consentPageTitle: string;
  callbackUrl: string;
  resultHeading: string;
}

/** Accepts the emulator's consent page in headless Chromium as the given admin; returns what it saw. */
export async function consentInBrowser(
  consoleUrl: string,
  tenantId: string,
  adminUpn: string,
  screenshotPath?: string,
): Promise<ConsentOutcome> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    // The emulator's CA is private to this machine; this context alone accepts it.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${consoleUrl}/consent/start?tenant=${encodeURIComponent(tenantId)}`);
    await page.waitForSelector('select#admin', { timeout: 15_000 });
    const consentPageTitle = await page.title();
    await page.selectOption('select#admin', adminUpn);
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(`${consoleUrl}/consent/callback`), { timeout: 15_000 }),
      page.click('button[value="accept"]'),
    ]);
    const callbackUrl = page.url();
    const resultHeading = (await page.textContent('h1'))?.trim() ?? '';
    if (screenshotPath) await page.screenshot({ path: screenshotPath, fullPage: true });
    await context.close();
    return { via: 'chromium', consentPageTitle, callbackUrl, resultHeading };
  } finally {
    await browser.close();
  }
}

const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The same over plain HTTP: follow the redirect, read the consent form, post Accept, deliver the redirect. */
export async function consentOverHttp(
  consoleUrl: string,
  tenantId: string,
  adminUpn: string,
): Promise<ConsentOutcome> {
  const start = await fetch(`${consoleUrl}/consent/start?tenant=${encodeURIComponent(tenantId)}`, {
    redirect: 'manual',
  });
  const consentUrl = start.headers.get('location');
  if (start.status !== 302 || !consentUrl)
    throw new CliError(
      `The console did not redirect to the consent page (HTTP ${start.status}).`,
      EXIT.failing,
    );
  const page = await fetch(consentUrl);
  const html = await page.text();
  const form = /<form[^>]*method="post"[^>]*>/i.exec(html)?.[0];
  if (!page.ok || !form)
    throw new CliError(
      `The consent page at ${new URL(consentUrl).origin} did not show a consent form (HTTP ${page.status}).`,
      EXIT.failing,
    );
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    if (name) fields.set(name, unescapeHtml(attr(m[0], 'value') ?? ''));
  }
  fields.set('admin', adminUpn);
  fields.set('action', 'accept');
  const action = new URL(unescapeHtml(attr(form, 'action') ?? ''), consentUrl);
  const posted = await fetch(action, { method: 'POST', body: fields, redirect: 'manual' });
  const callbackUrl = posted.headers.get('location');
  if (!callbackUrl || !callbackUrl.startsWith(`${consoleUrl}/consent/callback`)) {
    throw new CliError(
      `Accepting consent did not redirect to the console (HTTP ${posted.status}${callbackUrl ? `, to ${callbackUrl}` : ''}).`,
      EXIT.failing,
    );
  }
  const done = await fetch(callbackUrl);
  const body = await done.text();
  return {
    via: 'http',
    consentPageTitle: unescapeHtml(/<title>([^<]*)<\/title>/.exec(html)?.[1]?.trim() ?? ''),
    callbackUrl,
    resultHeading: unescapeHtml(/<h1>([^<]*)<\/h1>/.exec(body)?.[1]?.trim() ?? `HTTP ${done.status}`),
  };
}

/** Contoso's onboarding as the demo starts it (also used by the e2e tests). */
export function demoOnboardingInput(env: DemoEnv, sampleSize: number): OnboardTenantInput {
  return {
    tenant: { tenantId: CONTOSO.tenantId },
    consentUrl: adminConsentUrl({
      authorityHost: env.emulator.loginUrl,
      tenantId: CONTOSO.tenantId,
      appId: env.emulator.workerEnv.TOGETHER_APP_ID!,
      redirectUri: `${env.console.url}/consent/callback`,
    }),
    settings: { ...DEFAULT_SETTINGS, owner: DEMO_OWNER, sampleSize },
    consentPollSeconds: [5, 10, 30, 60],
    sampleTest: { chunkSize: 10 },
  };
}

function redactState(url: string): string {
  const u = new URL(url);
  if (u.searchParams.has('state')) u.searchParams.set('state', '…');
  return u.toString().replace('%E2%80%A6', '…');
}

export async function runDemo(opts: DemoCommandOptions, _env: NodeJS.ProcessEnv): Promise<number> {
  if (opts.individual) return runIndividualDemo(opts);
  const tenantId = CONTOSO.tenantId;
  return runDemoAct(opts, {
    title:
      'together-o365 demo: onboard the Contoso tenant end to end on this machine (emulated Microsoft 365, embedded Temporal)',
    steps: 6,
    run: async ({ env, out, step }) => {
      const consoleUrl = env.console.url;

      step(2, `Onboarding ${CONTOSO.displayName} (tenant ${tenantId})`);
      const started = await env.api.startOnboarding(demoOnboardingInput(env, opts.sampleSize));
      out(
        `  Workflow ${started.workflowId} ${started.started ? 'started' : 'already running'}; it waits for admin consent.`,
      );
      out(`  Consent link for the admin: ${consoleUrl}/consent/start?tenant=${tenantId}`);

      const admin = CONTOSO.privilegedAdmin;
      let outcome: ConsentOutcome;
      if (opts.browser && fs.existsSync(CHROMIUM_PATH)) {
        step(3, `Admin consent in headless Chromium (${CHROMIUM_PATH})`);
        outcome = await consentInBrowser(consoleUrl, tenantId, admin.userPrincipalName);
      } else {
        step(3, 'Admin consent over HTTP');
        out(
          opts.browser
            ? `  Chromium was not found at ${CHROMIUM_PATH} (install it with 'apt-get install chromium', or set CHROMIUM_PATH); accepting the consent page over plain HTTP instead.`
            : '  --no-browser: accepting the consent page over plain HTTP.',
        );
        outcome = await consentOverHttp(consoleUrl, tenantId, admin.userPrincipalName);
      }
      out(
        `  Opened the consent link: the console issued a one-time state and redirected to "${outcome.consentPageTitle}" (${env.emulator.origin})`,
      );
      out(
        `  Signed in as ${admin.displayName} <${admin.userPrincipalName}> (Global Administrator) and chose Accept`,
      );
      out(`  Entra redirected to ${redactState(outcome.callbackUrl)}`);
      out(`  The console checked the state and signalled the workflow: "${outcome.resultHeading}"`);
      if (!/consent received/i.test(outcome.resultHeading)) {
        throw new CliError(
          `The console did not accept the consent callback: "${outcome.resultHeading}". See ${env.dir}/console.log.`,
          EXIT.failing,
        );
      }

      step(4, 'Verifying consent with Graph and testing a sample of users');
      const api = env.api;
      const final: OnboardingStatus = await followStatus(() => api.getStatus(tenantId), {
        until: (s) =>
          s.phase === 'expired' ||
          ((s.phase === 'active' || s.phase === 'failing') &&
            s.lastReport !== undefined &&
            s.scheduleId !== undefined),
        timeoutMs: opts.timeoutSeconds * 1000,
        stream: process.stdout,
        intervalMs: 300,
      });
      if (!final.lastReport)
        throw new CliError(`The onboarding ended as ${final.phase} without a report.`, EXIT.failing);
      out(`  Consent: ${final.consent?.state ?? 'unknown'}; phase: ${final.phase}`);

      step(5, `Report for ${CONTOSO.displayName}`);
      out(formatReport(final.lastReport).replace(/^(?=.)/gm, '  '));

      step(6, 'Health checks and notifications');
      const schedule = await api.describeSchedule(tenantId);
      if (schedule) out(formatSchedule(schedule).replace(/^(?=.)/gm, '  '));
      else out('  (no health schedule found)');
      const deadline = Date.now() + 5000;
      let mail: { subject?: string; to: string } | undefined;
      while (!mail && Date.now() < deadline) {
        const outbox = await env.emulator.control.outbox().catch(() => []);
        const m = outbox.find((o) =>
          o.message.toRecipients?.some((r) => r.emailAddress.address.toLowerCase() === DEMO_OWNER),
        );
        if (m) mail = { subject: m.message.subject, to: DEMO_OWNER };
        else await new Promise((r) => setTimeout(r, 250));
      }
      out(
        mail
          ? `  Owner notified by email (emulated outbox): "${mail.subject}" → ${mail.to}`
          : '  (no owner notification seen in the emulated outbox yet)',
      );

      return {
        consolePage: ['Console (tenant page)', `${consoleUrl}/tenants/${tenantId}`],
        workflowsPath: '',
        cliArgs: `status --tenant ${tenantId}`,
        notes:
          final.lastReport.verdict === 'inconclusive'
            ? [
                'Note: the verdict is inconclusive (throttling or an outage interfered); the health checks will judge again.',
              ]
            : [],
      };
    },
  });
}
