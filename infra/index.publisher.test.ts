import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ID, installMocks, loadEntryPoint, promiseOf } from './test/mocks';

pulumi.runtime.setAllConfig({
  'together:mode': 'publisher',
  'together:redirectUris': '["https://together.example/o365/consent/callback"]',
  'together:location': 'westeurope',
});
const recorder = installMocks();
let stack: Record<string, pulumi.Output<unknown>>;
beforeAll(async () => {
  stack = await loadEntryPoint(recorder);
});

describe('entry point, mode publisher', () => {
  it('exports exactly the publisher outputs', () => {
    expect(Object.keys(stack).sort()).toEqual([
      'appId',
      'homeTenantId',
      'keyVaultUri',
      'servicePrincipalObjectId',
      'workerConfig',
      'workerIdentityClientId',
    ]);
  });

  it('declares the app, its service principal, the Azure runtime and the federated credential by default', async () => {
    const wc = (await promiseOf(stack.workerConfig!)) as Record<string, unknown>;
    expect(recorder.resources.map((r) => r.type).sort()).toEqual([
      'azure-native:authorization:RoleAssignment',
      'azure-native:keyvault:Vault',
      'azure-native:managedidentity:UserAssignedIdentity',
      'azure-native:resources:ResourceGroup',
      'azuread:index/application:Application',
      'azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential',
      'azuread:index/servicePrincipal:ServicePrincipal',
    ]);
    expect(wc).toEqual({
      mode: 'publisher',
      appId: await promiseOf(stack.appId!),
      homeTenantId: TENANT_ID,
      credential: {
        kind: 'federated',
        managedIdentityClientId: await promiseOf(stack.workerIdentityClientId!),
        keyVaultUri: await promiseOf(stack.keyVaultUri!),
      },
      redirectUris: ['https://together.example/o365/consent/callback'],
    });
  });
});
