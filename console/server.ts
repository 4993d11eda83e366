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
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import type { Logger } from 'pino';
import type { OnboardingStatus, TenantSettings } from '../contracts/messages';
import { BackendError, type ConsoleBackend } from './backend';
import { renderHealthChart } from './chart';
import { CSRF_COOKIE, CSRF_FIELD, type Csrf, parseCookies } from './csrf';
import { adviseConsentError } from './entra-errors';
import { describeInaccessible } from '../contracts/reason-labels';
import { type ConsentStateStore, type StateCheck } from './state-store';
import { ConfigError } from '../contracts/errors';
import { EMAIL } from '../contracts/validation';
import { PHASE_TEXT } from '../contracts/texts';
import type { IndividualConsoleBackend } from '../contracts/individual';
import { individualRoutes } from './individual/routes';
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
#unreachable{table-layout:fixed;font-size:14px}#unreachable .c-account{width:34%}#unreachable .c-reason{width:16%}#unreachable .c-code{width:20%}
.health-chart{max-width:100%;height:auto}th{background:#f6f8fa}
.phase{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;background:#ddf4ff;color:#0969da}
.phase-active{background:#dafbe1;color:#1a7f37}.phase-failing,.phase-expired{background:#ffebe9;color:#cf222e}
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
    bodyLimit: 64 * 1024,
  }) as unknown as FastifyInstance;
  await app.register(formbody);
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

  const errorPage = (
    reply: FastifyReply,
    status: number,
    title: string,
    message: string,
    steps: string[] = [],
  ) => render(reply, 'error.njk', { title, message, steps, status }, status);

  const backendFailure = (reply: FastifyReply, err: unknown, what: string) => {
    if (err instanceof BackendError) {
      if (err.kind === 'notFound') return errorPage(reply, 404, 'Not found', err.message);
      if (err.kind === 'rejected') return errorPage(reply, 400, `Could not ${what}`, err.message);
      return errorPage(reply, 503, 'Temporal is unreachable', err.message, [
        'Check that the Temporal server and a worker are running (npm run demo -- --keep-running, or together-o365 worker).',
      ]);
    }
    reply.log.error({ err }, `console: ${what} failed`);
    return errorPage(reply, 500, `Could not ${what}`, 'An unexpected error occurred; see the console log.');
  };

  /** Ensures the CSRF cookie exists; returns the form token for it. */
  const csrfToken = (req: FastifyRequest, reply: FastifyReply): string => {
    let value = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!value || !/^[A-Za-z0-9_-]{16,64}$/.test(value)) {
      value = csrf.newCookieValue();
      reply.header('set-cookie', `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict`);
    }
    return csrf.tokenFor(value);
  };

  const checkCsrf = (req: FastifyRequest): boolean => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return csrf.verify(parseCookies(req.headers.cookie)[CSRF_COOKIE], body[CSRF_FIELD]);
  };

  const tenantParam = (value: unknown): string | undefined =>
    typeof value === 'string' && TENANT_PATTERN.test(value) ? value : undefined;

  await registerStaffAuth(app, options.auth ?? { mode: 'off' }, { render, baseUrl: options.publicUrl });

  app.get('/assets/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(STYLE));
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/', async (_req, reply) => {
    try {
      const tenants = await backend.listTenants();
      return render(reply, 'index.njk', { tenants });
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
        const status = await backend.getStatus(tenantId);
        if (!status) {
          return errorPage(
            reply,
            404,
            'No onboarding for this tenant',
            `There is no onboarding for tenant ${tenantId}.`,
            [`Start one with: together-o365 onboard --tenant ${tenantId} --owner <email>`],
          );
        }
        const monitor = await backend.getMonitorState(tenantId).catch(() => null);
        const report = status.lastReport;
        const unreachable = (report?.inaccessible ?? [])
          .map((u) => ({ ...u, text: describeInaccessible(u) }))
          .sort((a, b) => a.text.label.localeCompare(b.text.label));
        const chart = renderHealthChart(monitor?.history ?? [], { threshold: status.settings.threshold });
        const notice =
          req.query.notice === 'retested'
            ? 'The sample test ran again; the report below is the new one.'
            : req.query.notice === 'saved'
              ? 'Settings saved.'
              : undefined;
        return render(reply, 'status.njk', {
          status,
          monitor,
          report,
          unreachable,
          chart: new nunjucks.runtime.SafeString(chart),
          csrfField: CSRF_FIELD,
          csrfToken: csrfToken(req, reply),
          notice,
          canRetest: status.phase === 'active' || status.phase === 'failing',
          consentLink: `/consent/start?tenant=${encodeURIComponent(tenantId)}`,
        });
      } catch (err) {
        return backendFailure(reply, err, 'load the tenant status');
      }
    },
  );

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
      return backendFailure(reply, err, 're-run the sample test');
    }
  });

  app.post<{ Params: { tenantId: string } }>('/tenants/:tenantId/settings', async (req, reply) => {
    const tenantId = tenantParam(req.params.tenantId);
    const refusal = refuseForm(reply, tenantId, checkCsrf(req));
    if (refusal || !tenantId) return refusal;
    const parsed = parseSettingsForm((req.body ?? {}) as Record<string, unknown>);
    if ('error' in parsed) return errorPage(reply, 400, 'Could not save the settings', parsed.error);
    try {
      await backend.updateSettings(tenantId, parsed.settings);
      return reply.redirect(`/tenants/${encodeURIComponent(tenantId)}?notice=saved`, 303);
    } catch (err) {
      return backendFailure(reply, err, 'save the settings');
    }
  });

  app.get<{ Querystring: { tenant?: string } }>('/consent/start', async (req, reply) => {
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
    const issued = states.issue(tenantId);
    try {
      await backend.registerConsentState(tenantId, {
        stateHash: issued.stateHash,
        expiresAt: issued.expiresAt,
      });
    } catch (err) {
      states.discard(issued.stateHash);
      return backendFailure(reply, err, 'start consent');
    }
    target.searchParams.set('state', issued.state);
    req.log.info({ tenantId, expiresAt: issued.expiresAt }, 'consent started');
    return reply.redirect(target.toString(), 302);
  });

  app.get<{
    Querystring: {
      admin_consent?: string;
      tenant?: string;
      scope?: string;
      state?: string;
      error?: string;
      error_description?: string;
    };
  }>('/consent/callback', async (req, reply) => {
    const q = req.query;
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const state = one(q.state);
    const claimedTenant = one(q.tenant);
    const error = one(q.error);
    const errorDescription = one(q.error_description)?.slice(0, 2000);
    const check = states.check(state, claimedTenant);
    if (!check.ok) {
      req.log.warn({ reason: check.reason, claimedTenant }, 'consent callback rejected');
      const steps = ['Open the consent link from the beginning (it creates a fresh, one-time link).'];
      if (error)
        steps.push(
          `Microsoft Entra also reported: ${error}${errorDescription ? ` — ${errorDescription}` : ''}`,
        );
      return render(
        reply,
        'consent-rejected.njk',
        { reason: STATE_REJECTIONS[check.reason], code: check.reason, steps },
        400,
      );
    }
    const tenantId = check.record.tenantId;
    states.consume(check.stateHash);
    const adminConsent = !error && one(q.admin_consent)?.toLowerCase() === 'true';
    let signalled = true;
    try {
      await backend.deliverConsentCallback(tenantId, {
        stateHash: check.stateHash,
        tenant: claimedTenant,
        adminConsent,
        ...(error ? { error, errorDescription } : {}),
      });
    } catch (err) {
      signalled = false;
      req.log.error({ err, tenantId }, 'could not signal the onboarding workflow');
    }
    req.log.info({ tenantId, adminConsent, error, signalled }, 'consent callback accepted');
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
      signalled,
      statusLink: `/tenants/${encodeURIComponent(tenantId)}`,
    });
  });

  app.setNotFoundHandler((_req, reply) =>
    errorPage(reply, 404, 'Not found', 'There is no page at this address.'),
  );
  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
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
): { settings: Partial<TenantSettings> } | { error: string } {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '');
  const settings: Partial<TenantSettings> = {};
  const owner = str('owner');
  if (owner) {
    if (!EMAIL.test(owner)) return { error: `'${owner}' is not an email address.` };
    settings.owner = owner;
  }
  const ints: [string, 'sampleSize' | 'scheduleIntervalMinutes'][] = [
    ['sampleSize', 'sampleSize'],
    ['scheduleIntervalMinutes', 'scheduleIntervalMinutes'],
  ];
  for (const [field, key] of ints) {
    const v = str(field);
    if (!v) continue;
    if (!/^\d+$/.test(v)) return { error: `${field} must be a whole number (got '${v}').` };
    settings[key] = Number(v);
  }
  const threshold = str('thresholdPercent');
  if (threshold) {
    const t = Number(threshold);
    if (!Number.isFinite(t) || t < 0 || t > 100)
      return { error: `The threshold must be a percentage from 0 to 100 (got '${threshold}').` };
    settings.threshold = t / 100;
  }
  if (Object.keys(settings).length === 0) return { error: 'Nothing to change: fill in at least one field.' };
  return { settings };
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
