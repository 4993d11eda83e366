/**
 * The `workerConfig` stack output: what the CLI accepts with `--from tenant.json`
 * (`pulumi stack output workerConfig --json > tenant.json`). Other folders code against these exact keys.
 * It never contains a secret value: credentials are referenced (managed identity, Key Vault), not embedded.
 */
import { z } from 'zod';
import { EMAIL, GUID } from './validation';

/** The one email rule (contracts/validation.ts), re-exported for infra/, which may import only this module. */
export { EMAIL };

/** Same values as infra/config.ts MAILBOX_SCOPES / CREDENTIAL_KINDS; tsc checks infra's output against these types. */
export const MAILBOX_SCOPES = ['tenant', 'group'] as const;
export type MailboxScope = (typeof MAILBOX_SCOPES)[number];
export const CREDENTIAL_KINDS = ['federated', 'certificate', 'secret'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

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
}

export interface PublisherWorkerConfig {
  mode: 'publisher';
  appId: string;
  homeTenantId: string;
  credential: {
    kind: CredentialKind;
    managedIdentityClientId?: string;
    keyVaultUri?: string;
  };
  redirectUris: string[];
}
