/**
 * The `workerConfig` stack output: what the CLI accepts with `--from tenant.json`
 * (`pulumi stack output workerConfig --json > tenant.json`). Other folders code against these exact keys.
 * It never contains a secret value: credentials are referenced (managed identity, Key Vault), not embedded.
 */
import { type CredentialKind, type MailboxScope } from '../infra/config';

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
