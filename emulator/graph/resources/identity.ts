/**
 * Sign-in sessions and delegated permission grants:
 * - POST /users/{id}/revokeSignInSessions (user-revokesigninsessions.md): every refresh token and browser
 *   session of the user issued before now stops working (AADSTS50173 at the next refresh); answers
 *   `{"value": true}`. App-only: User.RevokeSessions.All (or User.ReadWrite.All / Directory.ReadWrite.All);
 *   a delegated caller may revoke their own.
 * - GET/POST /oauth2PermissionGrants, DELETE /oauth2PermissionGrants/{id} (oauth2permissiongrant-post.md):
 *   delegated permissions granted for one user (consentType Principal) or for all (AllPrincipals, admin
 *   consent); DelegatedPermissionGrant.ReadWrite.All or Directory.ReadWrite.All.
 */
import { GraphHttpError, resourceNotFound } from '../../errors';
import { delegatedScope } from '../../permissions';
import { addDelegatedGrant, signInState, type OAuth2PermissionGrant } from '../../state';
import { ctxUrl, objectBody, ok, requireRoles } from '../http';
import type { Ctx, RouteDef } from '../types';

const GRANT_WRITE = ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'];
const GRANT_READ = [...GRANT_WRITE, 'Directory.Read.All', 'DelegatedPermissionGrant.Read.All'];

function shape(g: OAuth2PermissionGrant) {
  return {
    id: g.id,
    clientId: g.clientId,
    consentType: g.consentType,
    principalId: g.principalId,
    resourceId: g.resourceId,
    scope: g.scope,
  };
}

function badRequest(message: string): GraphHttpError {
  return new GraphHttpError(400, 'Request_BadRequest', message);
}

export const routes: RouteDef[] = [
  {
    id: 'revokeSignInSessions',
    method: 'POST',
    path: '/users/{id}/revokeSignInSessions',
    handler: (c: Ctx) => {
      if (!c.caller.userId)
        requireRoles(c, ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']);
      const u = c.caller.tenant.findUser(c.params[0]!);
      if (!u) throw resourceNotFound(c.params[0]);
      signInState(c.caller.tenant, u.id).tokensValidFrom = c.g.state.now();
      return ok({ '@odata.context': ctxUrl(c, 'Edm.Boolean'), value: true });
    },
  },
  {
    id: 'listOAuth2PermissionGrants',
    method: 'GET',
    path: '/oauth2PermissionGrants',
    handler: (c: Ctx) => {
      requireRoles(c, GRANT_READ);
      let list = [...c.caller.tenant.oauth2PermissionGrants.values()];
      const filter = c.req.query.get('$filter');
      if (filter) {
        const m = /^\s*(clientId|principalId|resourceId|consentType)\s+eq\s+'([^']*)'\s*$/i.exec(filter);
        if (!m)
          throw badRequest(
            `Unsupported $filter '${filter}': use clientId, principalId, resourceId or consentType eq '…'.`,
          );
        const key = m[1]! as 'clientId' | 'principalId' | 'resourceId' | 'consentType';
        const want = m[2]!.toLowerCase();
        list = list.filter((g) => String(g[key] ?? '').toLowerCase() === want);
      }
      return ok({ '@odata.context': ctxUrl(c, 'oauth2PermissionGrants'), value: list.map(shape) });
    },
  },
  {
    id: 'createOAuth2PermissionGrant',
    method: 'POST',
    path: '/oauth2PermissionGrants',
    handler: (c: Ctx) => {
      requireRoles(c, GRANT_WRITE);
      const b = objectBody(c) as Partial<
        Record<'clientId' | 'consentType' | 'principalId' | 'resourceId' | 'scope', string>
      >;
      const tenant = c.caller.tenant;
      if (!b.clientId || !b.resourceId || !b.consentType || b.scope === undefined)
        throw badRequest('clientId, consentType, resourceId and scope are required.');
      const sp = tenant.servicePrincipals.get(b.clientId.toLowerCase());
      if (!sp)
        throw badRequest(
          `Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'.`,
        );
      if (b.resourceId.toLowerCase() !== tenant.graphServicePrincipal.id)
        throw badRequest(
          'Only Microsoft Graph (its service principal in this tenant) is a resource in this emulator.',
        );
      if (b.consentType !== 'AllPrincipals' && b.consentType !== 'Principal')
        throw badRequest("consentType must be 'AllPrincipals' or 'Principal'.");
      let principalId: string | null = null;
      if (b.consentType === 'Principal') {
        const u = b.principalId ? tenant.findUser(b.principalId) : undefined;
        if (!u) throw badRequest("principalId must name a user when consentType is 'Principal'.");
        principalId = u.id;
      }
      const scopes = b.scope.split(' ').filter(Boolean);
      const unknown = scopes.find((s) => !delegatedScope(s));
      if (unknown) throw badRequest(`Unknown delegated permission '${unknown}' of Microsoft Graph.`);
      const g = addDelegatedGrant(tenant, sp, b.consentType, principalId, scopes);
      return ok({ '@odata.context': ctxUrl(c, 'oauth2PermissionGrants/$entity'), ...shape(g) }, 201);
    },
  },
  {
    id: 'deleteOAuth2PermissionGrant',
    method: 'DELETE',
    path: '/oauth2PermissionGrants/{id}',
    handler: (c: Ctx) => {
      requireRoles(c, GRANT_WRITE);
      if (!c.caller.tenant.oauth2PermissionGrants.delete(c.params[0]!))
        throw new GraphHttpError(
          404,
          'Request_ResourceNotFound',
          `Resource '${c.params[0]}' does not exist.`,
        );
      return { status: 204, headers: {} };
    },
  },
];
