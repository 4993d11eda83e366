import * as azuread from '@pulumi/azuread';
import {
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_APP_ROLE_IDS,
  assignmentRequiredWhenGroupAssigned,
  clientSecretLifetime,
  graphApplicationPermissionsAllowListed,
  noDirectoryWideDelegatedScopes,
  policies,
} from './policies';

// Fabricated policy arguments, after pulumi/pulumi-policy-aws src/tests/util.ts: no CLI, no engine.
type ResourceClass = { new (...rest: never[]): unknown; __pulumiType?: string };
const typeOf = (cls: ResourceClass) => (cls as unknown as { __pulumiType: string }).__pulumiType;
class NotApplicable extends Error {}
const opts = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

function resourceArgs(
  cls: ResourceClass,
  props: Record<string, unknown>,
  config: object = {},
): ResourceValidationArgs {
  const type = typeOf(cls);
  return {
    type,
    props,
    urn: `urn:pulumi:test::together-o365::${type}::r`,
    name: 'r',
    opts,
    stackTags: new Map(),
    isType: (c: ResourceClass) => typeOf(c) === type,
    asType: (c: ResourceClass) => (typeOf(c) === type ? props : undefined),
    getConfig: () => config,
    notApplicable: () => {
      throw new NotApplicable();
    },
  } as unknown as ResourceValidationArgs;
}

function runResource(
  policy: ResourceValidationPolicy,
  cls: ResourceClass,
  props: Record<string, unknown>,
  config?: object,
): string[] {
  const violations: string[] = [];
  const fns = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const fn of fns) {
    try {
      void fn?.(resourceArgs(cls, props, config), (message) => violations.push(message));
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  }
  return violations;
}

interface Fake {
  cls: ResourceClass;
  name: string;
  props: Record<string, unknown>;
  deps?: Record<string, string[]>;
}
function runStack(policy: StackValidationPolicy, fakes: Fake[]): { message: string; urn?: string }[] {
  const resources: PolicyResource[] = fakes.map((f) => {
    const type = typeOf(f.cls);
    return {
      type,
      name: f.name,
      props: f.props,
      urn: `urn:pulumi:test::together-o365::${type}::${f.name}`,
      opts,
      dependencies: [],
      propertyDependencies: {},
      isType: (c: ResourceClass) => typeOf(c) === type,
      asType: (c: ResourceClass) => (typeOf(c) === type ? f.props : undefined),
    } as unknown as PolicyResource;
  });
  fakes.forEach((f, i) => {
    for (const [prop, names] of Object.entries(f.deps ?? {})) {
      resources[i]!.propertyDependencies[prop] = names.map((n) => resources.find((r) => r.name === n)!);
    }
  });
  const violations: { message: string; urn?: string }[] = [];
  void policy.validateStack(
    {
      resources,
      stackTags: new Map(),
      getConfig: () => ({}) as never,
      notApplicable: () => {
        throw new NotApplicable();
      },
    },
    (message, urn) => violations.push({ message, urn }),
  );
  return violations;
}

const GRAPH = '00000003-0000-0000-c000-000000000000';
const MAIL_SEND = 'b633e1c5-b582-4048-a93e-9f11b44c7e96';
const appWith = (resourceAccesses: { id: string; type: string }[]) => ({
  displayName: 'Together Platform',
  requiredResourceAccesses: [{ resourceAppId: GRAPH, resourceAccesses }],
});
const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

describe('policy pack', () => {
  it('exports four mandatory policies with valid names', () => {
    expect(policies.map((p) => p.name)).toEqual([
      'graph-application-permissions-allow-listed',
      'no-directory-wide-delegated-scopes',
      'client-secret-lifetime',
      'assignment-required-when-group-assigned',
    ]);
    for (const p of policies) {
      expect(p.enforcementLevel).toBe('mandatory');
      expect(p.name).toMatch(/^[a-zA-Z0-9-_.]{1,100}$/);
    }
  });
});

describe('policy graph-application-permissions-allow-listed', () => {
  const p = graphApplicationPermissionsAllowListed;

  it('passes an app requesting the two seed permissions', () => {
    const app = appWith([
      { id: ALLOWED_APP_ROLE_IDS['Calendars.ReadWrite'], type: 'Role' },
      { id: ALLOWED_APP_ROLE_IDS['User.ReadBasic.All'], type: 'Role' },
    ]);
    expect(runResource(p, azuread.Application, app)).toEqual([]);
  });

  it('fails an app requesting Mail.Send', () => {
    const app = appWith([{ id: MAIL_SEND, type: 'Role' }]);
    expect(runResource(p, azuread.Application, app)).toEqual([
      expect.stringContaining(`application permission ${MAIL_SEND}, which is not on the allow-list`),
    ]);
  });

  it('ignores permissions on other APIs than Graph', () => {
    const app = {
      displayName: 'x',
      requiredResourceAccesses: [
        {
          resourceAppId: '00000002-0000-0ff1-ce00-000000000000',
          resourceAccesses: [{ id: MAIL_SEND, type: 'Role' }],
        },
      ],
    };
    expect(runResource(p, azuread.Application, app)).toEqual([]);
  });

  it('passes consent to allow-listed roles and the default access role, fails any other role', () => {
    const assignment = (appRoleId: string) => ({ appRoleId, principalObjectId: 'p', resourceObjectId: 'r' });
    expect(
      runResource(p, azuread.AppRoleAssignment, assignment(ALLOWED_APP_ROLE_IDS['GroupMember.Read.All'])),
    ).toEqual([]);
    expect(
      runResource(p, azuread.AppRoleAssignment, assignment('00000000-0000-0000-0000-000000000000')),
    ).toEqual([]);
    expect(runResource(p, azuread.AppRoleAssignment, assignment(MAIL_SEND))).toEqual([
      expect.stringContaining(`grants app role ${MAIL_SEND}`),
    ]);
  });

  it('honours an allowedAppRoleIds override from the pack config', () => {
    const assignment = { appRoleId: MAIL_SEND, principalObjectId: 'p', resourceObjectId: 'r' };
    expect(runResource(p, azuread.AppRoleAssignment, assignment, { allowedAppRoleIds: [MAIL_SEND] })).toEqual(
      [],
    );
  });

  it('does not apply to other resource types', () => {
    expect(runResource(p, azuread.Group, { displayName: 'g', securityEnabled: true })).toEqual([]);
  });
});

describe('policy no-directory-wide-delegated-scopes', () => {
  const p = noDirectoryWideDelegatedScopes;

  it('fails an app that requests a delegated Graph scope', () => {
    const app = appWith([{ id: '1ec239c2-d7c9-4623-a91a-a9775856bb36', type: 'Scope' }]);
    expect(runResource(p, azuread.Application, app)).toEqual([
      expect.stringContaining('requests delegated Graph scope 1ec239c2'),
    ]);
  });

  it('passes an app-only app', () => {
    expect(
      runResource(
        p,
        azuread.Application,
        appWith([{ id: ALLOWED_APP_ROLE_IDS['Calendars.Read'], type: 'Role' }]),
      ),
    ).toEqual([]);
  });

  it('fails a tenant-wide delegated grant of a directory-wide scope, passes a per-user or narrow one', () => {
    const grant = (claimValues: string[], userObjectId?: string) => ({
      claimValues,
      resourceServicePrincipalObjectId: 'g',
      servicePrincipalObjectId: 's',
      ...(userObjectId ? { userObjectId } : {}),
    });
    expect(
      runResource(
        p,
        azuread.ServicePrincipalDelegatedPermissionGrant,
        grant(['User.Read', 'Directory.Read.All']),
      ),
    ).toEqual(['grants directory-wide delegated scopes tenant-wide: Directory.Read.All']);
    expect(
      runResource(p, azuread.ServicePrincipalDelegatedPermissionGrant, grant(['User.Read.All'], 'u')),
    ).toEqual([]);
    expect(
      runResource(p, azuread.ServicePrincipalDelegatedPermissionGrant, grant(['User.Read', 'openid'])),
    ).toEqual([]);
  });
});

describe('policy client-secret-lifetime', () => {
  const p = clientSecretLifetime;
  const pw = (extra: Record<string, unknown>) => ({ applicationId: '/applications/x', ...extra });

  it('passes a secret ending in 90 days', () => {
    expect(runResource(p, azuread.ApplicationPassword, pw({ endDate: days(90) }))).toEqual([]);
  });

  it('fails a secret without an end date', () => {
    expect(runResource(p, azuread.ApplicationPassword, pw({}))).toEqual([
      expect.stringContaining('has no end date'),
    ]);
  });

  it('fails a secret ending in a year', () => {
    expect(runResource(p, azuread.ApplicationPassword, pw({ endDate: days(365) }))).toEqual([
      expect.stringContaining('more than 180 days away'),
    ]);
  });

  it('checks a relative end date in hours', () => {
    expect(runResource(p, azuread.ApplicationPassword, pw({ endDateRelative: '2160h' }))).toEqual([]);
    expect(runResource(p, azuread.ApplicationPassword, pw({ endDateRelative: '17520h' }))).toEqual([
      expect.stringContaining('exceeds 4320h'),
    ]);
  });

  it('does not apply to certificates', () => {
    expect(runResource(p, azuread.ApplicationCertificate, { applicationId: 'a', value: 'pem' })).toEqual([]);
  });
});

describe('policy assignment-required-when-group-assigned', () => {
  const p = assignmentRequiredWhenGroupAssigned;
  const sp = (required: boolean | undefined): Fake => ({
    cls: azuread.ServicePrincipal,
    name: 'together-enterprise-app',
    props: {
      clientId: 'c',
      objectId: 'sp-object',
      ...(required === undefined ? {} : { appRoleAssignmentRequired: required }),
    },
  });
  const signIn: Fake = {
    cls: azuread.AppRoleAssignment,
    name: 'together-sign-in-assignment',
    props: {
      appRoleId: '00000000-0000-0000-0000-000000000000',
      principalObjectId: 'group',
      resourceObjectId: 'sp-object',
    },
    deps: { resourceObjectId: ['together-enterprise-app'] },
  };

  it('passes when the assigned enterprise app requires assignment', () => {
    expect(runStack(p, [sp(true), signIn])).toEqual([]);
  });

  it('fails when a group is assigned but assignment is not required', () => {
    expect(runStack(p, [sp(false), signIn])).toEqual([
      {
        message:
          'together-enterprise-app has principals assigned (together-sign-in-assignment) but appRoleAssignmentRequired is not true',
        urn: 'urn:pulumi:test::together-o365::azuread:index/servicePrincipal:ServicePrincipal::together-enterprise-app',
      },
    ]);
  });

  it('matches the app by object id when dependencies are not recorded', () => {
    expect(runStack(p, [sp(undefined), { ...signIn, deps: {} }])).toHaveLength(1);
  });

  it('passes a stack without sign-in assignments (Graph consent assignments do not count)', () => {
    const consent: Fake = {
      cls: azuread.AppRoleAssignment,
      name: 'together-graph-Calendars.ReadWrite',
      props: {
        appRoleId: ALLOWED_APP_ROLE_IDS['Calendars.ReadWrite'],
        principalObjectId: 'sp-object',
        resourceObjectId: 'graph',
      },
    };
    expect(runStack(p, [sp(false), consent])).toEqual([]);
  });
});
