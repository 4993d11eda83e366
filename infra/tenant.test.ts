import { beforeAll, describe, expect, it } from 'vitest';
import type * as TenantModule from './tenant';
import {
  GRAPH_APP_ROLE_IDS,
  GRAPH_SP_OBJECT_ID,
  TENANT_ID,
  TOGETHER_APP_ID,
  guidOf,
  installMocks,
  promiseOf,
  settle,
  shape,
} from './test/mocks';

// Mocks first; the component module is imported only afterwards.
const recorder = installMocks();
let m: typeof TenantModule;
beforeAll(async () => {
  m = await import('./tenant.js');
});

const SP = 'azuread:index/servicePrincipal:ServicePrincipal';
const ASSIGNMENT = 'azuread:index/appRoleAssignment:AppRoleAssignment';
const GROUP = 'azuread:index/group:Group';
const DELEGATED =
  'azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant';
const REDIRECT = 'https://together.example/o365/consent/callback';
const OWNER = 'it-ops@contoso.com';
const CALENDAR_ROLE_IDS = [GRAPH_APP_ROLE_IDS['Calendars.ReadWrite'], GRAPH_APP_ROLE_IDS['Calendars.Read']];

function base(overrides: Partial<TenantModule.TogetherTenantArgs> = {}): TenantModule.TogetherTenantArgs {
  return {
    appId: TOGETHER_APP_ID,
    integrationOwner: OWNER,
    redirectUri: REDIRECT,
    permissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    assignment: { mode: 'all' },
    mailboxScope: 'tenant',
    ...overrides,
  };
}

async function build(name: string, args: TenantModule.TogetherTenantArgs) {
  const t = new m.TogetherTenant(name, args);
  await settle(t);
  return { t, children: recorder.childrenOf(name), spObjectId: await promiseOf(t.servicePrincipalObjectId) };
}

describe('tenant mode', () => {
  it('declares the enterprise app (adopted if it exists) and consents to the default Graph permissions with role ids read from Graph', async () => {
    const { t, children, spObjectId } = await build('all', base());
    expect(shape(children)).toEqual([
      `${ASSIGNMENT}::all-graph-Calendars.ReadWrite`,
      `${ASSIGNMENT}::all-graph-User.ReadBasic.All`,
      `${SP}::all-enterprise-app`,
    ]);
    const sp = recorder.one(SP, 'all-enterprise-app');
    expect(sp.inputs).toMatchObject({
      clientId: TOGETHER_APP_ID,
      useExisting: true,
      appRoleAssignmentRequired: false,
    });
    for (const p of ['Calendars.ReadWrite', 'User.ReadBasic.All']) {
      expect(recorder.one(ASSIGNMENT, `all-graph-${p}`).inputs).toEqual({
        appRoleId: GRAPH_APP_ROLE_IDS[p],
        principalObjectId: spObjectId,
        resourceObjectId: GRAPH_SP_OBJECT_ID,
      });
    }
    expect(recorder.invokes).toContainEqual(
      expect.objectContaining({
        token: 'azuread:index/getServicePrincipal:getServicePrincipal',
        inputs: expect.objectContaining({ clientId: '00000003-0000-0000-c000-000000000000' }),
      }),
    );
    expect(spObjectId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await promiseOf(t.tenantId)).toBe(TENANT_ID);
    expect(await promiseOf(t.grantedPermissions)).toEqual(['Calendars.ReadWrite', 'User.ReadBasic.All']);
    expect(await promiseOf(t.assignmentGroupId)).toBeUndefined();
    expect(await promiseOf(t.exchangeScopingScript)).toBeUndefined();
  });

  it('outputs the v2.0 admin-consent URL for this tenant without state', async () => {
    const { t } = await build('consent', base());
    const url = await promiseOf(t.adminConsentUrl);
    expect(url).toBe(
      `https://login.microsoftonline.com/${TENANT_ID}/v2.0/adminconsent?client_id=${TOGETHER_APP_ID}` +
        `&scope=https://graph.microsoft.com/.default&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    const parsed = new URL(url);
    expect(parsed.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(parsed.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(parsed.searchParams.has('state')).toBe(false);
  });

  it('outputs a workerConfig the CLI accepts, with the integration owner and no optional keys when unscoped', async () => {
    const { t, spObjectId } = await build('wc', base());
    const wc = await promiseOf(t.workerConfig);
    expect(wc).toEqual({
      tenantId: TENANT_ID,
      appId: TOGETHER_APP_ID,
      integrationOwner: OWNER,
      adminConsentUrl: await promiseOf(t.adminConsentUrl),
      redirectUri: REDIRECT,
      servicePrincipalObjectId: spObjectId,
      grantedPermissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
      mailboxScope: 'tenant',
      integration: 'domainWide',
    });
    expect(JSON.parse(JSON.stringify(wc))).toEqual(wc);
  });

  it('grants every allow-listed permission asked for, each as one app role assignment', async () => {
    const permissions = ['Calendars.Read', 'User.Read.All', 'GroupMember.Read.All'] as const;
    const { children } = await build('more', base({ permissions: [...permissions] }));
    const assignments = children.filter((r) => r.type === ASSIGNMENT);
    expect(assignments.map((a) => a.inputs.appRoleId).sort()).toEqual(
      permissions.map((p) => GRAPH_APP_ROLE_IDS[p]).sort(),
    );
  });

  it('assignment=group requires assignment and assigns the existing group to the enterprise app', async () => {
    const groupObjectId = '0d4c6b8a-2e1f-4a3b-8c5d-7e9f1a2b3c4d';
    const { t, children, spObjectId } = await build(
      'grp',
      base({ assignment: { mode: 'group', groupObjectId } }),
    );
    expect(shape(children)).toEqual([
      `${ASSIGNMENT}::grp-graph-Calendars.ReadWrite`,
      `${ASSIGNMENT}::grp-graph-User.ReadBasic.All`,
      `${ASSIGNMENT}::grp-sign-in-assignment`,
      `${SP}::grp-enterprise-app`,
    ]);
    expect(recorder.one(SP, 'grp-enterprise-app').inputs.appRoleAssignmentRequired).toBe(true);
    expect(recorder.one(ASSIGNMENT, 'grp-sign-in-assignment').inputs).toEqual({
      appRoleId: '00000000-0000-0000-0000-000000000000',
      principalObjectId: groupObjectId,
      resourceObjectId: spObjectId,
    });
    expect(await promiseOf(t.assignmentGroupId)).toBe(groupObjectId);
    expect((await promiseOf(t.workerConfig)).assignmentGroupId).toBe(groupObjectId);
  });

  it('assignment=newGroup creates a security group with the given members and assigns it', async () => {
    const members = ['11111111-2222-4333-8444-555555555555', '66666666-7777-4888-9999-aaaaaaaaaaaa'];
    const { t, children, spObjectId } = await build(
      'new',
      base({ assignment: { mode: 'newGroup', groupName: 'Together mentors', groupMembers: members } }),
    );
    expect(shape(children)).toEqual([
      `${ASSIGNMENT}::new-graph-Calendars.ReadWrite`,
      `${ASSIGNMENT}::new-graph-User.ReadBasic.All`,
      `${ASSIGNMENT}::new-sign-in-assignment`,
      `${GROUP}::new-sign-in-group`,
      `${SP}::new-enterprise-app`,
    ]);
    const group = recorder.one(GROUP, 'new-sign-in-group');
    expect(group.inputs).toMatchObject({
      displayName: 'Together mentors',
      securityEnabled: true,
      mailEnabled: false,
      members,
    });
    expect(group.inputs.types).toBeUndefined();
    const groupObjectId = group.state.objectId;
    expect(recorder.one(ASSIGNMENT, 'new-sign-in-assignment').inputs).toMatchObject({
      principalObjectId: groupObjectId,
      resourceObjectId: spObjectId,
    });
    expect(recorder.one(SP, 'new-enterprise-app').inputs.appRoleAssignmentRequired).toBe(true);
    expect(await promiseOf(t.assignmentGroupId)).toBe(groupObjectId);
  });

  it('assignment=dynamicGroup creates a dynamic-membership security group from the rule and assigns it', async () => {
    const rule = '(user.department -eq "Mentoring")';
    const { children } = await build(
      'dyn',
      base({ assignment: { mode: 'dynamicGroup', groupName: 'Mentoring dept', dynamicRule: rule } }),
    );
    expect(shape(children)).toContain(`${GROUP}::dyn-sign-in-group`);
    expect(shape(children)).toContain(`${ASSIGNMENT}::dyn-sign-in-assignment`);
    const group = recorder.one(GROUP, 'dyn-sign-in-group');
    expect(group.inputs).toMatchObject({
      displayName: 'Mentoring dept',
      securityEnabled: true,
      types: ['DynamicMembership'],
      dynamicMembership: { enabled: true, rule },
    });
    expect(group.inputs.members).toBeUndefined();
    expect(recorder.one(SP, 'dyn-enterprise-app').inputs.appRoleAssignmentRequired).toBe(true);
  });

  it('mailboxScope=group grants no tenant-wide calendar role and outputs the Exchange scoping script with real ids', async () => {
    const { t, children, spObjectId } = await build(
      'scoped',
      base({ mailboxScope: 'group', scopeGroup: 'together-mailboxes@contoso.com' }),
    );
    expect(shape(children)).toEqual([
      `${ASSIGNMENT}::scoped-graph-User.ReadBasic.All`,
      `${SP}::scoped-enterprise-app`,
    ]);
    const roleIds = children.filter((r) => r.type === ASSIGNMENT).map((r) => r.inputs.appRoleId);
    for (const calendar of CALENDAR_ROLE_IDS) expect(roleIds).not.toContain(calendar);
    expect(await promiseOf(t.grantedPermissions)).toEqual(['User.ReadBasic.All']);

    const script = await promiseOf(t.exchangeScopingScript);
    expect(script).toContain(`$AppId = '${TOGETHER_APP_ID}'`);
    expect(script).toContain(`$ServicePrincipalObjectId = '${spObjectId}'`);
    expect(script).toContain(`$ScopeGroup = 'together-mailboxes@contoso.com'`);
    expect(script).toContain('New-ServicePrincipal -AppId $AppId -ObjectId $ServicePrincipalObjectId');
    expect(script).toContain("MemberOfGroup -eq '$($group.DistinguishedName)'");
    expect(script).toContain("Role = 'Application Calendars.ReadWrite'");
    expect(script).toContain('-CustomResourceScope $ScopeName');
    expect(script).toContain('Test-ServicePrincipalAuthorization -Identity $ServicePrincipalObjectId');

    const removal = await promiseOf(t.exchangeScopingRemovalScript);
    expect(removal).toContain(`$ServicePrincipalObjectId = '${spObjectId}'`);
    expect(removal).toContain('Remove-ManagementScope -Identity $ScopeName');

    const wc = await promiseOf(t.workerConfig);
    expect(wc).toMatchObject({
      mailboxScope: 'group',
      scopeGroup: 'together-mailboxes@contoso.com',
      grantedPermissions: ['User.ReadBasic.All'],
      exchangeScopingScript: script,
      exchangeScopingRemovalScript: removal,
    });
  });

  it('mailboxScope=group with Calendars.Read scopes the read role and grants neither calendar role tenant-wide', async () => {
    const { t, children } = await build(
      'scopedread',
      base({
        permissions: ['Calendars.Read', 'Calendars.ReadWrite', 'User.ReadBasic.All'],
        mailboxScope: 'group',
        scopeGroup: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      }),
    );
    const roleIds = children.filter((r) => r.type === ASSIGNMENT).map((r) => r.inputs.appRoleId);
    expect(roleIds).toEqual([GRAPH_APP_ROLE_IDS['User.ReadBasic.All']]);
    const script = await promiseOf(t.exchangeScopingScript);
    expect(script).toContain("Role = 'Application Calendars.Read'");
    expect(script).toContain("Role = 'Application Calendars.ReadWrite'");
    expect(script).toContain("ExternalDirectoryObjectId -eq '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'");
  });

  it('assignment=users assigns each user directly (Entra ID Free), resolving a UPN to its object id', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    const { t, children, spObjectId } = await build(
      'users',
      base({ assignment: { mode: 'users', users: [id, 'ana@contoso.com'] } }),
    );
    expect(shape(children)).toEqual([
      `${ASSIGNMENT}::users-graph-Calendars.ReadWrite`,
      `${ASSIGNMENT}::users-graph-User.ReadBasic.All`,
      `${ASSIGNMENT}::users-sign-in-user-0`,
      `${ASSIGNMENT}::users-sign-in-user-1`,
      `${SP}::users-enterprise-app`,
    ]);
    expect(recorder.one(SP, 'users-enterprise-app').inputs.appRoleAssignmentRequired).toBe(true);
    const anaId = guidOf('user/ana@contoso.com');
    for (const [i, principal] of [id, anaId].entries()) {
      expect(recorder.one(ASSIGNMENT, `users-sign-in-user-${i}`).inputs).toEqual({
        appRoleId: '00000000-0000-0000-0000-000000000000',
        principalObjectId: principal,
        resourceObjectId: spObjectId,
      });
    }
    expect(recorder.invokes).toContainEqual({
      token: 'azuread:index/getUser:getUser',
      inputs: expect.objectContaining({ userPrincipalName: 'ana@contoso.com' }),
    });
    expect(
      recorder.invokes.filter((i) => i.token.endsWith('getUser') && i.inputs.userPrincipalName === id),
    ).toEqual([]);
    expect(await promiseOf(t.workerConfig)).toMatchObject({ assignmentUserIds: [id, anaId] });
    expect(await promiseOf(t.assignmentGroupId)).toBeUndefined();
  });

  it('integration=individual with admin consent grants exactly the delegated set for all users and no application permission', async () => {
    const { t, children, spObjectId } = await build(
      'ind',
      base({ integration: 'individual', delegatedConsent: 'admin', permissions: [] }),
    );
    expect(shape(children)).toEqual([`${SP}::ind-enterprise-app`, `${DELEGATED}::ind-graph-delegated`]);
    expect(recorder.one(DELEGATED, 'ind-graph-delegated').inputs).toEqual({
      servicePrincipalObjectId: spObjectId,
      resourceServicePrincipalObjectId: GRAPH_SP_OBJECT_ID,
      claimValues: ['Calendars.ReadWrite', 'User.Read', 'offline_access', 'openid', 'profile'],
    });
    expect(await promiseOf(t.grantedPermissions)).toEqual([]);
    const url = new URL(await promiseOf(t.adminConsentUrl));
    expect(url.pathname).toBe(`/${TENANT_ID}/v2.0/adminconsent`);
    expect(url.searchParams.get('scope')).toBe(
      'https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/User.Read offline_access openid profile',
    );
    expect(await promiseOf(t.workerConfig)).toMatchObject({
      integration: 'individual',
      delegatedConsent: 'admin',
      delegatedPermissions: ['Calendars.ReadWrite', 'User.Read', 'offline_access', 'openid', 'profile'],
      grantedPermissions: [],
    });
  });

  it('integration=individual ignores application permissions even if passed, and mailbox scoping', async () => {
    const { t, children } = await build(
      'indscoped',
      base({ integration: 'individual', mailboxScope: 'group', scopeGroup: 'x@contoso.com' }),
    );
    expect(children.filter((r) => r.type === ASSIGNMENT)).toEqual([]);
    expect(await promiseOf(t.exchangeScopingScript)).toBeUndefined();
    expect(await promiseOf(t.workerConfig)).toMatchObject({ mailboxScope: 'tenant' });
  });

  it('integration=individual with user consent declares no grant: each user consents when connecting', async () => {
    const { t, children } = await build(
      'induser',
      base({
        integration: 'individual',
        delegatedConsent: 'user',
        permissions: [],
        assignment: { mode: 'all' },
      }),
    );
    expect(shape(children)).toEqual([`${SP}::induser-enterprise-app`]);
    expect(await promiseOf(t.delegatedPermissions)).toEqual([
      'Calendars.ReadWrite',
      'User.Read',
      'offline_access',
      'openid',
      'profile',
    ]);
    expect(await promiseOf(t.workerConfig)).toMatchObject({
      integration: 'individual',
      delegatedConsent: 'user',
    });
  });

  it('registers the component with its outputs under the together:o365:Tenant type', async () => {
    const t = new m.TogetherTenant('typed', base());
    const urn = await promiseOf(t.urn);
    expect(urn).toBe('urn:pulumi:test::together-o365::together:o365:Tenant::typed');
    await settle(t);
    const childUrns = await Promise.all(t.resources.map((r) => promiseOf(r.urn)));
    for (const u of childUrns) expect(u).toContain('together:o365:Tenant$');
  });
});
