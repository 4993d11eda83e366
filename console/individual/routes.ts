/**
 * Individual mode's pages (a fastify plugin; server.ts registers it when an IndividualConsoleBackend is given):
 *
 *   GET  /connect?tenant=           "Connect your Outlook calendar": what Together will access, and a button
 *   GET  /connect/start?tenant=     one-time state + PKCE (S256) kept server-side, redirect to Entra's authorize URL
 *   GET  /connect/callback          Entra's redirect: validate and consume the state; code → tokens → calendar call;
 *                                   or explain an error (admin approval required, declined, other)
 *   GET  /connect/me                the signed-in user's connection (signed session cookie)
 *   POST /connect/disconnect        CSRF-checked: delete the tokens and the connection
 *
 * The code verifier never leaves the server; state is single-use and expires in 10 minutes; tokens never reach
 * the browser (the session cookie names the connection only, HMAC-signed).
 * Authorization code flow with PKCE: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import { BROKEN_TEXT, ConnectFailure, type IndividualConsoleBackend } from '../../contracts/individual';
import { CSRF_COOKIE, CSRF_FIELD, parseCookies, type Csrf } from '../csrf';

export const SESSION_COOKIE = 'together_conn';
const STATE_TTL_MS = 10 * 60_000;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/;

export interface IndividualRoutesOptions {
  backend: IndividualConsoleBackend;
  csrf: Csrf;
  /** Absolute base URL of the console (the redirect URI is `<publicUrl>/connect/callback`). */
  publicUrl: (req: FastifyRequest) => string;
  /** Signs the session cookie; default a random key per process (users sign in again after a restart). */
  sessionKey?: Buffer;
  now?: () => number;
}

interface PendingConnect {
  tenantId: string;
  verifier: string;
  expiresAt: number;
}

/** AADSTS codes that mean "your admin must approve this app first" (user consent not allowed for it). */
const ADMIN_APPROVAL = new Set(['65001', '90094', '90095']);

export async function individualRoutes(app: FastifyInstance, opts: IndividualRoutesOptions): Promise<void> {
  const { backend, csrf } = opts;
  const now = opts.now ?? Date.now;
  const key = opts.sessionKey ?? randomBytes(32);
  const pending = new Map<string, PendingConnect>();
  const templates = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(path.join(__dirname, '..', 'templates')),
    { autoescape: true, throwOnUndefined: false },
  );
  const render = (reply: FastifyReply, template: string, ctx: Record<string, unknown>, status = 200) =>
    reply.code(status).type('text/html; charset=utf-8').send(templates.render(template, ctx));
  const redirectUri = (req: FastifyRequest) => `${opts.publicUrl(req).replace(/\/+$/, '')}/connect/callback`;

  const sign = (payload: string) => createHmac('sha256', key).update(`conn:${payload}`).digest('base64url');
  const readSession = (req: FastifyRequest): { tenantId: string; connectionId: string } | undefined => {
    const raw = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const [payload, sig] = (raw ?? '').split('.');
    if (!payload || !sig) return undefined;
    const a = Buffer.from(sign(payload));
    const b = Buffer.from(sig);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        tenantId: string;
        connectionId: string;
      };
    } catch {
      return undefined;
    }
  };
  const csrfToken = (req: FastifyRequest, reply: FastifyReply): string => {
    let value = parseCookies(req.headers.cookie)[CSRF_COOKIE];
    if (!value || !/^[A-Za-z0-9_-]{16,64}$/.test(value)) {
      value = csrf.newCookieValue();
      reply.header('set-cookie', `${CSRF_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict`);
    }
    return csrf.tokenFor(value);
  };
  const sweepExpired = () => {
    for (const [k, v] of pending) if (v.expiresAt < now()) pending.delete(k);
  };

  app.get<{ Querystring: { tenant?: string } }>('/connect', async (req, reply) => {
    const tenantId = req.query.tenant;
    if (!tenantId || !TENANT.test(tenantId)) {
      return render(
        reply,
        'connect-error.njk',
        {
          title: 'This connect link is incomplete',
          message:
            'The link has no organisation (tenant) in it. Use the link from your invitation email or from Together.',
        },
        400,
      );
    }
    return render(reply, 'connect.njk', { tenantId });
  });

  app.get<{ Querystring: { tenant?: string; login_hint?: string } }>('/connect/start', async (req, reply) => {
    const tenantId = req.query.tenant;
    if (!tenantId || !TENANT.test(tenantId)) return reply.redirect('/connect', 302);
    sweepExpired();
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    pending.set(state, { tenantId, verifier, expiresAt: now() + STATE_TTL_MS });
    const hint =
      typeof req.query.login_hint === 'string' && req.query.login_hint.length < 200
        ? req.query.login_hint
        : undefined;
    const url = await backend.authorizeUrl({
      tenantId,
      redirectUri: redirectUri(req),
      state,
      codeChallenge: challenge,
      ...(hint ? { loginHint: hint } : {}),
    });
    return reply.redirect(url, 302);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/connect/callback', async (req, reply) => {
    const q = req.query;
    const flow = q.state ? pending.get(q.state) : undefined;
    if (q.state) pending.delete(q.state); // one use, success or not
    if (!flow || flow.expiresAt < now()) {
      return render(
        reply,
        'connect-error.njk',
        {
          title: 'This sign-in link has expired or was already used',
          message: 'Start again from the connect page; each sign-in link works once, for 10 minutes.',
          tenantId: flow?.tenantId,
        },
        400,
      );
    }
    const tenantId = flow.tenantId;
    if (q.error) {
      const code = /AADSTS(\d+)/.exec(q.error_description ?? '')?.[1];
      if (code && ADMIN_APPROVAL.has(code)) {
        return render(reply, 'connect-admin-approval.njk', { tenantId, code: `AADSTS${code}` }, 403);
      }
      if (q.error === 'access_denied' || code === '65004') {
        return render(
          reply,
          'connect-declined.njk',
          { tenantId, code: code ? `AADSTS${code}` : q.error },
          403,
        );
      }
      return render(
        reply,
        'connect-error.njk',
        {
          title: 'Microsoft could not sign you in',
          message: `${q.error}${code ? ` (AADSTS${code})` : ''}: try again; if it keeps failing, send this code to your IT admin.`,
          tenantId,
        },
        400,
      );
    }
    if (!q.code) return reply.redirect(`/connect?tenant=${encodeURIComponent(tenantId)}`, 302);
    try {
      const r = await backend.connect({
        tenantId,
        code: q.code,
        codeVerifier: flow.verifier,
        redirectUri: redirectUri(req),
      });
      const payload = Buffer.from(JSON.stringify({ tenantId, connectionId: r.connectionId })).toString(
        'base64url',
      );
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${payload}.${sign(payload)}; Path=/connect; HttpOnly; Secure; SameSite=Lax`,
      );
      return reply.redirect('/connect/me?connected=1', 303);
    } catch (err) {
      if (err instanceof ConnectFailure || (err as Error)?.name === 'ConnectFailure') {
        const f = err as ConnectFailure;
        if (f.code && ADMIN_APPROVAL.has(f.code.replace('AADSTS', ''))) {
          return render(reply, 'connect-admin-approval.njk', { tenantId, code: f.code }, 403);
        }
        return render(
          reply,
          'connect-error.njk',
          { title: 'Your calendar was not connected', message: f.message, tenantId },
          400,
        );
      }
      req.log.error({ err: (err as Error)?.message }, 'connect failed');
      return render(
        reply,
        'connect-error.njk',
        {
          title: 'Your calendar was not connected',
          message: 'An unexpected error occurred; try again in a minute.',
          tenantId,
        },
        500,
      );
    }
  });

  app.get<{ Querystring: { connected?: string; disconnected?: string } }>(
    '/connect/me',
    async (req, reply) => {
      const s = readSession(req);
      if (req.query.disconnected) return render(reply, 'connection.njk', { disconnected: true });
      if (!s) return render(reply, 'connection.njk', { noConnection: true });
      const r = await backend.getConnection(s.tenantId, s.connectionId);
      if (!r) return render(reply, 'connection.njk', { noConnection: true, tenantId: s.tenantId });
      return render(reply, 'connection.njk', {
        connection: r,
        why: r.broken ? BROKEN_TEXT[r.broken.kind] : undefined,
        justConnected: !!req.query.connected,
        csrfField: CSRF_FIELD,
        csrfToken: csrfToken(req, reply),
      });
    },
  );

  app.post('/connect/disconnect', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!csrf.verify(parseCookies(req.headers.cookie)[CSRF_COOKIE], body[CSRF_FIELD])) {
      return render(
        reply,
        'connect-error.njk',
        {
          title: 'This form has expired',
          message: 'Reload your connection page and press Disconnect again.',
        },
        403,
      );
    }
    const s = readSession(req);
    if (!s) return reply.redirect('/connect/me', 303);
    await backend.disconnect(s.tenantId, s.connectionId);
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=; Path=/connect; HttpOnly; Secure; SameSite=Lax; Max-Age=0`,
    );
    return reply.redirect('/connect/me?disconnected=1', 303);
  });
}
