/**
 * The Entra side (login.microsoftonline.com): OpenID discovery, JWKS, the client-credentials token endpoint
 * and the admin-consent page. Error bodies and AADSTS codes as in ../shared/reference/graph.md §2.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import { entraError } from './errors';
import { CONSENTING_ROLES, GRAPH_APP_ID, roleByValue } from './permissions';
import type { FaultInjector, RequestLog } from './runtime';
import type { Application, EmulatorState, Tenant } from './state';
import { AssertionClaimError, assertionHeader, verifyAssertion, type TokenService } from './tokens';

export interface LoginContext {
  state: EmulatorState;
  tokens: TokenService;
  faults: FaultInjector;
  log: RequestLog;
  origin: () => string;
  /** Called after consent changes state (persistence). */
  changed: () => void;
}

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(__dirname, 'templates')), {
  autoescape: true,
  throwOnUndefined: false,
});

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRAPH_DEFAULT_SCOPES = [
  'https://graph.microsoft.com/.default',
  `${GRAPH_APP_ID}/.default`,
  'https://graph.microsoft.com//.default',
];

function tenantNotFound(t: string) {
  return entraError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

function appNotFound(appId: string, tenant: Tenant) {
  return entraError(
    400,
    'unauthorized_client',
    700016,
    `Application with identifier '${appId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

/** Is this app usable in this tenant at all (registered, and multi-tenant or at home)? */
function appFor(state: EmulatorState, clientId: string, tenant: Tenant): Application | undefined {
  const app = state.findApp(clientId);
  if (!app) return undefined;
  if (app.signInAudience === 'AzureADMyOrg' && app.homeTenantId !== tenant.id) return undefined;
  return app;
}

export function registerLogin(f: FastifyInstance, ctx: LoginContext): void {
  // `ctx.state` is a getter: a reset or a fixture load swaps the whole state object.
  const S = () => ctx.state;

  const openidConfig = (tenantSeg: string, v2: boolean) => {
    const tenant = S().findTenant(tenantSeg);
    const o = ctx.origin();
    // The issuer always names the tenant GUID, even when the authority used the domain name.
    const tid = tenant?.id ?? tenantSeg;
    return {
      token_endpoint: `${o}/${tenantSeg}/oauth2/${v2 ? 'v2.0/' : ''}token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${o}/${tenantSeg}/discovery/${v2 ? 'v2.0/' : ''}keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${o}/${tid}/v2.0` : `https://sts.windows.net/${tid}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${o}/oidc/userinfo`,
      authorization_endpoint: `${o}/${tenantSeg}/oauth2/${v2 ? 'v2.0/' : ''}authorize`,
      device_authorization_endpoint: `${o}/${tenantSeg}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${o}/${tenantSeg}/oauth2/${v2 ? 'v2.0/' : ''}logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'tid',
        'ver',
        'roles',
      ],
      kerberos_endpoint: `${o}/${tenantSeg}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(o).host,
      rbac_url: 'https://pas.windows.net',
    };
  };

  const discovery =
    (v2: boolean) => async (req: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
      const t = req.params.tenant;
      if (!['common', 'organizations', 'consumers'].includes(t.toLowerCase()) && !S().findTenant(t)) {
        const e = tenantNotFound(t);
        return reply.code(e.status).send(e.body);
      }
      return reply.send(openidConfig(t, v2));
    };
  f.get('/:tenant/v2.0/.well-known/openid-configuration', discovery(true));
  f.get('/:tenant/.well-known/openid-configuration', discovery(false));
  const keys = async (_req: FastifyRequest, reply: FastifyReply) => reply.send(await ctx.tokens.jwks());
  f.get('/:tenant/discovery/v2.0/keys', keys);
  f.get('/:tenant/discovery/keys', keys);

  // ---------------------------------------------------------------- token endpoint

  f.post('/:tenant/oauth2/v2.0/token', async (req: FastifyRequest<{ Params: { tenant: string } }>, reply) => {
    const started = Date.now();
    const requestId = randomUUID();
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const tenantSeg = req.params.tenant;
    const tenant = S().findTenant(tenantSeg);
    let appIdForLog: string | undefined = body.client_id;
    const send = (r: { status: number; body: unknown }, fault?: string) => {
      ctx.log.add({
        time: new Date(started).toISOString(),
        method: 'POST',
        path: `/${tenantSeg}/oauth2/v2.0/token`,
        query: '',
        status: r.status,
        route: 'token',
        appId: appIdForLog,
        tenantId: tenant?.id,
        requestId,
        fault,
        durationMs: Date.now() - started,
      });
      return reply
        .code(r.status)
        .header('x-ms-request-id', requestId)
        .header('cache-control', 'no-store, no-cache')
        .send(r.body);
    };

    const fault = ctx.faults.pick('token', tenant?.id);
    if (fault) {
      if (fault.kind === 'reset') {
        req.raw.socket.destroy();
        return reply;
      }
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
      else {
        const status = Number(fault.kind);
        const e =
          status === 429
            ? entraError(
                429,
                'temporarily_unavailable',
                50196,
                'The server terminated an operation because it encountered a client request loop. Please retry later.',
              )
            : entraError(
                status,
                'temporarily_unavailable',
                90033,
                'A transient error has occurred. Please try again.',
              );
        reply.header('retry-after', String(fault.retryAfterSeconds));
        return send(e, fault.kind);
      }
    }

    if (!tenant) return send(tenantNotFound(tenantSeg));
    if (body.grant_type !== 'client_credentials')
      return send(
        entraError(
          400,
          'unsupported_grant_type',
          70003,
          `The app requested an unsupported grant type '${body.grant_type ?? ''}'. This emulator supports client_credentials.`,
        ),
      );
    if (!body.client_id)
      return send(
        entraError(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'client_id'.",
        ),
      );
    const scope = body.scope ?? '';
    if (!scope)
      return send(
        entraError(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'scope'.",
        ),
      );
    if (!scope.split(' ').every((s) => GRAPH_DEFAULT_SCOPES.includes(s)))
      return send(
        entraError(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        ),
      );
    const app = appFor(S(), body.client_id, tenant);
    if (!app) return send(appNotFound(body.client_id, tenant));
    appIdForLog = app.appId;
    const sp = tenant.servicePrincipalByAppId(app.appId);
    if (!sp) {
      // In its home tenant a registered app without a service principal answers AADSTS7000229; elsewhere
      // "not installed by the administrator of the tenant or consented to" is AADSTS700016.
      if (app.homeTenantId === tenant.id)
        return send(
          entraError(
            400,
            'invalid_client',
            7000229,
            `The client application ${app.appId} is missing service principal in the tenant ${tenant.id}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
          ),
        );
      return send(appNotFound(app.appId, tenant));
    }

    const now = Date.now();
    if (body.client_secret !== undefined) {
      const match = app.passwordCredentials.find((p) => p.secretText === body.client_secret);
      if (!match)
        return send(
          entraError(
            401,
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`,
          ),
        );
      if (Date.parse(match.endDateTime) <= now)
        return send(
          entraError(
            401,
            'invalid_client',
            7000222,
            `The provided client secret keys for app '${app.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
          ),
        );
    } else if (body.client_assertion !== undefined) {
      if (body.client_assertion_type !== CLIENT_ASSERTION_TYPE)
        return send(
          entraError(
            400,
            'invalid_request',
            90014,
            "The required field 'client_assertion_type' is missing or invalid (urn:ietf:params:oauth:client-assertion-type:jwt-bearer).",
          ),
        );
      let header: ReturnType<typeof assertionHeader>;
      try {
        header = assertionHeader(body.client_assertion);
      } catch {
        return send(entraError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.'));
      }
      const thumb = header['x5t#S256'] ?? header.x5t;
      const key = app.keyCredentials.find((k) =>
        header['x5t#S256'] ? k.x5tS256 === thumb : k.x5t === thumb,
      );
      if (!key)
        return send(
          entraError(
            401,
            'invalid_client',
            700027,
            `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${thumb ?? ''}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.appId}'.]`,
          ),
        );
      if (Date.parse(key.endDateTime) <= now)
        return send(
          entraError(
            401,
            'invalid_client',
            700027,
            `Client assertion failed signature validation. [Reason - The key used is expired., Thumbprint of key used by client: '${thumb}', Found key 'Start=${key.startDateTime}, End=${key.endDateTime}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.appId}'.]`,
          ),
        );
      const o = ctx.origin();
      try {
        await verifyAssertion(body.client_assertion, key.certificatePem, {
          clientId: app.appId,
          audiences: [
            `${o}/${tenantSeg}/oauth2/v2.0/token`,
            `${o}/${tenant.id}/oauth2/v2.0/token`,
            `${o}/${tenant.domain}/oauth2/v2.0/token`,
          ],
        });
      } catch (err) {
        if (err instanceof AssertionClaimError)
          return send(entraError(401, 'invalid_client', err.aadsts, err.message));
        const msg = (err as Error).message ?? '';
        if (/"exp"|expired/i.test(msg))
          return send(
            entraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
          );
        if (/"aud"/i.test(msg))
          return send(
            entraError(
              401,
              'invalid_client',
              700023,
              'Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .',
            ),
          );
        return send(
          entraError(401, 'invalid_client', 700027, 'Client assertion contains an invalid signature.'),
        );
      }
    } else {
      return send(
        entraError(
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
      );
    }

    if (!sp.accountEnabled)
      return send(
        entraError(
          400,
          'unauthorized_client',
          7000112,
          `Application '${app.appId}'(${app.displayName}) is disabled.`,
        ),
      );

    const roles = tenant.grantedRoles(app.appId, now);
    const { token, expiresIn } = await ctx.tokens.issue({
      tenantId: tenant.id,
      appId: app.appId,
      appDisplayName: app.displayName,
      servicePrincipalId: sp.id,
      roles,
    });
    return send({
      status: 200,
      body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token },
    });
  });

  // ---------------------------------------------------------------- admin consent

  interface ConsentParams {
    client_id?: string;
    redirect_uri?: string;
    scope?: string;
    state?: string;
    admin?: string;
    action?: string;
  }

  const errorPage = (
    reply: FastifyReply,
    status: number,
    code: number,
    message: string,
    returnUrl?: string,
  ) => {
    const html = env.render('error.njk', {
      heading: code === 90094 ? 'Need admin approval' : "Sorry, but we're having trouble signing you in.",
      code,
      message,
      returnUrl,
      correlationId: randomUUID(),
      timestamp: new Date().toISOString(),
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  };

  const withQuery = (uri: string, params: Record<string, string | undefined>) => {
    const u = new URL(uri);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    return u.toString();
  };

  const consent =
    (v2: boolean) =>
    async (
      req: FastifyRequest<{ Params: { tenant: string }; Querystring: ConsentParams; Body: ConsentParams }>,
      reply: FastifyReply,
    ) => {
      const p: ConsentParams = req.method === 'POST' ? { ...(req.body ?? {}) } : { ...(req.query ?? {}) };
      const tenantSeg = req.params.tenant;
      const anyTenant = ['organizations', 'common'].includes(tenantSeg.toLowerCase());
      if (v2 && tenantSeg.toLowerCase() === 'common')
        return errorPage(
          reply,
          400,
          90130,
          "Application does not support the 'common' endpoint for admin consent. Use the tenant ID or 'organizations'.",
        );
      const fixedTenant = anyTenant ? undefined : S().findTenant(tenantSeg);
      if (!anyTenant && !fixedTenant)
        return errorPage(
          reply,
          400,
          90002,
          `Tenant '${tenantSeg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        );
      if (!p.client_id)
        return errorPage(
          reply,
          400,
          900144,
          "The request body must contain the following parameter: 'client_id'.",
        );
      const app = S().findApp(p.client_id);
      if (!app || (fixedTenant && !appFor(S(), p.client_id, fixedTenant)))
        return errorPage(
          reply,
          400,
          700016,
          `Application with identifier '${p.client_id}' was not found in the directory '${fixedTenant?.displayName ?? tenantSeg}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
        );
      // redirect_uri "must exactly match one of the redirect URIs that you registered" (v2-admin-consent.md);
      // a mismatch is an error page, never a redirect (that is what makes the redirect safe).
      const redirectUri = p.redirect_uri ?? app.redirectUris[0];
      if (!redirectUri || !app.redirectUris.includes(redirectUri))
        return errorPage(
          reply,
          400,
          50011,
          `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${app.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
        );
      const errorRedirect = (error: string, description: string) =>
        reply.redirect(
          withQuery(redirectUri, {
            ...(v2 ? { admin_consent: 'True' } : {}),
            error,
            error_description: description,
            state: p.state,
          }),
          302,
        );
      if (v2 && !p.scope)
        return errorRedirect(
          'invalid_request',
          "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
      if (
        v2 &&
        !p.scope!.split(' ').every((s) => GRAPH_DEFAULT_SCOPES.includes(s) || s.endsWith('/.default'))
      )
        return errorRedirect(
          'invalid_request',
          "AADSTS70011: The provided value for the input parameter 'scope' is not valid. Use the /.default scope to request application permissions.",
        );

      const admins = anyTenant
        ? [...S().tenants.values()].flatMap((t) =>
            t.admins.map((a) => ({ ...a, tenant: t, tenantName: t.displayName })),
          )
        : fixedTenant!.admins.map((a) => ({
            ...a,
            tenant: fixedTenant!,
            tenantName: undefined as string | undefined,
          }));
      const permissions = app.requiredPermissions.map((v) => roleByValue(v)!).filter(Boolean);
      const action = `/${tenantSeg}${v2 ? '/v2.0' : ''}/adminconsent`;

      const render = (status: number, problem?: string) =>
        reply
          .code(status)
          .type('text/html; charset=utf-8')
          .send(
            env.render('consent.njk', {
              app,
              tenant: fixedTenant,
              permissions,
              admins,
              selected: p.admin ?? admins[0]?.userPrincipalName,
              action,
              clientId: app.appId,
              redirectUri,
              scope: p.scope ?? '',
              state: p.state ?? '',
              problem,
            }),
          );

      if (req.method === 'GET') return render(200);

      if (p.action === 'cancel') {
        // v2 documents access_denied-style errors; the legacy endpoint answers permission_denied "The admin canceled the request".
        return v2
          ? errorRedirect('access_denied', 'AADSTS65004: User declined to consent to access the app.')
          : reply.redirect(
              withQuery(redirectUri, {
                error: 'permission_denied',
                error_description: 'The admin canceled the request',
                state: p.state,
              }),
              302,
            );
      }
      if (p.action !== 'accept') return render(400, 'Choose Accept or Cancel.');
      const admin = admins.find(
        (a) =>
          a.userPrincipalName.toLowerCase() === (p.admin ?? '').toLowerCase() ||
          a.id === (p.admin ?? '').toLowerCase(),
      );
      if (!admin)
        return render(
          400,
          `No administrator '${p.admin ?? ''}' in this directory. Choose one from the list.`,
        );
      const tenant = admin.tenant;
      if (!appFor(S(), app.appId, tenant))
        return errorPage(
          reply,
          400,
          700016,
          `Application with identifier '${app.appId}' was not found in the directory '${tenant.displayName}'.`,
        );
      // Only Global Administrator or Privileged Role Administrator may grant Microsoft Graph app roles
      // (grant-admin-consent.md, Prerequisites); Entra stops with "Need admin approval".
      if (!admin.roles.some((r) => CONSENTING_ROLES.includes(r))) {
        const description = `AADSTS90094: The grant requires admin permission. ${admin.displayName} (${admin.roles.join(', ')}) cannot grant consent to application permissions for Microsoft Graph; a Global Administrator or Privileged Role Administrator must do it.`;
        return errorPage(
          reply,
          403,
          90094,
          description.replace(/^AADSTS90094: /, ''),
          withQuery(redirectUri, {
            ...(v2 ? { admin_consent: 'True' } : {}),
            error: 'access_denied',
            error_description: description,
            state: p.state,
          }),
        );
      }
      S().grantConsent(tenant.id, app.appId);
      ctx.changed();
      const params: Record<string, string | undefined> = v2
        ? { admin_consent: 'True', tenant: tenant.id, scope: p.scope, state: p.state }
        : { admin_consent: 'True', tenant: tenant.id, state: p.state };
      return reply.redirect(withQuery(redirectUri, params), 302);
    };
  f.get('/:tenant/v2.0/adminconsent', consent(true));
  f.post('/:tenant/v2.0/adminconsent', consent(true));
  f.get('/:tenant/adminconsent', consent(false));
  f.post('/:tenant/adminconsent', consent(false));
}
