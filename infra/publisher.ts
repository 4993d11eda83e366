/**
 * Mode `publisher`: Together (or anyone self-hosting the app) in its home tenant.
 *
 * - the multi-tenant app registration with the Graph application permissions it requests (role ids read from
 *   Graph's service principal), web redirect URIs for the consent callback, owners; its service principal;
 * - the worker's credential: a federated identity credential trusting the worker's user-assigned managed
 *   identity (default, no secret exists), a certificate's public key, or a client secret with an end date
 *   (kept in Key Vault, a Pulumi secret in state);
 * - the Azure runtime (azure-native, submodules only): resource group, the worker's user-assigned identity,
 *   a Key Vault (RBAC authorization, purge protection) and "Key Vault Secrets User" for the identity, and the
 *   compute, monitoring and token store in ./appService.ts;
 * - the console's own redirect URIs (/consent/callback, /auth/callback) on the app registration, and the
 *   Together.Operator app role with its assignments (the console's staff sign-in);
 * - Mail.Send and Mail.ReadWrite (draft-then-send, exactly-once email) for owner emails as an Exchange RBAC for
 *   Applications script scoped to the sender mailbox (never an Entra grant; see constants.ts
 *   EXCHANGE_SENDER_PERMISSIONS).
 */
import * as authorization from '@pulumi/azure-native/authorization';
import * as keyvault from '@pulumi/azure-native/keyvault';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as resources from '@pulumi/azure-native/resources';
import * as azuread from '@pulumi/azuread';
import { X509Certificate } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { declareRuntime, NOTIFY_TABLE_NAME, TOKEN_TABLE_NAME } from './appService';
import { type PublisherConfig } from './config';
import {
  EXCHANGE_SENDER_PERMISSIONS,
  GRAPH_APP_ID,
  KEY_VAULT_SECRET_NAMES,
  KEY_VAULT_SECRETS_USER_ROLE_ID,
  OPERATOR_APP_ROLE,
  TOKEN_EXCHANGE_AUDIENCE,
} from './constants';
import { mailSenderRemovalScript, mailSenderScopingScript } from './exchange';
import { deriveNames } from './names';
import { type PublisherWorkerConfig } from '../contracts/worker-config';

/** The component takes the validated publisher config as it is (infra/config.ts documents each field). */
export type TogetherPublisherArgs = Omit<PublisherConfig, 'mode'>;

export const PUBLISHER_COMPONENT_TYPE = 'together:o365:Publisher';

/** The Pulumi organization ("organization" on a local backend); empty if the engine does not report one. */
function organization(): string {
  try {
    return pulumi.getOrganization();
  } catch {
    return '';
  }
}

/** A PEM certificate's notAfter as ISO 8601, or undefined when the PEM does not parse. */
export function certificateNotAfter(pem: string): string | undefined {
  try {
    return new Date(new X509Certificate(pem).validTo).toISOString();
  } catch {
    return undefined;
  }
}

/** The app registration's redirect URIs: the console's consent and staff sign-in callbacks, then the extra ones. */
export function publisherRedirectUris(consoleUrl: string, extra: string[]): string[] {
  return [...new Set([`${consoleUrl}/consent/callback`, `${consoleUrl}/auth/callback`, ...extra])];
}

export class TogetherPublisher extends pulumi.ComponentResource {
  readonly appId: pulumi.Output<string>;
  readonly homeTenantId: pulumi.Output<string>;
  readonly servicePrincipalObjectId: pulumi.Output<string>;
  readonly workerIdentityClientId: pulumi.Output<string>;
  readonly keyVaultUri: pulumi.Output<string>;
  readonly consoleUrl: pulumi.Output<string>;
  readonly workerHostName: pulumi.Output<string>;
  readonly packageUrl: pulumi.Output<string>;
  readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
  readonly mailSenderScopingScript: pulumi.Output<string | undefined>;
  readonly mailSenderRemovalScript: pulumi.Output<string | undefined>;
  readonly workerConfig: pulumi.Output<PublisherWorkerConfig>;
  readonly resources: pulumi.Resource[] = [];

  constructor(name: string, args: TogetherPublisherArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PUBLISHER_COMPONENT_TYPE, name, {}, opts);
    const child = <R extends pulumi.Resource>(r: R): R => {
      this.resources.push(r);
      return r;
    };

    const client = azuread.getClientConfigOutput({ parent: this });
    const graph = azuread.getServicePrincipalOutput({ clientId: GRAPH_APP_ID }, { parent: this });
    const arm = authorization.getClientConfigOutput({ parent: this });
    const owners: pulumi.Input<string[]> =
      args.owners.length > 0 ? args.owners : client.objectId.apply((o) => [o]);
    const names = deriveNames({
      organization: organization(),
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      ...(args.nameSuffix ? { suffix: args.nameSuffix } : {}),
    });
    // Known before the site exists (its default host name is <site>.azurewebsites.net), so the app
    // registration can carry the console's redirect URIs without a dependency cycle.
    const consoleUrl = args.consoleUrl ?? `https://${names.consoleSite}.azurewebsites.net`;
    const redirectUris = publisherRedirectUris(consoleUrl, args.redirectUris);

    const app = child(
      new azuread.Application(
        `${name}-app`,
        {
          displayName: args.displayName,
          signInAudience: 'AzureADMultipleOrgs',
          owners,
          preventDuplicateNames: true,
          requiredResourceAccesses: [
            {
              resourceAppId: GRAPH_APP_ID,
              resourceAccesses: graph.appRoleIds.apply((ids) =>
                args.permissions.map((p) => {
                  const id = ids[p];
                  if (!id)
                    throw new Error(`Microsoft Graph's service principal has no application permission ${p}`);
                  return { id, type: 'Role' };
                }),
              ),
            },
          ],
          // The console's staff sign-in: the id_token carries roles: ["Together.Operator"] for assigned users.
          appRoles: [
            {
              id: OPERATOR_APP_ROLE.id,
              value: OPERATOR_APP_ROLE.value,
              displayName: OPERATOR_APP_ROLE.displayName,
              description: OPERATOR_APP_ROLE.description,
              allowedMemberTypes: ['User'],
              enabled: true,
            },
          ],
          web: {
            redirectUris,
            implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
          },
        },
        { parent: this },
      ),
    );
    const sp = child(
      new azuread.ServicePrincipal(`${name}-sp`, { clientId: app.clientId, owners }, { parent: this }),
    );
    (args.operators ?? []).forEach((principal, i) =>
      child(
        new azuread.AppRoleAssignment(
          `${name}-operator-${i}`,
          { appRoleId: OPERATOR_APP_ROLE.id, principalObjectId: principal, resourceObjectId: sp.objectId },
          { parent: this },
        ),
      ),
    );

    const rg = child(
      new resources.ResourceGroup(
        `${name}-rg`,
        {
          location: args.location,
          ...(args.resourceGroupName ? { resourceGroupName: args.resourceGroupName } : {}),
        },
        { parent: this },
      ),
    );
    const identity = child(
      new managedidentity.UserAssignedIdentity(
        `${name}-worker-identity`,
        { resourceGroupName: rg.name, location: args.location },
        { parent: this },
      ),
    );
    const vault = child(
      new keyvault.Vault(
        `${name}-kv`,
        {
          resourceGroupName: rg.name,
          location: args.location,
          vaultName: args.keyVaultName ?? names.keyVault,
          properties: {
            tenantId: arm.tenantId,
            sku: { family: 'A', name: 'standard' },
            enableRbacAuthorization: true,
            enablePurgeProtection: true,
            enableSoftDelete: true,
            softDeleteRetentionInDays: 90,
            // Reached over the internet by App Service's Key Vault references (no VNet here), but only with
            // Entra RBAC: no access policies, no keys.
            publicNetworkAccess: 'Enabled',
          },
        },
        { parent: this },
      ),
    );
    child(
      new authorization.RoleAssignment(
        `${name}-worker-kv-secrets-user`,
        {
          principalId: identity.principalId,
          principalType: 'ServicePrincipal',
          roleDefinitionId: pulumi.interpolate`/subscriptions/${arm.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER_ROLE_ID}`,
          scope: vault.id,
          description: 'Together worker reads integration settings and credentials',
        },
        { parent: this },
      ),
    );

    const cred = args.credential;
    if (cred.kind === 'federated') {
      // Managed identity as the app's credential: the MI's token (audience api://AzureADTokenExchange) is the
      // client assertion. Only user-assigned identities in the app's own tenant are supported.
      const issuer = pulumi.all([client.tenantId, identity.tenantId]).apply(([home, miTenant]) => {
        if (home !== miTenant) {
          throw new Error(
            `The worker identity's tenant ${miTenant} differs from the app's home tenant ${home}`,
          );
        }
        return `https://login.microsoftonline.com/${home}/v2.0`;
      });
      child(
        new azuread.ApplicationFederatedIdentityCredential(
          `${name}-worker-fic`,
          {
            applicationId: app.id,
            displayName: 'together-worker-managed-identity',
            description: 'The Together worker signs in as this app with its user-assigned managed identity',
            audiences: [TOKEN_EXCHANGE_AUDIENCE],
            issuer,
            subject: identity.principalId,
          },
          { parent: this },
        ),
      );
    } else if (cred.kind === 'certificate') {
      child(
        new azuread.ApplicationCertificate(
          `${name}-certificate`,
          { applicationId: app.id, type: 'AsymmetricX509Cert', encoding: 'pem', value: cred.certificate },
          { parent: this },
        ),
      );
    } else {
      const password = child(
        new azuread.ApplicationPassword(
          `${name}-secret`,
          { applicationId: app.id, displayName: 'together-worker', endDate: cred.secretEndDate },
          { parent: this, additionalSecretOutputs: ['value'] },
        ),
      );
      child(
        new keyvault.Secret(
          `${name}-client-secret`,
          {
            resourceGroupName: rg.name,
            vaultName: vault.name,
            secretName: KEY_VAULT_SECRET_NAMES.clientSecret,
            properties: {
              value: pulumi.secret(password.value),
              contentType: 'text/plain',
              attributes: { enabled: true, expires: Math.floor(Date.parse(cred.secretEndDate) / 1000) },
            },
          },
          { parent: this },
        ),
      );
    }

    const runtime = declareRuntime(
      name,
      {
        location: args.location,
        names,
        sku: args.appServiceSku ?? 'B1',
        rg,
        identity,
        vault,
        subscriptionId: arm.subscriptionId,
        appId: app.clientId,
        homeTenantId: client.tenantId,
        consoleUrl,
        ...(args.temporalAddress ? { temporalAddress: args.temporalAddress } : {}),
        ...(args.temporalNamespace ? { temporalNamespace: args.temporalNamespace } : {}),
        ...(args.senderMailbox ? { senderMailbox: args.senderMailbox } : {}),
        ...(args.tokenKey !== undefined ? { tokenKey: args.tokenKey } : {}),
      },
      this,
      child,
    );

    const sender = args.senderMailbox;
    const senderArgs = ([appId, objectId]: [string, string]) => ({
      appId,
      servicePrincipalObjectId: objectId,
      displayName: args.displayName,
      senderMailbox: sender!,
    });
    this.mailSenderScopingScript = sender
      ? pulumi.all([app.clientId, sp.objectId]).apply((v) => mailSenderScopingScript(senderArgs(v)))
      : pulumi.output(undefined);
    this.mailSenderRemovalScript = sender
      ? pulumi.all([app.clientId, sp.objectId]).apply((v) => mailSenderRemovalScript(senderArgs(v)))
      : pulumi.output(undefined);
    if (!args.consoleUrl) {
      // The redirect URIs assume the classic <site>.azurewebsites.net host name (no "unique default host
      // name" opt-in); say so loudly if Azure ever reports another one.
      runtime.consoleHostName.apply((host) => {
        if (host && `https://${host}` !== consoleUrl)
          void pulumi.log.warn(
            `The console's host name is ${host}, not ${consoleUrl.slice(8)}: set together:consoleUrl https://${host} and run pulumi up again so the app registration's redirect URIs match`,
            this,
          );
      });
    }
    this.consoleUrl = pulumi.output(consoleUrl);
    this.workerHostName = runtime.workerHostName;
    this.packageUrl = runtime.packageUrl;
    this.logAnalyticsWorkspaceId = runtime.logAnalyticsWorkspaceId;

    // What the worker knows about its own credential's expiry, so no Application.Read.All is needed.
    const expiresAt =
      cred.kind === 'secret'
        ? cred.secretEndDate
        : cred.kind === 'certificate'
          ? certificateNotAfter(cred.certificate)
          : undefined;

    this.appId = app.clientId;
    this.homeTenantId = client.tenantId;
    this.servicePrincipalObjectId = sp.objectId;
    this.workerIdentityClientId = identity.clientId;
    this.keyVaultUri = vault.properties.vaultUri;
    this.workerConfig = pulumi
      .all([
        app.clientId,
        client.tenantId,
        identity.clientId,
        vault.properties.vaultUri,
        runtime.tableEndpoint,
      ])
      .apply(([appId, homeTenantId, managedIdentityClientId, keyVaultUri, tableEndpoint]) => ({
        mode: 'publisher' as const,
        appId,
        homeTenantId,
        credential: {
          kind: cred.kind,
          managedIdentityClientId,
          keyVaultUri,
          ...(expiresAt ? { expiresAt } : {}),
        },
        redirectUris: [...redirectUris],
        consoleUrl,
        ...(sender
          ? {
              senderMailbox: sender,
              senderMailboxPermissions: EXCHANGE_SENDER_PERMISSIONS.map((p) => `Application ${p}`),
            }
          : {}),
        operatorRole: OPERATOR_APP_ROLE.value,
        tokenStore: { kind: 'azureTable' as const, tableEndpoint, tableName: TOKEN_TABLE_NAME },
        notifyStore: { kind: 'azureTable' as const, tableEndpoint, tableName: NOTIFY_TABLE_NAME },
      }));

    this.registerOutputs({
      appId: this.appId,
      homeTenantId: this.homeTenantId,
      servicePrincipalObjectId: this.servicePrincipalObjectId,
      workerIdentityClientId: this.workerIdentityClientId,
      keyVaultUri: this.keyVaultUri,
      consoleUrl: this.consoleUrl,
      workerHostName: this.workerHostName,
      packageUrl: this.packageUrl,
      logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
      mailSenderScopingScript: this.mailSenderScopingScript,
      mailSenderRemovalScript: this.mailSenderRemovalScript,
      workerConfig: this.workerConfig,
    });
  }
}
