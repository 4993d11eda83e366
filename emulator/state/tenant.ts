/**
 * One emulated tenant: directory objects (users, groups, service principals, app role assignments),
 * Exchange RBAC scopes and calendars, with the lookups Graph and login need.
 */
import { createHash } from 'node:crypto';
import { GRAPH_APP_ID, roleById, EXCHANGE_APP_ROLES } from '../permissions';
import { byStart, readSeededCalendar, seededCalendar, seededDays } from './calendar';
import type { OAuth2PermissionGrant, UserAppRoleAssignment, UserSignInState } from './delegated';
import type {
  Admin,
  AppRoleAssignment,
  AuthorizationPolicy,
  CalendarEvent,
  ExchangeScope,
  Group,
  ServicePrincipal,
  User,
} from './types';

export class Tenant {
  readonly users: User[] = [];
  readonly usersById = new Map<string, User>();
  /** Lower-cased UPN and mail → user. */
  readonly usersByName = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly admins: Admin[];
  readonly servicePrincipals = new Map<string, ServicePrincipal>();
  readonly assignments = new Map<string, AppRoleAssignment>();
  readonly exchangeScopes = new Map<string, ExchangeScope>();
  /**
   * Calendars written through Graph (or the fixture), by user id: copy-on-write, so only these cost memory
   * and get persisted. Every other mailbox's calendar is its seeded one, regenerated on each read.
   */
  readonly calendars = new Map<string, Map<string, CalendarEvent>>();
  /** Part of every seeded calendar's seed (the fixture's `generate.seed`): same fixture ⇒ same events. */
  calendarSeed = '';
  readonly graphServicePrincipal: ServicePrincipal;
  authorizationPolicy: AuthorizationPolicy;
  /** Service principal id → when token issuance sees it (replication after consent; emulator clock, ms). */
  readonly servicePrincipalVisibleAt = new Map<string, number>();
  private readonly transitiveCache = new Map<string, string[]>();
  /** Delegated permission grants (oauth2PermissionGrant) by id: user consent and admin consent for all. */
  readonly oauth2PermissionGrants = new Map<string, OAuth2PermissionGrant>();
  /** Users assigned to apps' roles (the id_token `roles` claim). */
  readonly userAppRoleAssignments = new Map<string, UserAppRoleAssignment>();
  /** Per user: revoked sessions, password changes, Conditional Access blocks (state/delegated.ts). */
  readonly signIn = new Map<string, UserSignInState>();
  /** Permissions classified "low impact" for the microsoft-user-default-low user-consent policy. */
  lowImpactPermissions: string[] = [];

  constructor(
    readonly id: string,
    readonly domain: string,
    readonly displayName: string,
    admins: Admin[],
  ) {
    this.admins = admins;
    this.authorizationPolicy = {
      permissionGrantPoliciesAssigned: ['ManagePermissionGrantsForSelf.microsoft-user-default-legacy'],
      allowedToCreateApps: true,
      allowInvitesFrom: 'everyone',
    };
    // Microsoft Graph's own service principal: a different object id in every tenant, same appId.
    const h = createHash('sha256').update(`graph-sp:${id}`).digest('hex');
    this.graphServicePrincipal = {
      id: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`,
      appId: GRAPH_APP_ID,
      displayName: 'Microsoft Graph',
      accountEnabled: true,
      appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
      appRoleAssignmentRequired: false,
      servicePrincipalType: 'Application',
      signInAudience: 'AzureADMultipleOrgs',
      createdDateTime: '2020-01-01T00:00:00Z',
    };
    this.servicePrincipals.set(this.graphServicePrincipal.id, this.graphServicePrincipal);
  }

  addUser(u: User): void {
    this.users.push(u);
    this.usersById.set(u.id.toLowerCase(), u);
    this.usersByName.set(u.userPrincipalName.toLowerCase(), u);
    if (u.mail && !this.usersByName.has(u.mail.toLowerCase())) this.usersByName.set(u.mail.toLowerCase(), u);
  }

  /** By object id, UPN or SMTP address, case-insensitive (Graph accepts id or UPN in /users/{id}). */
  findUser(idOrName: string): User | undefined {
    const k = idOrName.toLowerCase();
    return this.usersById.get(k) ?? this.usersByName.get(k);
  }

  findGroup(id: string): Group | undefined {
    return this.groups.get(id.toLowerCase());
  }

  servicePrincipalByAppId(appId: string): ServicePrincipal | undefined {
    for (const sp of this.servicePrincipals.values())
      if (sp.appId.toLowerCase() === appId.toLowerCase()) return sp;
    return undefined;
  }

  /** User ids reached through nested groups (cycle-safe), in first-seen order. */
  transitiveUserIds(groupId: string): string[] {
    const cached = this.transitiveCache.get(groupId);
    if (cached) return cached;
    const out: string[] = [];
    const seenUsers = new Set<string>();
    const seenGroups = new Set<string>([groupId]);
    const queue = [groupId];
    while (queue.length) {
      const g = this.groups.get(queue.shift()!);
      if (!g) continue;
      for (const m of g.members) {
        if (this.groups.has(m)) {
          if (!seenGroups.has(m)) {
            seenGroups.add(m);
            queue.push(m);
          }
        } else if (!seenUsers.has(m)) {
          seenUsers.add(m);
          out.push(m);
        }
      }
    }
    this.transitiveCache.set(groupId, out);
    return out;
  }

  /** Nested groups (transitive) of a group, for transitiveMembers without the user cast. */
  transitiveGroupIds(groupId: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([groupId]);
    const queue = [groupId];
    while (queue.length) {
      const g = this.groups.get(queue.shift()!);
      for (const m of g?.members ?? [])
        if (this.groups.has(m) && !seen.has(m)) {
          seen.add(m);
          out.push(m);
          queue.push(m);
        }
    }
    return out;
  }

  invalidateMembership(): void {
    this.transitiveCache.clear();
  }

  /** App role values granted to an app's service principal that are visible (propagated) at `now`. */
  grantedRoles(appId: string, now: number): string[] {
    const sp = this.servicePrincipalByAppId(appId);
    if (!sp) return [];
    const roles = new Set<string>();
    for (const a of this.assignments.values())
      if (a.principalId === sp.id && a.resourceId === this.graphServicePrincipal.id && a.visibleAt <= now) {
        const r = roleById(a.appRoleId);
        if (r) roles.add(r.value);
      }
    return [...roles].sort();
  }

  /**
   * Exchange RBAC for Applications: does a scope grant `permission` to this app on this mailbox? A
   * MemberOfGroup scope counts direct members only ("Nested group members are considered out of scope",
   * https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac).
   * Returns 'none' when the app has no scoped assignment for that permission at all.
   */
  exchangeScopeDecision(
    appId: string,
    permissions: string[],
    userId: string,
    now: number,
  ): 'none' | 'inScope' | 'outOfScope' {
    let any = false;
    for (const s of this.activeExchangeScopes(now)) {
      if (s.appId.toLowerCase() !== appId.toLowerCase()) continue;
      const grants = EXCHANGE_APP_ROLES[s.role];
      if (!grants || !permissions.includes(grants)) continue;
      any = true;
      if (this.groups.get(s.groupId)?.members.includes(userId)) return 'inScope';
    }
    return any ? 'outOfScope' : 'none';
  }

  /** Scopes Exchange applies at `now`: added ones once the RBAC cache has caught up, removed ones until it has. */
  *activeExchangeScopes(now: number): Iterable<ExchangeScope> {
    for (const s of this.exchangeScopes.values())
      if ((s.activeFrom ?? 0) <= now && (s.activeUntil == null || now < s.activeUntil)) yield s;
  }

  /** A mailbox's calendar to read: its written copy, or its seeded events generated now (not kept). */
  calendar(user: User): ReadonlyMap<string, CalendarEvent> {
    return this.calendars.get(user.id) ?? readSeededCalendar(this.calendarSeed, this.id, user);
  }

  /**
   * The mailbox's events overlapping [fromMs, toMs) in start order (stable, as sortedEvents). An unwritten
   * mailbox generates only the seeded days the window covers: a 24-hour getSchedule needs one or two of them.
   */
  eventsBetween(user: User, fromMs: number, toMs: number): CalendarEvent[] {
    const overlaps = (e: CalendarEvent) =>
      Date.parse(e.start.dateTime + 'Z') < toMs && Date.parse(e.end.dateTime + 'Z') > fromMs;
    const written = this.calendars.get(user.id);
    if (written) return [...written.values()].sort(byStart).filter(overlaps);
    const out: CalendarEvent[] = [];
    for (const day of seededDays(this.calendarSeed, this.id, user, Date.now(), fromMs, toMs, true))
      for (const e of day) if (overlaps(e)) out.push(e);
    return out;
  }

  /**
   * The mailbox's first `n` events in start order (all of them if it has fewer). An unwritten mailbox generates
   * seeded days oldest first and stops once it has `n`: a first page of `$top=1` costs a day or two, not 21.
   */
  firstEvents(user: User, n: number): CalendarEvent[] {
    const written = this.calendars.get(user.id);
    if (written) return [...written.values()].sort(byStart).slice(0, n);
    const out: CalendarEvent[] = [];
    for (const day of seededDays(this.calendarSeed, this.id, user, Date.now(), -Infinity, Infinity, true)) {
      out.push(...day);
      if (out.length >= n) break;
    }
    return out.slice(0, n);
  }

  /** A mailbox's calendar to change: on the first write, its seeded events are copied into the store. */
  writableCalendar(user: User): Map<string, CalendarEvent> {
    let cal = this.calendars.get(user.id);
    if (!cal) {
      cal = seededCalendar(this.calendarSeed, this.id, user);
      this.calendars.set(user.id, cal);
    }
    return cal;
  }
}
