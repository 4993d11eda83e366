import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveNames } from './names';
import type * as PublisherModule from './publisher';
import {
  ORGANIZATION,
  PROJECT,
  STACK,
  SUBSCRIPTION_ID,
  TENANT_ID,
  installMocks,
  promiseOf,
  settle,
  unsecret,
} from './test/mocks';
import { RESOURCE_TYPES } from './test/types';

// Mocks first; the component module is imported only afterwards.
const recorder = installMocks();
let m: typeof PublisherModule;
beforeAll(async () => {
  m = await import('./publisher.js');
});

const T = RESOURCE_TYPES;
const NAMES = deriveNames({ organization: ORGANIZATION, project: PROJECT, stack: STACK });
// A real self-signed certificate (openssl req -x509), notAfter 2028-01-04T08:01:49Z.
const REAL_CERT = `-----BEGIN CERTIFICATE-----
MIIBhjCCASugAwIBAgIUNTPerX8EAL+EQMrFCYdJR/gugLcwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNdG9nZXRoZXItdGVzdDAeFw0yNjExMzAwODAxNDlaFw0yODAx
MDQwODAxNDlaMBgxFjAUBgNVBAMMDXRvZ2V0aGVyLXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQZrjNYBCTnWPXQXxdbRAApJlICxTaDoz2m0ORo6U06RHMN
e9htQmpuesDNo7dyirHC6onZzgC1YTuV4vdxjLeKo1MwUTAdBgNVHQ4EFgQUfYWj
s3BBiMvO1ymGSZ9Kqs+DknUwHwYDVR0jBBgwFoAUfYWjs3BBiMvO1ymGSZ9Kqs+D
knUwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA1vAUP0NugB+F
6dZ+i5EvQk4WYUioR9VudgrRF6zwPz8CIQCtZjc9Mf607CTLzE8vUtLoleEOWfbA
wOUzoNwq2ukzYA==
-----END CERTIFICATE-----
`;

function base(
  overrides: Partial<PublisherModule.TogetherPublisherArgs> = {},
): PublisherModule.TogetherPublisherArgs {
  return {
    displayName: 'Together Platform',
    redirectUris: [],
    owners: [],
    permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    credential: { kind: 'federated' },
    location: 'westeurope',
    temporalAddress: 'together.a1b2c.tmprl.cloud:7233',
    temporalNamespace: 'together.a1b2c',
    ...overrides,
  };
}

async function build(name: string, args: PublisherModule.TogetherPublisherArgs) {
  const p = new m.TogetherPublisher(name, args);
  await settle(p);
  return p;
}

type Setting = { name: string; value: string };
type Site = {
  name: string;
  kind: string;
  httpsOnly: boolean;
  publicNetworkAccess: string;
  identity: { type: string; userAssignedIdentities: string[] };
  keyVaultReferenceIdentity: string;
  serverFarmId: string;
  siteConfig: Record<string, unknown> & { appSettings: Setting[] };
};
const site = (name: string) => recorder.one(T.site, name).inputs as unknown as Site;
const settings = (s: Site) => Object.fromEntries(s.siteConfig.appSettings.map((x) => [x.name, x.value]));

describe('publisher runtime (App Service for Linux, Node 22)', () => {
  it('runs the console and the worker as two Linux Node 22 sites on one plan, each starting the built package with plain node', async () => {
    await build('rt', base());
    const plan = recorder.one(T.plan, 'rt-plan');
    expect(plan.inputs).toMatchObject({
      kind: 'linux',
      reserved: true,
      sku: { name: 'B1' },
      location: 'westeurope',
    });
    for (const role of ['console', 'worker'] as const) {
      const s = site(`rt-${role}`);
      expect(s).toMatchObject({
        name: role === 'console' ? NAMES.consoleSite : NAMES.workerSite,
        kind: 'app,linux',
        serverFarmId: plan.id,
        siteConfig: {
          linuxFxVersion: 'NODE|22-lts',
          appCommandLine: `node bin/together-o365.js ${role}`,
          healthCheckPath: '/healthz',
          alwaysOn: true,
        },
      });
      const env = settings(s);
      const account = recorder.one(T.account, 'rt-storage');
      expect(env.WEBSITE_RUN_FROM_PACKAGE).toBe(
        `https://${String(account.state.name)}.blob.core.windows.net/packages/together-o365.zip`,
      );
      expect(env.SCM_DO_BUILD_DURING_DEPLOYMENT).toBe('false');
      expect(env.WEBSITES_PORT).toBe('8080');
      expect(env.NODE_ENV).toBe('production');
    }
    expect(settings(site('rt-console'))).toMatchObject({
      TOGETHER_CONSOLE_HOST: '0.0.0.0',
      TOGETHER_CONSOLE_PORT: '8080',
      TOGETHER_CONSOLE_AUTH: 'entra',
    });
    // The staff session key comes from Key Vault like every other secret.
    expect(settings(site('rt-console')).TOGETHER_SESSION_KEY).toMatch(
      /^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\/secrets\/console-session-key\/\)$/,
    );
    // The worker answers App Service's /healthz probe on the site port; metrics stay on loopback.
    expect(settings(site('rt-worker'))).toMatchObject({
      TOGETHER_WORKER_HEALTH: '0.0.0.0:8080',
      TOGETHER_WORKER_METRICS: '127.0.0.1:9464',
    });
    // The worker runs with the settings the fleet benchmark measured (a sized workflow cache, a heap cap, a small
    // young generation, two malloc arenas); the console does not need them.
    expect(settings(site('rt-worker'))).toMatchObject({
      TOGETHER_MAX_CACHED_WORKFLOWS: '100',
      NODE_OPTIONS: '--max-old-space-size=192 --max-semi-space-size=4',
      MALLOC_ARENA_MAX: '2',
    });
    expect(settings(site('rt-console')).NODE_OPTIONS).toBeUndefined();
  });

  it('attaches the user-assigned managed identity to both sites and names it for Entra (federated credential) and Key Vault references — no secret in any setting', async () => {
    const p = await build('mi', base());
    const identity = recorder.one(T.identity, 'mi-worker-identity');
    for (const role of ['console', 'worker']) {
      const s = site(`mi-${role}`);
      expect(s.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: [identity.id] });
      expect(s.keyVaultReferenceIdentity).toBe(identity.id);
      const env = settings(s);
      expect(env).toMatchObject({
        AZURE_CLIENT_ID: identity.state.clientId,
        TOGETHER_FEDERATED_MI_CLIENT_ID: identity.state.clientId,
        TOGETHER_APP_ID: await promiseOf(p.appId),
        TOGETHER_PUBLISHER_TENANT_ID: TENANT_ID,
        WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identity.id,
        TEMPORAL_ADDRESS: 'together.a1b2c.tmprl.cloud:7233',
        TEMPORAL_NAMESPACE: 'together.a1b2c',
        TEMPORAL_TLS: 'true',
      });
      // Every setting named like a secret (TEMPORAL_API_KEY, TOGETHER_CODEC_KEY, TOGETHER_WEBHOOK_SECRET) is a reference.
      const secretNamed = Object.keys(env).filter((k) => /SECRET|_KEY$/.test(k));
      expect(secretNamed.sort()).toEqual(
        [
          'TEMPORAL_API_KEY',
          'TOGETHER_CODEC_KEY',
          ...(role === 'console' ? ['TOGETHER_SESSION_KEY'] : []),
          'TOGETHER_TOKEN_KEY',
          'TOGETHER_WEBHOOK_SECRET',
        ].sort(),
      );
      for (const k of secretNamed) expect(env[k]).toMatch(/^@Microsoft\.KeyVault\(SecretUri=https:\/\//);
    }
  });

  it('reads the Temporal API key, codec key and webhook key as Key Vault references to the stack vault', async () => {
    await build('kvref', base());
    const vault = recorder.one(T.vault, 'kvref-kv');
    const uri = `https://${String(vault.state.name)}.vault.azure.net/`;
    for (const role of ['console', 'worker']) {
      expect(settings(site(`kvref-${role}`))).toMatchObject({
        TEMPORAL_API_KEY: `@Microsoft.KeyVault(SecretUri=${uri}secrets/temporal-api-key/)`,
        TOGETHER_CODEC_KEY: `@Microsoft.KeyVault(SecretUri=${uri}secrets/codec-key/)`,
        TOGETHER_WEBHOOK_SECRET: `@Microsoft.KeyVault(SecretUri=${uri}secrets/webhook-secret/)`,
      });
    }
  });

  it('exposes only the console: HTTPS only, TLS 1.2, no FTP; the worker has no public network access and denies all inbound', async () => {
    await build('pub', base());
    const consoleSite = site('pub-console');
    const worker = site('pub-worker');
    for (const s of [consoleSite, worker]) {
      expect(s.httpsOnly).toBe(true);
      expect(s.siteConfig).toMatchObject({
        minTlsVersion: '1.2',
        scmMinTlsVersion: '1.2',
        ftpsState: 'Disabled',
      });
    }
    expect(consoleSite.publicNetworkAccess).toBe('Enabled');
    expect(worker.publicNetworkAccess).toBe('Disabled');
    expect(worker.siteConfig).toMatchObject({
      ipSecurityRestrictionsDefaultAction: 'Deny',
      scmIpSecurityRestrictionsDefaultAction: 'Deny',
    });
  });

  it('feeds the console URL back into the app registration: consent callback, staff sign-in callback, then extra URIs; and into the settings', async () => {
    const p = await build('urls', base({ redirectUris: ['http://localhost:8787/consent/callback'] }));
    const url = `https://${NAMES.consoleSite}.azurewebsites.net`;
    expect(recorder.one(T.app, 'urls-app').inputs.web).toMatchObject({
      redirectUris: [
        `${url}/consent/callback`,
        `${url}/auth/callback`,
        'http://localhost:8787/consent/callback',
      ],
    });
    expect(await promiseOf(p.consoleUrl)).toBe(url);
    expect(settings(site('urls-console'))).toMatchObject({
      TOGETHER_CONSOLE_URL: url,
      TOGETHER_REDIRECT_URI: `${url}/consent/callback`,
    });
    // The derived URL is the site's real default host name.
    expect(`https://${String(recorder.one(T.site, 'urls-console').state.defaultHostName)}`).toBe(url);
  });

  it('uses a custom console URL when configured', async () => {
    await build('custom', base({ consoleUrl: 'https://together.example' }));
    expect((recorder.one(T.app, 'custom-app').inputs.web as { redirectUris: string[] }).redirectUris).toEqual(
      ['https://together.example/consent/callback', 'https://together.example/auth/callback'],
    );
  });

  it('wires logs and metrics to Azure Monitor: a Log Analytics workspace, workspace-based Application Insights, diagnostic settings on both sites and the vault', async () => {
    await build('mon', base());
    const workspace = recorder.one(T.workspace, 'mon-logs');
    const insights = recorder.one(T.insights, 'mon-insights');
    expect(insights.inputs).toMatchObject({
      kind: 'web',
      applicationType: 'web',
      workspaceResourceId: workspace.id,
      ingestionMode: 'LogAnalytics',
    });
    for (const role of ['console', 'worker']) {
      expect(settings(site(`mon-${role}`)).APPLICATIONINSIGHTS_CONNECTION_STRING).toBe(
        insights.state.connectionString,
      );
      const d = recorder.one(T.diagnostics, `mon-${role}-diagnostics`);
      expect(d.inputs).toMatchObject({
        resourceUri: recorder.one(T.site, `mon-${role}`).id,
        workspaceId: workspace.id,
        metrics: [{ category: 'AllMetrics', enabled: true }],
      });
      expect((d.inputs.logs as { category: string }[]).map((l) => l.category)).toEqual([
        'AppServiceConsoleLogs',
        'AppServiceAppLogs',
        'AppServiceHTTPLogs',
        'AppServicePlatformLogs',
      ]);
    }
    expect(recorder.one(T.diagnostics, 'mon-kv-diagnostics').inputs).toMatchObject({
      resourceUri: recorder.one(T.vault, 'mon-kv').id,
      logs: [{ categoryGroup: 'audit', enabled: true }],
    });
  });

  it("declares individual mode's token store: a storage account without shared keys, a table, and Table Data Contributor for the identity on that table only", async () => {
    const p = await build('tok', base());
    const account = recorder.one(T.account, 'tok-storage');
    expect(account.inputs).toMatchObject({
      accountName: NAMES.storageAccount,
      kind: 'StorageV2',
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
    });
    const table = recorder.one(T.table, 'tok-token-table');
    expect(table.inputs).toMatchObject({ accountName: account.state.name, tableName: 'togethertokens' });
    const identity = recorder.one(T.identity, 'tok-worker-identity');
    expect(recorder.one(T.role, 'tok-worker-token-table').inputs).toMatchObject({
      principalId: identity.state.principalId,
      principalType: 'ServicePrincipal',
      scope: `${account.id}/tableServices/default/tables/togethertokens`,
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3`,
    });
    expect(recorder.one(T.container, 'tok-packages').inputs).toMatchObject({ publicAccess: 'None' });
    expect(recorder.one(T.role, 'tok-package-reader').inputs).toMatchObject({
      principalId: identity.state.principalId,
      scope: recorder.one(T.container, 'tok-packages').id,
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1`,
    });
    expect(settings(site('tok-worker')).TOGETHER_TOKEN_TABLE_URL).toBe(
      `https://${NAMES.storageAccount}.table.core.windows.net/togethertokens`,
    );
    expect((await promiseOf(p.workerConfig)).tokenStore).toEqual({
      kind: 'azureTable',
      tableEndpoint: `https://${NAMES.storageAccount}.table.core.windows.net/`,
      tableName: 'togethertokens',
    });
  });

  it('declares the shared notification idempotency table, Table Data Contributor on it only, and TOGETHER_NOTIFY_TABLE_URL for the worker', async () => {
    const p = await build('ntf', base());
    const account = recorder.one(T.account, 'ntf-storage');
    expect(recorder.one(T.table, 'ntf-notify-table').inputs).toMatchObject({
      accountName: account.state.name,
      tableName: 'togethernotifications',
    });
    const identity = recorder.one(T.identity, 'ntf-worker-identity');
    expect(recorder.one(T.role, 'ntf-worker-notify-table').inputs).toMatchObject({
      principalId: identity.state.principalId,
      principalType: 'ServicePrincipal',
      scope: `${account.id}/tableServices/default/tables/togethernotifications`,
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3`,
    });
    expect(settings(site('ntf-worker')).TOGETHER_NOTIFY_TABLE_URL).toBe(
      `https://${NAMES.storageAccount}.table.core.windows.net/togethernotifications`,
    );
    expect(settings(site('ntf-worker')).TOGETHER_MAIL_DEDUP).toBeUndefined(); // the default: draft-then-send
    expect((await promiseOf(p.workerConfig)).notifyStore).toEqual({
      kind: 'azureTable',
      tableEndpoint: `https://${NAMES.storageAccount}.table.core.windows.net/`,
      tableName: 'togethernotifications',
    });
  });
});

describe("individual mode's token sealing key (TOGETHER_TOKEN_KEY) comes from Key Vault", () => {
  const KEY = Buffer.alloc(32, 7).toString('base64');
  const secretType = 'azure-native:keyvault:Secret';

  it('stores together:tokenKey as the vault secret token-key, a Pulumi secret in state', async () => {
    await build('tk', base({ tokenKey: pulumi.secret(KEY) }));
    const vault = recorder.one(T.vault, 'tk-kv');
    const secret = recorder.one(secretType, 'tk-token-key');
    expect(secret.inputs).toMatchObject({ vaultName: vault.state.name, secretName: 'token-key' });
    // The whole properties object is a secret in state (its value is).
    const props = unsecret(secret.inputs.properties);
    expect(props.secret).toBe(true);
    expect(props.value).toMatchObject({ value: KEY, attributes: { enabled: true } });
  });

  it('gives both sites TOGETHER_TOKEN_KEY as a Key Vault reference to that secret, and the key itself in no app setting', async () => {
    await build('tkref', base({ tokenKey: pulumi.secret(KEY) }));
    const vault = recorder.one(T.vault, 'tkref-kv');
    const uri = `https://${String(vault.state.name)}.vault.azure.net/`;
    for (const role of ['console', 'worker']) {
      const s = site(`tkref-${role}`);
      const env = settings(s);
      expect(env.TOGETHER_TOKEN_KEY).toBe(`@Microsoft.KeyVault(SecretUri=${uri}secrets/token-key/)`);
      expect(JSON.stringify(s.siteConfig.appSettings)).not.toContain(KEY);
      expect(JSON.stringify(s.siteConfig.appSettings)).not.toContain(
        Buffer.from(KEY, 'base64').toString('hex'),
      );
    }
  });

  it("lets the sites' identity read it: Key Vault Secrets User on the vault for the principal the sites run as and resolve references with", async () => {
    await build('tkrole', base({ tokenKey: pulumi.secret(KEY) }));
    const identity = recorder.one(T.identity, 'tkrole-worker-identity');
    const vault = recorder.one(T.vault, 'tkrole-kv');
    expect(vault.inputs).toMatchObject({ properties: { enableRbacAuthorization: true } });
    expect(recorder.one(T.role, 'tkrole-worker-kv-secrets-user').inputs).toMatchObject({
      principalId: identity.state.principalId,
      principalType: 'ServicePrincipal',
      scope: vault.id,
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
    });
    for (const role of ['console', 'worker']) {
      const s = site(`tkrole-${role}`);
      expect(s.identity.userAssignedIdentities).toEqual([identity.id]);
      expect(s.keyVaultReferenceIdentity).toBe(identity.id);
    }
  });

  it('without together:tokenKey declares no secret but still references the vault (the operator sets token-key)', async () => {
    await build('tknone', base());
    expect(recorder.resources.filter((r) => r.type === secretType && r.name === 'tknone-token-key')).toEqual(
      [],
    );
    expect(settings(site('tknone-worker')).TOGETHER_TOKEN_KEY).toMatch(/secrets\/token-key\/\)$/);
  });

  it('checks the key format: 32 bytes base64 or hex, comma-separated for rotation', async () => {
    const { tokenKeyProblem } = await import('./appService.js');
    expect(tokenKeyProblem(KEY)).toBeUndefined();
    expect(tokenKeyProblem(`${KEY},${'ab'.repeat(32)}`)).toBeUndefined();
    expect(tokenKeyProblem('short')).toMatch(/32 bytes[\s\S]*openssl rand -base64 32/);
    expect(tokenKeyProblem(Buffer.alloc(16).toString('base64'))).toBeDefined();
  });
});

describe('publisher identity and permissions', () => {
  it('declares the Together.Operator app role and assigns it to each configured operator', async () => {
    const ops = ['0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f', '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'];
    const p = await build('ops', base({ operators: ops }));
    const app = recorder.one(T.app, 'ops-app');
    expect(app.inputs.appRoles).toEqual([
      {
        id: '6f1c9a3e-2b7d-4e58-9c14-8a0d3e5f7b21',
        value: 'Together.Operator',
        displayName: 'Together operator',
        description: expect.any(String),
        allowedMemberTypes: ['User'],
        enabled: true,
      },
    ]);
    const sp = recorder.one(T.sp, 'ops-sp');
    ops.forEach((principal, i) =>
      expect(recorder.one(T.assignment, `ops-operator-${i}`).inputs).toEqual({
        appRoleId: '6f1c9a3e-2b7d-4e58-9c14-8a0d3e5f7b21',
        principalObjectId: principal,
        resourceObjectId: sp.state.objectId,
      }),
    );
    expect((await promiseOf(p.workerConfig)).operatorRole).toBe('Together.Operator');
  });

  it('Mail.Send and Mail.ReadWrite for owner emails are an Exchange script scoped to the sender mailbox, with its removal script — never Entra permissions', async () => {
    const p = await build('mail', base({ senderMailbox: 'noreply@together.example' }));
    const app = recorder.one(T.app, 'mail-app');
    const sp = recorder.one(T.sp, 'mail-sp');
    const script = await promiseOf(p.mailSenderScopingScript);
    expect(script).toContain(`$AppId = '${String(app.state.clientId)}'`);
    expect(script).toContain(`$ServicePrincipalObjectId = '${String(sp.state.objectId)}'`);
    expect(script).toContain(`$filter = "PrimarySmtpAddress -eq 'noreply@together.example'"`);
    expect(script).toContain("-Role 'Application Mail.Send'");
    expect(script).toContain("-Role 'Application Mail.ReadWrite'");
    expect(await promiseOf(p.mailSenderRemovalScript)).toContain('Remove-ManagementScope');
    // No Entra Mail.Send / Mail.ReadWrite: not requested by the app, not granted by any assignment.
    expect(JSON.stringify(app.inputs.requiredResourceAccesses)).not.toContain(
      'b633e1c5-b582-4048-a93e-9f11b44c7e96',
    );
    expect(JSON.stringify(app.inputs.requiredResourceAccesses)).not.toContain(
      'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
    );
    expect((await promiseOf(p.workerConfig)).senderMailboxPermissions).toEqual([
      'Application Mail.Send',
      'Application Mail.ReadWrite',
    ]);
    expect(recorder.childrenOf('mail').filter((r) => r.type === T.assignment)).toEqual([]);
    expect(settings(site('mail-worker')).TOGETHER_SENDER_MAILBOX).toBe('noreply@together.example');
    expect((await promiseOf(p.workerConfig)).senderMailbox).toBe('noreply@together.example');
  });

  it('outputs no sender scripts without a sender mailbox', async () => {
    const p = await build('nomail', base());
    expect(await promiseOf(p.mailSenderScopingScript)).toBeUndefined();
    expect(await promiseOf(p.mailSenderRemovalScript)).toBeUndefined();
  });

  it('tells the worker when its credential expires (secret end date, certificate notAfter) so it needs no Application.Read.All', async () => {
    const end = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const sec = await build('exp-sec', base({ credential: { kind: 'secret', secretEndDate: end } }));
    expect((await promiseOf(sec.workerConfig)).credential.expiresAt).toBe(end);
    const cert = await build(
      'exp-cert',
      base({ credential: { kind: 'certificate', certificate: REAL_CERT } }),
    );
    expect((await promiseOf(cert.workerConfig)).credential.expiresAt).toBe('2028-01-04T08:01:49.000Z');
    expect(
      unsecret(
        recorder.one('azuread:index/applicationCertificate:ApplicationCertificate', 'exp-cert-certificate')
          .inputs.value,
      ).value,
    ).toBe(REAL_CERT);
    const fed = await build('exp-fed', base());
    expect((await promiseOf(fed.workerConfig)).credential.expiresAt).toBeUndefined();
  });
});

describe('derived names (Key Vault names stay reserved for 90 days after a destroy)', () => {
  it('are stable for a stack, differ per stack, and change with together:nameSuffix', () => {
    const seed = { organization: 'organization', project: 'together-o365', stack: 'prod' };
    const a = deriveNames(seed);
    expect(deriveNames(seed)).toEqual(a);
    expect(deriveNames({ ...seed, stack: 'staging' }).keyVault).not.toBe(a.keyVault);
    const b = deriveNames({ ...seed, suffix: '2' });
    for (const k of ['keyVault', 'storageAccount', 'consoleSite', 'workerSite'] as const)
      expect(b[k]).not.toBe(a[k]);
  });

  it('fit Azure rules: vault 3-24 letters/digits/hyphens, storage 3-24 lowercase alphanumerics, sites at most 60', () => {
    const n = deriveNames({
      organization: 'a-very-long-organization-name',
      project: 'together-o365',
      stack: 'production-west',
      suffix: 'abcdefgh',
    });
    expect(n.keyVault).toMatch(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
    expect(n.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
    expect(n.consoleSite.length).toBeLessThanOrEqual(60);
    expect(n.workerSite).toMatch(/^[a-z0-9-]+$/);
  });

  it('an explicit together:keyVaultName still wins', async () => {
    await build('fixed', base({ keyVaultName: 'kv-together-prod' }));
    expect(recorder.one(T.vault, 'fixed-kv').inputs.vaultName).toBe('kv-together-prod');
  });
});
