/** OpenID discovery and JWKS, as MSAL fetches them before its first token request. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tenantNotFound, type LoginContext } from './common';

export function registerDiscovery(f: FastifyInstance, ctx: LoginContext): void {
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
}
