/**
 * The `--realistic` profile: the delays and limits a real tenant shows, for the demo and for trying the
 * product's waiting logic by hand. Tests keep the default profile (every delay 0, no directory or token
 * limits) and ask for a delay where they test it. Explicit options and fixture values win over the profile.
 */
import type { Limits } from './fixture';

export interface Profile {
  consentPropagationSeconds: number;
  replicationDelaySeconds: number;
  exchangeRbacCacheSeconds: number;
  limits: Partial<Limits>;
}

export const DEFAULT_PROFILE: Profile = {
  consentPropagationSeconds: 0,
  replicationDelaySeconds: 0,
  exchangeRbacCacheSeconds: 0,
  limits: {},
};

export const REALISTIC_PROFILE: Profile = {
  // Admin consent "can take an hour" to show in tokens (DESIGN.md, consent truth); most tenants are faster.
  consentPropagationSeconds: 15 * 60,
  // A service principal created by consent reaches every token-service replica within minutes (INFERENCE:
  // Entra documents replication delays without numbers, serviceprincipal-list-approleassignments.md).
  replicationDelaySeconds: 2 * 60,
  // "Changes … take between 30 minutes and 2 hours" (https://learn.microsoft.com/exchange/permissions-exo/application-rbac).
  exchangeRbacCacheSeconds: 60 * 60,
  limits: {
    // Entra ID's smallest per-app-per-tenant budget is 3,500 resource units per 10 s; a /users page costs
    // about one unit per request here (https://learn.microsoft.com/graph/throttling-limits, identity and access).
    directoryRequestsPerWindow: 3500,
    directoryWindowSeconds: 10,
    // INFERENCE: no published token quota; a generous per-app-per-tenant ceiling.
    tokenRequestsPerWindow: 600,
    tokenWindowSeconds: 60,
  },
};
