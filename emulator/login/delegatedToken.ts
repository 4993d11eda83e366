/**
 * The token endpoint's delegated grants, after the client has authenticated (token.ts):
 * - authorization_code (v2-oauth2-auth-code-flow.md "Redeem a code for an access token"): single use
 *   (AADSTS54005), about 10 minutes (AADSTS70008), bound to client and redirect URI, PKCE checked against the
 *   challenge of the authorize request (AADSTS50148 without a verifier, AADSTS501481 on a mismatch);
 * - refresh_token (refresh-tokens.md): every use returns a new refresh token and "doesn't revoke old refresh
 *   tokens", so the old one keeps working until its own 90-day inactivity window closes (AADSTS700082);
 *   revoked sessions / admin password resets (AADSTS50173), a disabled user (AADSTS50057), a Conditional
 *   Access block (AADSTS53003) and withdrawn consent (AADSTS65001) kill it. All are HTTP 400 invalid_grant.
 * Times are on the emulator clock, so `POST /_emulator/clock/advance` can age codes and refresh tokens.
 */
import { createHash } from 'node:crypto';
import { entraError } from '../errors';
import { OIDC_SCOPES } from '../permissions';
import {
  CODE_LIFETIME_MS,
  grantedScopes,
  REFRESH_INACTIVITY_MS,
  signInState,
  type Application,
  type EmulatorState,
  type Tenant,
  userAppRoles,
} from '../state';
import { parseDelegatedScopes, ScopeError } from './authorize';
import type { LoginContext } from './common';

type Answer = { status: number; body: unknown };
type Body = Record<string, string | undefined>;

const invalidGrant = (code: number, message: string, suberror?: string): Answer => {
  const e = entraError(400, 'invalid_grant', code, message);
  if (suberror) (e.body as Record<string, unknown>).suberror = suberror;
  return e;
};

/** For /organizations or /common token requests: the tenant the code or refresh token belongs to. */
export function tenantOfDelegatedGrant(state: EmulatorState, body: Body): Tenant | undefined {
  const d = state.delegated;
  const id =
    body.grant_type === 'authorization_code'
      ? d.codes.get(body.code ?? '')?.tenantId
      : body.grant_type === 'refresh_token'
        ? d.refreshTokens.get(body.refresh_token ?? '')?.tenantId
        : undefined;
  return id ? state.findTenant(id) : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '0000Z');
}

export async function redeemDelegated(
  ctx: LoginContext,
  tenant: Tenant,
  app: Application,
  body: Body,
): Promise<Answer> {
  const S = ctx.state;
  const D = S.delegated;
  const now = S.now();
  let userId: string;
  let authTime: number;
  let scopes: string[];
  let nonce: string | undefined;

  if (body.grant_type === 'authorization_code') {
    if (!body.code)
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'code'.",
      );
    const rec = D.codes.get(body.code);
    if (!rec || rec.tenantId !== tenant.id)
      return invalidGrant(9002313, 'Invalid request. Request is malformed or invalid.');
    if (rec.clientId !== app.appId) return invalidGrant(70000, 'Provided grant is invalid or malformed.');
    if (rec.redeemed)
      return invalidGrant(
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    if (now > rec.expiresAt)
      return invalidGrant(
        70008,
        `The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource. The code was issued on ${iso(rec.expiresAt - CODE_LIFETIME_MS)}.`,
      );
    if (body.redirect_uri !== rec.redirectUri)
      return invalidGrant(
        50011,
        `The redirect URI '${body.redirect_uri ?? ''}' specified in the request does not match the redirect URI used when the authorization code was requested.`,
      );
    if (rec.codeChallenge) {
      if (!body.code_verifier)
        return invalidGrant(
          50148,
          'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
        );
      const derived =
        rec.codeChallengeMethod === 'S256'
          ? createHash('sha256').update(body.code_verifier, 'ascii').digest('base64url')
          : body.code_verifier;
      if (derived !== rec.codeChallenge)
        return invalidGrant(
          501481,
          'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        );
    }
    // Single use from here on, whatever happens next (a replayed code must never work).
    rec.redeemed = true;
    userId = rec.userId;
    authTime = rec.authTime;
    scopes = rec.scopes;
    nonce = rec.nonce;
  } else {
    if (!body.refresh_token)
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'refresh_token'.",
      );
    const rec = D.refreshTokens.get(body.refresh_token);
    if (!rec || rec.tenantId !== tenant.id)
      return invalidGrant(9002313, 'Invalid request. Request is malformed or invalid.');
    if (rec.clientId !== app.appId)
      return invalidGrant(
        70000,
        'Provided grant is invalid or malformed. The refresh token was issued to a different client.',
      );
    if (now - rec.lastUsedAt > REFRESH_INACTIVITY_MS)
      return invalidGrant(
        700082,
        `The refresh token has expired due to inactivity. The token was issued on ${iso(rec.issuedAt)} and was inactive for 90.00:00:00.`,
      );
    userId = rec.userId;
    authTime = rec.authTime;
    try {
      scopes = body.scope ? parseDelegatedScopes(body.scope, app) : rec.scopes;
    } catch (err) {
      if (err instanceof ScopeError)
        return entraError(
          400,
          'invalid_scope',
          70011,
          `The provided value for the input parameter 'scope' is not valid. ${err.message}`,
        );
      throw err;
    }
    rec.lastUsedAt = now;
  }

  const user = tenant.findUser(userId);
  if (!user)
    return invalidGrant(
      50034,
      `The user account ${userId} does not exist in the ${tenant.displayName} directory.`,
    );
  if (!user.accountEnabled)
    return invalidGrant(
      50057,
      'The user account is disabled. The account has been disabled by an administrator.',
    );
  const st = signInState(tenant, user.id);
  if (st.conditionalAccessBlocked)
    return invalidGrant(
      53003,
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      'message_only',
    );
  if ((st.tokensValidFrom ?? 0) > authTime)
    return invalidGrant(
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${iso(authTime)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${iso(st.tokensValidFrom!)}'.`,
      'bad_token',
    );
  const sp = tenant.servicePrincipalByAppId(app.appId);
  const granted = grantedScopes(tenant, sp, user.id);
  const notGranted = scopes.filter((s) => !granted.has(s));
  if (!sp || notGranted.length)
    return invalidGrant(
      65001,
      `The user or administrator has not consented to use the application with ID '${app.appId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`,
      'consent_required',
    );

  const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.includes(s));
  const atScopes = resourceScopes.length ? resourceScopes : scopes.filter((s) => s !== 'offline_access');
  const { token, expiresIn } = await ctx.tokens.issueDelegated({
    tenantId: tenant.id,
    appId: app.appId,
    appDisplayName: app.displayName,
    userId: user.id,
    upn: user.userPrincipalName,
    name: user.displayName,
    scopes: atScopes,
  });
  const out: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: scopes.join(' '),
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: token,
  };
  if (scopes.includes('offline_access'))
    out.refresh_token = D.newRefreshToken({
      tenantId: tenant.id,
      userId: user.id,
      clientId: app.appId,
      scopes,
      authTime,
      issuedAt: now,
    });
  if (scopes.includes('openid')) {
    out.id_token = await ctx.tokens.issueIdToken({
      issuerOrigin: ctx.origin(),
      tenantId: tenant.id,
      clientId: app.appId,
      userId: user.id,
      preferredUsername: user.userPrincipalName,
      name: user.displayName,
      email: scopes.includes('email') ? user.mail : undefined,
      nonce,
      roles: userAppRoles(tenant, app, user.id),
      authTime,
    });
  }
  // MSAL asks for client_info=1 and builds the account's home id from it (uid.utid).
  if (body.client_info === '1')
    out.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.id })).toString('base64url');
  return { status: 200, body: out };
}
