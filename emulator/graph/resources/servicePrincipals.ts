/** Service principals and app role assignments: the admin-consent side of the directory (serviceprincipal-*.md). */
import { badRequest, type GraphResponse, resourceNotFound } from '../../errors';
import { applySelect, parseSelect, type Row } from '../../odata';
import { GRAPH_APP_ROLES, roleById } from '../../permissions';
import type { AppRoleAssignment, ServicePrincipal } from '../../state';
import { ctxUrl, directoryPage, filterRows, objectBody, ok, page, requireRoles, setContext } from '../http';
import type { Ctx, RouteDef } from '../types';

export const APP_READ = [
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
  if (!sp) throw resourceNotFound(m ? m[1] : key.replace(/^\//, ''));
  return sp;
}

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
  if (!client) throw resourceNotFound(principalId);
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
  const now = c.g.state.now();
  const { created } = c.g.state.grantConsent(tenant.id, client.appId, [role.value], {
    visibleAt: now,
    createdAt: now,
  });
  return ok(
    { '@odata.context': ctxUrl(c, 'appRoleAssignments/$entity'), ...assignmentRow(created[0]!) },
    201,
  );
}

function deleteAssignment(c: Ctx): GraphResponse {
  requireRoles(c, ['AppRoleAssignment.ReadWrite.All']);
  const sp = findSp(c, c.params[0]!);
  const tenant = c.caller.tenant;
  const a = tenant.assignments.get(c.params[1]!);
  if (!a || (a.principalId !== sp.id && a.resourceId !== sp.id)) throw resourceNotFound(c.params[1]);
  tenant.assignments.delete(a.id);
  return { status: 204, headers: {} };
}

export const routes: RouteDef[] = [
  {
    id: 'listServicePrincipals',
    method: 'GET',
    path: '/servicePrincipals',
    handler: (c) => {
      requireRoles(c, APP_READ);
      const select = parseSelect(c.req.query, SP_PROPS, 'servicePrincipal');
      const sps = filterRows(
        c,
        [...c.caller.tenant.servicePrincipals.values()],
        ['appId', 'displayName', 'id', 'accountEnabled', 'servicePrincipalType'],
        (sp) => sp as unknown as Row,
      );
      return directoryPage(
        c,
        sps,
        (sp) => applySelect(spRow(sp), select),
        setContext('servicePrincipals', select),
      );
    },
  },
  {
    id: 'getServicePrincipal',
    method: 'GET',
    path: '/servicePrincipals{key}',
    handler: (c) => {
      requireRoles(c, APP_READ);
      const sp = findSp(c, c.params[0]!);
      const select = parseSelect(c.req.query, SP_PROPS, 'servicePrincipal');
      return ok({
        '@odata.context': ctxUrl(c, setContext('servicePrincipals', select, true)),
        ...applySelect(spRow(sp), select),
      });
    },
  },
  {
    id: 'updateServicePrincipal',
    method: 'PATCH',
    path: '/servicePrincipals{key}',
    handler: (c) => {
      requireRoles(c, ['Application.ReadWrite.All', 'Directory.ReadWrite.All']);
      const sp = findSp(c, c.params[0]!);
      const body = objectBody(c);
      for (const [k, v] of Object.entries(body)) {
        if (k === 'accountEnabled' || k === 'appRoleAssignmentRequired') {
          if (typeof v !== 'boolean')
            throw badRequest(`Invalid value for property '${k}': expected a boolean.`, 'Request_BadRequest');
          sp[k] = v;
        } else if (k === 'displayName' && typeof v === 'string') sp.displayName = v;
        else
          throw badRequest(`Property '${k}' cannot be updated through this emulator.`, 'Request_BadRequest');
      }
      return { status: 204, headers: {} };
    },
  },
  {
    id: 'deleteServicePrincipal',
    method: 'DELETE',
    path: '/servicePrincipals{key}',
    handler: (c) => {
      requireRoles(c, ['Application.ReadWrite.All', 'Directory.ReadWrite.All']);
      const sp = findSp(c, c.params[0]!);
      c.g.state.revokeConsent(c.caller.tenant.id, sp.appId);
      return { status: 204, headers: {} };
    },
  },
  {
    id: 'createServicePrincipal',
    method: 'POST',
    path: '/servicePrincipals',
    handler: (c) => {
      requireRoles(c, ['Application.ReadWrite.All', 'Directory.ReadWrite.All']);
      const body = objectBody(c);
      if (typeof body.appId !== 'string')
        throw badRequest("Property 'appId' is required.", 'Request_BadRequest');
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
      return ok(
        { '@odata.context': ctxUrl(c, 'servicePrincipals/$entity'), ...spRow(servicePrincipal) },
        201,
      );
    },
  },
  {
    id: 'listAppRoleAssignments',
    method: 'GET',
    path: '/servicePrincipals{key}/appRoleAssignments',
    handler: (c) => {
      requireRoles(c, APP_READ);
      const sp = findSp(c, c.params[0]!);
      const list = [...c.caller.tenant.assignments.values()].filter((a) => a.principalId === sp.id);
      return page(c, list, 100, 999, assignmentRow, `servicePrincipals('${sp.id}')/appRoleAssignments`);
    },
  },
  {
    id: 'listAppRoleAssignedTo',
    method: 'GET',
    path: '/servicePrincipals{key}/appRoleAssignedTo',
    handler: (c) => {
      requireRoles(c, APP_READ);
      const sp = findSp(c, c.params[0]!);
      const list = [...c.caller.tenant.assignments.values()].filter((a) => a.resourceId === sp.id);
      return page(c, list, 100, 999, assignmentRow, `servicePrincipals('${sp.id}')/appRoleAssignedTo`);
    },
  },
  {
    id: 'createAppRoleAssignment',
    method: 'POST',
    path: '/servicePrincipals{key}/appRoleAssignedTo',
    handler: createAssignment,
  },
  {
    id: 'createAppRoleAssignment',
    method: 'POST',
    path: '/servicePrincipals{key}/appRoleAssignments',
    handler: createAssignment,
  },
  {
    id: 'deleteAppRoleAssignment',
    method: 'DELETE',
    path: '/servicePrincipals{key}/appRoleAssignedTo/{assignmentId}',
    handler: deleteAssignment,
  },
  {
    id: 'deleteAppRoleAssignment',
    method: 'DELETE',
    path: '/servicePrincipals{key}/appRoleAssignments/{assignmentId}',
    handler: deleteAssignment,
  },
];
