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
      'consoleUrl',
      'homeTenantId',
      'keyVaultUri',
      'logAnalyticsWorkspaceId',
      'mailSenderRemovalScript',
      'mailSenderScopingScript',
      'packageUrl',
      'servicePrincipalObjectId',
      'workerConfig',
      'workerHostName',
      'workerIdentityClientId',
    ]);
  });

  it('declares the app, its service principal, the Azure runtime and the federated credential by default', async () => {
    const wc = (await promiseOf(stack.workerConfig!)) as Record<string, unknown>;
    expect(recorder.resources.map((r) => r.type).sort()).toEqual([
      'azure-native:applicationinsights:Component',
      'azure-native:authorization:RoleAssignment',
      'azure-native:authorization:RoleAssignment',
      'azure-native:authorization:RoleAssignment',
      'azure-native:authorization:RoleAssignment',
      'azure-native:keyvault:Vault',
      'azure-native:managedidentity:UserAssignedIdentity',
      'azure-native:monitor:DiagnosticSetting',
      'azure-native:monitor:DiagnosticSetting',
      'azure-native:monitor:DiagnosticSetting',
      'azure-native:operationalinsights:Workspace',
      'azure-native:resources:ResourceGroup',
      'azure-native:storage:BlobContainer',
      'azure-native:storage:StorageAccount',
      'azure-native:storage:Table',
      'azure-native:storage:Table',
      'azure-native:web:AppServicePlan',
      'azure-native:web:WebApp',
      'azure-native:web:WebApp',
      'azuread:index/application:Application',
      'azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential',
      'azuread:index/servicePrincipal:ServicePrincipal',
    ]);
    const consoleUrl = await promiseOf(stack.consoleUrl!);
    expect(consoleUrl).toMatch(/^https:\/\/together-console-[0-9a-f]{8}\.azurewebsites\.net$/);
    expect(wc).toMatchObject({
      mode: 'publisher',
      appId: await promiseOf(stack.appId!),
      homeTenantId: TENANT_ID,
      credential: {
        kind: 'federated',
        managedIdentityClientId: await promiseOf(stack.workerIdentityClientId!),
        keyVaultUri: await promiseOf(stack.keyVaultUri!),
      },
      redirectUris: [
        `${consoleUrl}/consent/callback`,
        `${consoleUrl}/auth/callback`,
        'https://together.example/o365/consent/callback',
      ],
      consoleUrl,
      operatorRole: 'Together.Operator',
    });
  });
});
