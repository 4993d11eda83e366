/**
 * The `workerConfig` stack output: what the CLI accepts with `--from tenant.json`
 * (`pulumi stack output workerConfig --json > tenant.json`). Other folders code against these exact keys.
 * It never contains a secret value: credentials are referenced (managed identity, Key Vault), not embedded.
 */
import { type CredentialKind, type DelegatedConsent, type Integration, type MailboxScope } from './config';

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
  /** The app role the console requires for staff sign-in (the id_token's roles claim). */
  operatorRole?: string;
  /** Individual mode's production token store: an Azure Table for the encrypted MSAL cache, reached with the managed identity. */
  tokenStore?: { kind: 'azureTable'; tableEndpoint: string; tableName: string };
}
