import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TOGETHER_APP_ID, installMocks, loadEntryPoint, promiseOf } from './test/mocks';

// The entry point reads config and declares resources when imported: config and mocks come first.
pulumi.runtime.setAllConfig({
  'together:mode': 'tenant',
  'together:integration': 'individual',
  'together:appId': TOGETHER_APP_ID,
  'together:integrationOwner': 'it-ops@contoso.com',
  'together:redirectUri': 'https://together.example/o365/consent/callback',
  'together:assignment': 'group',
  'together:groupObjectId': '11111111-2222-4333-8444-555555555555',
});
const recorder = installMocks();
// Without an engine (mocks), pulumi.log.warn writes `warning: [runtime] …` to console.warn.
const warnings: string[] = [];
vi.spyOn(console, 'warn').mockImplementation((m: string) => void warnings.push(m));
let stack: Record<string, pulumi.Output<unknown>>;
beforeAll(async () => {
  stack = await loadEntryPoint(recorder);
});

describe('entry point, tenant mode with integration individual', () => {
  it('declares the enterprise app, the delegated grant for all users and the group assignment — no application permission', () => {
    expect(recorder.resources.map((r) => `${r.type}::${r.name}`).sort()).toEqual([
      'azuread:index/appRoleAssignment:AppRoleAssignment::together-sign-in-assignment',
      'azuread:index/servicePrincipal:ServicePrincipal::together-enterprise-app',
      'azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant::together-graph-delegated',
    ]);
  });

  it('outputs integration individual and the delegated permissions in workerConfig', async () => {
    expect(await promiseOf(stack.workerConfig!)).toMatchObject({
      integration: 'individual',
      delegatedConsent: 'admin',
      delegatedPermissions: ['Calendars.ReadWrite', 'User.Read', 'offline_access', 'openid', 'profile'],
      grantedPermissions: [],
    });
  });

  it('warns that group assignment needs Entra ID P1/P2 and ignores nested groups', () => {
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^warning: \[runtime\] together:assignment is "group": .*needs Microsoft Entra ID P1 or P2/,
      ),
    );
  });
});
