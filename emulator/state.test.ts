import { describe, expect, it } from 'vitest';
import { loadFixture } from './fixture';
import { compileMembershipRule, EmulatorState, type User } from './state';
import { CONTOSO, TOGETHER_APP } from './fixtures/ids';

const certs = { generated: { 'generated:together': '' } };
const user = (p: Partial<User>) =>
  ({ userType: 'Member', department: 'Sales', accountEnabled: true, ...p }) as User;

describe('dynamic membership rules', () => {
  it('evaluates -eq / -ne clauses joined by -and / -or', () => {
    const rule = compileMembershipRule(
      'user.department -eq "Sales" -and user.accountEnabled -eq true -or user.userType -eq "Guest"',
    );
    expect(rule(user({}))).toBe(true);
    expect(rule(user({ accountEnabled: false }))).toBe(false);
    expect(rule(user({ department: 'HR', userType: 'Guest' }))).toBe(true);
  });

  it('refuses rules it cannot evaluate instead of guessing', () => {
    expect(() => compileMembershipRule('user.department -contains "Sal"')).toThrow(
      /unsupported membership rule/,
    );
  });
});

describe('default fixture (contoso.json)', () => {
  const { fixture } = loadFixture();
  const state = EmulatorState.fromFixture(
    { ...fixture, apps: fixture.apps.map((a) => ({ ...a, keyCredentials: [] })) },
    certs,
  );
  const contoso = state.findTenant(CONTOSO.domain)!;

  it(`has ${CONTOSO.userCount} users with every failure kind present`, () => {
    expect(contoso.users).toHaveLength(CONTOSO.userCount);
    const kinds = new Set(contoso.users.map((u) => u.mailbox));
    expect([...kinds].sort()).toEqual(['exchangeOnline', 'none', 'onPremises', 'unlicensed']);
    expect(contoso.users.some((u) => !u.accountEnabled)).toBe(true);
    expect(contoso.users.some((u) => u.userType === 'Guest')).toBe(true);
  });

  it('starts Contoso without consent for Together, and Together with an Exchange scope on the pilot group', () => {
    expect(contoso.servicePrincipalByAppId(TOGETHER_APP.appId)).toBeUndefined();
    expect([...contoso.exchangeScopes.values()][0]).toMatchObject({ groupId: CONTOSO.groups.mentoringPilot });
  });

  it('generates the same users for the same seed', () => {
    const again = EmulatorState.fromFixture(
      {
        ...fixture,
        apps: [],
        tenants: fixture.tenants.map((t) => ({
          ...t,
          consents: [],
          exchangeScopes: [],
          delegatedGrants: [],
          appRoleAssignments: [],
        })),
      },
      certs,
    );
    expect(again.findTenant(CONTOSO.tenantId)!.users.map((u) => u.id)).toEqual(
      contoso.users.map((u) => u.id),
    );
  });

  it('counts a consent as visible only after its propagation time', () => {
    const s = EmulatorState.fromFixture(
      { ...fixture, apps: fixture.apps.map((a) => ({ ...a, keyCredentials: [] })) },
      certs,
    );
    s.consentPropagationMs = 60_000;
    s.grantConsent(CONTOSO.tenantId, TOGETHER_APP.appId);
    const t = s.findTenant(CONTOSO.tenantId)!;
    expect(t.grantedRoles(TOGETHER_APP.appId, Date.now())).toEqual([]);
    expect(t.grantedRoles(TOGETHER_APP.appId, Date.now() + 61_000)).toEqual([
      'Calendars.ReadWrite',
      'User.ReadBasic.All',
    ]);
  });

  it('applies a new Exchange RBAC scope only after the cache delay, and a removed one until it expires', () => {
    const s = EmulatorState.fromFixture(
      { ...fixture, apps: fixture.apps.map((a) => ({ ...a, keyCredentials: [] })) },
      certs,
    );
    let now = 1_000_000;
    s.now = () => now;
    s.exchangeRbacCacheMs = 3_600_000;
    const t = s.findTenant(CONTOSO.tenantId)!;
    for (const id of [...t.exchangeScopes.keys()]) t.exchangeScopes.delete(id);
    s.addExchangeScope(t, {
      id: 'pilot',
      appId: TOGETHER_APP.appId,
      role: 'Application Calendars.ReadWrite',
      groupId: CONTOSO.groups.mentoringPilot,
    });
    const decide = () =>
      t.exchangeScopeDecision(TOGETHER_APP.appId, ['Calendars.ReadWrite'], CONTOSO.users.inScope.id, now);
    expect(decide()).toBe('none');
    now += 3_600_000;
    expect(decide()).toBe('inScope');
    expect(s.removeExchangeScope(t, 'pilot')).toBe(true);
    now += 3_599_000;
    expect(decide()).toBe('inScope');
    now += 1_000;
    expect(decide()).toBe('none');
  });

  it('hides a service principal created by consent from the token endpoint until replication', () => {
    const s = EmulatorState.fromFixture(
      { ...fixture, apps: fixture.apps.map((a) => ({ ...a, keyCredentials: [] })) },
      certs,
    );
    s.now = () => 2_000_000;
    s.replicationDelayMs = 120_000;
    const { servicePrincipal } = s.grantConsent(CONTOSO.tenantId, TOGETHER_APP.appId);
    expect(s.findTenant(CONTOSO.tenantId)!.servicePrincipalVisibleAt.get(servicePrincipal.id)).toBe(
      2_120_000,
    );
  });
});
