/**
 * The `workerConfig` stack output: what the CLI accepts with `--from tenant.json`
 * (`pulumi stack output workerConfig --json > tenant.json`). Other folders code against these exact keys.
 * It never contains a secret value: credentials are referenced (managed identity, Key Vault), not embedded.
 */
import { z } from 'zod';
import { EMAIL, GUID } from './validation';

/** The one email rule (contracts/validation.ts), re-exported for infra/, which may import only this module. */
export { EMAIL };

// The worker settings the fleet benchmark measured (bench/health.bench.ts, docs/benchmarks.md, issue 15), shared by
// the benchmark and the deployment (infra/appService.ts) so both run the same worker.
/**
 * Workflows kept in the worker's sticky cache: the 64 health shards (contracts/health-shard.ts), which wake for
 * every batch and should never be replayed, plus the monitors handling a result at once. A monitor is woken only
 * when a result changes something, so the cache need not hold the fleet; each cached monitor costs ~0.5 MB.
 */
export const WORKER_MAX_CACHED_WORKFLOWS = 100;
/** V8 heap cap (MB): enough for 10,000 tenants' checks and sample tests of 1,000 users; raise it for much larger samples. */
export const WORKER_HEAP_MB = 192;
/**
 * V8 young generation cap (MB per semi-space, `--max-semi-space-size`): Node's default lets each isolate's new space
 * grow to 3 × 16 MB, and the worker has two isolates (main thread: activities; workflow thread: every cached
 * workflow). Short-lived garbage (activations, Graph responses) then sits in RSS until a scavenge; 4 MB keeps it small.
 */
export const WORKER_SEMI_SPACE_MB = 4;
/**
 * glibc malloc arenas (`MALLOC_ARENA_MAX`): by default up to 8 per core, one per thread that mallocs (the SDK core's
 * tokio threads, the workflow thread, libuv's pool); memory freed in an arena stays resident. Two is the usual cap for
 * Node processes with native threads.
 */
export const WORKER_MALLOC_ARENA_MAX = 2;
/** The worker's NODE_OPTIONS (App Service app setting; the bench starts its worker with the same flags). */
export const WORKER_NODE_FLAGS = [
  `--max-old-space-size=${WORKER_HEAP_MB}`,
  `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
];

/** Same values as infra/config.ts MAILBOX_SCOPES / CREDENTIAL_KINDS; tsc checks infra's output against these types. */
export const MAILBOX_SCOPES = ['tenant', 'group'] as const;
export type MailboxScope = (typeof MAILBOX_SCOPES)[number];
export const CREDENTIAL_KINDS = ['federated', 'certificate', 'secret'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
/** Same values as infra/config.ts INTEGRATIONS / DELEGATED_CONSENTS. */
export const INTEGRATIONS = ['domainWide', 'individual'] as const;
export type Integration = (typeof INTEGRATIONS)[number];
export const DELEGATED_CONSENTS = ['admin', 'user'] as const;
export type DelegatedConsent = (typeof DELEGATED_CONSENTS)[number];

const guid = z.string().regex(GUID, 'must be a GUID such as 00000000-0000-0000-0000-000000000000');
const email = z.string().regex(EMAIL, 'must be an email address');
/** An http(s) URL (zod's own url() accepts any scheme). */
export const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** The zod schema of a tenant stack's `workerConfig` output, as `together-o365 onboard --from` reads it. */
export const workerConfigSchema = z.object({
  tenantId: guid,
  appId: guid,
  integrationOwner: email,
  adminConsentUrl: httpUrl,
  redirectUri: httpUrl,
  servicePrincipalObjectId: z.string().min(1),
  grantedPermissions: z.array(z.string()),
  mailboxScope: z.enum(MAILBOX_SCOPES),
  scopeGroup: z.string().optional(),
  assignmentGroupId: z.string().optional(),
  exchangeScopingScript: z.string().optional(),
  exchangeScopingRemovalScript: z.string().optional(),
  integration: z.enum(INTEGRATIONS).optional(),
  delegatedPermissions: z.array(z.string()).optional(),
  delegatedConsent: z.enum(DELEGATED_CONSENTS).optional(),
  assignmentUserIds: z.array(z.string()).optional(),
  /** The tenant's display name (e.g. "Contoso"), shown next to its GUID; optional. */
  displayName: z.string().min(1).max(100).optional(),
});
export type WorkerConfigFile = z.infer<typeof workerConfigSchema>;

export interface TenantWorkerConfig {
  tenantId: string;
  appId: string;
  integrationOwner: string;
  /** v2.0 admin-consent URL without `state`; the console appends a one-time `state` at run time. */
  adminConsentUrl: string;
  redirectUri: string;
  servicePrincipalObjectId: string;
  /** Graph application permissions granted tenant-wide in Entra ID (names). */
  grantedPermissions: string[];
  mailboxScope: MailboxScope;
  scopeGroup?: string;
  assignmentGroupId?: string;
  exchangeScopingScript?: string;
  /** Undoes exchangeScopingScript (pulumi destroy does not touch Exchange Online). */
  exchangeScopingRemovalScript?: string;
  /** domainWide: application permissions (grantedPermissions); individual: delegated, one user at a time. */
  integration?: Integration;
  /** individual: the delegated scopes each user's token carries (Calendars.ReadWrite, User.Read, offline_access, openid, profile). */
  delegatedPermissions?: string[];
  /** individual: admin granted them for all users as code, or each user consents. */
  delegatedConsent?: DelegatedConsent;
  /** assignment users: the object ids of the users assigned to the enterprise app. */
  assignmentUserIds?: string[];
}

export interface PublisherWorkerConfig {
  mode: 'publisher';
  appId: string;
  homeTenantId: string;
  credential: {
    kind: CredentialKind;
    managedIdentityClientId?: string;
    keyVaultUri?: string;
    /** When the credential stops working: the secret's end date or the certificate's notAfter (ISO 8601). */
    expiresAt?: string;
  };
  redirectUris: string[];
  /** The console's public base URL (https, no trailing slash). */
  consoleUrl?: string;
  /** The mailbox owner emails are sent from (Mail.Send scoped to it by Exchange RBAC for Applications). */
  senderMailbox?: string;
  /**
   * The Exchange RBAC for Applications roles the publisher app holds on the sender mailbox only (the
   * mailSenderScopingScript output assigns them): 'Application Mail.Send' and 'Application Mail.ReadWrite'
   * (draft-then-send, the workers' default exactly-once email, TOGETHER_MAIL_DEDUP=mailbox).
   */
  senderMailboxPermissions?: string[];
  /** The app role the console requires for staff sign-in (the id_token's roles claim). */
  operatorRole?: string;
  /** Individual mode's production token store: an Azure Table for the encrypted MSAL cache, reached with the managed identity. */
  tokenStore?: { kind: 'azureTable'; tableEndpoint: string; tableName: string };
  /** The notification idempotency records and locks shared by every worker replica (TOGETHER_NOTIFY_TABLE_URL). */
  notifyStore?: { kind: 'azureTable'; tableEndpoint: string; tableName: string };
}
