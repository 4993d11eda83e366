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

/**
 * Individual mode: the delegated Graph permissions (OAuth2 scopes) each user grants for their own calendar.
 * offline_access yields the refresh token; openid and profile the sign-in (id_token). Nothing else is ever
 * granted in that mode (no application permissions).
 */
export const DELEGATED_PERMISSIONS = [
  'Calendars.ReadWrite',
  'User.Read',
  'offline_access',
  'openid',
  'profile',
] as const;
export type DelegatedPermission = (typeof DELEGATED_PERMISSIONS)[number];

/**
 * The publisher's own features in its home tenant. Mail.Send (owner emails) and Mail.ReadWrite (draft-then-send,
 * the workers' default exactly-once email) are granted only through Exchange RBAC for Applications on the sender
 * mailbox ("Application Mail.Send" / "Application Mail.ReadWrite",
 * https://learn.microsoft.com/exchange/permissions-exo/application-rbac), never as Entra app roles: Exchange
 * grants add to Entra consent, and an Entra grant would reach every mailbox. Nor are they requested on the
 * multi-tenant app (customers' /.default admin consent would grant them in their tenants).
 */
export const EXCHANGE_MAIL_SEND_PERMISSION = 'Mail.Send';
export const EXCHANGE_MAIL_READWRITE_PERMISSION = 'Mail.ReadWrite';
/** Both, in the order the scoping script assigns them. */
export const EXCHANGE_SENDER_PERMISSIONS = [
  EXCHANGE_MAIL_SEND_PERMISSION,
  EXCHANGE_MAIL_READWRITE_PERMISSION,
] as const;

/** The publisher app's role for Together's operators (console staff sign-in): value and a fixed id. */
export const OPERATOR_APP_ROLE = {
  id: '6f1c9a3e-2b7d-4e58-9c14-8a0d3e5f7b21',
  value: 'Together.Operator',
  displayName: 'Together operator',
  description: "Signs in to the Together console's staff pages (all tenants, settings).",
} as const;

/** Azure built-in roles (same ids in every subscription). */
export const STORAGE_TABLE_DATA_CONTRIBUTOR_ROLE_ID = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3';
export const STORAGE_BLOB_DATA_READER_ROLE_ID = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1';

/** Secrets the runtime reads through App Service Key Vault references (set with az keyvault secret set). */
export const RUNTIME_SECRET_NAMES = {
  temporalApiKey: 'temporal-api-key',
  codecKey: 'codec-key',
  webhookSecret: 'webhook-secret',
  /** 32 bytes that seal the console's staff session cookie (TOGETHER_SESSION_KEY). */
  sessionKey: 'console-session-key',
  /** Individual mode: 32 bytes (base64 or hex; comma-separated for rotation) sealing users' tokens (TOGETHER_TOKEN_KEY). */
  tokenKey: 'token-key',
} as const;

/** App Service for Linux runtime stack: Node 22 LTS (az webapp list-runtimes --os linux). */
export const LINUX_NODE_RUNTIME = 'NODE|22-lts';

/** Tag naming a site's role (console | worker): the policy pack's never-public rule reads it. */
export const ROLE_TAG = 'together-role';
