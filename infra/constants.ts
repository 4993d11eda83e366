/**
 * Well-known identifiers. Nothing here is tenant-specific; Graph's app role *ids* are deliberately absent
 * from the program (they are read from Graph's service principal at deploy time, see tenant.ts) and appear
 * only in the policy pack, which has no Graph to ask (policy/policies.ts).
 */

/** Microsoft Graph's application (client) id: the same in every tenant. Its service principal's object id differs. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** The scope the v2.0 admin-consent endpoint needs to request application permissions. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/** Graph application permissions Together may ever ask for. Anything else is refused by config validation. */
export const ALLOWED_PERMISSIONS = [
  'Calendars.ReadWrite',
  'User.ReadBasic.All',
  'Calendars.Read',
  'User.Read.All',
  'GroupMember.Read.All',
] as const;
export type GraphPermission = (typeof ALLOWED_PERMISSIONS)[number];

/** The seed's "read and modify calendars" and "view basic user profiles". */
export const DEFAULT_PERMISSIONS: readonly GraphPermission[] = ['Calendars.ReadWrite', 'User.ReadBasic.All'];

/**
 * Calendar permissions. With mailbox scoping they are granted by Exchange RBAC for Applications on a management
 * scope instead of tenant-wide in Entra: Exchange grants add to (union with) Entra consent, so a tenant-wide
 * Calendars.* grant would defeat the scope.
 */
export const CALENDAR_PERMISSIONS: readonly GraphPermission[] = ['Calendars.ReadWrite', 'Calendars.Read'];

/** The default access app role: assigning a user or group to an app that declares no app roles of its own. */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

/** Audience of a federated identity credential in the global Azure cloud. */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Azure built-in role "Key Vault Secrets User" (read secret contents), the same id in every subscription. */
export const KEY_VAULT_SECRETS_USER_ROLE_ID = '4633458b-17de-408a-b874-0445c86b69e6';

/** Longest client-secret lifetime the program (and the policy pack) accepts. */
export const MAX_SECRET_LIFETIME_DAYS = 180;

/** Names under which the worker finds credential material in the publisher's Key Vault. */
export const KEY_VAULT_SECRET_NAMES = {
  clientSecret: 'together-client-secret',
  clientCertificate: 'together-client-certificate',
} as const;
