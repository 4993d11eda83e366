/**
 * The publisher's runtime: what runs the worker and the console, declared with azure-native submodules.
 *
 * Choice: App Service for Linux, Node 22 LTS (`NODE|22-lts`), one plan, two sites, running the built package
 * with plain `node`. Why not Container Apps: that needs an image, and an image needs a Docker engine or a
 * registry build this project does not have; the production build is a zip of JavaScript (issue 13 item 2),
 * which App Service runs as it is. The zip is not pushed through Kudu (the worker's site has no public network
 * access, SCM included) but mounted from a private blob with the managed identity
 * (WEBSITE_RUN_FROM_PACKAGE + WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID,
 * https://learn.microsoft.com/azure/app-service/deploy-run-package).
 *
 * - Both sites run as the user-assigned managed identity: AZURE_CLIENT_ID / TOGETHER_FEDERATED_MI_CLIENT_ID
 *   select it, so the app's federated credential is what authenticates to Entra (no secret anywhere).
 * - Secrets are Key Vault references, `@Microsoft.KeyVault(SecretUri=<vault>/secrets/<name>/)` (versionless:
 *   App Service picks up a new version within 24 hours), resolved with the same identity
 *   (keyVaultReferenceIdentity; https://learn.microsoft.com/azure/app-service/app-service-key-vault-references).
 * - Health: `healthCheckPath: /healthz` on both sites (App Service pings each instance and replaces an
 *   unhealthy one; https://learn.microsoft.com/azure/app-service/monitor-instances-health-check).
 * - Azure Monitor: a Log Analytics workspace, workspace-based Application Insights (connection string in
 *   the app settings) and diagnostic settings sending each site's console, app, HTTP and platform logs and all
 *   metrics to the workspace.
 * - What is public: the console site only (HTTPS only, TLS 1.2, no FTP). The worker site has public network
 *   access disabled and a deny-all access restriction: it only makes outbound calls (Temporal, Graph).
 * - Individual mode's token store: a storage account without shared keys (Entra only), a table for the
 *   encrypted MSAL cache, and Storage Table Data Contributor on it for the identity. The key that seals each
 *   user's tokens (TOGETHER_TOKEN_KEY) is a Key Vault secret (`token-key`, declared here from the Pulumi
 *   config secret `together:tokenKey`) and reaches the sites only as a Key Vault reference: never a plain
 *   app setting, which anyone with read access to the site's configuration could see.
 */
import * as applicationinsights from '@pulumi/azure-native/applicationinsights';
import * as authorization from '@pulumi/azure-native/authorization';
import * as keyvault from '@pulumi/azure-native/keyvault';
import type * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as monitor from '@pulumi/azure-native/monitor';
import * as operationalinsights from '@pulumi/azure-native/operationalinsights';
import type * as resources from '@pulumi/azure-native/resources';
import * as storage from '@pulumi/azure-native/storage';
import * as web from '@pulumi/azure-native/web';
import * as pulumi from '@pulumi/pulumi';
import {
  LINUX_NODE_RUNTIME,
  ROLE_TAG,
  RUNTIME_SECRET_NAMES,
  STORAGE_BLOB_DATA_READER_ROLE_ID,
  STORAGE_TABLE_DATA_CONTRIBUTOR_ROLE_ID,
} from './constants';
import { type DerivedNames } from './names';
import {
  WORKER_MALLOC_ARENA_MAX,
  WORKER_MAX_CACHED_WORKFLOWS,
  WORKER_NODE_FLAGS,
} from '../contracts/worker-config';

/** The table holding individual mode's encrypted MSAL token cache, one partition per user. */
export const TOKEN_TABLE_NAME = 'togethertokens';
/**
 * The notification idempotency records and locks every worker replica shares (TOGETHER_NOTIFY_TABLE_URL,
 * activities/notify/table-store.ts): a per-host record cannot stop a second replica from resending a webhook.
 */
export const NOTIFY_TABLE_NAME = 'togethernotifications';
/** The private container the CI uploads the built package to, and its blob name. */
export const PACKAGE_CONTAINER = 'packages';
export const PACKAGE_BLOB = 'together-o365.zip';
/** The port the sites listen on (App Service forwards 80/443 to it). */
export const SITE_PORT = '8080';

/** `@Microsoft.KeyVault(SecretUri=…)`: a versionless reference to a secret in the vault. */
export const keyVaultReference = (vaultUri: string, secretName: string): string =>
  `@Microsoft.KeyVault(SecretUri=${vaultUri.replace(/\/?$/, '/')}secrets/${secretName}/)`;

export interface RuntimeArgs {
  location: string;
  names: DerivedNames;
  sku: string;
  rg: resources.ResourceGroup;
  identity: managedidentity.UserAssignedIdentity;
  vault: keyvault.Vault;
  subscriptionId: pulumi.Input<string>;
  appId: pulumi.Input<string>;
  homeTenantId: pulumi.Input<string>;
  consoleUrl: string;
  temporalAddress?: string;
  temporalNamespace?: string;
  senderMailbox?: string;
  /** `together:tokenKey` (a Pulumi secret): the token store's sealing key, stored as the vault secret `token-key`. */
  tokenKey?: pulumi.Input<string>;
}

/**
 * TOGETHER_TOKEN_KEY's format as the worker parses it (activities/individual/seal.ts): 32 bytes, base64 or
 * hex, comma-separated for rotation (current first). Returns the problem, or undefined when it is fine.
 */
export function tokenKeyProblem(value: string): string | undefined {
  const keys = value.trim().split(',');
  for (const k of keys.map((x) => x.trim())) {
    const bytes = /^[0-9a-fA-F]{64}$/.test(k)
      ? 32
      : /^[A-Za-z0-9+/_-]+={0,2}$/.test(k)
        ? Buffer.from(k, 'base64').length
        : 0;
    if (bytes !== 32)
      return 'together:tokenKey must be 32 bytes as base64 or hex (comma-separated for rotation); create one with: pulumi config set --secret together:tokenKey "$(openssl rand -base64 32)"';
  }
  return undefined;
}

export interface Runtime {
  consoleHostName: pulumi.Output<string>;
  workerHostName: pulumi.Output<string>;
  tableEndpoint: pulumi.Output<string>;
  packageUrl: pulumi.Output<string>;
  logAnalyticsWorkspaceId: pulumi.Output<string>;
}

type Child = <R extends pulumi.Resource>(r: R) => R;

export function declareRuntime(
  name: string,
  args: RuntimeArgs,
  parent: pulumi.Resource,
  child: Child,
): Runtime {
  const opts = { parent };
  const { rg, identity, vault, location } = args;
  const roleDefinition = (id: string) =>
    pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

  // Azure Monitor.
  const workspace = child(
    new operationalinsights.Workspace(
      `${name}-logs`,
      { resourceGroupName: rg.name, location, sku: { name: 'PerGB2018' }, retentionInDays: 30 },
      opts,
    ),
  );
  const insights = child(
    new applicationinsights.Component(
      `${name}-insights`,
      {
        resourceGroupName: rg.name,
        location,
        kind: 'web',
        applicationType: 'web',
        workspaceResourceId: workspace.id,
        ingestionMode: 'LogAnalytics',
      },
      opts,
    ),
  );

  // Storage: the token store (individual mode) and the private package container, Entra-only.
  const account = child(
    new storage.StorageAccount(
      `${name}-storage`,
      {
        resourceGroupName: rg.name,
        location,
        accountName: args.names.storageAccount,
        kind: 'StorageV2',
        sku: { name: 'Standard_LRS' },
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowBlobPublicAccess: false,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: 'TLS1_2',
      },
      opts,
    ),
  );
  const table = child(
    new storage.Table(
      `${name}-token-table`,
      { resourceGroupName: rg.name, accountName: account.name, tableName: TOKEN_TABLE_NAME },
      opts,
    ),
  );
  const notifyTable = child(
    new storage.Table(
      `${name}-notify-table`,
      { resourceGroupName: rg.name, accountName: account.name, tableName: NOTIFY_TABLE_NAME },
      opts,
    ),
  );
  const container = child(
    new storage.BlobContainer(
      `${name}-packages`,
      {
        resourceGroupName: rg.name,
        accountName: account.name,
        containerName: PACKAGE_CONTAINER,
        publicAccess: 'None',
      },
      opts,
    ),
  );
  child(
    new authorization.RoleAssignment(
      `${name}-worker-token-table`,
      {
        principalId: identity.principalId,
        principalType: 'ServicePrincipal',
        roleDefinitionId: roleDefinition(STORAGE_TABLE_DATA_CONTRIBUTOR_ROLE_ID),
        scope: pulumi.interpolate`${account.id}/tableServices/default/tables/${table.name}`,
        description: 'Together worker and console read and write the encrypted token cache',
      },
      opts,
    ),
  );
  child(
    new authorization.RoleAssignment(
      `${name}-worker-notify-table`,
      {
        principalId: identity.principalId,
        principalType: 'ServicePrincipal',
        roleDefinitionId: roleDefinition(STORAGE_TABLE_DATA_CONTRIBUTOR_ROLE_ID),
        scope: pulumi.interpolate`${account.id}/tableServices/default/tables/${notifyTable.name}`,
        description: 'Together workers share notification idempotency records and locks',
      },
      opts,
    ),
  );
  child(
    new authorization.RoleAssignment(
      `${name}-package-reader`,
      {
        principalId: identity.principalId,
        principalType: 'ServicePrincipal',
        roleDefinitionId: roleDefinition(STORAGE_BLOB_DATA_READER_ROLE_ID),
        scope: container.id,
        description: 'App Service mounts the built package with the managed identity',
      },
      opts,
    ),
  );

  const tableEndpoint = account.primaryEndpoints.apply((e) => e.table);
  const packageUrl = pulumi.interpolate`${account.primaryEndpoints.blob}${PACKAGE_CONTAINER}/${PACKAGE_BLOB}`;
  const vaultUri = vault.properties.vaultUri;

  // Individual mode's sealing key: a vault secret, read by the sites through a Key Vault reference with the
  // identity's Key Vault Secrets User role (publisher.ts). Its value stays a Pulumi secret end to end.
  if (args.tokenKey !== undefined) {
    child(
      new keyvault.Secret(
        `${name}-token-key`,
        {
          resourceGroupName: rg.name,
          vaultName: vault.name,
          secretName: RUNTIME_SECRET_NAMES.tokenKey,
          properties: {
            value: pulumi.secret(
              pulumi.output(args.tokenKey).apply((v) => {
                const problem = tokenKeyProblem(v);
                if (problem) throw new pulumi.RunError(problem);
                return v.trim();
              }),
            ),
            contentType: 'TOGETHER_TOKEN_KEY: 32-byte keys, base64 or hex, comma-separated (current first)',
            attributes: { enabled: true },
          },
        },
        opts,
      ),
    );
  } else {
    void pulumi.log.warn(
      `together:tokenKey is not set: individual mode needs the vault secret '${RUNTIME_SECRET_NAMES.tokenKey}' ` +
        `(TOGETHER_TOKEN_KEY). Set it with: pulumi config set --secret together:tokenKey "$(openssl rand -base64 32)"`,
    );
  }

  const plan = child(
    new web.AppServicePlan(
      `${name}-plan`,
      {
        resourceGroupName: rg.name,
        location,
        kind: 'linux',
        reserved: true, // Linux
        sku: { name: args.sku },
      },
      opts,
    ),
  );

  const setting = (n: string, value: pulumi.Input<string>) => ({ name: n, value });
  const common = [
    setting('WEBSITE_RUN_FROM_PACKAGE', packageUrl),
    setting('WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID', identity.id),
    setting('SCM_DO_BUILD_DURING_DEPLOYMENT', 'false'),
    setting('WEBSITES_PORT', SITE_PORT),
    setting('NODE_ENV', 'production'),
    // The managed identity: DefaultAzureCredential and the federated credential's assertion both use it.
    setting('AZURE_CLIENT_ID', identity.clientId),
    setting('TOGETHER_FEDERATED_MI_CLIENT_ID', identity.clientId),
    setting('TOGETHER_APP_ID', args.appId),
    setting('TOGETHER_PUBLISHER_TENANT_ID', args.homeTenantId),
    setting('TOGETHER_CONSOLE_URL', args.consoleUrl),
    setting('TOGETHER_REDIRECT_URI', `${args.consoleUrl}/consent/callback`),
    setting('TOGETHER_TOKEN_TABLE_URL', pulumi.interpolate`${tableEndpoint}${TOKEN_TABLE_NAME}`),
    setting('TOGETHER_NOTIFY_TABLE_URL', pulumi.interpolate`${tableEndpoint}${NOTIFY_TABLE_NAME}`),
    ...(args.temporalAddress
      ? [setting('TEMPORAL_ADDRESS', args.temporalAddress), setting('TEMPORAL_TLS', 'true')]
      : []),
    ...(args.temporalNamespace ? [setting('TEMPORAL_NAMESPACE', args.temporalNamespace)] : []),
    ...(args.senderMailbox ? [setting('TOGETHER_SENDER_MAILBOX', args.senderMailbox)] : []),
    setting(
      'TEMPORAL_API_KEY',
      vaultUri.apply((u) => keyVaultReference(u, RUNTIME_SECRET_NAMES.temporalApiKey)),
    ),
    setting(
      'TOGETHER_CODEC_KEY',
      vaultUri.apply((u) => keyVaultReference(u, RUNTIME_SECRET_NAMES.codecKey)),
    ),
    setting(
      'TOGETHER_WEBHOOK_SECRET',
      vaultUri.apply((u) => keyVaultReference(u, RUNTIME_SECRET_NAMES.webhookSecret)),
    ),
    // Individual mode's token sealing key: a Key Vault reference, never the key itself.
    setting(
      'TOGETHER_TOKEN_KEY',
      vaultUri.apply((u) => keyVaultReference(u, RUNTIME_SECRET_NAMES.tokenKey)),
    ),
    setting('APPLICATIONINSIGHTS_CONNECTION_STRING', insights.connectionString),
  ];

  const site = (
    role: 'console' | 'worker',
    siteName: string,
    extra: { name: string; value: pulumi.Input<string> }[],
  ) =>
    child(
      new web.WebApp(
        `${name}-${role}`,
        {
          resourceGroupName: rg.name,
          location,
          name: siteName,
          kind: 'app,linux',
          // The policy pack reads this tag: a worker site must never be public.
          tags: { [ROLE_TAG]: role },
          serverFarmId: plan.id,
          httpsOnly: true,
          clientAffinityEnabled: false,
          identity: { type: 'UserAssigned', userAssignedIdentities: [identity.id] },
          keyVaultReferenceIdentity: identity.id,
          // The console is the only public endpoint; the worker takes no inbound traffic at all.
          publicNetworkAccess: role === 'console' ? 'Enabled' : 'Disabled',
          siteConfig: {
            linuxFxVersion: LINUX_NODE_RUNTIME,
            appCommandLine: `node bin/together-o365.js ${role}`,
            healthCheckPath: '/healthz',
            alwaysOn: true, // a Temporal worker must keep polling; the console must answer Entra's redirect
            http20Enabled: true,
            minTlsVersion: '1.2',
            scmMinTlsVersion: '1.2',
            ftpsState: 'Disabled',
            remoteDebuggingEnabled: false,
            ...(role === 'worker'
              ? {
                  ipSecurityRestrictionsDefaultAction: 'Deny',
                  scmIpSecurityRestrictionsDefaultAction: 'Deny',
                }
              : {}),
            appSettings: [...common, ...extra],
          },
        },
        opts,
      ),
    );

  const consoleSite = site('console', args.names.consoleSite, [
    setting('TOGETHER_CONSOLE_HOST', '0.0.0.0'),
    setting('TOGETHER_CONSOLE_PORT', SITE_PORT),
    // Staff sign-in (Entra OIDC, the operator role): off is refused off loopback, so say it explicitly.
    setting('TOGETHER_CONSOLE_AUTH', 'entra'),
    setting(
      'TOGETHER_SESSION_KEY',
      vaultUri.apply((u) => keyVaultReference(u, RUNTIME_SECRET_NAMES.sessionKey)),
    ),
  ]);
  const workerSite = site('worker', args.names.workerSite, [
    // /healthz on the site port for App Service's health check (200 only while the worker polls); the
    // Prometheus /metrics endpoint stays on loopback inside the instance (logs and metrics reach Azure Monitor
    // through the diagnostic settings and Application Insights below).
    setting('TOGETHER_WORKER_HEALTH', `0.0.0.0:${SITE_PORT}`),
    setting('TOGETHER_WORKER_METRICS', '127.0.0.1:9464'),
    // The settings the fleet benchmark measured (docs/benchmarks.md, issue 15): a workflow cache sized to the
    // monitors in a task at once, not the fleet (each check is one workflow task), and a capped V8 heap so the
    // garbage collector keeps it small; the pre-built workflow bundle ships in the package (dist/workflow-bundle.js).
    setting('TOGETHER_MAX_CACHED_WORKFLOWS', String(WORKER_MAX_CACHED_WORKFLOWS)),
    setting('NODE_OPTIONS', WORKER_NODE_FLAGS.join(' ')),
    setting('MALLOC_ARENA_MAX', String(WORKER_MALLOC_ARENA_MAX)),
  ]);

  for (const [role, s] of [
    ['console', consoleSite],
    ['worker', workerSite],
  ] as const) {
    child(
      new monitor.DiagnosticSetting(
        `${name}-${role}-diagnostics`,
        {
          resourceUri: s.id,
          workspaceId: workspace.id,
          logs: [
            'AppServiceConsoleLogs',
            'AppServiceAppLogs',
            'AppServiceHTTPLogs',
            'AppServicePlatformLogs',
          ].map((category) => ({ category, enabled: true })),
          metrics: [{ category: 'AllMetrics', enabled: true }],
        },
        opts,
      ),
    );
  }
  child(
    new monitor.DiagnosticSetting(
      `${name}-kv-diagnostics`,
      {
        resourceUri: vault.id,
        workspaceId: workspace.id,
        logs: [{ categoryGroup: 'audit', enabled: true }],
        metrics: [{ category: 'AllMetrics', enabled: true }],
      },
      opts,
    ),
  );

  return {
    consoleHostName: consoleSite.defaultHostName,
    workerHostName: workerSite.defaultHostName,
    tableEndpoint,
    packageUrl,
    logAnalyticsWorkspaceId: workspace.id,
  };
}
