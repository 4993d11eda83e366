/** POST /{tenant}/oauth2/v2.0/token: the client-credentials grant (v2-oauth2-client-creds-grant-flow.md). */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { entraError } from '../errors';
import { AssertionClaimError, assertionHeader, verifyAssertion } from '../tokens';
import { redeemDelegated, tenantOfDelegatedGrant } from './delegatedToken';
import {
  appFor,
  appNotFound,
  CLIENT_ASSERTION_TYPE,
  GRAPH_DEFAULT_SCOPES,
  tenantNotFound,
  type LoginContext,
} from './common';

export function registerToken(f: FastifyInstance, ctx: LoginContext): void {
  const S = () => ctx.state;

  f.post('/:tenant/oauth2/v2.0/token', async (req: FastifyRequest<{ Params: { tenant: string } }>, reply) => {
    const started = Date.now();
    const requestId = randomUUID();
    const body = { ...((req.body ?? {}) as Record<string, string | undefined>) };
    // client_secret_basic (RFC 6749 §2.3.1): id and secret, each form-urlencoded, in an HTTP Basic header.
    // The discovery document advertises it, so it has to work.
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
        const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
        if (body.client_id === undefined) body.client_id = id;
        if (body.client_secret === undefined && body.client_id === id) body.client_secret = secret;
      }
    }
    const tenantSeg = req.params.tenant;
    const delegated = body.grant_type === 'authorization_code' || body.grant_type === 'refresh_token';
    // /organizations and /common serve delegated grants: the tenant is the one the code or token belongs to.
    const tenant =
      S().findTenant(tenantSeg) ??
      (delegated && ['organizations', 'common'].includes(tenantSeg.toLowerCase())
        ? tenantOfDelegatedGrant(S(), body)
        : undefined);
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
    // Throttling per app + tenant, counted before validation as the STS counts every request; answered 429
    // with Retry-After and AADSTS50196, the code Entra uses when it cuts off a client repeating token requests
    // (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). INFERENCE: Entra does not
    // document a per-app token request quota; the limit is the emulator's knob (limits.tokenRequestsPerWindow).
    const wait = ctx.tokenLimiter.hit(`${(body.client_id ?? '').toLowerCase()}|${tenant.id}`);
    if (wait !== undefined) {
      reply.header('retry-after', String(wait));
      return send(
        entraError(
          429,
          'temporarily_unavailable',
          50196,
          'The server terminated an operation because it encountered a client request loop. Please retry later.',
        ),
        'throttled',
      );
    }
    // Missing parameters are AADSTS900144 invalid_request (400); a grant type the endpoint does not serve is
    // AADSTS70003 unsupported_grant_type (400) (reference-error-codes: "UnsupportedGrantType").
    if (!body.grant_type)
      return send(
        entraError(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'grant_type'.",
        ),
      );
    if (body.grant_type !== 'client_credentials' && !delegated)
      return send(
        entraError(
          400,
          'unsupported_grant_type',
          70003,
          `The app requested an unsupported grant type '${body.grant_type}'.`,
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
    if (!scope && !delegated)
      return send(
        entraError(
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'scope'.",
        ),
      );
    const scopeError = delegated ? undefined : checkScope(scope, tenant.displayName);
    if (scopeError) return send(scopeError);
    const app = appFor(S(), body.client_id, tenant);
    if (!app) return send(appNotFound(body.client_id, tenant));
    appIdForLog = app.appId;
    const sp = tenant.servicePrincipalByAppId(app.appId);
    const now = S().now();
    // A service principal created moments ago (admin consent) is not yet replicated to every STS instance:
    // until then the token endpoint answers as if consent never happened, AADSTS700016 ("…not found in the
    // directory…"). Configurable: replicationDelaySeconds (default 0).
    if (sp && now < (tenant.servicePrincipalVisibleAt.get(sp.id) ?? 0))
      return send(appNotFound(app.appId, tenant));
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

    if (delegated) return send(await redeemDelegated(ctx, tenant, app, body));

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
}

/**
 * Scope rules of the client-credentials grant: exactly one `{resource}/.default`.
 * - another scope (User.Read, openid…) alone → AADSTS1002012 invalid_scope, "Client credential flows must
 *   have a scope value with /.default suffixed" (seen in microsoftgraph/msgraph-sdk-python#889);
 * - /.default mixed with other scopes → AADSTS70011 invalid_scope, "One or more scopes … are not compatible
 *   with each other";
 * - /.default of a resource the tenant does not have → AADSTS500011 invalid_resource.
 * All HTTP 400 (v2-oauth2-client-creds-grant-flow.md, "Error response").
 */
function checkScope(scope: string, tenantName: string): { status: number; body: unknown } | undefined {
  const parts = scope.split(' ').filter(Boolean);
  const defaults = parts.filter((s) => s.endsWith('/.default'));
  if (defaults.length === 0)
    return entraError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  if (parts.length > 1 && !parts.every((s) => GRAPH_DEFAULT_SCOPES.includes(s)))
    return entraError(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. One or more scopes in '${scope}' are not compatible with each other.`,
    );
  const unknown = defaults.find((s) => !GRAPH_DEFAULT_SCOPES.includes(s));
  if (unknown)
    return entraError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${unknown.replace(/\/\.default$/, '')} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  return undefined;
}
