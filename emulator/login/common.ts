/**
 * What the Entra routes share: their context, the Graph resource scopes, and the AADSTS answers for an
 * unknown tenant or an app the tenant does not know.
 */
import { entraError } from '../errors';
import { GRAPH_APP_ID } from '../permissions';
import type { Clock } from '../clock';
import type { FaultInjector, RequestLog } from '../runtime';
import type { Application, EmulatorState, Tenant } from '../state';
import type { TokenService } from '../tokens';
import type { RateLimiter } from '../runtime';

export interface LoginContext {
  state: EmulatorState;
  tokens: TokenService;
  faults: FaultInjector;
  log: RequestLog;
  origin: () => string;
  /** Called after consent changes state (persistence). */
  changed: () => void;
  /** Token requests per app + tenant (fixture limits.tokenRequestsPerWindow). */
  tokenLimiter: RateLimiter;
  clock: Clock;
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const GRAPH_DEFAULT_SCOPES = [
  'https://graph.microsoft.com/.default',
  `${GRAPH_APP_ID}/.default`,
  'https://graph.microsoft.com//.default',
];

export function tenantNotFound(t: string) {
  return entraError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

/** Entra's AADSTS700016 text, shown by the token endpoint and by the authorize and consent pages alike. */
export function appNotFoundMessage(appId: string, directory: string): string {
  return `Application with identifier '${appId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;
}

export function appNotFound(appId: string, tenant: Tenant) {
  return entraError(400, 'unauthorized_client', 700016, appNotFoundMessage(appId, tenant.displayName));
}

/** Is this app usable in this tenant at all (registered, and multi-tenant or at home)? */
export function appFor(state: EmulatorState, clientId: string, tenant: Tenant): Application | undefined {
  const app = state.findApp(clientId);
  if (!app) return undefined;
  if (app.signInAudience === 'AzureADMyOrg' && app.homeTenantId !== tenant.id) return undefined;
  return app;
}
