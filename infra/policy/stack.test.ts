/**
 * The policy pack applied to the stacks the components really declare (recorded by the mocks), so the
 * program and its guard rails cannot drift apart. Not an official Pulumi pattern; `pulumi preview
 * --policy-pack infra/policy` is the real check.
 */
import {
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from '@pulumi/policy';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as PublisherModule from '../publisher';
import type * as TenantModule from '../tenant';
import { type RecordedResource, TOGETHER_APP_ID, installMocks, settle } from '../test/mocks';
import { policies } from './policies';

const recorder = installMocks();
let tenant: typeof TenantModule;
let publisher: typeof PublisherModule;
beforeAll(async () => {
  tenant = await import('../tenant.js');
  publisher = await import('../publisher.js');
});

class NotApplicable extends Error {}
type Cls = { __pulumiType?: string };

/** Recorded mock resources as the policy engine would see them (inputs as props, property dependencies by id). */
function asPolicyResources(recorded: RecordedResource[]): PolicyResource[] {
  const rs = recorded.map(
    (r) =>
      ({
        type: r.type,
        name: r.name,
        props: { ...r.state, ...r.inputs },
        urn: `urn:pulumi:test::together-o365::${r.type}::${r.name}`,
        opts: {},
        dependencies: [],
        propertyDependencies: {},
        isType: (c: Cls) => c.__pulumiType === r.type,
        asType: (c: Cls) => (c.__pulumiType === r.type ? { ...r.state, ...r.inputs } : undefined),
      }) as unknown as PolicyResource,
  );
  // An input equal to another resource's objectId came from it (the mock doesn't expose dependencies).
  rs.forEach((r) => {
    for (const [prop, v] of Object.entries(r.props)) {
      const from = rs.filter((o) => o !== r && typeof v === 'string' && o.props.objectId === v);
      if (from.length > 0) r.propertyDependencies[prop] = from;
    }
  });
  return rs;
}

function violations(recorded: RecordedResource[]): string[] {
  const found: string[] = [];
  const resources = asPolicyResources(recorded);
  for (const policy of policies) {
    const report = (message: string) => found.push(`${policy.name}: ${message}`);
    if ('validateStack' in policy) {
      void (policy as StackValidationPolicy).validateStack(
        {
          resources,
          stackTags: new Map(),
          getConfig: () => ({}) as never,
          notApplicable: () => {
            throw new NotApplicable();
          },
        },
        report,
      );
      continue;
    }
    const v = (policy as ResourceValidationPolicy).validateResource;
    for (const fn of Array.isArray(v) ? v : [v]) {
      for (const r of resources) {
        const args = {
          ...r,
          stackTags: new Map(),
          getConfig: () => ({}),
          notApplicable: () => {
            throw new NotApplicable();
          },
        };
        try {
          void fn?.(args as unknown as ResourceValidationArgs, (m) => report(`${r.name}: ${m}`));
        } catch (e) {
          if (!(e instanceof NotApplicable)) throw e;
        }
      }
    }
  }
  return found;
}

describe('policy pack on the declared stacks', () => {
  it('a tenant stack with a sign-in group and mailbox scoping passes every policy', async () => {
    const t = new tenant.TogetherTenant('ts', {
      appId: TOGETHER_APP_ID,
      integrationOwner: 'it-ops@contoso.com',
      redirectUri: 'https://together.example/cb',
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'GroupMember.Read.All'],
      assignment: { mode: 'newGroup', groupName: 'Mentors', groupMembers: [] },
      mailboxScope: 'group',
      scopeGroup: 'm@contoso.com',
    });
    await settle(t);
    expect(violations(recorder.childrenOf('ts'))).toEqual([]);
  });

  it('a publisher stack with a client secret passes every policy', async () => {
    const p = new publisher.TogetherPublisher('ps', {
      displayName: 'Together Platform',
      redirectUris: ['https://together.example/cb'],
      owners: [],
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      credential: { kind: 'secret', secretEndDate: new Date(Date.now() + 120 * 86_400_000).toISOString() },
      location: 'westeurope',
      operators: ['0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f'],
      senderMailbox: 'noreply@together.example',
      temporalAddress: 'together.a1b2c.tmprl.cloud:7233',
    });
    await settle(p);
    const declared = recorder.childrenOf('ps');
    // The runtime, the operator assignment and the storage are all there, and all pass.
    expect(declared.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        'azure-native:web:WebApp',
        'azure-native:storage:StorageAccount',
        'azuread:index/appRoleAssignment:AppRoleAssignment',
      ]),
    );
    expect(violations(declared)).toEqual([]);
  });

  it('a tenant stack in individual mode (delegated grant for all users, direct user assignment) passes every policy', async () => {
    const t = new tenant.TogetherTenant('ind', {
      appId: TOGETHER_APP_ID,
      integrationOwner: 'it-ops@contoso.com',
      redirectUri: 'https://together.example/cb',
      permissions: [],
      integration: 'individual',
      delegatedConsent: 'admin',
      assignment: { mode: 'users', users: ['ana@contoso.com'] },
      mailboxScope: 'tenant',
    });
    await settle(t);
    const declared = recorder.childrenOf('ind');
    expect(declared.map((r) => r.type)).toContain(
      'azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant',
    );
    expect(violations(declared)).toEqual([]);
  });

  it('a publisher stack made public would be caught: worker ingress, FTP, a literal secret setting, shared keys', async () => {
    const p = new publisher.TogetherPublisher('pub', {
      displayName: 'Together Platform',
      redirectUris: [],
      owners: [],
      permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      credential: { kind: 'federated' },
      location: 'westeurope',
    });
    await settle(p);
    const tampered = recorder.childrenOf('pub').map((r) => {
      if (r.name === 'pub-worker') {
        const siteConfig = r.inputs.siteConfig as { appSettings: { name: string; value: string }[] };
        return {
          ...r,
          inputs: {
            ...r.inputs,
            publicNetworkAccess: 'Enabled',
            siteConfig: {
              ...siteConfig,
              ftpsState: 'AllAllowed',
              appSettings: [
                ...siteConfig.appSettings,
                { name: 'TOGETHER_CLIENT_SECRET', value: 'Xq~8Q~plain' },
              ],
            },
          },
        };
      }
      if (r.name === 'pub-storage') return { ...r, inputs: { ...r.inputs, allowSharedKeyAccess: true } };
      return r;
    });
    expect(violations(tampered)).toEqual([
      'never-public: pub-worker: is the worker but publicNetworkAccess is Enabled; it must be Disabled',
      'never-public: pub-worker: siteConfig.ftpsState is AllAllowed; it must be Disabled',
      'never-public: pub-worker: app setting TOGETHER_CLIENT_SECRET holds a value; a secret must be a Key Vault reference @Microsoft.KeyVault(SecretUri=…)',
      'never-public: pub-storage: must set allowSharedKeyAccess: false (Entra authorization only)',
    ]);
  });

  it('the same tenant stack with assignment not required would be caught', async () => {
    const t = new tenant.TogetherTenant('bad', {
      appId: TOGETHER_APP_ID,
      integrationOwner: 'it-ops@contoso.com',
      redirectUri: 'https://together.example/cb',
      permissions: ['User.ReadBasic.All'],
      assignment: { mode: 'group', groupObjectId: '0d4c6b8a-2e1f-4a3b-8c5d-7e9f1a2b3c4d' },
      mailboxScope: 'tenant',
    });
    await settle(t);
    const tampered = recorder
      .childrenOf('bad')
      .map((r) =>
        r.name === 'bad-enterprise-app'
          ? { ...r, inputs: { ...r.inputs, appRoleAssignmentRequired: false } }
          : r,
      );
    expect(violations(tampered)).toEqual([
      'assignment-required-when-group-assigned: bad-enterprise-app has principals assigned (bad-sign-in-assignment) but appRoleAssignmentRequired is not true',
    ]);
  });
});
