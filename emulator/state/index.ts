/**
 * The emulated tenants in memory: directory objects (users, groups, service principals, app role
 * assignments), app registrations, Exchange RBAC scopes, calendars and the outbox. Built from a validated
 * fixture; everything the Graph and login routes read or change goes through here. Saving and restoring it
 * is persistence.ts's job.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Fixture } from '../fixture';
import { GRAPH_APP_ROLES, roleByValue } from '../permissions';
import { appFromFixture, type AppCertificates } from './applications';
import { addDelegatedGrant, assignUserAppRole, DelegatedStore, setUserConsentPolicy } from './delegated';
import { DEFAULT_LOW_IMPACT } from '../permissions';
import { isoLocal, makeEvent } from './calendar';
import { groupFromFixture } from './groups';
import { Tenant } from './tenant';
import type { AppRoleAssignment, Application, ExchangeScope, OutboxMessage, ServicePrincipal } from './types';
import { generateUsers, userFromFixture } from './users';

export * from './types';
export { Tenant } from './tenant';
export { byStart, isoLocal, makeEvent, newEventId, seededCalendar, teamsJoinUrl } from './calendar';
export { compileMembershipRule } from './groups';
export { generateUsers } from './users';
export { keyCredential, type AppCertificates } from './applications';
export * from './delegated';

export class EmulatorState {
  readonly tenants = new Map<string, Tenant>();
  readonly tenantsByDomain = new Map<string, Tenant>();
  readonly apps = new Map<string, Application>();
  readonly outbox: OutboxMessage[] = [];
  /** Messages (drafts and sent items) per `tenantId|userId` mailbox, in memory only (graph/resources/mail.ts). */
  readonly mailboxes = new Map<string, unknown[]>();
  /** `tenantId|userId` of users switched through the control API (persisted; the rest come from the fixture). */
  readonly touchedUsers = new Set<string>();
  /** Sign-in sessions, authorize flows, codes and refresh tokens (in memory only; a reset forgets them). */
  readonly delegated = new DelegatedStore();
  /** The emulator clock (clock.ts); wall time until the server wires its clock in. */
  now: () => number = () => Date.now();
  /** Delay before a new service principal is seen by the token endpoint (Entra replication). */
  replicationDelayMs = 0;
  /** Delay before an Exchange RBAC for Applications change applies (the 30 min – 2 h cache). */
  exchangeRbacCacheMs = 0;
  consentPropagationMs = 0;

  static fromFixture(fixture: Fixture, certs: AppCertificates): EmulatorState {
    const s = new EmulatorState();
    for (const a of fixture.apps) s.apps.set(a.appId.toLowerCase(), appFromFixture(a, certs));
    for (const t of fixture.tenants) {
      const tenant = new Tenant(
        t.id.toLowerCase(),
        t.domain.toLowerCase(),
        t.displayName,
        t.admins.map((a) => ({ ...a, id: a.id.toLowerCase() })),
      );
      for (const u of t.users) tenant.addUser(userFromFixture(u));
      if (t.generate) generateUsers(tenant, t.generate);
      tenant.calendarSeed = t.generate?.seed ?? '';
      for (const g of t.groups) tenant.groups.set(g.id.toLowerCase(), groupFromFixture(tenant, g));
      if (t.authorizationPolicy) tenant.authorizationPolicy = { ...t.authorizationPolicy };
      if (t.allowUserConsent) setUserConsentPolicy(tenant, t.allowUserConsent);
      tenant.lowImpactPermissions = t.lowImpactPermissions ?? DEFAULT_LOW_IMPACT;
      s.tenants.set(tenant.id, tenant);
      s.tenantsByDomain.set(tenant.domain, tenant);
      for (const c of t.consents) {
        const at = c.grantedAt ? Date.parse(c.grantedAt) : Date.now();
        s.grantConsent(tenant.id, c.appId, c.roles, {
          visibleAt: at,
          createdAt: at,
          servicePrincipalVisibleAt: at,
        });
        const sp = tenant.servicePrincipalByAppId(c.appId);
        if (sp) sp.accountEnabled = c.accountEnabled;
      }
      for (const g of t.delegatedGrants) {
        const sp =
          tenant.servicePrincipalByAppId(g.appId) ??
          s.grantConsent(tenant.id, g.appId, [], { servicePrincipalVisibleAt: 0 }).servicePrincipal;
        const user = g.user ? tenant.findUser(g.user) : undefined;
        if (g.user && !user)
          throw new Error(`delegatedGrants: no user ${g.user} in tenant ${tenant.displayName}`);
        addDelegatedGrant(tenant, sp, g.consentType, user?.id ?? null, g.scopes);
      }
      for (const r of t.appRoleAssignments) {
        const user = tenant.findUser(r.user);
        if (!user) throw new Error(`appRoleAssignments: no user ${r.user} in tenant ${tenant.displayName}`);
        assignUserAppRole(tenant, s.findApp(r.appId)!, user.id, r.role, 0);
      }
      for (const sc of t.exchangeScopes) {
        const id = sc.id ?? randomUUID();
        tenant.exchangeScopes.set(id, {
          id,
          appId: sc.appId.toLowerCase(),
          role: sc.role,
          groupId: sc.groupId.toLowerCase(),
          activeFrom: 0,
          activeUntil: null,
        });
      }
      for (const e of t.events) {
        const user = tenant.findUser(e.mailbox)!;
        const ev = makeEvent({
          subject: e.subject,
          start: { dateTime: isoLocal(new Date(e.start)), timeZone: 'UTC' },
          end: { dateTime: isoLocal(new Date(e.end)), timeZone: 'UTC' },
          showAs: e.showAs,
          isOnlineMeeting: e.isOnlineMeeting,
          location: e.location,
          sensitivity: e.sensitivity,
          organizer: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
        });
        tenant.writableCalendar(user).set(ev.id, ev);
      }
    }
    return s;
  }

  /** By GUID or by domain name (contoso.onmicrosoft.com), as login.microsoftonline.com accepts both. */
  findTenant(idOrDomain: string): Tenant | undefined {
    const k = idOrDomain.toLowerCase();
    return this.tenants.get(k) ?? this.tenantsByDomain.get(k);
  }

  findApp(appId: string): Application | undefined {
    return this.apps.get(appId.toLowerCase());
  }

  findAppByObjectId(id: string): Application | undefined {
    for (const a of this.apps.values()) if (a.id === id.toLowerCase()) return a;
    return undefined;
  }

  /**
   * Admin consent: create the app's service principal in the tenant if missing, then an app role assignment
   * per role not yet granted. New assignments show up in tokens after the propagation delay.
   */
  grantConsent(
    tenantId: string,
    appId: string,
    roles?: string[],
    opts: { visibleAt?: number; createdAt?: number; servicePrincipalVisibleAt?: number } = {},
  ): { servicePrincipal: ServicePrincipal; created: AppRoleAssignment[] } {
    const tenant = this.findTenant(tenantId);
    if (!tenant) throw new Error(`no tenant ${tenantId}`);
    const app = this.findApp(appId);
    if (!app) throw new Error(`no app ${appId}`);
    const createdAt = opts.createdAt ?? this.now();
    let sp = tenant.servicePrincipalByAppId(app.appId);
    if (!sp) {
      sp = {
        id: randomUUID(),
        appId: app.appId,
        displayName: app.displayName,
        accountEnabled: true,
        appOwnerOrganizationId: app.homeTenantId,
        appRoleAssignmentRequired: false,
        servicePrincipalType: 'Application',
        signInAudience: app.signInAudience,
        createdDateTime: new Date(createdAt).toISOString(),
      };
      tenant.servicePrincipals.set(sp.id, sp);
      tenant.servicePrincipalVisibleAt.set(
        sp.id,
        opts.servicePrincipalVisibleAt ?? createdAt + this.replicationDelayMs,
      );
    }
    const have = new Set(tenant.grantedRoles(app.appId, Number.MAX_SAFE_INTEGER));
    const created: AppRoleAssignment[] = [];
    for (const value of roles ?? app.requiredPermissions) {
      const role = roleByValue(value);
      if (!role) throw new Error(`unknown Graph application permission ${value}`);
      if (have.has(value)) continue;
      const a: AppRoleAssignment = {
        id: randomBytes(24).toString('base64url'),
        appRoleId: role.id,
        principalId: sp.id,
        principalDisplayName: sp.displayName,
        principalType: 'ServicePrincipal',
        resourceId: tenant.graphServicePrincipal.id,
        resourceDisplayName: 'Microsoft Graph',
        createdDateTime: new Date(createdAt).toISOString(),
        visibleAt: opts.visibleAt ?? createdAt + this.consentPropagationMs,
      };
      tenant.assignments.set(a.id, a);
      created.push(a);
    }
    return { servicePrincipal: sp, created };
  }

  /** Exchange `New-ManagementRoleAssignment -App … -CustomResourceScope …`, applied after the RBAC cache delay. */
  addExchangeScope(
    tenant: Tenant,
    scope: { id: string; appId: string; role: string; groupId: string },
  ): ExchangeScope {
    const s: ExchangeScope = {
      ...scope,
      appId: scope.appId.toLowerCase(),
      groupId: scope.groupId.toLowerCase(),
      activeFrom: this.now() + this.exchangeRbacCacheMs,
      activeUntil: null,
    };
    tenant.exchangeScopes.set(s.id, s);
    return s;
  }

  /** `Remove-ManagementRoleAssignment`: the grant keeps working until the RBAC cache expires. */
  removeExchangeScope(tenant: Tenant, id: string): boolean {
    const s = tenant.exchangeScopes.get(id);
    if (!s || s.activeUntil != null) return false;
    if (this.exchangeRbacCacheMs === 0) tenant.exchangeScopes.delete(id);
    else s.activeUntil = this.now() + this.exchangeRbacCacheMs;
    return true;
  }

  /** Revoke: remove the named roles, or (no roles) delete the service principal and all its assignments. */
  revokeConsent(
    tenantId: string,
    appId: string,
    roles?: string[],
  ): { removed: number; servicePrincipalDeleted: boolean } {
    const tenant = this.findTenant(tenantId);
    if (!tenant) throw new Error(`no tenant ${tenantId}`);
    const sp = tenant.servicePrincipalByAppId(appId);
    if (!sp) return { removed: 0, servicePrincipalDeleted: false };
    const ids = roles?.map((r) => roleByValue(r)?.id).filter(Boolean);
    let removed = 0;
    for (const [id, a] of tenant.assignments)
      if (a.principalId === sp.id && (!ids || ids.includes(a.appRoleId))) {
        tenant.assignments.delete(id);
        removed++;
      }
    if (!roles) {
      tenant.servicePrincipals.delete(sp.id);
      // "Deleting the Entra SP auto-removes its Exchange assignments" (application-rbac).
      for (const [id, s] of tenant.exchangeScopes) if (s.appId === sp.appId) tenant.exchangeScopes.delete(id);
    }
    return { removed, servicePrincipalDeleted: !roles };
  }
}

export { GRAPH_APP_ROLES };
