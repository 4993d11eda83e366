/**
 * The one module that owns credentials and Graph clients. One credential and one Graph client per
 * (credential profile, tenant), cached: the publisher's multi-tenant app reaches many customer tenants, each with
 * its own token. Emulator mode differs only in configuration (authority host, instance discovery, base URL,
 * custom hosts).
 *
 * Retries are not left to the SDK's RetryHandler: it retries the outer HTTP status only (429 items inside a
 * `$batch` are invisible to it) and would hide requests from our counters and per-mailbox limiter. The client's
 * middleware chain is Authentication → Telemetry → HTTPMessage; `GraphCaller` below retries with Retry-After.
 */
import fs from 'node:fs';
import https from 'node:https';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { TenantRef } from '../../contracts/activities';
import { FailureTypes } from '../../contracts/activities';
import { customHostsFor, type CredentialProfile, type GraphConfig } from '../config';
import {
  classifyTokenError,
  failureForToken,
  permanentFailure,
  registerSecret,
  type TokenFailure,
} from './errors';
import { GUID } from '../../contracts/validation';
import { cachingCredential } from './token-cache';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/**
 * Tenants whose credential and Graph client stay cached: above a worker's concurrent activities (default 20, at most
 * a few hundred), so every running activity keeps its client. More buys nothing for health checks — each one rebuilds
 * its tenant's entry (checkConsent wants a fresh token), and a fleet cycles through all its tenants between two
 * checks of one, so a larger LRU only held 2,000 MSAL applications in the heap (measured: docs/benchmarks.md).
 */
export const MAX_CACHED_TENANT_CLIENTS = 256;

export interface TenantGraph {
  tenantId: string;
  client: Client;
  credential: TokenCredential;
  /** An access token (cached by MSAL) — for decoding the `roles` claim only; never log or return it. */
  token(): Promise<string>;
}

export interface GraphClientFactory {
  forTenant(tenant: TenantRef): TenantGraph;
  /** Drop the cached credential (and MSAL's token cache) so the next call gets a fresh token. */
  invalidate(tenant: TenantRef): void;
}

let sharedIdentityAgent: https.Agent | undefined;
/** The process-wide keep-alive agent for token requests (TLS trust as for any agent: the system store plus NODE_EXTRA_CA_CERTS). */
function identityAgent(): https.Agent {
  sharedIdentityAgent ??= new https.Agent({ keepAlive: true });
  return sharedIdentityAgent;
}

/** Build an @azure/identity credential for one tenant from a profile. Exported for tests. */
export function createCredential(
  config: GraphConfig,
  profile: CredentialProfile,
  tenantId: string,
): TokenCredential {
  const common = {
    ...(config.authorityHost ? { authorityHost: config.authorityHost } : {}),
    // One keep-alive agent for every credential: each credential otherwise builds its own HTTP pipeline and
    // agent, so the token request of each fresh credential (checkConsent asks for one per health check) paid a
    // new TLS handshake to Entra. `agent` is core-rest-pipeline's PipelineOptions.agent, which identity's
    // credential options extend.
    agent: identityAgent(),
    disableInstanceDiscovery: config.disableInstanceDiscovery,
    // Refuse to be steered to another tenant than the one asked for.
    additionallyAllowedTenants: [] as string[],
  };
  switch (profile.kind) {
    case 'certificate': {
      if (!fs.existsSync(profile.certificatePath)) {
        throw permanentFailure(
          FailureTypes.Configuration,
          `Client certificate file not found (TOGETHER_CLIENT_CERTIFICATE_PATH).`,
        );
      }
      return new ClientCertificateCredential(
        tenantId,
        config.appId,
        {
          certificatePath: profile.certificatePath,
          ...(profile.certificatePassword ? { certificatePassword: profile.certificatePassword } : {}),
        },
        { ...common, sendCertificateChain: profile.sendCertificateChain ?? false },
      );
    }
    case 'secret':
      registerSecret(profile.clientSecret);
      return new ClientSecretCredential(tenantId, config.appId, profile.clientSecret, common);
    case 'managedIdentity': {
      // The managed identity lives in the publisher tenant; its token for api://AzureADTokenExchange is the
      // federated assertion for the app registration, which is then used in any tenant the app is installed in.
      const mi = new ManagedIdentityCredential({ clientId: profile.managedIdentityClientId });
      const audience = `${profile.assertionAudience}/.default`;
      return new ClientAssertionCredential(
        tenantId,
        config.appId,
        async () => {
          const t = await mi.getToken(audience);
          if (!t) throw new Error('Managed identity returned no token for the federated assertion');
          return t.token;
        },
        common,
      );
    }
    case 'workloadIdentity': {
      const file = profile.tokenFilePath;
      return new ClientAssertionCredential(
        tenantId,
        config.appId,
        async () => (await fs.promises.readFile(file, 'utf8')).trim(),
        common,
      );
    }
  }
}

export function createGraphClientFactory(config: GraphConfig): GraphClientFactory {
  // Least recently used first (Map order). Bounded: one worker serves thousands of tenants, each entry holds an
  // MSAL application and a Graph client, and checkConsent rebuilds a tenant's entry on every check anyway.
  const cache = new Map<string, TenantGraph>();
  const customHosts = customHostsFor(config.graphBaseUrl);
  const baseUrl = config.graphBaseUrl.endsWith('/') ? config.graphBaseUrl : `${config.graphBaseUrl}/`;

  function key(tenant: TenantRef): string {
    return `${tenant.credentialRef ?? 'default'}|${tenant.tenantId.toLowerCase()}`;
  }

  return {
    forTenant(tenant) {
      if (!tenant?.tenantId || !GUID.test(tenant.tenantId)) {
        throw permanentFailure(
          FailureTypes.Configuration,
          `tenantId must be a tenant GUID (got ${JSON.stringify(String(tenant?.tenantId ?? '')).slice(0, 60)}).`,
        );
      }
      const k = key(tenant);
      const hit = cache.get(k);
      if (hit) {
        cache.delete(k);
        cache.set(k, hit);
        return hit;
      }
      const profileName = tenant.credentialRef ?? 'default';
      const profile = config.credentials[profileName];
      if (!profile) {
        throw permanentFailure(
          FailureTypes.Configuration,
          `No credential profile named '${profileName}' is configured on this worker.`,
        );
      }
      // MSAL's silent flow on every request is costly; the wrapper hands out its token until near expiry.
      const credential = cachingCredential(createCredential(config, profile, tenant.tenantId));
      const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
      const client = Client.initWithMiddleware({
        middleware: chain(
          new AuthenticationHandler(authProvider),
          new TelemetryHandler(),
          new HTTPMessageHandler(),
        ),
        baseUrl,
        defaultVersion: 'v1.0',
        ...(customHosts ? { customHosts } : {}),
      });
      const entry: TenantGraph = {
        tenantId: tenant.tenantId,
        client,
        credential,
        async token() {
          try {
            const t = await credential.getToken(GRAPH_SCOPE);
            if (!t) throw new Error('no token');
            return t.token;
          } catch (err) {
            throw failureForToken(tenant.tenantId, await classifyTokenErrorFor(config, tenant.tenantId, err));
          }
        },
      };
      cache.set(k, entry);
      if (cache.size > MAX_CACHED_TENANT_CLIENTS) cache.delete(cache.keys().next().value!);
      return entry;
    },
    invalidate(tenant) {
      cache.delete(key(tenant));
    },
  };
}

/**
 * A Graph client for one user's delegated access token (individual mode), with the same middleware chain as the
 * app-only clients (no SDK RetryHandler: GraphCaller retries, counts and limits). Built per token and dropped
 * after use: nothing caches a user's token outside MSAL's sealed per-user cache.
 */
export function delegatedGraphClient(config: GraphConfig, accessToken: string): Client {
  const customHosts = customHostsFor(config.graphBaseUrl);
  const baseUrl = config.graphBaseUrl.endsWith('/') ? config.graphBaseUrl : `${config.graphBaseUrl}/`;
  return Client.initWithMiddleware({
    middleware: chain(
      new AuthenticationHandler({ getAccessToken: async () => accessToken }),
      new TelemetryHandler(),
      new HTTPMessageHandler(),
    ),
    baseUrl,
    defaultVersion: 'v1.0',
    ...(customHosts ? { customHosts } : {}),
  });
}

/** HTTPClient chains an array itself; passing the array keeps types simple. */
function chain(...m: (AuthenticationHandler | TelemetryHandler | HTTPMessageHandler)[]) {
  return m;
}

/**
 * Best-effort decode of the `roles` claim of an app-only token. Microsoft warns that tokens for its APIs are
 * opaque; this is a diagnostic, never the verdict (the functional calendar call is).
 */
export function tokenRoles(accessToken: string): string[] | undefined {
  const parts = accessToken.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { roles?: unknown };
    if (payload.roles === undefined) return [];
    return Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is string => typeof r === 'string')
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ask the authority directly for the tenant's OpenID configuration. MSAL reports an unknown tenant only as
 * `endpoints_resolution_error` (the discovery document answers 400 AADSTS90002), the same as an unreachable
 * authority; this tells the two apart. Returns 'unknown' (4xx), 'ok', or 'unreachable' (network/5xx).
 */
export async function probeAuthority(
  config: GraphConfig,
  tenantId: string,
): Promise<'ok' | 'unknown' | 'unreachable'> {
  const host = (config.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
  try {
    const res = await fetch(`${host}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return 'ok';
    return res.status >= 400 && res.status < 500 ? 'unknown' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

/** classifyTokenError, refined for discovery failures by asking the authority (see probeAuthority). */
export async function classifyTokenErrorFor(
  config: GraphConfig,
  tenantId: string,
  err: unknown,
): Promise<TokenFailure> {
  const tf = classifyTokenError(err);
  if (tf.code === 'endpoints_resolution_error' && (await probeAuthority(config, tenantId)) === 'unknown') {
    return {
      kind: 'unknownTenant',
      code: 'AADSTS90002',
      message: `The authority does not know tenant ${tenantId} (its OpenID configuration is refused).`,
    };
  }
  return tf;
}
