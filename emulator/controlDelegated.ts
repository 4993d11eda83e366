/**
 * Control API for delegated access (/_emulator/…, same loopback + bearer guard as control.ts): the tenant's
 * user-consent policy, delegated permission grants (admin consent for all, or a user's), users' app role
 * assignments, the events that kill refresh tokens (revoked sessions, password reset, Conditional Access
 * block). docs/emulator.md, "Delegated sign-in", lists them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KNOWN_DELEGATED_SCOPES } from './permissions';
import {
  addDelegatedGrant,
  assignUserAppRole,
  canonicalScope,
  removeDelegatedGrants,
  setUserConsentPolicy,
  signInState,
  userConsentPolicy,
  USER_CONSENT_POLICIES,
  type EmulatorState,
  type Tenant,
  type UserConsentPolicy,
} from './state';

const guid = z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a GUID');
const scope = z
  .string()
  .refine((s) => KNOWN_DELEGATED_SCOPES.some((k) => k.toLowerCase() === s.toLowerCase()), {
    message: `must be one of ${KNOWN_DELEGATED_SCOPES.join(', ')}`,
  });

export const delegatedSchemas = {
  userConsent: z.strictObject({
    allowUserConsent: z.enum(USER_CONSENT_POLICIES as [UserConsentPolicy, ...UserConsentPolicy[]]),
    lowImpactPermissions: z.array(scope).optional(),
  }),
  grant: z.strictObject({
    tenantId: z.string().min(1),
    appId: guid,
    scopes: z.array(scope).min(1),
    consentType: z.enum(['AllPrincipals', 'Principal']).default('AllPrincipals'),
    /** For Principal: user id or UPN. */
    user: z.string().optional(),
  }),
  revokeGrant: z.strictObject({
    tenantId: z.string().min(1),
    appId: guid,
    /** Only this user's own grant; omitted = every grant of the app (admin's and users'). */
    user: z.string().optional(),
  }),
  passwordReset: z.strictObject({ by: z.enum(['admin', 'user']).default('admin') }),
  conditionalAccess: z.strictObject({ blocked: z.boolean() }),
  appRole: z.strictObject({
    tenantId: z.string().min(1),
    appId: guid,
    user: z.string().min(1),
    role: z.string().min(1),
  }),
};

export interface DelegatedGrantView {
  id: string;
  appId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  scope: string;
}

type Parse = <T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply) => T | undefined;
type Guard = (reply: FastifyReply, fn: () => unknown) => Promise<unknown>;

export interface DelegatedControlDeps {
  state: () => EmulatorState;
  changed: () => void;
}

export function registerDelegatedControl(
  api: FastifyInstance,
  deps: DelegatedControlDeps,
  parse: Parse,
  guard: Guard,
): void {
  const S = deps.state;
  const tenantOr = (id: string): Tenant => {
    const t = S().findTenant(id);
    if (!t) throw new Error(`no tenant ${id}`);
    return t;
  };
  const userOr = (t: Tenant, u: string) => {
    const user = t.findUser(u);
    if (!user) throw new Error(`no user ${u} in tenant ${t.displayName}`);
    return user;
  };
  type P = {
    Params: { tenantId: string; userId: string; appId: string };
    Querystring: { tenantId?: string };
  };

  api.put('/tenants/:tenantId/user-consent', async (req: FastifyRequest<P>, reply) => {
    const b = parse(delegatedSchemas.userConsent, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(req.params.tenantId);
        setUserConsentPolicy(t, b.allowUserConsent);
        if (b.lowImpactPermissions) t.lowImpactPermissions = b.lowImpactPermissions.map(canonicalScope);
        deps.changed();
        return {
          allowUserConsent: userConsentPolicy(t),
          permissionGrantPoliciesAssigned: t.authorizationPolicy.permissionGrantPoliciesAssigned,
          lowImpactPermissions: t.lowImpactPermissions,
        };
      })
    );
  });

  api.get('/delegated-grants', async (req: FastifyRequest<P>, reply) =>
    guard(reply, () => {
      const t = tenantOr(req.query.tenantId ?? '');
      return [...t.oauth2PermissionGrants.values()].map((g): DelegatedGrantView => ({
        id: g.id,
        appId: t.servicePrincipals.get(g.clientId)?.appId ?? g.clientId,
        consentType: g.consentType,
        principalId: g.principalId,
        scope: g.scope,
      }));
    }),
  );
  api.post('/delegated-grants', async (req, reply) => {
    const b = parse(delegatedSchemas.grant, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(b.tenantId);
        if (!S().findApp(b.appId)) throw new Error(`no app ${b.appId}`);
        const sp =
          t.servicePrincipalByAppId(b.appId) ??
          S().grantConsent(t.id, b.appId, [], { servicePrincipalVisibleAt: 0 }).servicePrincipal;
        if (b.consentType === 'Principal' && !b.user)
          throw new Error('user is required for consentType Principal');
        const principal = b.consentType === 'Principal' ? userOr(t, b.user!).id : null;
        const g = addDelegatedGrant(t, sp, b.consentType, principal, b.scopes);
        deps.changed();
        return {
          id: g.id,
          appId: sp.appId,
          consentType: g.consentType,
          principalId: g.principalId,
          scope: g.scope,
        };
      })
    );
  });
  api.delete('/delegated-grants', async (req, reply) => {
    const b = parse(delegatedSchemas.revokeGrant, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(b.tenantId);
        const sp = t.servicePrincipalByAppId(b.appId);
        const removed = sp ? removeDelegatedGrants(t, sp, b.user ? userOr(t, b.user).id : undefined) : 0;
        deps.changed();
        return { removed };
      })
    );
  });

  api.post('/tenants/:tenantId/users/:userId/revoke-sessions', async (req: FastifyRequest<P>, reply) =>
    guard(reply, () => {
      const t = tenantOr(req.params.tenantId);
      const u = userOr(t, req.params.userId);
      const at = S().now();
      signInState(t, u.id).tokensValidFrom = at;
      return { tokensValidFrom: new Date(at).toISOString() };
    }),
  );
  // refresh-tokens.md, "Token revocation": a password the user changes (or resets through SSPR) ends
  // password-based sessions but leaves confidential clients' refresh tokens working; an admin reset in the
  // Entra or Microsoft 365 admin center revokes those too.
  api.post('/tenants/:tenantId/users/:userId/password-reset', async (req: FastifyRequest<P>, reply) => {
    const b = parse(delegatedSchemas.passwordReset, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(req.params.tenantId);
        const u = userOr(t, req.params.userId);
        const at = S().now();
        const st = signInState(t, u.id);
        st.passwordChangedAt = at;
        if (b.by === 'admin') st.tokensValidFrom = at;
        return { passwordChangedAt: new Date(at).toISOString(), refreshTokensRevoked: b.by === 'admin' };
      })
    );
  });
  api.put('/tenants/:tenantId/users/:userId/conditional-access', async (req: FastifyRequest<P>, reply) => {
    const b = parse(delegatedSchemas.conditionalAccess, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(req.params.tenantId);
        signInState(t, userOr(t, req.params.userId).id).conditionalAccessBlocked = b.blocked;
        return { blocked: b.blocked };
      })
    );
  });

  api.post('/app-role-assignments', async (req, reply) => {
    const b = parse(delegatedSchemas.appRole, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(b.tenantId);
        const app = S().findApp(b.appId);
        if (!app) throw new Error(`no app ${b.appId}`);
        const a = assignUserAppRole(t, app, userOr(t, b.user).id, b.role, S().now());
        deps.changed();
        return {
          id: a.id,
          appId: a.appId,
          appRoleId: a.appRoleId,
          value: a.value,
          principalId: a.principalId,
        };
      })
    );
  });
  api.delete('/app-role-assignments', async (req, reply) => {
    const b = parse(delegatedSchemas.appRole, req.body, reply);
    return (
      b &&
      guard(reply, () => {
        const t = tenantOr(b.tenantId);
        const u = userOr(t, b.user);
        let removed = 0;
        for (const [id, a] of t.userAppRoleAssignments)
          if (
            a.appId === b.appId.toLowerCase() &&
            a.principalId === u.id &&
            (a.value === b.role || a.appRoleId === b.role)
          ) {
            t.userAppRoleAssignments.delete(id);
            removed++;
          }
        deps.changed();
        return { removed };
      })
    );
  });
}
