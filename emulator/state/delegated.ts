/**
 * Delegated access, the user side of Entra: user-consent policy, delegated permission grants
 * (oauth2PermissionGrant), users' app role assignments (the `roles` claim of an id_token), each user's
 * sign-in state (sessions revoked, password changed, blocked by Conditional Access) and the short-lived
 * artefacts of the authorization code flow (sign-in sessions, pending flows, codes, refresh tokens).
 * Plain data plus the rules that read it; the HTTP side is login/authorize.ts and login/delegatedToken.ts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { delegatedScope } from '../permissions';
import type { Tenant } from './tenant';
import type { Application, ServicePrincipal } from './types';

/** The three user-consent settings of Entra's "Consent and permissions" page (configure-user-consent.md). */
export type UserConsentPolicy = 'none' | 'lowRisk' | 'all';
export const USER_CONSENT_POLICIES: readonly UserConsentPolicy[] = ['none', 'lowRisk', 'all'];

/**
 * The setting lives in authorizationPolicy.defaultUserRolePermissions.permissionGrantPoliciesAssigned:
 * none = no ManagePermissionGrantsForSelf.* policy, lowRisk = microsoft-user-default-low (verified publishers,
 * low-impact permissions), all = microsoft-user-default-legacy (configure-user-consent.md).
 */
const POLICY_IDS: Record<UserConsentPolicy, string | undefined> = {
  none: undefined,
  lowRisk: 'ManagePermissionGrantsForSelf.microsoft-user-default-low',
  all: 'ManagePermissionGrantsForSelf.microsoft-user-default-legacy',
};

export function userConsentPolicy(tenant: Tenant): UserConsentPolicy {
  const ids = tenant.authorizationPolicy.permissionGrantPoliciesAssigned.map((p) => p.toLowerCase());
  if (ids.includes(POLICY_IDS.all!.toLowerCase())) return 'all';
  if (ids.includes(POLICY_IDS.lowRisk!.toLowerCase())) return 'lowRisk';
  return 'none';
}

export function setUserConsentPolicy(tenant: Tenant, policy: UserConsentPolicy): void {
  const others = tenant.authorizationPolicy.permissionGrantPoliciesAssigned.filter(
    (p) => !/^ManagePermissionGrantsForSelf\./i.test(p),
  );
  const id = POLICY_IDS[policy];
  tenant.authorizationPolicy.permissionGrantPoliciesAssigned = id ? [...others, id] : others;
}

/** oauth2PermissionGrant (resources/oauth2permissiongrant.md): delegated scopes of a client on a resource. */
export interface OAuth2PermissionGrant {
  id: string;
  /** Object id of the client's service principal. */
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  /** The user, for consentType Principal; null for AllPrincipals. */
  principalId: string | null;
  /** Object id of the resource's service principal (Microsoft Graph here). */
  resourceId: string;
  /** Space-separated scope values. */
  scope: string;
}

/** A user assigned to one of an app's roles (appRoleAssignment with principalType User). */
export interface UserAppRoleAssignment {
  id: string;
  appId: string;
  appRoleId: string;
  /** The role's value, as it appears in the id_token `roles` claim. */
  value: string;
  principalId: string;
  createdDateTime: string;
}

/** What has happened to a user's sign-ins (emulator clock, ms). */
export interface UserSignInState {
  /** revokeSignInSessions / admin password reset: refresh tokens and sessions issued before are dead (AADSTS50173). */
  tokensValidFrom?: number;
  /** Any password change: password-based sign-in sessions before it are dead (AADSTS50133). */
  passwordChangedAt?: number;
  /** A Conditional Access policy blocks this user (AADSTS53003). */
  conditionalAccessBlocked?: boolean;
}

export function signInState(tenant: Tenant, userId: string): UserSignInState {
  let s = tenant.signIn.get(userId);
  if (!s) {
    s = {};
    tenant.signIn.set(userId, s);
  }
  return s;
}

/** Canonical scope spelling (Graph's), or the input when unknown. */
export function canonicalScope(s: string): string {
  return delegatedScope(s)?.value ?? s;
}

/** Scopes granted to this client for this user: the AllPrincipals grant plus the user's own. */
export function grantedScopes(tenant: Tenant, sp: ServicePrincipal | undefined, userId: string): Set<string> {
  const out = new Set<string>();
  if (!sp) return out;
  for (const g of tenant.oauth2PermissionGrants.values())
    if (
      g.clientId === sp.id &&
      g.resourceId === tenant.graphServicePrincipal.id &&
      (g.consentType === 'AllPrincipals' || g.principalId === userId)
    )
      for (const s of g.scope.split(' ').filter(Boolean)) out.add(canonicalScope(s));
  return out;
}

/** Add scopes to the (client, consentType, principal) grant, creating it if needed (user or admin consent). */
export function addDelegatedGrant(
  tenant: Tenant,
  sp: ServicePrincipal,
  consentType: 'AllPrincipals' | 'Principal',
  principalId: string | null,
  scopes: string[],
): OAuth2PermissionGrant {
  let grant = [...tenant.oauth2PermissionGrants.values()].find(
    (g) =>
      g.clientId === sp.id &&
      g.consentType === consentType &&
      g.principalId === principalId &&
      g.resourceId === tenant.graphServicePrincipal.id,
  );
  if (!grant) {
    // Grant ids are opaque base64url strings in Graph.
    grant = {
      id: randomBytes(24).toString('base64url'),
      clientId: sp.id,
      consentType,
      principalId,
      resourceId: tenant.graphServicePrincipal.id,
      scope: '',
    };
    tenant.oauth2PermissionGrants.set(grant.id, grant);
  }
  const have = new Set(grant.scope.split(' ').filter(Boolean));
  for (const s of scopes) have.add(canonicalScope(s));
  grant.scope = [...have].join(' ');
  return grant;
}

/** Remove grants of a client: all of them, or only the user's own (principalId) or only AllPrincipals (null). */
export function removeDelegatedGrants(
  tenant: Tenant,
  sp: ServicePrincipal,
  principalId?: string | null,
): number {
  let n = 0;
  for (const [id, g] of tenant.oauth2PermissionGrants)
    if (g.clientId === sp.id && (principalId === undefined || g.principalId === principalId)) {
      tenant.oauth2PermissionGrants.delete(id);
      n++;
    }
  return n;
}

/** Role values of an app assigned to a user (the id_token `roles` claim for that app). */
export function userAppRoles(tenant: Tenant, app: Application, userId: string): string[] {
  const out = new Set<string>();
  for (const a of tenant.userAppRoleAssignments.values())
    if (a.appId === app.appId && a.principalId === userId) out.add(a.value);
  return [...out].sort();
}

export function assignUserAppRole(
  tenant: Tenant,
  app: Application,
  userId: string,
  role: string,
  now: number,
): UserAppRoleAssignment {
  const def = app.appRoles.find((r) => r.value === role || r.id === role);
  if (!def)
    throw new Error(
      `app ${app.appId} (${app.displayName}) has no app role "${role}" (known: ${app.appRoles.map((r) => r.value).join(', ') || 'none'})`,
    );
  for (const a of tenant.userAppRoleAssignments.values())
    if (a.appId === app.appId && a.principalId === userId && a.appRoleId === def.id) return a;
  const a: UserAppRoleAssignment = {
    id: randomBytes(24).toString('base64url'),
    appId: app.appId,
    appRoleId: def.id,
    value: def.value,
    principalId: userId,
    createdDateTime: new Date(now).toISOString(),
  };
  tenant.userAppRoleAssignments.set(a.id, a);
  return a;
}

// ------------------------------------------------------------------ authorization code flow artefacts

/** A browser sign-in session at the emulator's login page (Entra's ESTSAUTH cookie). */
export interface SignInSession {
  id: string;
  tenantId: string;
  userId: string;
  /** When the user signed in (emulator clock, ms). */
  authTime: number;
}

/** A validated authorize request waiting for the sign-in and consent pages. */
export interface AuthorizeFlow {
  id: string;
  tenantSegment: string;
  /** Fixed by the URL, or undefined for organizations/common until the user is known. */
  tenantId?: string;
  clientId: string;
  redirectUri: string;
  responseMode: 'query' | 'form_post';
  /** Requested scopes, canonical, OIDC scopes included. */
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  prompt?: string;
  loginHint?: string;
  userId?: string;
  authTime?: number;
  expiresAt: number;
}

export interface AuthorizationCode {
  code: string;
  tenantId: string;
  userId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  authTime: number;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  tenantId: string;
  userId: string;
  clientId: string;
  scopes: string[];
  /** The sign-in this token descends from. */
  authTime: number;
  issuedAt: number;
  lastUsedAt: number;
}

/** Authorization codes live "about 10 minutes" (v2-oauth2-auth-code-flow.md). */
export const CODE_LIFETIME_MS = 10 * 60_000;
/** "90 days for all other scenarios", a sliding inactivity window (refresh-tokens.md, Token lifetime). */
export const REFRESH_INACTIVITY_MS = 90 * 86_400_000;
export const FLOW_LIFETIME_MS = 60 * 60_000;

export class DelegatedStore {
  readonly sessions = new Map<string, SignInSession>();
  readonly flows = new Map<string, AuthorizeFlow>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  newSession(tenantId: string, userId: string, authTime: number): SignInSession {
    const s = { id: randomBytes(24).toString('base64url'), tenantId, userId, authTime };
    this.sessions.set(s.id, s);
    return s;
  }

  newFlow(f: Omit<AuthorizeFlow, 'id'>): AuthorizeFlow {
    const flow = { ...f, id: randomUUID() };
    this.flows.set(flow.id, flow);
    return flow;
  }

  newCode(c: Omit<AuthorizationCode, 'code' | 'redeemed'>): AuthorizationCode {
    // Entra's codes are long opaque strings starting with a version marker; the shape does not matter to clients.
    const code = { ...c, code: `1.${randomBytes(48).toString('base64url')}`, redeemed: false };
    this.codes.set(code.code, code);
    return code;
  }

  newRefreshToken(r: Omit<RefreshTokenRecord, 'lastUsedAt'>): string {
    const token = `1.${randomBytes(72).toString('base64url')}`;
    this.refreshTokens.set(token, { ...r, lastUsedAt: r.issuedAt });
    return token;
  }
}
