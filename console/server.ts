/**
 * The console: a small fastify app for admins and integration owners.
 *
 *   GET  /                          tenants and their phase
 *   GET  /tenants/:tenantId         status: phase, "N of M sampled users reachable", unreachable accounts
 *                                   with reason and fix, health chart (SVG), re-test and settings forms
 *   POST /tenants/:tenantId/retest  CSRF-checked; runs the workflow's `retest` update
 *   POST /tenants/:tenantId/settings CSRF-checked; runs the workflow's `updateSettings` update
 *   GET  /consent/start?tenant=     issues a one-time state, registers its hash, redirects to Entra
 *   GET  /consent/callback          Entra's redirect: validates state, signals the workflow
 *   GET  /healthz                   liveness (JSON)
 *
 * Binds 127.0.0.1 unless told otherwise. HTML comes from nunjucks templates with autoescaping on.
 */
import net from 'node:net';
import path from 'node:path';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import type { Logger } from 'pino';
import type { OnboardingStatus, TenantSettings } from '../contracts/messages';
import { BackendError, type ConsoleBackend, type TenantView } from './backend';
import { renderHealthChart } from './chart';
import { CSRF_COOKIE, CSRF_FIELD, type Csrf, parseCookies } from './csrf';
import { adviseConsentError } from './entra-errors';
import { type ConsentStateStore, type StateCheck } from './state-store';
import { ConfigError, errorKind } from '../contracts/errors';
import { EMAIL, GUID } from '../contracts/validation';
import { settingsProblems } from '../contracts/settings';
import { ACCEPTED_UNREACHABLE_KEPT, diffSinceAccepted } from '../contracts/report-diff';
import { reportNewerThanMonitor } from '../contracts/tenant-state';
import { PHASE_TEXT } from '../contracts/texts';
import { teamsLinksLine } from '../contracts/teams';
import { redactingChildLoggerFactory, requestOriginAllowed } from './hygiene';
import type { IndividualConsoleBackend } from '../contracts/individual';
import { individualRoutes } from './individual/routes';
import { connectionsView, unreachableRows } from './individual/view';
import type { StaffAuthConfig } from './auth/config';
import { registerStaffAuth, staffOf } from './auth/staff';

export const DEFAULT_CONSOLE_PORT = 3000;
export const DEFAULT_CONSOLE_HOST = '127.0.0.1';

/** Tenant ids are GUIDs; verified domains are accepted too (letters, digits, dots, dashes). */
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/;

export interface ConsoleOptions {
  backend: ConsoleBackend;
  states: ConsentStateStore;
  csrf: Csrf;
  logger?: Logger;
  /** Shown in pages and used for absolute links; default http://<host>:<port>. */
  publicUrl?: string;
  /** Requests per minute and client address on the public consent routes; default 30. */
  consentRateLimitPerMinute?: number;
  /** Individual mode's connect pages (console/individual/routes.ts); absent = not served. */
  individual?: IndividualConsoleBackend;
  /** Staff sign-in (console/auth): Entra OIDC with the operator role, or off (loopback only). Default off. */
  auth?: StaffAuthConfig;
}

export interface RunningConsole {
  app: FastifyInstance;
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const STATE_REJECTIONS: Record<Exclude<StateCheck, { ok: true }>['reason'], string> = {
  missing: 'The link has no state parameter, so it cannot be matched to a consent request from this console.',
  malformed: 'The state parameter is not one this console issued.',
  unknown: 'The state parameter is not one this console issued (or it was issued by another installation).',
  expired: 'This consent link has expired.',
  used: 'This consent link was already used. Each link works once.',
  wrongTenant: 'The tenant in the response does not match the tenant this consent link was issued for.',
};

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1';
  return false;
}

function percent(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

export function createTemplates(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(__dirname, 'templates')), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addFilter('percent', (x: number) => (typeof x === 'number' ? percent(x) : ''));
  env.addFilter('datetime', (s: string | undefined) =>
    s ? new Date(s).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '',
  );
  return env;
}

export { PHASE_TEXT };

const STYLE = `
*{box-sizing:border-box}body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;font-weight:600}
main{max-width:960px;margin:24px auto;padding:0 24px}section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin-bottom:16px}
h1{font-size:24px;margin:0 0 12px}h2{font-size:18px;margin:0 0 12px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #d0d7de;vertical-align:top;overflow-wrap:anywhere}
.unreachable{table-layout:fixed;font-size:14px}.unreachable .c-account{width:34%}.unreachable .c-reason{width:16%}.unreachable .c-code{width:20%}
.mode-individual{display:inline-block;padding:0 8px;border-radius:12px;font-size:12px;font-weight:600;background:#fbefff;color:#8250df;vertical-align:middle}
.health-chart{max-width:100%;height:auto}th{background:#f6f8fa}
.phase{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;background:#ddf4ff;color:#0969da}
.phase-active{background:#dafbe1;color:#1a7f37}.phase-failing,.phase-expired{background:#ffebe9;color:#cf222e}
.state{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;background:#ddf4ff;color:#0969da}
.state-active{background:#dafbe1;color:#1a7f37}.state-review,.state-degraded{background:#fff8c5;color:#9a6700}
.state-failing,.state-expired,.state-stopped,.state-unknown{background:#ffebe9;color:#cf222e}
.big{font-size:28px;font-weight:700}.muted{color:#57606a}.notice{background:#dafbe1;border-color:#1a7f37}
.error{background:#ffebe9;border-color:#cf222e}code{background:#f6f8fa;padding:1px 4px;border-radius:4px}
form.inline{display:inline}label{display:block;margin:8px 0 2px;font-weight:600}input[type=text],input[type=email],input[type=number]{padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;width:280px}
button{padding:6px 14px;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;font-weight:600;cursor:pointer;margin-top:10px}
.verdict-pass{color:#1a7f37}.verdict-degraded{color:#bf8700}.verdict-fail{color:#cf222e}.verdict-inconclusive{color:#6e7781}
`;

export async function buildConsole(options: ConsoleOptions): Promise<FastifyInstance> {
  const { backend, states, csrf } = options;
  const templates = createTemplates();
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // The consent routes' query strings carry one-time states: every request log line redacts them.
    childLoggerFactory: redactingChildLoggerFactory,
    bodyLimit: 64 * 1024,
  }) as unknown as FastifyInstance;
  await app.register(formbody);
  // Only routes that opt in (config.rateLimit) are limited: the public consent routes.
  await app.register(rateLimit, { global: false });
  const consentLimit = {
    rateLimit: { max: options.consentRateLimitPerMinute ?? 30, timeWindow: '1 minute' },
  };
  const httpsConsole = options.publicUrl?.startsWith('https:') ?? false;
  if (options.individual)
    await app.register(individualRoutes, {
      backend: options.individual,
      csrf,
      publicUrl: (req) => options.publicUrl ?? `${req.protocol}://${req.headers.host ?? ''}`,
    });

  app.addHook('onSend', async (_req, reply) => {
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    // The callback URL carries the one-time state: never leak it through Referer.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
  });

  const render = (reply: FastifyReply, template: string, context: Record<string, unknown>, status = 200) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(templates.render(template, { phaseText: PHASE_TEXT, staff: staffOf(reply.request), ...context }));

  /** An error page; `backTo` (a tenant id) adds the next step every tenant error offers: a link back to its page. */
  const errorPage = (
    reply: FastifyReply,
    status: number,
    title: string,
    message: string,
    steps: string[] = [],
    backTo?: string,
  ) =>
    render(
      reply,
      'error.njk',
      {
        title,
        message,
        steps,
        status,
        ...(backTo ? { backTo: `/tenants/${encodeURIComponent(backTo)}` } : {}),
      },
      status,
    );

  const backendFailure = (reply: FastifyReply, err: unknown, what: string, tenantId?: string) => {
    if (err instanceof BackendError) {
      if (err.kind === 'notFound') return errorPage(reply, 404, 'Not found', err.message, [], tenantId);
      if (err.kind === 'rejected')
        return errorPage(reply, 400, `Could not ${what}`, err.message, [], tenantId);
      if (err.kind === 'configuration') {
        return errorPage(
          reply,
          503,
          'The console is misconfigured',
          err.message,
          [
            'Give the console the same TOGETHER_CODEC_KEY / TEMPORAL_* settings as the worker, then restart it.',
          ],
          tenantId,
        );
      }
      return errorPage(
        reply,
        503,
        'Temporal is unreachable',
        err.message,
        [
          'Check that the Temporal server and a worker are running (npm run demo -- --keep-running, or together-o365 worker).',
        ],
        tenantId,
      );
    }
    reply.log.error({ err }, `console: ${what} failed`);
    return errorPage(
      reply,
      500,
      `Could not ${what}`,
      'An unexpected error occurred; see the console log.',
      [],
      tenantId,
    );
  };

  /** Ensures the CSRF cookie exists; returns the form token for it. */
  const csrfToken = (req: FastifyRequest, reply: FastifyReply): string => {
    let value = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!value || !/^[A-Za-z0-9_-]{16,64}$/.test(value)) {
      value = csrf.newCookieValue();
      // Secure over https (directly or behind a TLS-terminating proxy that says so), so the cookie never
      // travels in clear text; plain http on loopback keeps working for the local console.
      const secure = httpsConsole || req.protocol === 'https' ? '; Secure' : '';
      reply.header('set-cookie', `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}`);
    }
    return csrf.tokenFor(value);
  };

  const checkCsrf = (req: FastifyRequest): boolean => {
    if (!requestOriginAllowed(req, options.publicUrl)) return false;
    const body = (req.body ?? {}) as Record<string, unknown>;
    return csrf.verify(parseCookies(req.headers.cookie)[CSRF_COOKIE], body[CSRF_FIELD]);
  };

  const tenantParam = (value: unknown): string | undefined =>
    typeof value === 'string' && TENANT_PATTERN.test(value) ? value : undefined;

  await registerStaffAuth(app, options.auth ?? { mode: 'off' }, { render, baseUrl: options.publicUrl });

  app.get('/assets/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(STYLE));
  app.get('/healthz', async () => ({ ok: true }));
  // Browsers ask for it on every page: an empty answer instead of a 404 page (and a 404 log line) each time.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());

  app.get('/', async (_req, reply) => {
    try {
      const tenants = await backend.listTenants();
      // Individual mode: tenants with a connections sweep are marked; one without an onboarding gets its own row.
      const individual = (await backend.listConnectionTenants?.().catch(() => [])) ?? [];
      const known = new Set(tenants.map((t) => t.tenantId));
      return render(reply, 'index.njk', {
        tenants,
        individual,
        individualOnly: individual.filter((id) => !known.has(id)),
      });
    } catch (err) {
      return backendFailure(reply, err, 'list tenants');
    }
  });

  app.get<{ Params: { tenantId: string }; Querystring: { notice?: string } }>(
    '/tenants/:tenantId',
    async (req, reply) => {
      const tenantId = tenantParam(req.params.tenantId);
      if (!tenantId)
        return errorPage(
          reply,
          400,
          'Bad tenant id',
          'A tenant id is a GUID such as 00000000-0000-0000-0000-000000000000.',
        );
      try {
        // The one derived state (contracts/tenant-state.ts) comes first; the sources are shown below it.
        const view = await backend.getTenant(tenantId);
        // Individual mode: the owner's view from the connections sweep; a sweep that does not answer hides only it.
        const individualState = (await backend.getConnections?.(tenantId).catch(() => null)) ?? null;
        const connections = individualState ? connectionsView(individualState) : undefined;
        if (!view && connections) return render(reply, 'individual-tenant.njk', { tenantId, connections });
        if (!view) {
          return errorPage(
            reply,
            404,
            'No onboarding for this tenant',
            `There is no onboarding for tenant ${tenantId}.`,
            [`Start one with: together-o365 onboard --tenant ${tenantId} --owner <email>`],
          );
        }
        const { status, state } = view;
        if (!status) {
          return render(
            reply,
            'error.njk',
            {
              title: `Tenant ${tenantId}: ${state.title}`,
              message: state.reason ?? state.title,
              steps: state.next ? [state.next] : [],
              status: state.state === 'unknown' ? 503 : 200,
              tenantState: state,
            },
            state.state === 'unknown' ? 503 : 200,
          );
        }
        const notice =
          req.query.notice === 'retested'
            ? 'The sample test ran again; the report below is the new one.'
            : req.query.notice === 'saved'
              ? 'Settings saved.'
              : req.query.notice === 'accepted'
                ? 'Report accepted: the integration is active; accepted exceptions no longer count in health checks.'
                : undefined;
        return renderTenantPage(req, reply, { ...view, status }, { notice, connections });
      } catch (err) {
        return backendFailure(reply, err, 'load the tenant status');
      }
    },
  );

  /**
   * The tenant page. A form whose input is refused re-renders it (HTTP 400) with every problem at once and the
   * values the user typed, rather than a generic error page that loses them (issue 11 point 9).
   */
  const renderTenantPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    view: TenantView & { status: OnboardingStatus },
    page: {
      notice?: string;
      code?: number;
      settingsForm?: SettingsFormState;
      acceptForm?: AcceptFormState;
      connections?: ReturnType<typeof connectionsView>;
    },
  ) => {
    const { status, monitor, state } = view;
    const tenantId = status.tenantId;
    const report = status.lastReport;
    const unreachable = unreachableRows(report?.inaccessible);
    const chart = renderHealthChart(monitor?.history ?? [], { threshold: status.settings.threshold });
    return render(
      reply,
      'status.njk',
      {
        status,
        tenantState: state,
        monitor,
        report,
        unreachable,
        teamsLine: report?.teams ? teamsLinksLine(report.teams) : undefined,
        sinceAccepted: diffSinceAccepted(status.review, report),
        reportNewerThanHealth: reportNewerThanMonitor(report, monitor),
        acceptedKept: ACCEPTED_UNREACHABLE_KEPT,
        chart: new nunjucks.runtime.SafeString(chart),
        csrfField: CSRF_FIELD,
        csrfToken: csrfToken(req, reply),
        notice: page.notice,
        tenantId,
        connections: page.connections,
        canRetest: status.phase === 'active' || status.phase === 'failing',
        canAccept: status.review?.state === 'pending' && !!status.lastReport,
        // A scoped tenant gets no consent link (see /consent/start).
        consentLink: status.mailboxScope
          ? undefined
          : `/consent/start?tenant=${encodeURIComponent(tenantId)}`,
        settingsForm: page.settingsForm ?? settingsFormOf(status.settings),
        acceptForm: page.acceptForm ?? { values: { guests: false, accounts: '' }, errors: [] },
        formError: !!(page.settingsForm?.errors.length || page.acceptForm?.errors.length),
      },
      page.code ?? 200,
    );
  };

  /** The checks every tenant form shares: a GUID tenant id and a valid CSRF token; sends the error page. */
  const refuseForm = (reply: FastifyReply, tenantId: string | undefined, csrfOk: boolean) => {
    if (!tenantId) return errorPage(reply, 400, 'Bad tenant id', 'A tenant id is a GUID.');
    if (!csrfOk) {
      return errorPage(
        reply,
        403,
        'Form expired',
        'This form could not be verified (missing or invalid CSRF token).',
        ['Go back to the tenant page, reload it, and submit the form again.'],
        tenantId,
      );
    }
    return undefined;
  };

  app.post<{ Params: { tenantId: string } }>('/tenants/:tenantId/retest', async (req, reply) => {
    const tenantId = tenantParam(req.params.tenantId);
    const refusal = refuseForm(reply, tenantId, checkCsrf(req));
    if (refusal || !tenantId) return refusal;
    try {
      await backend.retest(tenantId);
      return reply.redirect(`/tenants/${encodeURIComponent(tenantId)}?notice=retested`, 303);
    } catch (err) {
      return backendFailure(reply, err, 're-run the sample test', tenantId);
    }
  });

  /** The owner's "Done" on the first report, with optional accepted exceptions (guests; listed accounts). */
  app.post<{ Params: { tenantId: string } }>('/tenants/:tenantId/accept', async (req, reply) => {
    const tenantId = tenantParam(req.params.tenantId);
    const refusal = refuseForm(reply, tenantId, checkCsrf(req));
    if (refusal || !tenantId) return refusal;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const raw = typeof body.accounts === 'string' ? body.accounts : '';
    const guests = body.guests === 'on' || body.guests === 'true';
    const accounts = raw
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = accounts.filter((a) => !EMAIL.test(a) && !GUID.test(a));
    const acceptForm = (errors: string[]): AcceptFormState => ({ values: { guests, accounts: raw }, errors });
    if (bad.length) {
      // Every bad entry at once, on the same form with what was typed (not a page that loses it).
      const errors = bad.map(
        (a) => `'${a}' is not a user principal name (name@domain) or an object id (GUID).`,
      );
      return refusedForm(req, reply, tenantId, 'accept the report', { acceptForm: acceptForm(errors) });
    }
    try {
      await backend.acceptReport(tenantId, {
        ...(guests ? { guests: true } : {}),
        ...(accounts.length ? { accounts } : {}),
      });
      return reply.redirect(`/tenants/${encodeURIComponent(tenantId)}?notice=accepted`, 303);
    } catch (err) {
      if (err instanceof BackendError && err.kind === 'rejected')
        return refusedForm(req, reply, tenantId, 'accept the report', {
          acceptForm: acceptForm([err.message]),
        });
      return backendFailure(reply, err, 'accept the report', tenantId);
    }
  });

  app.post<{ Params: { tenantId: string } }>('/tenants/:tenantId/settings', async (req, reply) => {
    const tenantId = tenantParam(req.params.tenantId);
    const refusal = refuseForm(reply, tenantId, checkCsrf(req));
    if (refusal || !tenantId) return refusal;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = parseSettingsForm(body);
    const settingsForm = (errors: string[]): SettingsFormState => ({
      values: settingsFormValues(body),
      errors,
    });
    if ('error' in parsed)
      return refusedForm(req, reply, tenantId, 'save the settings', {
        settingsForm: settingsForm(parsed.errors),
      });
    try {
      await backend.updateSettings(tenantId, parsed.settings);
      return reply.redirect(`/tenants/${encodeURIComponent(tenantId)}?notice=saved`, 303);
    } catch (err) {
      if (err instanceof BackendError && err.kind === 'rejected')
        return refusedForm(req, reply, tenantId, 'save the settings', {
          settingsForm: settingsForm([err.message]),
        });
      return backendFailure(reply, err, 'save the settings', tenantId);
    }
  });

  /**
   * A refused form: the tenant page again, HTTP 400, with the form's problems and typed values. When the page
   * itself cannot be loaded, an error page listing the problems, with the link back to the tenant.
   */
  const refusedForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    tenantId: string,
    what: string,
    forms: { settingsForm?: SettingsFormState; acceptForm?: AcceptFormState },
  ) => {
    const problems = [...(forms.settingsForm?.errors ?? []), ...(forms.acceptForm?.errors ?? [])];
    // The page is shown again when it can be loaded; otherwise the problems on an error page (below).
    const view = await backend.getTenant(tenantId).catch(() => null);
    const individualState = (await backend.getConnections?.(tenantId).catch(() => null)) ?? null;
    const connections = individualState ? connectionsView(individualState) : undefined;
    if (view?.status)
      return renderTenantPage(
        req,
        reply,
        { ...view, status: view.status },
        {
          ...forms,
          connections,
          code: 400,
        },
      );
    return errorPage(reply, 400, `Could not ${what}`, problems.join(' '), [], tenantId);
  };

  app.get<{ Querystring: { tenant?: string } }>(
    '/consent/start',
    { config: consentLimit },
    async (req, reply) => {
      const tenantId = tenantParam(req.query.tenant);
      if (!tenantId) {
        return errorPage(
          reply,
          400,
          'Which tenant?',
          'This link needs a tenant parameter (the tenant id, a GUID).',
          ['Use the consent link the integration team gave you, or /consent/start?tenant=<tenant id>.'],
        );
      }
      let status: OnboardingStatus | null;
      try {
        status = await backend.getStatus(tenantId);
      } catch (err) {
        return backendFailure(reply, err, 'start consent');
      }
      if (!status) {
        return errorPage(
          reply,
          404,
          'No onboarding for this tenant',
          `There is no onboarding in progress for tenant ${tenantId}.`,
          [
            `Ask your Together contact to start one (together-o365 onboard --tenant ${tenantId} --owner <email>), then open this link again.`,
          ],
        );
      }
      if (status.mailboxScope) {
        // The /.default consent link grants every permission the app requests tenant-wide, Calendars.ReadWrite
        // included, which would undo the Exchange scope (DESIGN.md "Scoping truth"): never serve it here.
        return errorPage(
          reply,
          409,
          'This tenant is scoped: no consent link',
          `Tenant ${tenantId} limits Together to the mailboxes of ${status.mailboxScope.group} with Exchange Online RBAC for Applications. ` +
            'Granting admin consent here would give calendar access to every mailbox.',
          [
            'An Exchange administrator runs the scoping script from the tenant stack (pulumi stack output exchangeScopingScript): ' +
              'New-ManagementScope -RecipientRestrictionFilter "MemberOfGroup -eq \'<group DN>\'" and ' +
              'New-ManagementRoleAssignment -App <app id> -Role "Application Calendars.ReadWrite" -CustomResourceScope <scope>.',
            "Entra keeps only User.ReadBasic.All (granted by 'pulumi up'); Together finds the access by itself within minutes to 2 hours.",
          ],
        );
      }
      if (status.phase === 'expired') {
        return errorPage(
          reply,
          409,
          'This onboarding has expired',
          'The wait for consent ended before consent arrived.',
          [
            `Start the onboarding again (together-o365 onboard --tenant ${tenantId} …), then open this link again.`,
          ],
        );
      }
      let target: URL;
      try {
        target = new URL(status.consentUrl);
      } catch {
        return errorPage(reply, 500, 'No consent address', 'The onboarding has no valid admin consent URL.');
      }
      // The state stays here (hashed, bounded per tenant): a page view adds nothing to workflow history.
      const issued = states.issue(tenantId);
      target.searchParams.set('state', issued.state);
      req.log.info({ tenantId, expiresAt: issued.expiresAt }, 'consent started');
      return reply.redirect(target.toString(), 302);
    },
  );

  app.get<{
    Querystring: {
      admin_consent?: string;
      tenant?: string;
      scope?: string;
      state?: string;
      error?: string;
      error_description?: string;
    };
  }>('/consent/callback', { config: consentLimit }, async (req, reply) => {
    const q = req.query;
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const state = one(q.state);
    const claimedTenant = one(q.tenant);
    const error = one(q.error);
    const errorDescription = one(q.error_description)?.slice(0, 2000);
    const check = states.check(state, claimedTenant);
    const rejected = (reason: string, code: string) => {
      const steps = ['Open the consent link from the beginning (it creates a fresh, one-time link).'];
      if (error)
        steps.push(
          `Microsoft Entra also reported: ${error}${errorDescription ? ` — ${errorDescription}` : ''}`,
        );
      return render(reply, 'consent-rejected.njk', { reason, code, steps }, 400);
    };
    if (!check.ok) {
      // A state presented once is spent, whatever else was wrong (e.g. a forged tenant): it cannot be replayed.
      if (check.stateHash) states.consume(check.stateHash);
      req.log.warn({ reason: check.reason, claimedTenant }, 'consent callback rejected');
      return rejected(STATE_REJECTIONS[check.reason], check.reason);
    }
    const tenantId = check.record.tenantId;
    states.consume(check.stateHash);
    const adminConsent = !error && one(q.admin_consent)?.toLowerCase() === 'true';
    let outcome: Awaited<ReturnType<typeof backend.acceptConsentCallback>> | undefined;
    try {
      outcome = await backend.acceptConsentCallback(tenantId, {
        stateHash: check.stateHash,
        ...(claimedTenant !== undefined ? { tenant: claimedTenant } : {}),
        adminConsent,
        ...(error ? { error, errorDescription } : {}),
      });
    } catch (err) {
      if (err instanceof BackendError && err.kind === 'rejected') {
        req.log.warn({ tenantId, reason: err.message }, 'consent callback refused by the onboarding');
        return rejected(err.message, 'refusedByOnboarding');
      }
      req.log.error({ err, tenantId }, 'could not deliver the consent callback to the onboarding');
      return backendFailure(reply, err, 'record the consent');
    }
    req.log.info({ tenantId, adminConsent, error }, 'consent callback accepted');
    if (error) {
      const advice = adviseConsentError(error, errorDescription);
      return render(reply, 'consent-error.njk', {
        tenantId,
        advice,
        error,
        errorDescription,
        retryLink: `/consent/start?tenant=${encodeURIComponent(tenantId)}`,
      });
    }
    if (!adminConsent) {
      return render(
        reply,
        'consent-rejected.njk',
        {
          reason: 'The response did not say that admin consent was granted.',
          code: 'noConsent',
          steps: ['Open the consent link again and choose Accept.'],
        },
        400,
      );
    }
    return render(reply, 'consent-done.njk', {
      tenantId,
      signalled: true,
      ...(outcome?.verification ? { verification: outcome.verification } : {}),
      statusLink: `/tenants/${encodeURIComponent(tenantId)}`,
    });
  });

  app.setNotFoundHandler((_req, reply) =>
    errorPage(reply, 404, 'Not found', 'There is no page at this address.'),
  );
  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
    // A misconfigured console (e.g. encrypted workflows without TOGETHER_CODEC_KEY): say so, not "HTTP 500".
    if (err instanceof BackendError && err.kind === 'configuration')
      return backendFailure(reply, err, 'load');
    if (errorKind(err) === 'configuration') {
      return backendFailure(reply, new BackendError('configuration', String(err.message)), 'load');
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'console error');
    return errorPage(
      reply,
      status,
      status === 500 ? 'Something went wrong' : 'Bad request',
      status === 500 ? 'See the console log.' : String(err.message),
    );
  });
  return app;
}

/** Reads the settings form: blank fields are left unchanged; threshold is entered in percent. */
export function parseSettingsForm(
  body: Record<string, unknown>,
): { settings: Partial<TenantSettings> } | { error: string; errors: string[] } {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
  const settings: Partial<TenantSettings> = {};
  const errors: string[] = [];
  const owner = str('owner');
  if (owner) {
    if (!EMAIL.test(owner)) errors.push(`Integration owner: '${owner}' is not an email address.`);
    else settings.owner = owner;
  }
  const ints: [string, 'sampleSize' | 'scheduleIntervalMinutes', string][] = [
    ['sampleSize', 'sampleSize', 'Users per sample test'],
    ['scheduleIntervalMinutes', 'scheduleIntervalMinutes', 'Minutes between health checks'],
  ];
  for (const [field, key, label] of ints) {
    const v = str(field);
    if (!v) continue;
    if (!/^\d+$/.test(v)) errors.push(`${label} must be a whole number (got '${v}').`);
    else {
      const problem = settingsProblems({ [key]: Number(v) })[0];
      if (problem) errors.push(`${label}: ${problem}.`);
      else settings[key] = Number(v);
    }
  }
  const threshold = str('thresholdPercent');
  if (threshold) {
    const t = Number(threshold);
    if (!Number.isFinite(t) || t <= 0 || t > 100)
      errors.push(`Pass threshold must be a percentage greater than 0 and at most 100 (got '${threshold}').`);
    else settings.threshold = t / 100;
  }
  if (errors.length === 0 && Object.keys(settings).length === 0)
    errors.push('Nothing to change: fill in at least one field.');
  return errors.length ? { error: errors.join(' '), errors } : { settings };
}

/** The settings form's values: what the user typed (kept on a refused form) or the tenant's current settings. */
export interface SettingsFormState {
  values: { owner: string; sampleSize: string; thresholdPercent: string; scheduleIntervalMinutes: string };
  errors: string[];
}

/** The Done form's values: the guests box and the accounts as typed. */
export interface AcceptFormState {
  values: { guests: boolean; accounts: string };
  errors: string[];
}

function settingsFormValues(body: Record<string, unknown>): SettingsFormState['values'] {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  return {
    owner: str('owner'),
    sampleSize: str('sampleSize'),
    thresholdPercent: str('thresholdPercent'),
    scheduleIntervalMinutes: str('scheduleIntervalMinutes'),
  };
}

function settingsFormOf(settings: TenantSettings): SettingsFormState {
  return {
    values: {
      owner: settings.owner,
      sampleSize: String(settings.sampleSize),
      thresholdPercent: String(Math.round(settings.threshold * 1000) / 10),
      scheduleIntervalMinutes: String(settings.scheduleIntervalMinutes),
    },
    errors: [],
  };
}

/** Listens on host:port (loopback by default) and returns its URL. */
export async function startConsole(
  options: ConsoleOptions & { host?: string; port?: number },
): Promise<RunningConsole> {
  const host = options.host ?? DEFAULT_CONSOLE_HOST;
  const port = options.port ?? DEFAULT_CONSOLE_PORT;
  const app = await buildConsole(options);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new ConsolePortError(
        `Port ${port} on ${host} is already in use, so the console cannot start. Stop whatever listens there ` +
          `(another console or demo?), or choose another port with --port (then register ` +
          `http://${host}:<port>/consent/callback as a redirect URI of the app).`,
      );
    }
    throw err;
  }
  const address = app.server.address() as net.AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return { app, url, host, port: address.port, close: () => app.close() };
}

export class ConsolePortError extends ConfigError {
  override name = 'ConsolePortError';
}
