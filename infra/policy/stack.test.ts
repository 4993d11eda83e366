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
    });
    await settle(p);
    expect(violations(recorder.childrenOf('ps'))).toEqual([]);
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
