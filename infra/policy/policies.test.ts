import * as keyvault from '@pulumi/azure-native/keyvault';
import * as storage from '@pulumi/azure-native/storage';
import * as web from '@pulumi/azure-native/web';
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
  delegatedScopesAllowListed,
  graphApplicationPermissionsAllowListed,
  neverPublic,
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
/** Graph application permission Mail.ReadWrite: the publisher gets it only through Exchange RBAC on the sender. */
const MAIL_READWRITE = 'e2a3a72e-5f79-4c64-b1b1-878b674786c9';
const appWith = (resourceAccesses: { id: string; type: string }[]) => ({
  displayName: 'Together Platform',
  requiredResourceAccesses: [{ resourceAppId: GRAPH, resourceAccesses }],
});
const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

describe('policy pack', () => {
  it('exports six mandatory policies with valid names', () => {
    expect(policies.map((p) => p.name)).toEqual([
      'graph-application-permissions-allow-listed',
      'no-directory-wide-delegated-scopes',
      'client-secret-lifetime',
      'assignment-required-when-group-assigned',
      'delegated-scopes-allow-listed',
      'never-public',
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

  it('fails an app requesting Mail.ReadWrite in Entra (it is granted only by Exchange RBAC on the sender mailbox)', () => {
    const app = appWith([{ id: MAIL_READWRITE, type: 'Role' }]);
    expect(runResource(p, azuread.Application, app)).toEqual([
      expect.stringContaining(`application permission ${MAIL_READWRITE}, which is not on the allow-list`),
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

describe('policy graph-application-permissions-allow-listed: the publisher set', () => {
  const p = graphApplicationPermissionsAllowListed;
  const assignment = (appRoleId: string) => ({ appRoleId, principalObjectId: 'p', resourceObjectId: 'r' });

  it("passes the Together.Operator assignment (the publisher app's own role), still fails Mail.Send in Entra", () => {
    expect(
      runResource(p, azuread.AppRoleAssignment, assignment('6f1c9a3e-2b7d-4e58-9c14-8a0d3e5f7b21')),
    ).toEqual([]);
    expect(runResource(p, azuread.AppRoleAssignment, assignment(MAIL_SEND))).toHaveLength(1);
  });

  it('fails Application.Read.All: credential expiry uses what the worker knows', () => {
    const APPLICATION_READ_ALL = '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30';
    expect(
      runResource(p, azuread.Application, appWith([{ id: APPLICATION_READ_ALL, type: 'Role' }])),
    ).toHaveLength(1);
  });
});

describe('policy delegated-scopes-allow-listed', () => {
  const p = delegatedScopesAllowListed;
  const grant = (claimValues: string[]) => ({
    claimValues,
    resourceServicePrincipalObjectId: 'g',
    servicePrincipalObjectId: 's',
  });

  it('passes exactly the individual-mode set', () => {
    expect(
      runResource(
        p,
        azuread.ServicePrincipalDelegatedPermissionGrant,
        grant(['Calendars.ReadWrite', 'User.Read', 'offline_access', 'openid', 'profile']),
      ),
    ).toEqual([]);
  });

  it('fails any other delegated scope, even a narrow one', () => {
    expect(
      runResource(
        p,
        azuread.ServicePrincipalDelegatedPermissionGrant,
        grant(['User.Read', 'Mail.Send', 'Calendars.Read.Shared']),
      ),
    ).toEqual([expect.stringMatching(/outside the allow-list .*: Mail\.Send, Calendars\.Read\.Shared$/)]);
  });
});

describe('policy never-public', () => {
  const p = neverPublic;
  const site = (overrides: Record<string, unknown> = {}, config: Record<string, unknown> = {}) => ({
    resourceGroupName: 'rg',
    httpsOnly: true,
    publicNetworkAccess: 'Disabled',
    tags: { 'together-role': 'worker' },
    siteConfig: {
      minTlsVersion: '1.2',
      ftpsState: 'Disabled',
      appSettings: [
        {
          name: 'TEMPORAL_API_KEY',
          value: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/temporal-api-key/)',
        },
        { name: 'TOGETHER_APP_ID', value: 'e3b7a1c5-9d2f-4e8a-b6c4-1f0d3e5a7b92' },
      ],
      ...config,
    },
    ...overrides,
  });

  it('passes a private worker and a public console that are HTTPS only with TLS 1.2 and Key Vault references', () => {
    expect(runResource(p, web.WebApp, site())).toEqual([]);
    expect(
      runResource(
        p,
        web.WebApp,
        site({ publicNetworkAccess: 'Enabled', tags: { 'together-role': 'console' } }),
      ),
    ).toEqual([]);
  });

  it('fails a worker with public network access, plain HTTP, old TLS, FTP, or a literal secret', () => {
    expect(runResource(p, web.WebApp, site({ publicNetworkAccess: 'Enabled' }))).toEqual([
      'is the worker but publicNetworkAccess is Enabled; it must be Disabled',
    ]);
    expect(runResource(p, web.WebApp, site({ httpsOnly: false }))).toEqual(['must set httpsOnly: true']);
    expect(runResource(p, web.WebApp, site({}, { minTlsVersion: '1.0' }))).toEqual([
      'siteConfig.minTlsVersion is 1.0; it must be 1.2 or later',
    ]);
    expect(runResource(p, web.WebApp, site({}, { ftpsState: 'FtpsOnly' }))).toEqual([
      'siteConfig.ftpsState is FtpsOnly; it must be Disabled',
    ]);
    expect(
      runResource(
        p,
        web.WebApp,
        site({}, { appSettings: [{ name: 'TOGETHER_CODEC_KEY', value: 'c2VjcmV0' }] }),
      ),
    ).toEqual([
      'app setting TOGETHER_CODEC_KEY holds a value; a secret must be a Key Vault reference @Microsoft.KeyVault(SecretUri=…)',
    ]);
  });

  it('fails storage with shared keys, public blobs or old TLS, and a public container', () => {
    const ok = {
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
    };
    expect(runResource(p, storage.StorageAccount, ok)).toEqual([]);
    expect(
      runResource(p, storage.StorageAccount, {
        ...ok,
        allowSharedKeyAccess: undefined,
        allowBlobPublicAccess: true,
        minimumTlsVersion: 'TLS1_0',
      }),
    ).toEqual([
      'must set allowSharedKeyAccess: false (Entra authorization only)',
      'must set allowBlobPublicAccess: false',
      'minimumTlsVersion is TLS1_0; it must be TLS1_2 or later',
    ]);
    expect(runResource(p, storage.BlobContainer, { publicAccess: 'Blob' })).toEqual([
      'publicAccess is Blob; containers are never public',
    ]);
    expect(runResource(p, storage.BlobContainer, { publicAccess: 'None' })).toEqual([]);
  });

  it('fails a Key Vault with access policies, without RBAC authorization or without purge protection', () => {
    expect(
      runResource(p, keyvault.Vault, {
        properties: { enableRbacAuthorization: true, enablePurgeProtection: true },
      }),
    ).toEqual([]);
    expect(
      runResource(p, keyvault.Vault, {
        properties: { enableRbacAuthorization: false, accessPolicies: [{ objectId: 'x' }] },
      }),
    ).toEqual([
      'must set enableRbacAuthorization: true (no access policies)',
      'must not have access policies; grant Azure RBAC roles instead',
      'must set enablePurgeProtection: true',
    ]);
  });
});
