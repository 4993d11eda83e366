/**
 * The emulated tenants in memory: directory objects (users, groups, service principals, app role
 * assignments), app registrations, Exchange RBAC scopes, calendars and the outbox. Built from a validated
 * fixture; everything the Graph and login routes read or change goes through here.
 */
import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { Fixture, FixtureApp, FixtureGroup, FixtureTenant } from './fixture';
import { GRAPH_APP_ID, GRAPH_APP_ROLES, roleById, roleByValue, EXCHANGE_APP_ROLES } from './permissions';
import { makeRng } from './rng';

export type MailboxKind = 'exchangeOnline' | 'unlicensed' | 'onPremises' | 'none';

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  mailbox: MailboxKind;
  onPremisesSyncEnabled: boolean | null;
}

export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | null;
  /** Direct member ids (users and groups). */
  members: string[];
}

export interface Admin {
  id: string;
  userPrincipalName: string;
  displayName: string;
  roles: string[];
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  appOwnerOrganizationId: string;
  appRoleAssignmentRequired: boolean;
  servicePrincipalType: 'Application';
  signInAudience: string;
  createdDateTime: string;
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalDisplayName: string;
  principalType: 'ServicePrincipal';
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
  /** When the grant shows up in new tokens (consent propagation; real tenants lag up to an hour). */
  visibleAt: number;
}

export interface ExchangeScope {
  id: string;
  appId: string;
  role: string;
  groupId: string;
}

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  secretText: string;
  hint: string;
  startDateTime: string;
  endDateTime: string;
}

export interface KeyCredential {
  keyId: string;
  displayName: string | null;
  certificatePem: string;
  /** SHA-1 and SHA-256 thumbprints of the certificate (base64url), as sent in assertion headers x5t / x5t#S256. */
  x5t: string;
  x5tS256: string;
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  homeTenantId: string;
  signInAudience: string;
  publisherDomain: string | null;
  redirectUris: string[];
  requiredPermissions: string[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  createdDateTime: string;
}

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

export interface CalendarEvent {
  id: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  iCalUId: string;
  subject: string;
  bodyPreview: string;
  body: { contentType: 'html' | 'text'; content: string };
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  isAllDay: boolean;
  showAs: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  sensitivity: 'normal' | 'personal' | 'private' | 'confidential';
  importance: 'low' | 'normal' | 'high';
  isCancelled: boolean;
  isOrganizer: boolean;
  responseRequested: boolean;
  type: 'singleInstance';
  location: { displayName: string };
  organizer: { emailAddress: { name: string; address: string } };
  attendees: {
    type: 'required' | 'optional' | 'resource';
    status: { response: string; time: string };
    emailAddress: { name?: string; address: string };
  }[];
  responseStatus: { response: string; time: string };
  isOnlineMeeting: boolean;
  onlineMeetingProvider: 'teamsForBusiness' | 'unknown';
  onlineMeeting: { joinUrl: string } | null;
  transactionId: string | null;
  webLink: string;
}

export interface OutboxMessage {
  id: string;
  tenantId: string;
  appId: string;
  /** The mailbox it was sent from (user id and UPN). */
  from: { id: string; userPrincipalName: string };
  sentDateTime: string;
  saveToSentItems: boolean;
  message: {
    subject?: string;
    body?: { contentType?: string; content?: string };
    toRecipients?: { emailAddress: { address: string; name?: string } }[];
    ccRecipients?: { emailAddress: { address: string; name?: string } }[];
    [k: string]: unknown;
  };
}

export interface AuthorizationPolicy {
  permissionGrantPoliciesAssigned: string[];
  allowedToCreateApps: boolean;
  allowInvitesFrom: string;
}

const FIRST = [
  'Aisha',
  'Ben',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Luca',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rafael',
  'Sara',
  'Tomás',
  'Uma',
  'Viktor',
  'Wen',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Adams',
  'Brown',
  'Chen',
  'Dubois',
  'Evans',
  'Fischer',
  'García',
  'Hughes',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Müller',
  'Nakamura',
  'Okafor',
  'Patel',
  'Rossi',
  'Silva',
  'Tanaka',
  'Walsh',
  'Yilmaz',
  'Zhang',
];
const DEPARTMENTS = ['Sales', 'Marketing', 'Engineering', 'Operations', 'Finance', 'HR'];

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function newEventId(): string {
  // Outlook item ids are long opaque base64 strings starting with AAMk; shape only, no meaning.
  return `AAMkAG${randomBytes(48).toString('base64url')}`;
}

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
  readonly calendars = new Map<string, Map<string, CalendarEvent>>();
  readonly graphServicePrincipal: ServicePrincipal;
  authorizationPolicy: AuthorizationPolicy;
  private readonly transitiveCache = new Map<string, string[]>();

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
  grantedRoles(appId: string, now = Date.now()): string[] {
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
  ): 'none' | 'inScope' | 'outOfScope' {
    let any = false;
    for (const s of this.exchangeScopes.values()) {
      if (s.appId.toLowerCase() !== appId.toLowerCase()) continue;
      const grants = EXCHANGE_APP_ROLES[s.role];
      if (!grants || !permissions.includes(grants)) continue;
      any = true;
      if (this.groups.get(s.groupId)?.members.includes(userId)) return 'inScope';
    }
    return any ? 'outOfScope' : 'none';
  }

  calendar(user: User): Map<string, CalendarEvent> {
    let cal = this.calendars.get(user.id);
    if (!cal) {
      cal = seedCalendar(this.id, user);
      this.calendars.set(user.id, cal);
    }
    return cal;
  }
}

/**
 * Deterministic busy time for a mailbox, generated on first access (so a 100,000-user tenant costs nothing
 * until a calendar is read): working days from 7 days ago to 21 days ahead, 0–3 meetings a day.
 */
function seedCalendar(tenantId: string, user: User): Map<string, CalendarEvent> {
  const cal = new Map<string, CalendarEvent>();
  if (user.mailbox !== 'exchangeOnline') return cal;
  const rng = makeRng(`${tenantId}:${user.id}:calendar`);
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const address = user.mail ?? user.userPrincipalName;
  for (let d = -7; d <= 21; d++) {
    const day = new Date(today.getTime() + d * 86_400_000);
    const dow = day.getUTCDay();
    if (dow === 0 || dow === 6) continue;
    const n = rng.int(0, 3);
    for (let i = 0; i < n; i++) {
      const startMin = rng.int(8 * 2, 16 * 2) * 30;
      const dur = rng.pick([30, 30, 60, 60, 90]);
      const start = new Date(day.getTime() + startMin * 60_000);
      const end = new Date(start.getTime() + dur * 60_000);
      const showAs = rng.pick(['busy', 'busy', 'busy', 'tentative', 'oof'] as const);
      const ev = makeEvent({
        subject: rng.pick(['1:1', 'Team sync', 'Customer call', 'Planning', 'Focus time', 'Interview']),
        start: { dateTime: isoLocal(start), timeZone: 'UTC' },
        end: { dateTime: isoLocal(end), timeZone: 'UTC' },
        showAs,
        organizer: { name: user.displayName, address },
      });
      cal.set(ev.id, ev);
    }
  }
  return cal;
}

/** Graph's dateTimeTimeZone.dateTime: local time without offset, 7 fractional digits. */
export function isoLocal(d: Date): string {
  return d
    .toISOString()
    .replace('Z', '')
    .replace(/\.(\d{3})$/, '.$10000');
}

export function makeEvent(input: {
  subject: string;
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  showAs?: CalendarEvent['showAs'];
  organizer: { name: string; address: string };
  body?: { contentType?: 'html' | 'text'; content?: string };
  isOnlineMeeting?: boolean;
  location?: string;
  attendees?: CalendarEvent['attendees'];
  transactionId?: string | null;
  isAllDay?: boolean;
  sensitivity?: CalendarEvent['sensitivity'];
}): CalendarEvent {
  const now = new Date().toISOString();
  const id = newEventId();
  const online = input.isOnlineMeeting ?? false;
  const content = input.body?.content ?? '';
  return {
    id,
    createdDateTime: now,
    lastModifiedDateTime: now,
    changeKey: randomBytes(12).toString('base64'),
    iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString('hex').toUpperCase()}`,
    subject: input.subject,
    bodyPreview: content.replace(/<[^>]*>/g, '').slice(0, 255),
    body: { contentType: input.body?.contentType ?? 'html', content },
    start: input.start,
    end: input.end,
    isAllDay: input.isAllDay ?? false,
    showAs: input.showAs ?? 'busy',
    sensitivity: input.sensitivity ?? 'normal',
    importance: 'normal',
    isCancelled: false,
    isOrganizer: true,
    responseRequested: true,
    type: 'singleInstance',
    location: { displayName: input.location ?? (online ? 'Microsoft Teams Meeting' : '') },
    organizer: { emailAddress: input.organizer },
    attendees: input.attendees ?? [],
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    isOnlineMeeting: online,
    onlineMeetingProvider: online ? 'teamsForBusiness' : 'unknown',
    onlineMeeting: online ? { joinUrl: teamsJoinUrl() } : null,
    transactionId: input.transactionId ?? null,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
  };
}

/** Shape of a Teams meeting join link (https://teams.microsoft.com/l/meetup-join/19%3ameeting_…%40thread.v2/0?context=…). */
export function teamsJoinUrl(): string {
  const meeting = randomBytes(24).toString('base64url');
  return `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${meeting}%40thread.v2/0?context=%7b%22Tid%22%3a%22emulator%22%7d`;
}

/** `user.<prop> -eq|-ne "<value>"` clauses joined by -and / -or (-and binds tighter). */
export function compileMembershipRule(rule: string): (u: User) => boolean {
  const orParts = rule.split(/\s+-or\s+/i).map((or) =>
    or.split(/\s+-and\s+/i).map((clause) => {
      const m = /^\(?\s*user\.(\w+)\s+-(eq|ne)\s+(?:"([^"]*)"|(true|false|null))\s*\)?$/i.exec(clause.trim());
      if (!m)
        throw new Error(
          `unsupported membership rule clause "${clause.trim()}" (supported: user.<property> -eq|-ne "value")`,
        );
      const [, prop, op, str, lit] = m;
      const want = str ?? lit!.toLowerCase();
      return (u: User) => {
        const v = (u as unknown as Record<string, unknown>)[prop!];
        const eq = String(v ?? 'null').toLowerCase() === want.toLowerCase();
        return op!.toLowerCase() === 'eq' ? eq : !eq;
      };
    }),
  );
  return (u) => orParts.some((and) => and.every((c) => c(u)));
}

function userFromFixture(t: FixtureTenant['users'][number]): User {
  return {
    id: t.id.toLowerCase(),
    userPrincipalName: t.userPrincipalName,
    displayName: t.displayName,
    givenName: t.givenName ?? null,
    surname: t.surname ?? null,
    mail: t.mail !== undefined ? t.mail : t.mailbox === 'none' ? null : t.userPrincipalName,
    jobTitle: t.jobTitle ?? null,
    department: t.department ?? null,
    officeLocation: t.officeLocation ?? null,
    userType: t.userType,
    accountEnabled: t.accountEnabled,
    mailbox: t.mailbox,
    onPremisesSyncEnabled: t.onPremisesSyncEnabled ?? (t.mailbox === 'onPremises' ? true : null),
  };
}

/** Deterministic generated users: same seed and count ⇒ same ids, names and failure kinds. */
export function generateUsers(tenant: Tenant, spec: NonNullable<FixtureTenant['generate']>): void {
  const rng = makeRng(`${tenant.id}:${spec.seed}`);
  const departments = spec.departments ?? DEPARTMENTS;
  for (let i = 0; i < spec.count; i++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const roll = rng.float();
    let mailbox: MailboxKind = 'exchangeOnline';
    let userType: 'Member' | 'Guest' = 'Member';
    const guestCut = spec.guestRate;
    const unlicensedCut = guestCut + spec.unlicensedRate;
    if (roll < guestCut) {
      userType = 'Guest';
      mailbox = 'none';
    } else if (roll < unlicensedCut) mailbox = 'unlicensed';
    else if (roll < unlicensedCut + spec.onPremisesRate) mailbox = 'onPremises';
    const disabled = rng.float() < spec.disabledRate;
    const local = `${ascii(first)}.${ascii(last)}${i + 1}`;
    const upn =
      userType === 'Guest' ? `${local}_partner.example#EXT#@${tenant.domain}` : `${local}@${tenant.domain}`;
    tenant.addUser({
      id: rng.guid(),
      userPrincipalName: upn,
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      mail: userType === 'Guest' ? `${local}@partner.example` : upn,
      jobTitle: null,
      department: rng.pick(departments),
      officeLocation: null,
      userType,
      accountEnabled: !disabled,
      mailbox,
      onPremisesSyncEnabled: mailbox === 'onPremises' ? true : null,
    });
  }
}

function groupFromFixture(tenant: Tenant, g: FixtureGroup): Group {
  const dynamic = g.groupTypes.includes('DynamicMembership');
  let members: string[];
  if (dynamic) {
    const rule = compileMembershipRule(g.membershipRule!);
    members = tenant.users.filter(rule).map((u) => u.id);
  } else {
    members = g.members.map((m) => tenant.findUser(m)?.id ?? m.toLowerCase());
  }
  return {
    id: g.id.toLowerCase(),
    displayName: g.displayName,
    description: g.description ?? null,
    mailNickname: g.mailNickname,
    mail: g.mail ?? null,
    mailEnabled: g.mailEnabled,
    securityEnabled: g.securityEnabled,
    groupTypes: g.groupTypes,
    membershipRule: g.membershipRule ?? null,
    membershipRuleProcessingState: dynamic ? 'On' : null,
    members,
  };
}

export interface AppCertificates {
  /** "generated:together" → PEM */
  generated: Record<string, string>;
}

function appFromFixture(a: FixtureApp, certs: AppCertificates): Application {
  return {
    id: a.id.toLowerCase(),
    appId: a.appId.toLowerCase(),
    displayName: a.displayName,
    homeTenantId: a.homeTenantId.toLowerCase(),
    signInAudience: a.signInAudience,
    publisherDomain: a.publisherDomain ?? null,
    redirectUris: a.redirectUris,
    requiredPermissions: a.requiredPermissions,
    createdDateTime: '2026-01-01T00:00:00Z',
    passwordCredentials: a.passwordCredentials.map((p) => ({
      keyId: p.keyId,
      displayName: p.displayName ?? null,
      secretText: p.secretText,
      // Graph returns the first three characters of the secret as `hint`.
      hint: p.secretText.slice(0, 3),
      startDateTime: p.startDateTime ?? '2026-01-01T00:00:00Z',
      endDateTime: p.endDateTime,
    })),
    keyCredentials: a.keyCredentials.map((k) => keyCredential(k, certs)),
  };
}

export function keyCredential(
  k: {
    keyId: string;
    displayName?: string | null;
    certificate: string;
    startDateTime?: string;
    endDateTime?: string;
  },
  certs: AppCertificates,
): KeyCredential {
  const pem = k.certificate.startsWith('generated:') ? certs.generated[k.certificate] : k.certificate;
  if (!pem)
    throw new Error(
      `unknown generated certificate "${k.certificate}" (known: ${Object.keys(certs.generated).join(', ')})`,
    );
  const cert = new X509Certificate(pem);
  const sha1 = createHash('sha1').update(cert.raw).digest();
  return {
    keyId: k.keyId,
    displayName: k.displayName ?? cert.subject.replace(/\n/g, ', '),
    certificatePem: pem,
    x5t: sha1.toString('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    // keyCredential.customKeyIdentifier defaults to the certificate thumbprint (resources/keycredential.md).
    customKeyIdentifier: sha1.toString('hex').toUpperCase(),
    startDateTime: k.startDateTime ?? new Date(cert.validFrom).toISOString(),
    endDateTime: k.endDateTime ?? new Date(cert.validTo).toISOString(),
  };
}

export class EmulatorState {
  readonly tenants = new Map<string, Tenant>();
  readonly tenantsByDomain = new Map<string, Tenant>();
  readonly apps = new Map<string, Application>();
  readonly outbox: OutboxMessage[] = [];
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
      for (const g of t.groups) tenant.groups.set(g.id.toLowerCase(), groupFromFixture(tenant, g));
      if (t.authorizationPolicy) tenant.authorizationPolicy = { ...t.authorizationPolicy };
      s.tenants.set(tenant.id, tenant);
      s.tenantsByDomain.set(tenant.domain, tenant);
      for (const c of t.consents) {
        const at = c.grantedAt ? Date.parse(c.grantedAt) : Date.now();
        s.grantConsent(tenant.id, c.appId, c.roles, { visibleAt: at, createdAt: at });
        const sp = tenant.servicePrincipalByAppId(c.appId);
        if (sp) sp.accountEnabled = c.accountEnabled;
      }
      for (const sc of t.exchangeScopes) {
        const id = sc.id ?? randomUUID();
        tenant.exchangeScopes.set(id, {
          id,
          appId: sc.appId.toLowerCase(),
          role: sc.role,
          groupId: sc.groupId.toLowerCase(),
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
          organizer: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
        });
        tenant.calendar(user).set(ev.id, ev);
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
    opts: { visibleAt?: number; createdAt?: number } = {},
  ): { servicePrincipal: ServicePrincipal; created: AppRoleAssignment[] } {
    const tenant = this.findTenant(tenantId);
    if (!tenant) throw new Error(`no tenant ${tenantId}`);
    const app = this.findApp(appId);
    if (!app) throw new Error(`no app ${appId}`);
    const createdAt = opts.createdAt ?? Date.now();
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
