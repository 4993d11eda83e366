/**
 * Graph directory routes through the real Graph client: users, groups, service principals and app role
 * assignments, applications, authorizationPolicy — shapes, $select, $top, $filter, paging, permissions.
 */
import { PageIterator, type Client, type GraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  graphClient,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const { CONTOSO, FABRIKAM, PUBLISHER, TOGETHER_APP, CONTOSO_ADMIN_APP, GRAPH_APP_ID } = ids;

describe('Graph directory routes', () => {
  let emu: RunningEmulator;
  let together: Client;
  let admin: Client;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.stop());
  beforeEach(async () => {
    await emu.control.reset();
    await emu.control.grantConsent({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      roles: ['Calendars.ReadWrite', 'User.Read.All', 'GroupMember.Read.All'],
    });
    together = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
    admin = graphClient(
      emu,
      secretCredential(emu, CONTOSO.tenantId, CONTOSO_ADMIN_APP.appId, CONTOSO_ADMIN_APP.clientSecret),
    );
  });

  it('pages every user with $select and $top through @odata.nextLink (PageIterator)', async () => {
    const first = await together.api('/users').select('id,userPrincipalName,accountEnabled').top(50).get();
    expect(first.value).toHaveLength(50);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${emu.origin}/v1\\.0/users\\?`));
    expect(Object.keys(first.value[0]).sort()).toEqual(['accountEnabled', 'id', 'userPrincipalName']);
    const all: { id: string }[] = [];
    await new PageIterator(together, first, (u: { id: string }) => {
      all.push(u);
      return true;
    }).iterate();
    expect(all).toHaveLength(CONTOSO.userCount);
    expect(new Set(all.map((u) => u.id)).size).toBe(CONTOSO.userCount);
  });

  it('returns the default user properties without $select and gets a user by UPN', async () => {
    const u = await together.api(`/users/${CONTOSO.users.inScope.userPrincipalName}`).get();
    expect(u).toMatchObject({ id: CONTOSO.users.inScope.id, displayName: 'Adele Vance', businessPhones: [] });
    expect(u).not.toHaveProperty('accountEnabled');
  });

  it('filters users with the $filter forms the sampler uses (accountEnabled, userType)', async () => {
    const res = await together
      .api('/users')
      .filter("accountEnabled eq false and userType eq 'Member'")
      .select('id')
      .top(999)
      .get();
    expect(res.value.map((u: { id: string }) => u.id)).toContain(CONTOSO.users.disabled.id);
  });

  it('answers 404 Request_ResourceNotFound for an unknown user on the directory route', async () => {
    await expect(together.api('/users/nobody@contoso.onmicrosoft.com').get()).rejects.toMatchObject({
      statusCode: 404,
      code: 'Request_ResourceNotFound',
    });
  });

  it('leaves properties outside the basic profile out when the app holds only User.ReadBasic.All', async () => {
    const fab = graphClient(emu, secretCredential(emu, FABRIKAM.tenantId));
    const res = await fab.api('/users').select('id,displayName,accountEnabled,userType').top(5).get();
    expect(Object.keys(res.value[0]).sort()).toEqual(['displayName', 'id']);
  });

  it('lists transitive user members, nested groups included, with a cast to microsoft.graph.user', async () => {
    const res = await together
      .api(`/groups/${CONTOSO.groups.mentoringPilot}/transitiveMembers/microsoft.graph.user`)
      .select('id')
      .get();
    const memberIds = res.value.map((u: { id: string }) => u.id);
    expect(memberIds).toContain(CONTOSO.users.inScope.id);
    expect(memberIds).toContain(CONTOSO.users.nestedOnly.id);
    expect(res.value.every((m: Record<string, string>) => m['@odata.type'] === '#microsoft.graph.user')).toBe(
      true,
    );
  });

  it('computes dynamic group membership from the rule (All Staff = every member, no guests)', async () => {
    const res = await together
      .api(`/groups/${CONTOSO.groups.allStaff}/members/microsoft.graph.user`)
      .select('id')
      .top(999)
      .get();
    const memberIds: string[] = res.value.map((u: { id: string }) => u.id);
    expect(memberIds).toContain(CONTOSO.users.inScope.id);
    expect(memberIds).not.toContain(CONTOSO.users.guest.id);
  });

  it('refuses group members with 403 Authorization_RequestDenied without GroupMember.Read.All', async () => {
    await emu.control.revokeConsent({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      roles: ['GroupMember.Read.All'],
    });
    const fresh = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
    await expect(
      fresh.api(`/groups/${CONTOSO.groups.allStaff}/transitiveMembers/microsoft.graph.user`).get(),
    ).rejects.toMatchObject({
      statusCode: 403,
      code: 'Authorization_RequestDenied',
    });
  });

  it("finds the Together service principal by $filter=appId eq and by (appId='…'), and lists its app role assignments", async () => {
    const list = await admin
      .api('/servicePrincipals')
      .filter(`appId eq '${TOGETHER_APP.appId}'`)
      .select('id,appId,accountEnabled')
      .get();
    expect(list.value).toHaveLength(1);
    const byKey = await admin.api(`/servicePrincipals(appId='${TOGETHER_APP.appId}')`).get();
    expect(byKey.id).toBe(list.value[0].id);
    const graphSp = await admin
      .api(`/servicePrincipals(appId='${GRAPH_APP_ID}')`)
      .select('id,appRoles')
      .get();
    const assignments = await admin.api(`/servicePrincipals/${byKey.id}/appRoleAssignments`).get();
    expect(assignments.value).toHaveLength(3);
    expect(assignments.value[0]).toMatchObject({
      principalId: byKey.id,
      principalType: 'ServicePrincipal',
      resourceId: graphSp.id,
      resourceDisplayName: 'Microsoft Graph',
    });
    const calendarsRole = graphSp.appRoles.find((r: { value: string }) => r.value === 'Calendars.ReadWrite');
    expect(calendarsRole.id).toBe('ef54d2bf-783f-4e0f-bca1-3210c0444d99');
  });

  it('revokes a role through DELETE appRoleAssignedTo: the next token lacks it and the calendar call is denied', async () => {
    const sp = await admin.api(`/servicePrincipals(appId='${TOGETHER_APP.appId}')`).get();
    const graphSp = await admin.api(`/servicePrincipals(appId='${GRAPH_APP_ID}')`).get();
    const assigned = await admin.api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`).get();
    const calendars = assigned.value.find(
      (a: { principalId: string; appRoleId: string }) =>
        a.principalId === sp.id && a.appRoleId === 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
    );
    await admin.api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo/${calendars.id}`).delete();
    await emu.control.removeExchangeScope(CONTOSO.tenantId, 'contoso-together-pilot');
    const fresh = graphClient(emu, secretCredential(emu, CONTOSO.tenantId));
    await expect(fresh.api(`/users/${CONTOSO.users.inScope.id}/calendar/events`).get()).rejects.toMatchObject(
      { statusCode: 403, code: 'ErrorAccessDenied' },
    );
  });

  it('refuses service principal reads with 403 Authorization_RequestDenied without Application.Read.All', async () => {
    await expect(
      together.api('/servicePrincipals').filter(`appId eq '${TOGETHER_APP.appId}'`).get(),
    ).rejects.toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
  });

  it('shows the Together app credentials with endDateTime in the publisher tenant, never the secret', async () => {
    const pub = graphClient(emu, secretCredential(emu, PUBLISHER.tenantId));
    const app = await pub
      .api(`/applications(appId='${TOGETHER_APP.appId}')`)
      .select('id,appId,passwordCredentials,keyCredentials')
      .get();
    expect(app.id).toBe(TOGETHER_APP.objectId);
    expect(app.passwordCredentials.map((p: { endDateTime: string }) => p.endDateTime)).toEqual([
      '2028-11-25T00:00:00Z',
      '2026-01-31T00:00:00Z',
    ]);
    expect(app.passwordCredentials.every((p: { secretText: unknown }) => p.secretText === null)).toBe(true);
    expect(app.keyCredentials[0]).toMatchObject({
      keyId: TOGETHER_APP.certificateKeyId,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    });
    expect(Date.parse(app.keyCredentials[0].endDateTime)).toBeGreaterThan(Date.now());
  });

  it('returns policies/authorizationPolicy with the user consent setting to an app holding Policy.Read.All', async () => {
    const p = await admin.api('/policies/authorizationPolicy').get();
    expect(p.defaultUserRolePermissions.permissionGrantPoliciesAssigned).toEqual([
      'ManagePermissionGrantsForSelf.microsoft-user-default-low',
    ]);
  });

  it('answers a malformed $filter with 400 and an out-of-range $top with 400, Graph-shaped', async () => {
    const err = (await together
      .api('/users')
      .filter("displayName eq 'unterminated")
      .get()
      .catch((e: unknown) => e)) as GraphError;
    expect(err).toMatchObject({ statusCode: 400, code: 'BadRequest' });
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.date).toBeInstanceOf(Date);
    await expect(together.api('/users').top(1000).get()).rejects.toMatchObject({
      statusCode: 400,
      code: 'Request_UnsupportedQuery',
    });
  });

  it('requires ConsistencyLevel: eventual and $count for ne (advanced query)', async () => {
    await expect(together.api('/users').filter("userType ne 'Guest'").get()).rejects.toMatchObject({
      statusCode: 400,
      code: 'Request_UnsupportedQuery',
    });
    const res = await together
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .count(true)
      .filter("userType ne 'Guest'")
      .select('id')
      .top(999)
      .get();
    expect(res['@odata.count']).toBe(res.value.length);
  });
});
