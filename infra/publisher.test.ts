import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveNames } from './names';
import type * as PublisherModule from './publisher';
import {
  DEPLOYER_OBJECT_ID,
  GRAPH_APP_ROLE_IDS,
  ORGANIZATION,
  PROJECT,
  STACK,
  SUBSCRIPTION_ID,
  TENANT_ID,
  installMocks,
  promiseOf,
  settle,
  shape,
  unsecret,
} from './test/mocks';
import { RESOURCE_TYPES } from './test/types';

const recorder = installMocks();
let m: typeof PublisherModule;
beforeAll(async () => {
  m = await import('./publisher.js');
});

const T = RESOURCE_TYPES;
const NAMES = deriveNames({ organization: ORGANIZATION, project: PROJECT, stack: STACK });
const CONSOLE_URL = `https://${NAMES.consoleSite}.azurewebsites.net`;
const APP_REDIRECTS = [
  `${CONSOLE_URL}/consent/callback`,
  `${CONSOLE_URL}/auth/callback`,
  ...['https://together.example/o365/consent/callback', 'http://localhost:8787/consent/callback'],
];
const REDIRECTS = [
  'https://together.example/o365/consent/callback',
  'http://localhost:8787/consent/callback',
];
const CERT =
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Fsa2VuZGFyVG9nZXRoZXJQbGF0Zm9ybTAKBggqhkjOPQQDAjA=\n-----END CERTIFICATE-----\n';

function base(
  overrides: Partial<PublisherModule.TogetherPublisherArgs> = {},
): PublisherModule.TogetherPublisherArgs {
  return {
    displayName: 'Together Platform',
    redirectUris: REDIRECTS,
    owners: [],
    permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    credential: { kind: 'federated' },
    location: 'westeurope',
    ...overrides,
  };
}

async function build(name: string, args: PublisherModule.TogetherPublisherArgs) {
  const p = new m.TogetherPublisher(name, args);
  await settle(p);
  return { p, children: recorder.childrenOf(name) };
}

const runtime = (name: string) => [
  `${T.app}::${name}-app`,
  `${T.identity}::${name}-worker-identity`,
  `${T.rg}::${name}-rg`,
  `${T.role}::${name}-worker-kv-secrets-user`,
  `${T.sp}::${name}-sp`,
  `${T.vault}::${name}-kv`,
  // App Service for Linux, Azure Monitor and the token store (appService.ts).
  `${T.workspace}::${name}-logs`,
  `${T.insights}::${name}-insights`,
  `${T.account}::${name}-storage`,
  `${T.table}::${name}-token-table`,
  `${T.table}::${name}-notify-table`,
  `${T.container}::${name}-packages`,
  `${T.role}::${name}-worker-token-table`,
  `${T.role}::${name}-worker-notify-table`,
  `${T.role}::${name}-package-reader`,
  `${T.plan}::${name}-plan`,
  `${T.site}::${name}-console`,
  `${T.site}::${name}-worker`,
  `${T.diagnostics}::${name}-console-diagnostics`,
  `${T.diagnostics}::${name}-worker-diagnostics`,
  `${T.diagnostics}::${name}-kv-diagnostics`,
];

describe('publisher mode', () => {
  it('credential=federated declares the multi-tenant app, its service principal, the Azure runtime and a federated credential trusting the worker identity — and no secret', async () => {
    const { p, children } = await build('fed', base());
    expect(shape(children)).toEqual([...runtime('fed'), `${T.fic}::fed-worker-fic`].sort());

    const app = recorder.one(T.app, 'fed-app');
    expect(app.inputs).toMatchObject({
      displayName: 'Together Platform',
      signInAudience: 'AzureADMultipleOrgs',
      owners: [DEPLOYER_OBJECT_ID],
      web: { redirectUris: APP_REDIRECTS },
      requiredResourceAccesses: [
        {
          resourceAppId: '00000003-0000-0000-c000-000000000000',
          resourceAccesses: [
            { id: GRAPH_APP_ROLE_IDS['Calendars.ReadWrite'], type: 'Role' },
            { id: GRAPH_APP_ROLE_IDS['User.ReadBasic.All'], type: 'Role' },
          ],
        },
      ],
    });
    expect(recorder.one(T.sp, 'fed-sp').inputs).toMatchObject({
      clientId: app.state.clientId,
      owners: [DEPLOYER_OBJECT_ID],
    });

    const identity = recorder.one(T.identity, 'fed-worker-identity');
    const fic = recorder.one(T.fic, 'fed-worker-fic');
    expect(fic.inputs).toMatchObject({
      applicationId: app.id,
      issuer: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      subject: identity.state.principalId,
      audiences: ['api://AzureADTokenExchange'],
    });

    const rg = recorder.one(T.rg, 'fed-rg');
    expect(rg.inputs).toMatchObject({ location: 'westeurope' });
    expect(identity.inputs).toMatchObject({ resourceGroupName: rg.state.name, location: 'westeurope' });
    const vault = recorder.one(T.vault, 'fed-kv');
    expect(vault.inputs).toMatchObject({
      resourceGroupName: rg.state.name,
      properties: {
        tenantId: TENANT_ID,
        sku: { family: 'A', name: 'standard' },
        enableRbacAuthorization: true,
        enablePurgeProtection: true,
      },
    });
    expect((vault.inputs.properties as Record<string, unknown>).accessPolicies).toBeUndefined();
    expect(recorder.one(T.role, 'fed-worker-kv-secrets-user').inputs).toMatchObject({
      principalId: identity.state.principalId,
      principalType: 'ServicePrincipal',
      scope: vault.id,
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
    });

    const vaultUri = `https://${String(vault.state.name)}.vault.azure.net/`;
    expect(await promiseOf(p.appId)).toBe(app.state.clientId);
    expect(await promiseOf(p.workerIdentityClientId)).toBe(identity.state.clientId);
    expect(await promiseOf(p.keyVaultUri)).toBe(vaultUri);
    expect(vault.inputs.vaultName).toBe(NAMES.keyVault);
    expect(await promiseOf(p.workerConfig)).toEqual({
      mode: 'publisher',
      appId: app.state.clientId,
      homeTenantId: TENANT_ID,
      credential: {
        kind: 'federated',
        managedIdentityClientId: identity.state.clientId,
        keyVaultUri: vaultUri,
      },
      redirectUris: APP_REDIRECTS,
      consoleUrl: CONSOLE_URL,
      operatorRole: 'Together.Operator',
      tokenStore: {
        kind: 'azureTable',
        tableEndpoint: `https://${NAMES.storageAccount}.table.core.windows.net/`,
        tableName: 'togethertokens',
      },
      notifyStore: {
        kind: 'azureTable',
        tableEndpoint: `https://${NAMES.storageAccount}.table.core.windows.net/`,
        tableName: 'togethernotifications',
      },
    });
  });

  it('uses the configured owners, resource group name and Key Vault name', async () => {
    const owners = ['0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f'];
    await build(
      'named',
      base({ owners, resourceGroupName: 'rg-together-prod', keyVaultName: 'kv-together-prod' }),
    );
    expect(recorder.one(T.app, 'named-app').inputs.owners).toEqual(owners);
    expect(recorder.one(T.sp, 'named-sp').inputs.owners).toEqual(owners);
    expect(recorder.one(T.rg, 'named-rg').inputs.resourceGroupName).toBe('rg-together-prod');
    expect(recorder.one(T.vault, 'named-kv').inputs).toMatchObject({
      vaultName: 'kv-together-prod',
      resourceGroupName: 'rg-together-prod',
    });
  });

  it('credential=certificate uploads the public certificate instead of a federated credential', async () => {
    const { p, children } = await build(
      'cert',
      base({ credential: { kind: 'certificate', certificate: CERT } }),
    );
    expect(shape(children)).toEqual([...runtime('cert'), `${T.cert}::cert-certificate`].sort());
    const cert = recorder.one(T.cert, 'cert-certificate');
    expect(cert.inputs).toMatchObject({
      applicationId: recorder.one(T.app, 'cert-app').id,
      type: 'AsymmetricX509Cert',
      encoding: 'pem',
    });
    expect(unsecret(cert.inputs.value).value).toBe(CERT);
    expect((await promiseOf(p.workerConfig)).credential.kind).toBe('certificate');
  });

  it('credential=secret adds a client secret with its end date, kept in Key Vault and as a Pulumi secret, never in workerConfig', async () => {
    const end = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const { p, children } = await build('sec', base({ credential: { kind: 'secret', secretEndDate: end } }));
    expect(shape(children)).toEqual(
      [...runtime('sec'), `${T.password}::sec-secret`, `${T.secret}::sec-client-secret`].sort(),
    );
    expect(recorder.one(T.password, 'sec-secret').inputs).toMatchObject({
      applicationId: recorder.one(T.app, 'sec-app').id,
      endDate: end,
    });
    const kvSecret = recorder.one(T.secret, 'sec-client-secret');
    const vault = recorder.one(T.vault, 'sec-kv');
    expect(kvSecret.inputs).toMatchObject({
      vaultName: vault.state.name,
      secretName: 'together-client-secret',
    });
    // The secret value makes the whole properties input secret (encrypted in state).
    const wrapped = unsecret(kvSecret.inputs.properties);
    expect(wrapped.secret).toBe(true);
    const props = wrapped.value as Record<string, unknown>;
    expect(props.value).toBe('Xq~8Q~mock.client.secret.value');
    expect(props.attributes).toEqual({ enabled: true, expires: Math.floor(Date.parse(end) / 1000) });

    const wc = await promiseOf(p.workerConfig);
    expect(wc.credential).toMatchObject({
      kind: 'secret',
      keyVaultUri: `https://${String(vault.state.name)}.vault.azure.net/`,
    });
    expect(JSON.stringify(wc)).not.toContain('mock.client.secret');
    expect(await pulumi.isSecret(p.workerConfig)).toBe(false);
  });

  it('requests exactly the configured Graph application permissions and no delegated scope', async () => {
    await build('perms', base({ permissions: ['Calendars.Read', 'GroupMember.Read.All'] }));
    const access = recorder.one(T.app, 'perms-app').inputs.requiredResourceAccesses as {
      resourceAccesses: { id: string; type: string }[];
    }[];
    expect(access).toHaveLength(1);
    expect(access[0]!.resourceAccesses).toEqual([
      { id: GRAPH_APP_ROLE_IDS['Calendars.Read'], type: 'Role' },
      { id: GRAPH_APP_ROLE_IDS['GroupMember.Read.All'], type: 'Role' },
    ]);
  });

  it('registers the component under the together:o365:Publisher type', async () => {
    const p = new m.TogetherPublisher('typed', base());
    expect(await promiseOf(p.urn)).toBe('urn:pulumi:test::together-o365::together:o365:Publisher::typed');
    await settle(p);
  });
});
