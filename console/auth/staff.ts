/**
 * Staff sign-in for the console: Entra OpenID Connect, authorization code + PKCE through
 * @azure/msal-node's ConfidentialClientApplication, gated by an app role in the id_token's `roles` claim
 * (Together.Operator, declared and assigned by the publisher stack). The session is a sealed cookie
 * (@fastify/secure-session: HttpOnly, SameSite=Lax, Secure whenever the console is served over https).
 *
 * Public (no sign-in): /consent/start and /consent/callback (the customer's admin lands there), the
 * stylesheet they use, /favicon.ico, /healthz and the /auth/* routes themselves. Everything else needs an
 * operator: a GET without a session is sent to /auth/login, any other method gets 401.
 *
 * Nothing secret is logged: not the code, the state, the tokens or the id_token (only the user's object id
 * and the outcome). The id_token is used once and the account is dropped from MSAL's cache right away.
 */
import { createHash, randomBytes, timingSafeEqual, X509Certificate, createPrivateKey } from 'node:crypto';
import secureSession from '@fastify/secure-session';
import {
  ConfidentialClientApplication,
  CryptoProvider,
  LogLevel,
  ResponseMode,
  type Configuration,
} from '@azure/msal-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_MAX_AGE_SECONDS, type StaffAuthConfig } from './config';

export interface StaffIdentity {
  oid: string;
  name: string;
  username: string;
  tenantId: string;
  /** True when sign-in is off (loopback development): nobody signed in, every page open. */
  anonymous?: boolean;
}

interface PendingSignIn {
  state: string;
  verifier: string;
  nonce: string;
  returnTo: string;
  exp: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator (undefined on public pages). */
    staff?: StaffIdentity;
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    staff: StaffIdentity & { exp: number };
    pending: PendingSignIn;
  }
}

export const SESSION_COOKIE = 'together_session';
/** Paths served without sign-in (exact), and prefixes. */
const PUBLIC_EXACT = new Set([
  '/consent/start',
  '/consent/callback',
  '/healthz',
  '/favicon.ico',
  '/assets/console.css',
  // Individual mode: end users connect their own calendar (console/individual/routes.ts has its own session).
  '/connect',
]);
const PUBLIC_PREFIX = ['/auth/', '/connect/'];

export function isPublicPath(url: string): boolean {
  const p = url.split('?')[0]!.replace(/\/+$/, '') || '/';
  return PUBLIC_EXACT.has(p) || PUBLIC_PREFIX.some((x) => p.startsWith(x));
}

/** The operator of this request, for templates (undefined on public pages: no link to the tenant index there). */
export function staffOf(req: FastifyRequest): StaffIdentity | undefined {
  return req.staff;
}

type Render = (
  reply: FastifyReply,
  template: string,
  context: Record<string, unknown>,
  status?: number,
) => unknown;

/** Only same-origin paths: a returnTo of //evil.example or https://… would make /auth/login an open redirect. */
function safeReturnTo(v: unknown): string {
  return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.includes('\\') ? v : '/';
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function msalCredential(config: Extract<StaffAuthConfig, { mode: 'entra' }>): Partial<Configuration['auth']> {
  const c = config.credential;
  if (c.kind === 'secret') return { clientSecret: c.secret };
  if (c.kind === 'certificate') {
    const cert = new X509Certificate(c.pem);
    const key = createPrivateKey(c.pem).export({ type: 'pkcs8', format: 'pem' }).toString();
    return {
      clientCertificate: {
        thumbprintSha256: createHash('sha256').update(cert.raw).digest('hex'),
        privateKey: key,
        x5c: cert.toString(),
      },
    };
  }
  // Production: the app registration trusts the App Service's user-assigned managed identity (federated
  // credential), so there is no secret anywhere — the MI's token for api://AzureADTokenExchange is the
  // client assertion (workload-identity-federation-config-app-trust-managed-identity.md).
  return {
    clientAssertion: async () => {
      const { ManagedIdentityCredential } = await import('@azure/identity');
      const t = await new ManagedIdentityCredential({ clientId: c.clientId }).getToken(
        'api://AzureADTokenExchange/.default',
      );
      return t.token;
    },
  };
}

/**
 * Wire staff sign-in into the console app (not encapsulated: its hook guards every route). `render` is the
 * console's page renderer; `baseUrl` the console's own origin when the config does not name a public URL.
 */
export async function registerStaffAuth(
  app: FastifyInstance,
  config: StaffAuthConfig,
  opts: { render: Render; baseUrl?: string },
): Promise<void> {
  app.decorateRequest('staff', undefined);
  if (config.mode === 'off') {
    app.addHook('onRequest', async (req) => {
      if (!isPublicPath(req.url))
        req.staff = { oid: '', name: 'sign-in off', username: '', tenantId: '', anonymous: true };
    });
    app.get('/auth/logout', async (_req, reply) => reply.redirect('/', 302));
    return;
  }

  const fixedBase = (config.publicUrl ?? opts.baseUrl)?.replace(/\/+$/, '');
  const base = (req: FastifyRequest) =>
    // Without a configured public URL (loopback development) the console's own Host is the origin; Entra
    // accepts only registered redirect URIs, so a forged Host cannot redirect codes elsewhere.
    fixedBase ?? `${req.protocol}://${req.headers.host ?? '127.0.0.1'}`;
  // Secure on https (production); for a plain-http loopback console (development, tests) the cookie follows
  // the request's scheme ('auto'), or browsers would drop it.
  const secure: boolean | 'auto' = fixedBase ? fixedBase.startsWith('https:') : 'auto';

  await app.register(secureSession, {
    key: config.sessionKey,
    cookieName: SESSION_COOKIE,
    expiry: SESSION_MAX_AGE_SECONDS,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_MAX_AGE_SECONDS },
  });

  const authority = `${config.authorityHost}/${config.tenantId}`;
  const microsoftHost =
    /(^|\.)login\.(microsoftonline\.com|microsoftonline\.us|partner\.microsoftonline\.cn)$/i.test(
      new URL(config.authorityHost).hostname,
    );
  const cca = new ConfidentialClientApplication({
    auth: {
      clientId: config.clientId,
      authority,
      // Any other authority (the emulator, a sovereign cloud proxy) must be named, or MSAL refuses it.
      ...(microsoftHost ? {} : { knownAuthorities: [new URL(config.authorityHost).host] }),
      ...msalCredential(config),
    },
    system: {
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
    },
  });
  const crypto = new CryptoProvider();
  const scopes = ['openid', 'profile'];

  app.addHook('onRequest', async (req, reply) => {
    if (isPublicPath(req.url)) return;
    const s = req.session.get('staff');
    if (s && s.exp > Date.now()) {
      req.staff = s;
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD')
      return reply.redirect(`/auth/login?returnTo=${encodeURIComponent(req.url)}`, 302);
    return opts.render(
      reply,
      'auth-error.njk',
      {
        title: 'Sign in first',
        message: 'This form needs a signed-in operator; your session has ended.',
        retry: '/auth/login',
      },
      401,
    );
  });

  app.get<{ Querystring: { returnTo?: string } }>('/auth/login', async (req, reply) => {
    const pkce = await crypto.generatePkceCodes();
    const pending: PendingSignIn = {
      state: randomBytes(24).toString('base64url'),
      verifier: pkce.verifier,
      nonce: randomBytes(24).toString('base64url'),
      returnTo: safeReturnTo(req.query.returnTo),
      exp: Date.now() + 10 * 60_000,
    };
    req.session.set('pending', pending);
    const url = await cca.getAuthCodeUrl({
      scopes,
      redirectUri: `${base(req)}/auth/callback`,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      responseMode: ResponseMode.QUERY,
    });
    return reply.redirect(url, 302);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/auth/callback', async (req, reply) => {
    const pending = req.session.get('pending');
    req.session.set('pending', undefined);
    const q = req.query;
    if (!pending || pending.exp < Date.now() || !q.state || !sameString(q.state, pending.state))
      return opts.render(
        reply,
        'auth-error.njk',
        {
          title: 'Sign-in expired',
          message:
            'This sign-in response does not belong to a sign-in started here in the last 10 minutes (or it was already used). Start again.',
          retry: '/auth/login',
        },
        400,
      );
    if (q.error)
      return opts.render(
        reply,
        'auth-error.njk',
        {
          title: 'Sign-in was not completed',
          message: `${q.error}: ${q.error_description ?? ''}`,
          retry: '/auth/login',
        },
        401,
      );
    if (!q.code)
      return opts.render(
        reply,
        'auth-error.njk',
        { title: 'Sign-in failed', message: 'The response had no code.', retry: '/auth/login' },
        400,
      );
    let claims: Record<string, unknown>;
    try {
      const result = await cca.acquireTokenByCode({
        code: q.code,
        scopes,
        redirectUri: `${base(req)}/auth/callback`,
        codeVerifier: pending.verifier,
        nonce: pending.nonce,
      });
      claims = (result.idTokenClaims ?? {}) as Record<string, unknown>;
      // The console needs no tokens after sign-in: drop them from MSAL's in-memory cache.
      if (result.account) await cca.getTokenCache().removeAccount(result.account);
    } catch (err) {
      const e = err as { errorCode?: string; errorMessage?: string; message?: string };
      req.log.warn({ errorCode: e.errorCode }, 'staff sign-in: code redemption failed');
      return opts.render(
        reply,
        'auth-error.njk',
        {
          title: 'Sign-in failed',
          message: `${e.errorCode ?? 'error'}: ${(e.errorMessage ?? e.message ?? '').split('\n')[0]}`,
          retry: '/auth/login',
        },
        502,
      );
    }
    const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
    const who = {
      oid: String(claims.oid ?? ''),
      name: String(claims.name ?? claims.preferred_username ?? ''),
      username: String(claims.preferred_username ?? ''),
      tenantId: String(claims.tid ?? ''),
    };
    if (
      who.tenantId.toLowerCase() !== config.tenantId.toLowerCase() ||
      !roles.includes(config.operatorRole)
    ) {
      req.log.info({ oid: who.oid, tid: who.tenantId }, 'staff sign-in refused: no operator role');
      return opts.render(
        reply,
        'auth-forbidden.njk',
        { who, role: config.operatorRole, clientId: config.clientId, tenantId: config.tenantId },
        403,
      );
    }
    req.session.set('staff', { ...who, exp: Date.now() + SESSION_MAX_AGE_SECONDS * 1000 });
    req.log.info({ oid: who.oid }, 'staff signed in');
    return reply.redirect(pending.returnTo, 302);
  });

  // End both sessions: ours (the cookie), then Entra's (end_session_endpoint), back to a public page.
  app.get('/auth/logout', async (req, reply) => {
    req.session.delete();
    const back = encodeURIComponent(`${base(req)}/auth/signed-out`);
    return reply.redirect(`${authority}/oauth2/v2.0/logout?post_logout_redirect_uri=${back}`, 302);
  });
  app.get('/auth/signed-out', async (_req, reply) =>
    opts.render(reply, 'auth-error.njk', {
      title: 'Signed out',
      message: 'You are signed out of the console.',
      retry: '/auth/login',
      retryText: 'Sign in again',
    }),
  );
}
