/**
 * GET|POST /{tenant}/oauth2/v2.0/authorize — the authorization code flow's first leg
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow): validate the request,
 * sign the user in (a fixture user, no password), ask for consent to the delegated scopes not yet granted —
 * or show "Need admin approval" when the tenant's user-consent policy does not let this user consent — and
 * send a one-time code back to the registered redirect URI (response_mode query or form_post).
 * Also GET /{tenant}/oauth2/v2.0/logout (end_session_endpoint).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DELEGATED_CONSENTING_ROLES, delegatedScope, GRAPH_APP_ID } from '../permissions';
import {
  addDelegatedGrant,
  FLOW_LIFETIME_MS,
  CODE_LIFETIME_MS,
  grantedScopes,
  signInState,
  userConsentPolicy,
  type Application,
  type AuthorizeFlow,
  type Tenant,
  type User,
} from '../state';
import { appFor, appNotFoundMessage, type LoginContext } from './common';
import { checkClientRequest, pageTemplates, sendErrorPage, sendPage, withQuery } from './pages';

/** Entra's browser session cookie is ESTSAUTH; the emulator's has its own name so it never meets a real one. */
export const SESSION_COOKIE = 'EMU_ESTSAUTH';
const GRAPH_PREFIXES = ['https://graph.microsoft.com/', `${GRAPH_APP_ID}/`];

type Params = Record<string, string | undefined>;

export class ScopeError extends Error {}

/**
 * Scopes of an authorize or token request, canonical: Graph scopes lose their resource prefix, Graph's
 * `/.default` becomes the app's configured delegated permissions, OIDC scopes stay. Unknown → ScopeError
 * (AADSTS70011 invalid_scope).
 */
export function parseDelegatedScopes(raw: string, app: Application): string[] {
  const out = new Set<string>();
  for (let s of raw.split(' ').filter(Boolean)) {
    for (const p of GRAPH_PREFIXES) if (s.toLowerCase().startsWith(p.toLowerCase())) s = s.slice(p.length);
    if (s === '.default' || s === '/.default') {
      for (const d of app.delegatedPermissions) out.add(delegatedScope(d)?.value ?? d);
      continue;
    }
    const known = delegatedScope(s);
    if (!known) throw new ScopeError(`The scope '${s}' is not valid.`);
    out.add(known.value);
  }
  return [...out];
}

function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function registerAuthorize(f: FastifyInstance, ctx: LoginContext): void {
  const S = () => ctx.state;
  const D = () => ctx.state.delegated;
  const now = () => ctx.state.now();

  const html = (reply: FastifyReply, status: number, template: string, vars: object) =>
    sendPage(reply, status, pageTemplates.render(template, vars));

  /** Answer the client at its redirect URI, in the response mode it asked for. */
  const respond = (
    reply: FastifyReply,
    flow: Pick<AuthorizeFlow, 'redirectUri' | 'responseMode'>,
    params: Params,
  ) => {
    if (flow.responseMode === 'form_post') {
      const fields = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
      return html(reply, 200, 'formpost.njk', { action: flow.redirectUri, fields });
    }
    return reply.redirect(withQuery(flow.redirectUri, params), 302);
  };
  const errorRedirect = (
    reply: FastifyReply,
    flow: Pick<AuthorizeFlow, 'redirectUri' | 'responseMode' | 'state'>,
    error: string,
    aadsts: number,
    description: string,
    extra: Params = {},
  ) =>
    respond(reply, flow, {
      error,
      error_description: `AADSTS${aadsts}: ${description}`,
      error_uri: `${ctx.origin()}/error?code=${aadsts}`,
      ...extra,
      state: flow.state,
    });

  const action = (flow: AuthorizeFlow) => `/${flow.tenantSegment}/oauth2/v2.0/authorize`;

  const signInPage = (reply: FastifyReply, flow: AuthorizeFlow, problem?: string, status = 200) => {
    const app = S().findApp(flow.clientId)!;
    const tenants = flow.tenantId ? [S().findTenant(flow.tenantId)!] : [...S().tenants.values()];
    // Offer the fixture's named users (not the generated thousands) as suggestions.
    const users = tenants.flatMap((t) => t.users.slice(0, 30));
    return html(reply, status, 'signin.njk', {
      app,
      flow: flow.id,
      action: action(flow),
      loginHint: flow.loginHint ?? '',
      users,
      problem,
    });
  };

  /** A sign-in session still good for this tenant, or why not. */
  const sessionFor = (req: FastifyRequest, flow: AuthorizeFlow) => {
    const id = readCookie(req, SESSION_COOKIE);
    const s = id ? D().sessions.get(id) : undefined;
    if (!s) return undefined;
    if (flow.tenantId && s.tenantId !== flow.tenantId) return undefined;
    const tenant = S().findTenant(s.tenantId);
    const user = tenant?.findUser(s.userId);
    if (!tenant || !user) return undefined;
    const st = signInState(tenant, user.id);
    // Revoked sessions (revokeSignInSessions, admin reset) and password changes end the browser session
    // too: the user signs in again (AADSTS50173 / AADSTS50133, reference-error-codes).
    if ((st.tokensValidFrom ?? 0) > s.authTime || (st.passwordChangedAt ?? 0) > s.authTime) {
      D().sessions.delete(s.id);
      return undefined;
    }
    return s;
  };

  const canConsent = (
    tenant: Tenant,
    app: Application,
    user: User,
    scopes: string[],
  ): { self: boolean; forOrg: boolean; reason: string } => {
    const admin = tenant.admins.find(
      (a) => a.id === user.id || a.userPrincipalName.toLowerCase() === user.userPrincipalName.toLowerCase(),
    );
    if (admin?.roles.some((r) => DELEGATED_CONSENTING_ROLES.includes(r)))
      return { self: true, forOrg: true, reason: '' };
    const adminOnly = scopes.filter((s) => delegatedScope(s)?.adminConsentRequired);
    if (adminOnly.length)
      return {
        self: false,
        forOrg: false,
        reason: `${adminOnly.join(', ')} always needs an administrator's consent.`,
      };
    const policy = userConsentPolicy(tenant);
    if (policy === 'all') return { self: true, forOrg: false, reason: '' };
    if (policy === 'none')
      return {
        self: false,
        forOrg: false,
        reason: `${tenant.displayName} does not allow users to consent to apps.`,
      };
    // lowRisk: "apps from verified publishers, for selected permissions" — or apps registered in this tenant.
    if (!app.publisherVerified && app.homeTenantId !== tenant.id)
      return {
        self: false,
        forOrg: false,
        reason: `${tenant.displayName} lets users consent only to apps from verified publishers; ${app.displayName} is not verified.`,
      };
    const low = new Set(tenant.lowImpactPermissions.map((p) => p.toLowerCase()));
    const high = scopes.filter((s) => !low.has(s.toLowerCase()));
    if (high.length)
      return {
        self: false,
        forOrg: false,
        reason: `${tenant.displayName} lets users consent only to low-impact permissions; ${high.join(', ')} is not one.`,
      };
    return { self: true, forOrg: false, reason: '' };
  };

  const permissionRows = (scopes: string[]) =>
    scopes.map((s) => ({ value: s, text: delegatedScope(s)?.userConsentDisplayName ?? s }));

  /** After sign-in: account checks, consent, then the code. */
  const proceed = async (req: FastifyRequest, reply: FastifyReply, flow: AuthorizeFlow) => {
    const tenant = S().findTenant(flow.tenantId!)!;
    const user = tenant.findUser(flow.userId!)!;
    const app = S().findApp(flow.clientId)!;
    if (!user.accountEnabled)
      return sendErrorPage(
        reply,
        400,
        50057,
        'The user account is disabled. The account has been disabled by an administrator.',
      );
    if (signInState(tenant, user.id).conditionalAccessBlocked)
      return sendErrorPage(
        reply,
        403,
        53003,
        'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      );
    if (!appFor(S(), app.appId, tenant))
      return sendErrorPage(reply, 400, 700016, appNotFoundMessage(app.appId, tenant.displayName));
    const sp = tenant.servicePrincipalByAppId(app.appId);
    if (sp && !sp.accountEnabled)
      return sendErrorPage(
        reply,
        400,
        7000112,
        `Application '${app.appId}'(${app.displayName}) is disabled.`,
      );
    const granted = grantedScopes(tenant, sp, user.id);
    const missing = flow.scopes.filter((s) => !granted.has(s));
    if (missing.length === 0 && flow.prompt !== 'consent') return complete(reply, flow);
    const ask = flow.prompt === 'consent' ? flow.scopes : missing;
    if (flow.prompt === 'none')
      return errorRedirect(
        reply,
        flow,
        'consent_required',
        65001,
        `The user or administrator has not consented to use the application with ID '${app.appId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
      );
    const may = canConsent(tenant, app, user, ask);
    if (!may.self) {
      const returnUrl =
        flow.responseMode === 'query'
          ? withQuery(flow.redirectUri, {
              error: 'access_denied',
              error_description: `AADSTS90094: Admin consent is required for the permissions requested by ${app.displayName}. ${may.reason}`,
              state: flow.state,
            })
          : `${action(flow)}?flow=${flow.id}&step=return`;
      return html(reply, 403, 'adminapproval.njk', {
        app,
        user,
        permissions: permissionRows(ask),
        reason: may.reason,
        returnUrl,
        adminSignInUrl: `${action(flow)}?flow=${encodeURIComponent(flow.id)}&step=switch`,
      });
    }
    return html(reply, 200, 'userconsent.njk', {
      app,
      user,
      permissions: permissionRows(flow.scopes),
      flow: flow.id,
      action: action(flow),
      canConsentForOrg: may.forOrg,
    });
  };

  const complete = (reply: FastifyReply, flow: AuthorizeFlow) => {
    D().flows.delete(flow.id);
    const code = D().newCode({
      tenantId: flow.tenantId!,
      userId: flow.userId!,
      clientId: flow.clientId,
      redirectUri: flow.redirectUri,
      scopes: flow.scopes,
      nonce: flow.nonce,
      codeChallenge: flow.codeChallenge,
      codeChallengeMethod: flow.codeChallengeMethod,
      authTime: flow.authTime ?? now(),
      expiresAt: now() + CODE_LIFETIME_MS,
    });
    return respond(reply, flow, { code: code.code, state: flow.state, session_state: flow.id });
  };

  /** The authorize request itself (GET, or POST without a flow id). */
  const start = async (
    req: FastifyRequest<{ Params: { tenant: string } }>,
    reply: FastifyReply,
    p: Params,
  ) => {
    const tenantSeg = req.params.tenant;
    const checked = checkClientRequest(S(), tenantSeg, p);
    if (!checked.ok)
      return sendErrorPage(reply, checked.error.status, checked.error.code, checked.error.message);
    const { fixed, app, redirectUri } = checked.request;
    const mode = (p.response_mode ?? 'query') as AuthorizeFlow['responseMode'];
    const base = {
      redirectUri,
      responseMode: mode === 'form_post' ? 'form_post' : 'query',
      state: p.state,
    } as const;
    if (p.response_mode && !['query', 'form_post'].includes(p.response_mode))
      return errorRedirect(
        reply,
        base,
        'invalid_request',
        900144,
        `The response_mode '${p.response_mode}' is not supported by this emulator for response_type=code (use query or form_post).`,
      );
    if (p.response_type !== 'code')
      return errorRedirect(
        reply,
        base,
        'unsupported_response_type',
        700054,
        `response_type '${p.response_type ?? ''}' is not enabled for the application.`,
      );
    if (!p.scope)
      return errorRedirect(
        reply,
        base,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'scope'.",
      );
    let scopes: string[];
    try {
      scopes = parseDelegatedScopes(p.scope, app);
    } catch (err) {
      return errorRedirect(
        reply,
        base,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid. ${(err as Error).message}`,
      );
    }
    // code_challenge_method: "The recommended value is S256 … If excluded, code_challenge is assumed to be
    // plaintext" (v2-oauth2-auth-code-flow.md).
    const method = p.code_challenge ? (p.code_challenge_method ?? 'plain') : undefined;
    if (method && method !== 'S256' && method !== 'plain')
      return errorRedirect(
        reply,
        base,
        'invalid_request',
        501491,
        `Invalid code_challenge_method '${method}'. Use S256.`,
      );
    if (p.code_challenge && !/^[A-Za-z0-9._~-]{43,128}$/.test(p.code_challenge))
      return errorRedirect(
        reply,
        base,
        'invalid_request',
        501491,
        'Invalid size of Code_Challenge parameter.',
      );
    const prompt = p.prompt?.toLowerCase();
    if (prompt && !['login', 'none', 'consent', 'select_account'].includes(prompt))
      return errorRedirect(
        reply,
        base,
        'invalid_request',
        90023,
        `Invalid prompt value '${p.prompt}'. Use login, none, consent or select_account.`,
      );

    const flow = D().newFlow({
      tenantSegment: tenantSeg,
      tenantId: fixed?.id,
      clientId: app.appId,
      redirectUri,
      responseMode: base.responseMode,
      scopes,
      state: p.state,
      nonce: p.nonce,
      codeChallenge: p.code_challenge,
      codeChallengeMethod: method as AuthorizeFlow['codeChallengeMethod'],
      prompt,
      loginHint: p.login_hint,
      expiresAt: now() + FLOW_LIFETIME_MS,
    });
    const session = prompt === 'login' || prompt === 'select_account' ? undefined : sessionFor(req, flow);
    if (session) {
      flow.tenantId = session.tenantId;
      flow.userId = session.userId;
      flow.authTime = session.authTime;
      return proceed(req, reply, flow);
    }
    if (prompt === 'none')
      return errorRedirect(
        reply,
        flow,
        'login_required',
        50058,
        'A silent sign-in request was sent but no user is signed in.',
      );
    return signInPage(reply, flow);
  };

  /** Steps posted by the emulator's own pages: signin, consent; links: switch (admin sign-in), return. */
  const step = async (
    req: FastifyRequest<{ Params: { tenant: string } }>,
    reply: FastifyReply,
    p: Params,
  ) => {
    const flow = D().flows.get(p.flow ?? '');
    if (!flow || flow.expiresAt < now())
      return sendErrorPage(
        reply,
        400,
        90036,
        'The sign-in request expired or is unknown. Start again from the application.',
      );
    if (p.step === 'switch') {
      flow.userId = undefined;
      return signInPage(reply, flow);
    }
    if (p.step === 'return')
      return errorRedirect(
        reply,
        flow,
        'access_denied',
        90094,
        'Admin consent is required for the permissions requested by this application.',
      );
    if (p.step === 'signin') {
      const login = (p.login ?? '').trim();
      const tenants = flow.tenantId ? [S().findTenant(flow.tenantId)!] : [...S().tenants.values()];
      let found: { tenant: Tenant; user: User } | undefined;
      for (const t of tenants) {
        const u = t.findUser(login);
        if (u) found = { tenant: t, user: u };
      }
      if (!found)
        return signInPage(
          reply,
          flow,
          `We couldn't find an account with that username (AADSTS50034: The user account ${login} does not exist in the ${
            flow.tenantId ? S().findTenant(flow.tenantId)!.displayName : 'Microsoft 365 emulator'
          } directory).`,
          400,
        );
      const session = D().newSession(found.tenant.id, found.user.id, now());
      reply.header('set-cookie', `${SESSION_COOKIE}=${session.id}; Path=/; Secure; HttpOnly; SameSite=None`);
      flow.tenantId = found.tenant.id;
      flow.userId = found.user.id;
      flow.authTime = session.authTime;
      return proceed(req, reply, flow);
    }
    if (p.step === 'consent') {
      // The consent must come from the browser that signed in (its session cookie), not from whoever
      // learned the flow id.
      const sid = readCookie(req, SESSION_COOKIE);
      if (!flow.userId || !sid || D().sessions.get(sid)?.userId !== flow.userId)
        return signInPage(reply, flow);
      const tenant = S().findTenant(flow.tenantId!)!;
      const user = tenant.findUser(flow.userId)!;
      const app = S().findApp(flow.clientId)!;
      if (p.action === 'cancel')
        // What Entra sends when the user cancels the consent prompt: access_denied with error_subcode=cancel
        // and AADSTS65004 (observed in MSAL's own tests and many client bugs; reference-error-codes 65004).
        return errorRedirect(
          reply,
          flow,
          'access_denied',
          65004,
          'User declined to consent to access the app.',
          {
            error_subcode: 'cancel',
          },
        );
      if (p.action !== 'accept') return proceed(req, reply, flow);
      const may = canConsent(tenant, app, user, flow.scopes);
      if (!may.self) return proceed(req, reply, flow);
      // User consent creates the enterprise app (service principal) when it is not there yet.
      const sp =
        tenant.servicePrincipalByAppId(app.appId) ??
        S().grantConsent(tenant.id, app.appId, [], { servicePrincipalVisibleAt: 0 }).servicePrincipal;
      const forOrg = may.forOrg && p.on_behalf === '1';
      addDelegatedGrant(
        tenant,
        sp,
        forOrg ? 'AllPrincipals' : 'Principal',
        forOrg ? null : user.id,
        flow.scopes,
      );
      ctx.changed();
      return complete(reply, flow);
    }
    return sendErrorPage(reply, 400, 900144, `Unknown step '${p.step ?? ''}'.`);
  };

  const route =
    (method: 'GET' | 'POST') =>
    async (req: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
      const p = { ...((method === 'POST' ? req.body : req.query) ?? {}) } as Params;
      return p.flow ? step(req, reply, p) : start(req, reply, p);
    };
  f.get('/:tenant/oauth2/v2.0/authorize', route('GET'));
  f.post('/:tenant/oauth2/v2.0/authorize', route('POST'));

  // end_session_endpoint: forget the browser session, then go back to the app if it names a URI registered
  // on an app (Entra sends the user to post_logout_redirect_uri), else show "You signed out".
  const logout = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = { ...((req.method === 'POST' ? req.body : req.query) ?? {}) } as Params;
    const id = readCookie(req, SESSION_COOKIE);
    if (id) D().sessions.delete(id);
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0`);
    const target = p.post_logout_redirect_uri;
    if (target) {
      let origin: string | undefined;
      try {
        origin = new URL(target).origin;
      } catch {
        origin = undefined;
      }
      const known = [...S().apps.values()].some((a) =>
        a.redirectUris.some((u) => u === target || (origin !== undefined && new URL(u).origin === origin)),
      );
      if (known) return reply.redirect(withQuery(target, { state: p.state }), 302);
    }
    return html(reply, 200, 'signedout.njk', {});
  };
  f.get('/:tenant/oauth2/v2.0/logout', logout);
  f.post('/:tenant/oauth2/v2.0/logout', logout);
}
