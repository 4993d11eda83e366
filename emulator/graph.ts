/**
 * Microsoft Graph v1.0 as a plain function: (request) → {status, headers, body}. The HTTP server and
 * `$batch` both call `handleGraph`, so throttling, faults, latency, authorization and logging apply the same
 * way to top-level requests and to items inside a batch ("Requests in a batch are evaluated individually
 * against the applicable throttling limits", json-batching.md).
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { badRequest, graphError, GraphHttpError, throttled, type GraphResponse } from './errors';
import {
  applySelect,
  decodeSkipToken,
  encodeSkipToken,
  parseFilter,
  parseSelect,
  parseTop,
  type Row,
} from './odata';
import { EXCHANGE_APP_ROLES, GRAPH_APP_ROLES, roleById, roleByValue } from './permissions';
import type { RequestLog } from './runtime';
import type { FaultInjector, Latency, MailboxLimiter } from './runtime';
import {
  isoLocal,
  makeEvent,
  teamsJoinUrl,
  type Application,
  type AppRoleAssignment,
  type CalendarEvent,
  type DateTimeTimeZone,
  type EmulatorState,
  type Group,
  type ServicePrincipal,
  type Tenant,
  type User,
} from './state';
import { TokenRejected, type AccessTokenClaims, type TokenService } from './tokens';
import { formatInTimeZone, parseDateTimeTimeZone, preferredTimeZone } from './time';

export interface GraphContext {
  state: EmulatorState;
  tokens: TokenService;
  limiter: MailboxLimiter;
  faults: FaultInjector;
  latency: Latency;
  log: RequestLog;
  /** https://127.0.0.1:port — used in @odata.nextLink and @odata.context. */
  origin: () => string;
}

export interface GraphRequest {
  method: string;
  /** Path after /v1.0, with leading slash, URL-decoded per segment. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, or a `BodyParseError` marker for malformed JSON. */
  body: unknown;
  batchRequestId?: string;
}

export const MALFORMED_JSON = Symbol('malformed-json');

export interface GraphResult extends GraphResponse {
  route: string;
  /** For the HTTP layer: drop the connection instead of answering. */
  reset?: boolean;
  appId?: string;
  tenantId?: string;
  mailbox?: string;
  fault?: string;
}

interface Caller {
  claims: AccessTokenClaims;
  tenant: Tenant;
  roles: Set<string>;
}

interface Ctx {
  g: GraphContext;
  req: GraphRequest;
  caller: Caller;
  params: string[];
  requestId: string;
  clientRequestId: string;
  /** Set by mailbox routes so the log and limiter know the mailbox. */
  mailbox?: string;
}

type Handler = (c: Ctx) => Promise<GraphResponse> | GraphResponse;

interface Route {
  id: string;
  method: string;
  pattern: RegExp;
  /** Index of the capture holding the mailbox (user id or UPN) for per-mailbox limits, if any. */
  mailboxParam?: number;
  handler: Handler;
}

const SEG = '([^/]+)';
/** `/{id}` or `(appId='…')` (alternate key, serviceprincipal-get.md). */
const KEY = "(/[^/]+|\\(appId='[^']*'\\))";
const routes: Route[] = [];
function route(id: string, method: string, path: string, handler: Handler, mailboxParam?: number): void {
  const src = path
    .replace(/\$/g, '\\$')
    .replace(/\./g, '\\.')
    .replace('{key}', KEY)
    .replace(/\{[^}]+\}/g, SEG);
  routes.push({ id, method, pattern: new RegExp(`^${src}/?$`, 'i'), handler, mailboxParam });
}

// ------------------------------------------------------------------ helpers

function ok(body: unknown, status = 200, headers: Record<string, string> = {}): GraphResponse {
  return {
    status,
    headers: {
      'content-type':
        'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
      ...headers,
    },
    body,
  };
}

function requireRoles(c: Ctx, any: string[]): void {
  if (!any.some((r) => c.caller.roles.has(r)))
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
}

function ctxUrl(c: Ctx, fragment: string): string {
  return `${c.g.origin()}/v1.0/$metadata#${fragment}`;
}

/** Page an array; @odata.nextLink carries the same query with an opaque $skiptoken (paging.md). */
function page<T>(
  c: Ctx,
  all: T[],
  def: number,
  max: number,
  map: (t: T) => Row,
  context: string,
  extra: Row = {},
): GraphResponse {
  const top = parseTop(c.req.query, def, max);
  const offset = decodeSkipToken(c.req.query);
  const slice = all.slice(offset, offset + top);
  const body: Row = { '@odata.context': ctxUrl(c, context), ...extra, value: slice.map(map) };
  if (offset + top < all.length) {
    const q = new URLSearchParams(c.req.query);
    q.set('$skiptoken', encodeSkipToken(offset + top));
    if (!q.has('$top') && def !== top) q.set('$top', String(top));
    body['@odata.nextLink'] = `${c.g.origin()}/v1.0${c.req.path}?${decodeURIComponent(q.toString())}`.replace(
      / /g,
      '%20',
    );
  }
  return ok(body);
}

function countRequested(c: Ctx): boolean {
  return c.req.query.get('$count') === 'true';
}
function advancedQuery(c: Ctx): boolean {
  return (c.req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual' && countRequested(c);
}

// ------------------------------------------------------------------ users

const USER_PROPS = [
  'id',
  'userPrincipalName',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'jobTitle',
  'department',
  'officeLocation',
  'userType',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'businessPhones',
  'mobilePhone',
  'preferredLanguage',
] as const;
/** Returned without $select (user-list.md: "a default set of properties"). */
const USER_DEFAULT = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];
/** User.ReadBasic.All's basic profile: displayName, givenName, id, mail, photo, surname, userPrincipalName (+ securityIdentifier). */
const USER_BASIC = new Set(['id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName']);

function userRow(u: User): Row {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: u.officeLocation,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    userType: u.userType,
    accountEnabled: u.accountEnabled,
    department: u.department,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled,
  };
}

function userReadScope(c: Ctx): 'full' | 'basic' {
  const full = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
  if (full.some((r) => c.caller.roles.has(r))) return 'full';
  requireRoles(c, ['User.ReadBasic.All']);
  return 'basic';
}

/**
 * With only User.ReadBasic.All, properties outside the basic profile are left out of the response
 * (INFERENCE from the permission's description "a basic set of profile properties"; office365itpros.com
 * 2024/01/30 notes the same limits on filtering).
 */
function shapeUser(u: User, select: string[] | undefined, scope: 'full' | 'basic'): Row {
  const row = applySelect(userRow(u), select ?? USER_DEFAULT);
  if (scope === 'basic') for (const k of Object.keys(row)) if (!USER_BASIC.has(k)) delete row[k];
  return row;
}

route('listUsers', 'GET', '/users', (c) => {
  const scope = userReadScope(c);
  const select = parseSelect(c.req.query, USER_PROPS, 'user');
  let users = c.caller.tenant.users;
  const filter = c.req.query.get('$filter');
  if (filter !== null) {
    const props = scope === 'basic' ? [...USER_BASIC] : [...USER_PROPS];
    const clause = parseFilter(filter, { properties: props, advanced: advancedQuery(c) });
    users = users.filter((u) => clause(userRow(u)));
  }
  const extra: Row = countRequested(c) ? { '@odata.count': users.length } : {};
  if (countRequested(c) && !advancedQuery(c))
    throw new GraphHttpError(
      400,
      'Request_BadRequest',
      '$count is not supported without the ConsistencyLevel: eventual header.',
    );
  return page(
    c,
    users,
    100,
    999,
    (u) => shapeUser(u, select, scope),
    select ? `users(${select.join(',')})` : 'users',
    extra,
  );
});

route('getUser', 'GET', '/users/{id}', (c) => {
  const scope = userReadScope(c);
  const select = parseSelect(c.req.query, USER_PROPS, 'user');
  const u = c.caller.tenant.findUser(c.params[0]!);
  if (!u)
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${c.params[0]}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return ok({
    '@odata.context': ctxUrl(c, select ? `users(${select.join(',')})/$entity` : 'users/$entity'),
    ...shapeUser(u, select, scope),
  });
});

// ------------------------------------------------------------------ groups

const GROUP_PROPS = [
  'id',
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'membershipRule',
  'membershipRuleProcessingState',
];

function groupRow(g: Group): Row {
  const { members: _m, ...rest } = g;
  return rest as unknown as Row;
}

function findGroupOr404(c: Ctx): Group {
  const g = c.caller.tenant.findGroup(c.params[0]!);
  if (!g)
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${c.params[0]}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return g;
}

const GROUP_READ = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

route('getGroup', 'GET', '/groups/{id}', (c) => {
  requireRoles(c, GROUP_READ);
  const g = findGroupOr404(c);
  const select = parseSelect(c.req.query, GROUP_PROPS, 'group');
  return ok({ '@odata.context': ctxUrl(c, 'groups/$entity'), ...applySelect(groupRow(g), select) });
});

function memberRows(c: Ctx, ids: string[], usersOnly: boolean): Row[] {
  const select = parseSelect(c.req.query, USER_PROPS, 'user');
  const tenant = c.caller.tenant;
  const full = ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].some((r) =>
    c.caller.roles.has(r),
  );
  const rows: Row[] = [];
  for (const id of ids) {
    const u = tenant.usersById.get(id);
    if (u) {
      rows.push({ '@odata.type': '#microsoft.graph.user', ...shapeUser(u, select, full ? 'full' : 'basic') });
    } else if (!usersOnly) {
      const g = tenant.groups.get(id);
      if (g)
        rows.push({
          '@odata.type': '#microsoft.graph.group',
          id: g.id,
          displayName: g.displayName,
          mail: g.mail,
        });
    }
  }
  return rows;
}

function listMembers(transitive: boolean, usersOnly: boolean): Handler {
  return (c) => {
    requireRoles(c, GROUP_READ);
    const g = findGroupOr404(c);
    const tenant = c.caller.tenant;
    let ids: string[];
    if (transitive)
      ids = usersOnly
        ? tenant.transitiveUserIds(g.id)
        : [...tenant.transitiveGroupIds(g.id), ...tenant.transitiveUserIds(g.id)];
    else ids = usersOnly ? g.members.filter((m) => tenant.usersById.has(m)) : g.members;
    const filter = c.req.query.get('$filter');
    let rows = memberRows(c, ids, usersOnly);
    if (filter !== null) {
      const clause = parseFilter(filter, { properties: [...USER_PROPS], advanced: advancedQuery(c) });
      const all = ids.map((id) => tenant.usersById.get(id)).filter((u): u is User => !!u);
      const keep = new Set(all.filter((u) => clause(userRow(u))).map((u) => u.id));
      rows = rows.filter((r) => keep.has(r.id as string));
    }
    return page(c, rows, 100, 999, (r) => r, usersOnly ? 'users' : 'directoryObjects');
  };
}

route('listGroupMembers', 'GET', '/groups/{id}/members', listMembers(false, false));
route('listGroupMembers', 'GET', '/groups/{id}/members/microsoft.graph.user', listMembers(false, true));
route('transitiveMembers', 'GET', '/groups/{id}/transitiveMembers', listMembers(true, false));
route(
  'transitiveMembers',
  'GET',
  '/groups/{id}/transitiveMembers/microsoft.graph.user',
  listMembers(true, true),
);

// ------------------------------------------------------------------ service principals & consent

const APP_READ = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const SP_PROPS = [
  'id',
  'appId',
  'displayName',
  'accountEnabled',
  'appOwnerOrganizationId',
  'appRoleAssignmentRequired',
  'servicePrincipalType',
  'signInAudience',
  'createdDateTime',
  'appRoles',
  'servicePrincipalNames',
];

function spRow(sp: ServicePrincipal): Row {
  return {
    ...sp,
    servicePrincipalNames: [sp.appId],
    appRoles:
      sp.appId === '00000003-0000-0000-c000-000000000000'
        ? GRAPH_APP_ROLES.map((r) => ({
            allowedMemberTypes: ['Application'],
            description: r.description,
            displayName: r.displayName,
            id: r.id,
            isEnabled: true,
            origin: 'Application',
            value: r.value,
          }))
        : [],
  };
}

function assignmentRow(a: AppRoleAssignment): Row {
  const { visibleAt: _v, ...rest } = a;
  return { ...rest, deletedDateTime: null };
}

/** /servicePrincipals/{id} or /servicePrincipals(appId='…'). */
function findSp(c: Ctx, key: string): ServicePrincipal {
  const tenant = c.caller.tenant;
  const m = /^\(appId='([^']+)'\)$/i.exec(key);
  const sp = m
    ? tenant.servicePrincipalByAppId(m[1]!)
    : tenant.servicePrincipals.get(key.replace(/^\//, '').toLowerCase());
  if (!sp)
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${m ? m[1] : key.replace(/^\//, '')}' does not exist or one of its queried reference-property objects are not present.`,
    );
  return sp;
}

route('listServicePrincipals', 'GET', '/servicePrincipals', (c) => {
  requireRoles(c, APP_READ);
  const select = parseSelect(c.req.query, SP_PROPS, 'servicePrincipal');
  let sps = [...c.caller.tenant.servicePrincipals.values()];
  const filter = c.req.query.get('$filter');
  if (filter !== null) {
    const clause = parseFilter(filter, {
      properties: ['appId', 'displayName', 'id', 'accountEnabled', 'servicePrincipalType'],
      advanced: advancedQuery(c),
    });
    sps = sps.filter((sp) => clause(sp as unknown as Row));
  }
  return page(c, sps, 100, 999, (sp) => applySelect(spRow(sp), select), 'servicePrincipals');
});

route('getServicePrincipal', 'GET', '/servicePrincipals{key}', (c) => {
  requireRoles(c, APP_READ);
  const sp = findSp(c, c.params[0]!);
  const select = parseSelect(c.req.query, SP_PROPS, 'servicePrincipal');
  return ok({ '@odata.context': ctxUrl(c, 'servicePrincipals/$entity'), ...applySelect(spRow(sp), select) });
});

route('updateServicePrincipal', 'PATCH', '/servicePrincipals{key}', (c) => {
  requireRoles(c, ['Application.ReadWrite.All', 'Directory.ReadWrite.All']);
  const sp = findSp(c, c.params[0]!);
  const body = objectBody(c);
  for (const [k, v] of Object.entries(body)) {
    if (k === 'accountEnabled' || k === 'appRoleAssignmentRequired') {
      if (typeof v !== 'boolean')
        throw badRequest(`Invalid value for property '${k}': expected a boolean.`, 'Request_BadRequest');
      sp[k] = v;
    } else if (k === 'displayName' && typeof v === 'string') sp.displayName = v;
    else throw badRequest(`Property '${k}' cannot be updated through this emulator.`, 'Request_BadRequest');
  }
  return { status: 204, headers: {} };
});

route('deleteServicePrincipal', 'DELETE', '/servicePrincipals{key}', (c) => {
  requireRoles(c, ['Application.ReadWrite.All', 'Directory.ReadWrite.All']);
  const sp = findSp(c, c.params[0]!);
  c.g.state.revokeConsent(c.caller.tenant.id, sp.appId);
  return { status: 204, headers: {} };
});

route('createServicePrincipal', 'POST', '/servicePrincipals', (c) => {
  requireRoles(c, ['Application.ReadWrite.All', 'Directory.ReadWrite.All']);
  const body = objectBody(c);
  if (typeof body.appId !== 'string') throw badRequest("Property 'appId' is required.", 'Request_BadRequest');
  const app = c.g.state.findApp(body.appId);
  if (!app)
    throw badRequest(
      `The appId '${body.appId}' of the service principal does not reference a valid application object.`,
      'Request_BadRequest',
    );
  if (c.caller.tenant.servicePrincipalByAppId(app.appId))
    throw badRequest(
      'Another object with the same value for property servicePrincipalNames already exists.',
      'Request_MultipleObjectsWithSameKeyValue',
    );
  const { servicePrincipal } = c.g.state.grantConsent(c.caller.tenant.id, app.appId, []);
  return ok({ '@odata.context': ctxUrl(c, 'servicePrincipals/$entity'), ...spRow(servicePrincipal) }, 201);
});

route('listAppRoleAssignments', 'GET', '/servicePrincipals{key}/appRoleAssignments', (c) => {
  requireRoles(c, APP_READ);
  const sp = findSp(c, c.params[0]!);
  const list = [...c.caller.tenant.assignments.values()].filter((a) => a.principalId === sp.id);
  return page(c, list, 100, 999, assignmentRow, `servicePrincipals('${sp.id}')/appRoleAssignments`);
});

route('listAppRoleAssignedTo', 'GET', '/servicePrincipals{key}/appRoleAssignedTo', (c) => {
  requireRoles(c, APP_READ);
  const sp = findSp(c, c.params[0]!);
  const list = [...c.caller.tenant.assignments.values()].filter((a) => a.resourceId === sp.id);
  return page(c, list, 100, 999, assignmentRow, `servicePrincipals('${sp.id}')/appRoleAssignedTo`);
});

/** POST /servicePrincipals/{resource}/appRoleAssignedTo (or {client}/appRoleAssignments): grant an app role; effective immediately (permissions-grant-via-msgraph.md). */
function createAssignment(c: Ctx): GraphResponse {
  requireRoles(c, ['AppRoleAssignment.ReadWrite.All']);
  findSp(c, c.params[0]!);
  const body = objectBody(c);
  const { principalId, resourceId, appRoleId } = body as Record<string, unknown>;
  if (typeof principalId !== 'string' || typeof resourceId !== 'string' || typeof appRoleId !== 'string')
    throw badRequest('principalId, resourceId and appRoleId are required.', 'Request_BadRequest');
  const tenant = c.caller.tenant;
  const client = tenant.servicePrincipals.get(principalId.toLowerCase());
  if (!client)
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${principalId}' does not exist or one of its queried reference-property objects are not present.`,
    );
  if (resourceId.toLowerCase() !== tenant.graphServicePrincipal.id)
    throw badRequest(
      'Only Microsoft Graph app roles can be assigned in this emulator.',
      'Request_BadRequest',
    );
  const role = roleById(appRoleId.toLowerCase());
  if (!role)
    throw badRequest(
      `Permission being assigned was not found on application '${tenant.graphServicePrincipal.id}'.`,
      'Request_BadRequest',
    );
  if (tenant.grantedRoles(client.appId, Number.MAX_SAFE_INTEGER).includes(role.value))
    throw badRequest('Permission being assigned already exists on the object.', 'Request_BadRequest');
  const now = Date.now();
  const { created } = c.g.state.grantConsent(tenant.id, client.appId, [role.value], {
    visibleAt: now,
    createdAt: now,
  });
  return ok(
    { '@odata.context': ctxUrl(c, 'appRoleAssignments/$entity'), ...assignmentRow(created[0]!) },
    201,
  );
}
route('createAppRoleAssignment', 'POST', '/servicePrincipals{key}/appRoleAssignedTo', createAssignment);
route('createAppRoleAssignment', 'POST', '/servicePrincipals{key}/appRoleAssignments', createAssignment);

function deleteAssignment(c: Ctx): GraphResponse {
  requireRoles(c, ['AppRoleAssignment.ReadWrite.All']);
  const sp = findSp(c, c.params[0]!);
  const tenant = c.caller.tenant;
  const a = tenant.assignments.get(c.params[1]!);
  if (!a || (a.principalId !== sp.id && a.resourceId !== sp.id))
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${c.params[1]}' does not exist or one of its queried reference-property objects are not present.`,
    );
  tenant.assignments.delete(a.id);
  return { status: 204, headers: {} };
}
route(
  'deleteAppRoleAssignment',
  'DELETE',
  '/servicePrincipals{key}/appRoleAssignedTo/{assignmentId}',
  deleteAssignment,
);
route(
  'deleteAppRoleAssignment',
  'DELETE',
  '/servicePrincipals{key}/appRoleAssignments/{assignmentId}',
  deleteAssignment,
);

// ------------------------------------------------------------------ applications (home tenant only)

const APP_PROPS = [
  'id',
  'appId',
  'displayName',
  'signInAudience',
  'publisherDomain',
  'createdDateTime',
  'passwordCredentials',
  'keyCredentials',
  'web',
  'requiredResourceAccess',
];

function appRow(a: Application, withKey: boolean): Row {
  return {
    id: a.id,
    appId: a.appId,
    displayName: a.displayName,
    signInAudience: a.signInAudience,
    publisherDomain: a.publisherDomain,
    createdDateTime: a.createdDateTime,
    web: { redirectUris: a.redirectUris },
    requiredResourceAccess: [
      {
        resourceAppId: '00000003-0000-0000-c000-000000000000',
        resourceAccess: a.requiredPermissions.map((p) => ({ id: roleByValue(p)!.id, type: 'Role' })),
      },
    ],
    // secretText is never returned after creation (passwordcredential.md).
    passwordCredentials: a.passwordCredentials.map((p) => ({
      customKeyIdentifier: null,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.hint,
      keyId: p.keyId,
      secretText: null,
      startDateTime: p.startDateTime,
    })),
    // `key` is returned only when a single object is read with $select=keyCredentials (keycredential.md).
    keyCredentials: a.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: withKey ? Buffer.from(k.certificatePem).toString('base64') : null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
    })),
  };
}

function appsInTenant(c: Ctx): Application[] {
  return [...c.g.state.apps.values()].filter((a) => a.homeTenantId === c.caller.tenant.id);
}

route('listApplications', 'GET', '/applications', (c) => {
  requireRoles(c, APP_READ);
  const select = parseSelect(c.req.query, APP_PROPS, 'application');
  let apps = appsInTenant(c);
  const filter = c.req.query.get('$filter');
  if (filter !== null) {
    const clause = parseFilter(filter, {
      properties: ['appId', 'displayName', 'id'],
      advanced: advancedQuery(c),
    });
    apps = apps.filter((a) => clause(a as unknown as Row));
  }
  return page(c, apps, 100, 999, (a) => applySelect(appRow(a, false), select), 'applications');
});

route('getApplication', 'GET', '/applications{key}', (c) => {
  requireRoles(c, APP_READ);
  const key = c.params[0]!;
  const m = /^\(appId='([^']+)'\)$/i.exec(key);
  const app = appsInTenant(c).find((a) =>
    m ? a.appId === m[1]!.toLowerCase() : `/${a.id}` === key.toLowerCase(),
  );
  if (!app)
    throw new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${m ? m[1] : key.slice(1)}' does not exist or one of its queried reference-property objects are not present.`,
    );
  const select = parseSelect(c.req.query, APP_PROPS, 'application');
  return ok({
    '@odata.context': ctxUrl(c, 'applications/$entity'),
    ...applySelect(appRow(app, !!select?.includes('keyCredentials')), select),
  });
});

// ------------------------------------------------------------------ policies

route('getAuthorizationPolicy', 'GET', '/policies/authorizationPolicy', (c) => {
  requireRoles(c, ['Policy.Read.All', 'Policy.ReadWrite.Authorization']);
  const p = c.caller.tenant.authorizationPolicy;
  return ok({
    '@odata.context': ctxUrl(c, 'policies/authorizationPolicy/$entity'),
    id: 'authorizationPolicy',
    displayName: 'Authorization Policy',
    description: 'Used to manage authorization related settings across the company.',
    allowInvitesFrom: p.allowInvitesFrom,
    allowedToSignUpEmailBasedSubscriptions: true,
    allowedToUseSSPR: true,
    allowEmailVerifiedUsersToJoinOrganization: false,
    blockMsolPowerShell: false,
    guestUserRoleId: '10dae51f-b6af-4016-8d66-8c2a99b929b3',
    defaultUserRolePermissions: {
      allowedToCreateApps: p.allowedToCreateApps,
      allowedToCreateSecurityGroups: true,
      allowedToCreateTenants: true,
      allowedToReadOtherUsers: true,
      allowedToReadBitlockerKeysForOwnedDevice: true,
      permissionGrantPoliciesAssigned: p.permissionGrantPoliciesAssigned,
    },
  });
});

route('getOrganization', 'GET', '/organization', (c) => {
  requireRoles(c, ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All', 'Organization.Read.All']);
  const t = c.caller.tenant;
  return ok({
    '@odata.context': ctxUrl(c, 'organization'),
    value: [
      {
        id: t.id,
        displayName: t.displayName,
        verifiedDomains: [{ name: t.domain, isDefault: true, isInitial: true, type: 'Managed' }],
      },
    ],
  });
});

// ------------------------------------------------------------------ mailbox routes

const CAL_READ = ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic.All'];
const CAL_WRITE = ['Calendars.ReadWrite'];

/**
 * Resolve the mailbox of a calendar/mail route and decide access, in the order Outlook answers:
 * 1. no Entra role and no Exchange scoped grant at all → 403 ErrorAccessDenied;
 * 2. unknown user → 404 ErrorInvalidUser (graph-docs-contrib #5460);
 * 3. no Exchange Online mailbox (unlicensed, guest, on-premises) → 404 MailboxNotEnabledForRESTAPI;
 * 4. tenant-wide Entra role → allowed; else an Exchange RBAC scope must contain the mailbox → else 403
 *    ErrorAccessDenied. The two add up: a tenant-wide role makes the scope irrelevant (application-rbac FAQ).
 */
function mailboxAccess(c: Ctx, permissions: string[]): User {
  const tenant = c.caller.tenant;
  const appId = c.caller.claims.appid;
  const entra = permissions.some((p) => c.caller.roles.has(p));
  const scopedAny =
    !entra &&
    [...tenant.exchangeScopes.values()].some(
      (s) => s.appId === appId.toLowerCase() && permissions.includes(EXCHANGE_APP_ROLES[s.role] ?? ''),
    );
  if (!entra && !scopedAny)
    throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  const key = c.params[0]!;
  const user = tenant.findUser(key);
  if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${key}' is invalid.`);
  c.mailbox = user.userPrincipalName;
  if (user.mailbox !== 'exchangeOnline')
    throw new GraphHttpError(
      404,
      'MailboxNotEnabledForRESTAPI',
      user.mailbox === 'onPremises'
        ? 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'
        : 'REST API is not yet supported for this mailbox.',
    );
  if (!entra && tenant.exchangeScopeDecision(appId, permissions, user.id) !== 'inScope')
    throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  return user;
}

const EVENT_PROPS = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'iCalUId',
  'subject',
  'bodyPreview',
  'body',
  'start',
  'end',
  'isAllDay',
  'showAs',
  'sensitivity',
  'importance',
  'isCancelled',
  'isOrganizer',
  'responseRequested',
  'type',
  'location',
  'organizer',
  'attendees',
  'responseStatus',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'onlineMeeting',
  'transactionId',
  'webLink',
] as const;

/** Times are stored in UTC; `Prefer: outlook.timezone="…"` returns them in that zone (user-list-events.md). */
function inZone(d: DateTimeTimeZone, tz: string | undefined): DateTimeTimeZone {
  if (!tz) return d;
  return formatInTimeZone(new Date(d.dateTime.replace(/(\.\d{3})\d*$/, '$1') + 'Z'), tz) ?? d;
}

function eventRow(e: CalendarEvent, select: string[] | undefined, tz?: string): Row {
  const row = applySelect(e as unknown as Row, select);
  if (row.start) row.start = inZone(e.start, tz);
  if (row.end) row.end = inZone(e.end, tz);
  row['@odata.etag'] = `W/"${e.changeKey}"`;
  return row;
}

function preferTz(c: Ctx): string | undefined {
  return preferredTimeZone(c.req.headers.prefer);
}

function sortedEvents(cal: Map<string, CalendarEvent>): CalendarEvent[] {
  return [...cal.values()].sort((a, b) => a.start.dateTime.localeCompare(b.start.dateTime));
}

/** $orderby on events: start/dateTime, end/dateTime, createdDateTime, lastModifiedDateTime, subject (asc|desc). */
function orderEvents(c: Ctx, events: CalendarEvent[]): CalendarEvent[] {
  const raw = c.req.query.get('$orderby');
  if (raw === null) return events;
  const m =
    /^\s*(start\/dateTime|end\/dateTime|createdDateTime|lastModifiedDateTime|subject)(?:\s+(asc|desc))?\s*$/i.exec(
      raw,
    );
  if (!m)
    throw badRequest(`The $orderby expression '${raw}' is not supported on events.`, 'ErrorInvalidProperty');
  const key = m[1]!.toLowerCase();
  const get = (e: CalendarEvent) =>
    key === 'start/datetime'
      ? e.start.dateTime
      : key === 'end/datetime'
        ? e.end.dateTime
        : key === 'subject'
          ? e.subject
          : key === 'createddatetime'
            ? e.createdDateTime
            : e.lastModifiedDateTime;
  const dir = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
  return [...events].sort((a, b) => dir * get(a).localeCompare(get(b)));
}

function listEvents(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, EVENT_PROPS, 'event');
  let events = sortedEvents(c.caller.tenant.calendar(user));
  const filter = c.req.query.get('$filter');
  if (filter !== null) {
    const clause = parseFilter(filter, {
      properties: ['start/dateTime', 'end/dateTime', 'subject', 'showAs', 'isOnlineMeeting', 'transactionId'],
      advanced: true,
    });
    events = events.filter((e) => clause(e as unknown as Row));
  }
  // Outlook's default page size for events is 10.
  events = orderEvents(c, events);
  const tz = preferTz(c);
  return page(
    c,
    events,
    10,
    1000,
    (e) => eventRow(e, select, tz),
    `users('${encodeURIComponent(c.params[0]!)}')/calendar/events`,
  );
}
route('listEvents', 'GET', '/users/{id}/calendar/events', listEvents, 0);
route('listEvents', 'GET', '/users/{id}/events', listEvents, 0);

/** calendarView: events overlapping [startDateTime, endDateTime), both required (user-list-calendarview.md). */
function calendarView(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, EVENT_PROPS, 'event');
  const from = c.req.query.get('startDateTime');
  const to = c.req.query.get('endDateTime');
  if (!from || !to)
    throw badRequest(
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      'ErrorInvalidParameter',
    );
  const s = parseDateTimeTimeZone(from, 'UTC');
  const e = parseDateTimeTimeZone(to, 'UTC');
  if (!s || !e)
    throw badRequest(`Cannot convert '${!s ? from : to}' to a date-time.`, 'ErrorInvalidParameter');
  const events = orderEvents(c, sortedEvents(c.caller.tenant.calendar(user))).filter(
    (ev) =>
      Date.parse(ev.start.dateTime + 'Z') < e.getTime() && Date.parse(ev.end.dateTime + 'Z') > s.getTime(),
  );
  const tz = preferTz(c);
  return page(
    c,
    events,
    10,
    1000,
    (ev) => eventRow(ev, select, tz),
    `users('${encodeURIComponent(c.params[0]!)}')/calendarView`,
  );
}
route('calendarView', 'GET', '/users/{id}/calendarView', calendarView, 0);
route('calendarView', 'GET', '/users/{id}/calendar/calendarView', calendarView, 0);

function objectBody(c: Ctx): Record<string, unknown> {
  const b = c.req.body;
  if (b === MALFORMED_JSON)
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b))
    throw badRequest('Empty Payload. JSON content expected.');
  return b as Record<string, unknown>;
}

function dtz(v: unknown, field: string): { dateTime: string; timeZone: string; utc: Date } {
  const o = v as { dateTime?: unknown; timeZone?: unknown } | undefined;
  if (!o || typeof o !== 'object' || typeof o.dateTime !== 'string')
    throw badRequest(
      `'${field}' must be a dateTimeTimeZone: {"dateTime":"2026-11-25T09:00:00","timeZone":"UTC"}.`,
      'ErrorInvalidRequest',
    );
  const tz = typeof o.timeZone === 'string' ? o.timeZone : 'UTC';
  const utc = parseDateTimeTimeZone(o.dateTime, tz);
  if (!utc)
    throw badRequest(
      `Cannot convert the literal '${o.dateTime}' (time zone '${tz}') to the expected type 'Edm.DateTimeOffset'.`,
      'ErrorInvalidRequest',
    );
  return { dateTime: o.dateTime, timeZone: tz, utc };
}

function createEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_WRITE);
  const body = objectBody(c);
  const start = dtz(body.start, 'start');
  const end = dtz(body.end, 'end');
  if (end.utc < start.utc)
    throw badRequest('The end time of the event must be after its start time.', 'ErrorInvalidRequest');
  const cal = c.caller.tenant.calendar(user);
  const transactionId = typeof body.transactionId === 'string' ? body.transactionId : null;
  if (transactionId) {
    // transactionId makes POST idempotent: a retried create returns the existing event (event resource docs).
    const existing = [...cal.values()].find((e) => e.transactionId === transactionId);
    if (existing)
      return ok({ '@odata.context': ctxUrl(c, 'events/$entity'), ...eventRow(existing, undefined) }, 201);
  }
  const online = body.isOnlineMeeting === true || body.onlineMeetingProvider === 'teamsForBusiness';
  const attendees = Array.isArray(body.attendees)
    ? (body.attendees as { emailAddress?: { address?: string; name?: string }; type?: string }[]).map(
        (a) => ({
          type: (a.type === 'optional' || a.type === 'resource' ? a.type : 'required') as
            'required' | 'optional' | 'resource',
          status: { response: 'none', time: '0001-01-01T00:00:00Z' },
          emailAddress: {
            name: a.emailAddress?.name ?? a.emailAddress?.address ?? '',
            address: a.emailAddress?.address ?? '',
          },
        }),
      )
    : [];
  const b = body.body as { contentType?: string; content?: string } | undefined;
  const ev = makeEvent({
    subject: typeof body.subject === 'string' ? body.subject : '',
    start: { dateTime: isoLocal(start.utc), timeZone: 'UTC' },
    end: { dateTime: isoLocal(end.utc), timeZone: 'UTC' },
    showAs: (body.showAs as CalendarEvent['showAs']) ?? 'busy',
    organizer: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
    body: b
      ? { contentType: b.contentType?.toLowerCase() === 'text' ? 'text' : 'html', content: b.content ?? '' }
      : undefined,
    isOnlineMeeting: online,
    location: (body.location as { displayName?: string } | undefined)?.displayName,
    attendees,
    transactionId,
    sensitivity: (body.sensitivity as CalendarEvent['sensitivity']) ?? 'normal',
  });
  cal.set(ev.id, ev);
  return ok(
    {
      '@odata.context': ctxUrl(c, `users('${encodeURIComponent(c.params[0]!)}')/events/$entity`),
      ...eventRow(ev, undefined),
    },
    201,
  );
}
route('createEvent', 'POST', '/users/{id}/calendar/events', createEvent, 0);
route('createEvent', 'POST', '/users/{id}/events', createEvent, 0);

function findEvent(c: Ctx, user: User): CalendarEvent {
  const ev = c.caller.tenant.calendar(user).get(c.params[1]!);
  if (!ev)
    throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  return ev;
}

function getEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, EVENT_PROPS, 'event');
  return ok({
    '@odata.context': ctxUrl(c, 'events/$entity'),
    ...eventRow(findEvent(c, user), select, preferTz(c)),
  });
}
route('getEvent', 'GET', '/users/{id}/events/{eventId}', getEvent, 0);
route('getEvent', 'GET', '/users/{id}/calendar/events/{eventId}', getEvent, 0);

function updateEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_WRITE);
  const ev = findEvent(c, user);
  const body = objectBody(c);
  const next = { ...ev };
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case 'subject':
        if (typeof v !== 'string') throw badRequest("'subject' must be a string.", 'ErrorInvalidRequest');
        next.subject = v;
        break;
      case 'start':
      case 'end': {
        const d = dtz(v, k);
        next[k] = { dateTime: isoLocal(d.utc), timeZone: 'UTC' };
        break;
      }
      case 'body': {
        const b = v as { contentType?: string; content?: string };
        next.body = {
          contentType: b?.contentType?.toLowerCase() === 'text' ? 'text' : 'html',
          content: b?.content ?? '',
        };
        next.bodyPreview = next.body.content.replace(/<[^>]*>/g, '').slice(0, 255);
        break;
      }
      case 'showAs':
      case 'sensitivity':
      case 'importance':
        (next as Record<string, unknown>)[k] = v;
        break;
      case 'location':
        next.location = { displayName: (v as { displayName?: string })?.displayName ?? '' };
        break;
      case 'isOnlineMeeting':
        next.isOnlineMeeting = v === true;
        if (v === true && !next.onlineMeeting) {
          next.onlineMeeting = { joinUrl: teamsJoinUrl() };
          next.onlineMeetingProvider = 'teamsForBusiness';
        }
        break;
      case 'onlineMeetingProvider':
        if (v === 'teamsForBusiness' && !next.onlineMeeting) {
          next.isOnlineMeeting = true;
          next.onlineMeeting = { joinUrl: teamsJoinUrl() };
          next.onlineMeetingProvider = 'teamsForBusiness';
        }
        break;
      case 'attendees':
        if (!Array.isArray(v)) throw badRequest("'attendees' must be an array.", 'ErrorInvalidRequest');
        next.attendees = (v as { emailAddress?: { address?: string; name?: string }; type?: string }[]).map(
          (a) => ({
            type: a.type === 'optional' ? 'optional' : 'required',
            status: { response: 'none', time: '0001-01-01T00:00:00Z' },
            emailAddress: { name: a.emailAddress?.name ?? '', address: a.emailAddress?.address ?? '' },
          }),
        );
        break;
      default:
        throw badRequest(
          `The property '${k}' does not exist on type 'microsoft.graph.event' or cannot be updated.`,
          'ErrorInvalidProperty',
        );
    }
  }
  if (Date.parse(next.end.dateTime + 'Z') < Date.parse(next.start.dateTime + 'Z'))
    throw badRequest('The end time of the event must be after its start time.', 'ErrorInvalidRequest');
  next.lastModifiedDateTime = new Date().toISOString();
  next.changeKey = Buffer.from(randomUUID()).toString('base64').slice(0, 16);
  c.caller.tenant.calendar(user).set(ev.id, next);
  return ok({ '@odata.context': ctxUrl(c, 'events/$entity'), ...eventRow(next, undefined) });
}
route('updateEvent', 'PATCH', '/users/{id}/events/{eventId}', updateEvent, 0);
route('updateEvent', 'PATCH', '/users/{id}/calendar/events/{eventId}', updateEvent, 0);

function deleteEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_WRITE);
  const ev = findEvent(c, user);
  c.caller.tenant.calendar(user).delete(ev.id);
  return { status: 204, headers: {} };
}
route('deleteEvent', 'DELETE', '/users/{id}/events/{eventId}', deleteEvent, 0);
route('deleteEvent', 'DELETE', '/users/{id}/calendar/events/{eventId}', deleteEvent, 0);

/**
 * getSchedule (calendar-getschedule.md; outlook-get-free-busy-schedule.md): at most 20 schedules, a window
 * under 62 days, availabilityViewInterval 5–1440 (default 30). Per-schedule failures come back inside the
 * 200 as a freeBusyError {message, responseCode}.
 */
function getSchedule(c: Ctx): GraphResponse {
  mailboxAccess(c, ['Calendars.Read', 'Calendars.ReadWrite']);
  const body = objectBody(c);
  const schedules = body.schedules;
  if (!Array.isArray(schedules) || schedules.length === 0 || !schedules.every((s) => typeof s === 'string'))
    throw badRequest("'schedules' must be a non-empty array of SMTP addresses.", 'ErrorInvalidParameter');
  if (schedules.length > 20)
    throw badRequest(
      `The number of schedules (${schedules.length}) exceeds the limit of 20 per request.`,
      'ErrorInvalidParameter',
    );
  const start = dtz(body.startTime, 'startTime');
  const end = dtz(body.endTime, 'endTime');
  if (end.utc <= start.utc)
    throw badRequest('The start time must be before the end time.', 'ErrorInvalidParameter');
  if (end.utc.getTime() - start.utc.getTime() >= 62 * 86_400_000)
    throw badRequest('The requested time duration must be less than 62 days.', 'ErrorInvalidParameter');
  const interval = body.availabilityViewInterval ?? 30;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 5 || interval > 1440)
    throw badRequest(
      'availabilityViewInterval must be an integer between 5 and 1440 minutes.',
      'ErrorInvalidParameter',
    );

  const tenant = c.caller.tenant;
  const appId = c.caller.claims.appid;
  const entra = ['Calendars.Read', 'Calendars.ReadWrite'].some((p) => c.caller.roles.has(p));
  const slots = Math.ceil((end.utc.getTime() - start.utc.getTime()) / (interval * 60_000));
  const value = (schedules as string[]).map((address) => {
    const u = tenant.findUser(address);
    if (!u)
      return {
        scheduleId: address,
        error: {
          message: `Unable to resolve e-mail address ${address} to an Active Directory object.`,
          responseCode: '5009',
        },
      };
    if (u.mailbox !== 'exchangeOnline')
      return {
        scheduleId: address,
        error: {
          message: `The mailbox of ${address} is not hosted in Exchange Online.`,
          responseCode: 'ErrorMailRecipientNotFound',
        },
      };
    if (
      !entra &&
      tenant.exchangeScopeDecision(appId, ['Calendars.Read', 'Calendars.ReadWrite'], u.id) !== 'inScope'
    )
      return {
        scheduleId: address,
        error: {
          message: 'Access is denied. Check credentials and try again.',
          responseCode: 'ErrorAccessDenied',
        },
      };
    const rank: Record<string, number> = {
      free: 0,
      tentative: 1,
      busy: 2,
      oof: 3,
      workingElsewhere: 4,
      unknown: 0,
    };
    const view = new Array<number>(slots).fill(0);
    const items: Row[] = [];
    for (const e of sortedEvents(tenant.calendar(u))) {
      const es = Date.parse(e.start.dateTime + 'Z');
      const ee = Date.parse(e.end.dateTime + 'Z');
      if (ee <= start.utc.getTime() || es >= end.utc.getTime() || e.isCancelled) continue;
      items.push({
        isPrivate: e.sensitivity === 'private',
        status: e.showAs,
        subject: e.subject,
        location: e.location.displayName,
        start: inZone(e.start, preferTz(c)),
        end: inZone(e.end, preferTz(c)),
      });
      for (let i = 0; i < slots; i++) {
        const ss = start.utc.getTime() + i * interval * 60_000;
        const se = ss + interval * 60_000;
        if (es < se && ee > ss) view[i] = Math.max(view[i]!, rank[e.showAs] ?? 2);
      }
    }
    return {
      scheduleId: address,
      availabilityView: view.join(''),
      scheduleItems: items,
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00:00.0000000',
        endTime: '17:00:00.0000000',
        timeZone: { name: 'UTC' },
      },
    };
  });
  return ok({ '@odata.context': ctxUrl(c, 'Collection(microsoft.graph.scheduleInformation)'), value });
}
route('getSchedule', 'POST', '/users/{id}/calendar/getSchedule', getSchedule, 0);

/** sendMail: 202 Accepted, no body; the message lands in the emulator's outbox. */
route(
  'sendMail',
  'POST',
  '/users/{id}/sendMail',
  (c) => {
    const user = mailboxAccess(c, ['Mail.Send']);
    const body = objectBody(c);
    const message = body.message as Record<string, unknown> | undefined;
    if (!message || typeof message !== 'object')
      throw badRequest("The 'message' property is required.", 'ErrorInvalidRequest');
    const to = [message.toRecipients, message.ccRecipients, message.bccRecipients].flatMap((r) =>
      Array.isArray(r) ? r : [],
    );
    if (to.length === 0)
      throw badRequest('At least one recipient is required, but none were found.', 'ErrorInvalidRecipients');
    for (const r of to) {
      const addr = (r as { emailAddress?: { address?: unknown } })?.emailAddress?.address;
      if (typeof addr !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(addr))
        throw badRequest(
          `The recipient '${String(addr)}' is not a valid SMTP address.`,
          'ErrorInvalidRecipients',
        );
    }
    c.g.state.outbox.push({
      id: randomUUID(),
      tenantId: c.caller.tenant.id,
      appId: c.caller.claims.appid,
      from: { id: user.id, userPrincipalName: user.userPrincipalName },
      sentDateTime: new Date().toISOString(),
      saveToSentItems: body.saveToSentItems !== false,
      message: message as never,
    });
    return { status: 202, headers: {} };
  },
  0,
);

// ------------------------------------------------------------------ dispatch

function matchRoute(
  method: string,
  path: string,
): { route: Route; params: string[] } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    return { route: r, params: m.slice(1).map((p) => p) };
  }
  return allowed.length ? { allowed } : undefined;
}

export function routeIds(): string[] {
  return [...new Set(routes.map((r) => r.id)), 'batch', 'token'];
}

async function authenticate(g: GraphContext, header: string | undefined): Promise<Caller> {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  let claims: AccessTokenClaims;
  try {
    claims = await g.tokens.verify(m[1]!.trim());
  } catch (err) {
    if (err instanceof TokenRejected)
      throw new GraphHttpError(401, 'InvalidAuthenticationToken', err.message);
    throw err;
  }
  const tenant = g.state.findTenant(claims.tid);
  if (!tenant)
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid tenant.',
    );
  return { claims, tenant, roles: new Set(claims.roles ?? []) };
}

/** One Graph request (top-level or a $batch item), through faults, auth, limits, latency and the handler. */
export async function handleGraph(g: GraphContext, req: GraphRequest): Promise<GraphResult> {
  const started = Date.now();
  const requestId = randomUUID();
  const clientRequestId = req.headers['client-request-id'] ?? requestId;
  const ids = { requestId, clientRequestId };
  const base = { 'request-id': requestId, 'client-request-id': clientRequestId };
  let result: GraphResult;
  let release: (() => void) | undefined;
  let routeId = 'unknown';
  const meta: { appId?: string; tenantId?: string; mailbox?: string; fault?: string } = {};
  try {
    if (req.path === '/$batch' || req.path === '/$batch/') {
      routeId = 'batch';
      result = { ...(await handleBatch(g, req, ids)), route: routeId };
    } else {
      const found = matchRoute(req.method, req.path);
      if (!found) {
        const seg = req.path.split('/').filter(Boolean).at(-1) ?? '';
        throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
      }
      if ('allowed' in found)
        throw new GraphHttpError(
          405,
          'Request_BadRequest',
          `The request method '${req.method}' is not allowed for this resource.`,
        );
      routeId = found.route.id;
      const caller = await authenticate(g, req.headers.authorization);
      meta.appId = caller.claims.appid;
      meta.tenantId = caller.tenant.id;
      const c: Ctx = { g, req, caller, params: found.params, ...ids };
      const fault = g.faults.pick(routeId, caller.tenant.id);
      if (fault) {
        meta.fault = fault.kind;
        if (fault.kind === 'reset') return finish({ status: 0, headers: {}, route: routeId, reset: true });
        if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
        else {
          const status = Number(fault.kind);
          const resp =
            status === 429
              ? throttled(ids, fault.retryAfterSeconds)
              : graphError(
                  status,
                  status === 500
                    ? 'generalException'
                    : status === 503
                      ? 'serviceNotAvailable'
                      : 'UnknownError',
                  status === 500
                    ? 'General exception while processing.'
                    : status === 503
                      ? 'Service unavailable.'
                      : 'Gateway timeout.',
                  ids,
                  status === 503 ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
                );
          return finish({ ...resp, route: routeId });
        }
      }
      if (found.route.mailboxParam !== undefined) {
        const raw = found.params[found.route.mailboxParam]!;
        const key = `${caller.claims.appid}|${caller.tenant.id}|${(caller.tenant.findUser(raw)?.id ?? raw).toLowerCase()}`;
        meta.mailbox = caller.tenant.findUser(raw)?.userPrincipalName ?? raw;
        const slot = g.limiter.acquire(key);
        if ('retryAfter' in slot) return finish({ ...throttled(ids, slot.retryAfter), route: routeId });
        release = slot.release;
      }
      await g.latency.wait();
      const resp = await found.route.handler(c);
      if (c.mailbox) meta.mailbox = c.mailbox;
      result = { ...resp, route: routeId };
    }
  } catch (err) {
    if (err instanceof GraphHttpError)
      result = { ...graphError(err.status, err.code, err.message, ids, err.headers), route: routeId };
    else {
      result = {
        ...graphError(500, 'generalException', 'An unexpected error occurred in the emulator.', ids),
        route: routeId,
      };
      process.emitWarning(
        `emulator: ${req.method} ${req.path} failed: ${(err as Error).stack ?? String(err)}`,
      );
    }
  } finally {
    release?.();
  }
  return finish(result);

  function finish(r: GraphResult): GraphResult {
    const out: GraphResult = { ...r, headers: { ...base, ...r.headers }, ...meta };
    g.log.add({
      time: new Date(started).toISOString(),
      method: req.method,
      path: `/v1.0${req.path}`,
      query: decodeURIComponent(req.query.toString().replace(/\+/g, ' ')),
      status: out.reset ? 0 : out.status,
      route: out.route,
      appId: meta.appId,
      tenantId: meta.tenantId,
      mailbox: meta.mailbox,
      requestId,
      batchRequestId: req.batchRequestId,
      fault: meta.fault,
      durationMs: Date.now() - started,
    });
    return out;
  }
}

// ------------------------------------------------------------------ $batch

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

/**
 * JSON batching (concepts/json-batching.md): at most 20 requests, unique ids, relative URLs, per-item
 * status; a dependent of a failed request gets 424. Unordered items run four at a time, as Graph feeds
 * Outlook "up to four individual requests from the batch at a time"; with dependsOn, one at a time.
 */
async function handleBatch(
  g: GraphContext,
  req: GraphRequest,
  ids: { requestId: string; clientRequestId: string },
): Promise<GraphResponse> {
  if (req.method !== 'POST')
    throw new GraphHttpError(
      405,
      'Request_BadRequest',
      `The request method '${req.method}' is not allowed for $batch.`,
    );
  const body = req.body;
  if (body === MALFORMED_JSON)
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests)) throw badRequest('Invalid batch payload format.');
  if (requests.length === 0) throw badRequest('Invalid batch payload format: requests must not be empty.');
  if (requests.length > 20) throw badRequest('Number of requests in a batch exceeds the limit of 20.');
  const seen = new Set<string>();
  const items: BatchItem[] = [];
  for (const r of requests as Record<string, unknown>[]) {
    if (
      !r ||
      typeof r !== 'object' ||
      typeof r.id !== 'string' ||
      !r.id ||
      typeof r.method !== 'string' ||
      typeof r.url !== 'string'
    )
      throw badRequest('Invalid batch payload format: every request needs string id, method and url.');
    if (seen.has(r.id))
      throw badRequest(`Batch request ids must be unique; '${r.id}' appears more than once.`);
    seen.add(r.id);
    if (
      r.body !== undefined &&
      !Object.keys((r.headers as Record<string, string>) ?? {}).some(
        (h) => h.toLowerCase() === 'content-type',
      )
    )
      throw badRequest(`Request '${r.id}': a Content-Type header is required when a body is present.`);
    if (
      r.dependsOn !== undefined &&
      (!Array.isArray(r.dependsOn) ||
        !r.dependsOn.every((d) => typeof d === 'string' && seen.has(d) && d !== r.id))
    )
      throw badRequest(`Request '${r.id}': dependsOn must name earlier requests of this batch.`);
    items.push(r as unknown as BatchItem);
  }
  const sequential = items.some((i) => i.dependsOn?.length);
  const results = new Map<
    string,
    { id: string; status: number; headers: Record<string, string>; body?: unknown }
  >();
  const run = async (item: BatchItem) => {
    const failedDep = item.dependsOn?.find((d) => (results.get(d)?.status ?? 0) >= 400);
    if (failedDep) {
      const e = graphError(
        424,
        'FailedDependency',
        `The request depends on request '${failedDep}', which failed.`,
        ids,
      );
      results.set(item.id, { id: item.id, status: 424, headers: e.headers, body: e.body });
      return;
    }
    let url: URL;
    try {
      if (/^https?:/i.test(item.url)) throw new Error('absolute');
      url = new URL(item.url.replace(/^\/?(v1\.0\/)?/, '/'), 'https://batch.invalid');
    } catch {
      const e = graphError(
        400,
        'BadRequest',
        `Request '${item.id}': the url must be relative to the version, e.g. /users/{id}.`,
        ids,
      );
      results.set(item.id, { id: item.id, status: 400, headers: e.headers, body: e.body });
      return;
    }
    const headers: Record<string, string | undefined> = { authorization: req.headers.authorization };
    for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = v;
    const r = await handleGraph(g, {
      method: item.method.toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers,
      body: item.body,
      batchRequestId: ids.requestId,
    });
    const status = r.reset ? 504 : r.status;
    const out: { id: string; status: number; headers: Record<string, string>; body?: unknown } = {
      id: item.id,
      status,
      headers: {},
    };
    for (const [k, v] of Object.entries(r.headers))
      if (k === 'retry-after' || k === 'content-type' || k === 'location')
        out.headers[
          k === 'retry-after' ? 'Retry-After' : k === 'content-type' ? 'Content-Type' : 'Location'
        ] = v;
    if (r.reset) {
      const e = graphError(504, 'UnknownError', 'Gateway timeout.', ids);
      out.body = e.body;
      out.headers['Content-Type'] = 'application/json';
    } else if (r.body !== undefined) out.body = r.body;
    results.set(item.id, out);
  };
  if (sequential) for (const item of items) await run(item);
  else {
    const limit = pLimit(4);
    await Promise.all(items.map((item) => limit(() => run(item))));
  }
  return ok({ responses: items.map((i) => results.get(i.id)!) });
}
