import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GRAPH_APP_ROLE_IDS,
  TENANT_ID,
  TOGETHER_APP_ID,
  installMocks,
  loadEntryPoint,
  promiseOf,
} from './test/mocks';

// The entry point reads config and declares resources when imported: config and mocks come first.
pulumi.runtime.setAllConfig({
  'together:mode': 'tenant',
  'together:appId': TOGETHER_APP_ID,
  'together:integrationOwner': 'it-ops@contoso.com',
  'together:redirectUri': 'https://together.example/o365/consent/callback',
  'together:assignment': 'newGroup',
  'together:groupName': 'Together mentors',
  'together:groupMembers': '["11111111-2222-4333-8444-555555555555"]',
  'together:mailboxScope': 'group',
  'together:scopeGroup': 'together-mailboxes@contoso.com',
});
const recorder = installMocks();
let stack: Record<string, pulumi.Output<unknown>>;
beforeAll(async () => {
  stack = await loadEntryPoint(recorder);
});

describe('entry point, mode tenant', () => {
  it('exports exactly the tenant outputs', () => {
    expect(Object.keys(stack).sort()).toEqual([
      'adminConsentUrl',
      'appId',
      'assignmentGroupId',
      'assignmentUserIds',
      'delegatedPermissions',
      'exchangeScopingRemovalScript',
      'exchangeScopingScript',
      'grantedPermissions',
      'servicePrincipalObjectId',
      'tenantId',
      'workerConfig',
    ]);
  });

  it('declares the stack from config: enterprise app, User.ReadBasic.All consent only, a new sign-in group and its assignment', async () => {
    await promiseOf(stack.workerConfig!);
    expect(recorder.resources.map((r) => `${r.type}::${r.name}`).sort()).toEqual([
      'azuread:index/appRoleAssignment:AppRoleAssignment::together-graph-User.ReadBasic.All',
      'azuread:index/appRoleAssignment:AppRoleAssignment::together-sign-in-assignment',
      'azuread:index/group:Group::together-sign-in-group',
      'azuread:index/servicePrincipal:ServicePrincipal::together-enterprise-app',
    ]);
    const roleIds = recorder.resources.map((r) => r.inputs.appRoleId).filter(Boolean);
    expect(roleIds).not.toContain(GRAPH_APP_ROLE_IDS['Calendars.ReadWrite']);
  });

  it('outputs a workerConfig that round-trips through JSON as tenant.json', async () => {
    const wc = (await promiseOf(stack.workerConfig!)) as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(wc))).toEqual(wc);
    expect(Object.keys(wc).sort()).toEqual([
      'adminConsentUrl',
      'appId',
      'assignmentGroupId',
      'exchangeScopingRemovalScript',
      'exchangeScopingScript',
      'grantedPermissions',
      'integration',
      'integrationOwner',
      'mailboxScope',
      'redirectUri',
      'scopeGroup',
      'servicePrincipalObjectId',
      'tenantId',
    ]);
    expect(wc).toMatchObject({
      tenantId: TENANT_ID,
      appId: TOGETHER_APP_ID,
      integrationOwner: 'it-ops@contoso.com',
      grantedPermissions: ['User.ReadBasic.All'],
      mailboxScope: 'group',
      scopeGroup: 'together-mailboxes@contoso.com',
      assignmentGroupId: await promiseOf(stack.assignmentGroupId!),
    });
  });
});
