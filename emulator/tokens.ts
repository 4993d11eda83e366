/**
 * Access tokens: RS256 JWTs signed with the emulator's key through jose (no hand-rolled crypto). Claims
 * follow Entra's v1 app-only access tokens for Microsoft Graph (access-token-claims-reference.md): aud,
 * iss (https://sts.windows.net/{tid}/), tid, appid, oid (the client's service principal), roles, idtyp=app.
 * Roles are frozen at issuance, as in Entra: a consent change reaches Graph with the next token.
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import {
  decodeProtectedHeader,
  errors as joseErrors,
  importX509,
  jwtVerify,
  SignJWT,
  type JWK,
  exportJWK,
} from 'jose';
import type { Pki } from './pki';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** Entra's default lifetime is 60–90 minutes; the client-credentials example shows expires_in 3599. */
export const TOKEN_LIFETIME_SECONDS = 3599;

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  app_displayname: string;
  oid: string;
  sub: string;
  roles?: string[];
  /** Delegated tokens: space-separated scopes (access-token-claims-reference.md, `scp`). */
  scp?: string;
  upn?: string;
  name?: string;
  /** 'app' for client credentials, 'user' for delegated tokens. */
  idtyp: 'app' | 'user';
  ver: '1.0';
  exp: number;
  iat: number;
  nbf: number;
}

/** Verified tokens remembered at most (each ~2 KB with its claims); the oldest is forgotten first. */
const VERIFIED_CACHE_LIMIT = 20_000;

export class TokenService {
  private readonly key: KeyObject;
  private readonly publicKey: KeyObject;
  /**
   * Tokens already verified, by their whole compact form (header.payload.signature: a token with another
   * payload is another key, so nothing unverified is ever accepted from here), until their `exp`. An RS256
   * verification per Graph request was the emulator's largest per-request cost in the health-check fleet
   * bench (docs/benchmarks.md). Entra-issued tokens stay valid until expiry whatever happens to consent
   * (roles are frozen at issuance), so remembering a verdict changes nothing a client can observe.
   */
  private readonly verified = new Map<string, AccessTokenClaims>();
  constructor(private readonly pki: Pki) {
    this.key = createPrivateKey(pki.signingKeyPem);
    this.publicKey = new X509Certificate(pki.signingCertPem).publicKey;
  }

  async issue(input: {
    tenantId: string;
    appId: string;
    appDisplayName: string;
    servicePrincipalId: string;
    roles: string[];
  }): Promise<{ token: string; expiresIn: number }> {
    // "app-only tokens can be issued without a roles claim" (v2-oauth2-client-creds-grant-flow.md).
    return this.graphAccessToken(
      input,
      input.servicePrincipalId,
      input.servicePrincipalId,
      {},
      'app',
      input.roles,
    );
  }

  /**
   * A delegated (user) access token for Microsoft Graph: v1 claims as Graph receives them
   * (access-token-claims-reference.md): `scp` (space-separated), `oid` = the user's object id, `upn`, `name`,
   * `appid` = the client, `idtyp` = user. When only OpenID scopes were asked for, the Graph token carries those
   * (openid, profile, email), as Entra's does.
   */
  async issueDelegated(input: {
    tenantId: string;
    appId: string;
    appDisplayName: string;
    userId: string;
    upn: string;
    name: string;
    scopes: string[];
  }): Promise<{ token: string; expiresIn: number }> {
    return this.graphAccessToken(
      input,
      input.userId,
      pairwiseSub(input.userId, GRAPH_AUDIENCE),
      { upn: input.upn, unique_name: input.upn, name: input.name, scp: input.scopes.join(' ') },
      'user',
    );
  }

  /**
   * A v1 access token for Microsoft Graph, app-only or delegated: the claims both share, with the principal's
   * (`oid`, `sub`, and the user's `upn`/`name`/`scp`), `idtyp`, and `roles` when there are any.
   */
  private async graphAccessToken(
    client: { tenantId: string; appId: string; appDisplayName: string },
    oid: string,
    sub: string,
    principal: Record<string, unknown>,
    idtyp: AccessTokenClaims['idtyp'],
    roles: string[] = [],
  ): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: GRAPH_AUDIENCE,
      iss: `https://sts.windows.net/${client.tenantId}/`,
      tid: client.tenantId,
      appid: client.appId,
      app_displayname: client.appDisplayName,
      oid,
      sub,
      ...principal,
      idtyp,
      ver: '1.0',
      uti: randomUUID().replace(/-/g, ''),
    };
    if (roles.length) claims.roles = roles;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.pki.signingKid, x5t: this.pki.signingKid })
      .setIssuedAt(now)
      .setNotBefore(now - 5 * 60)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(this.key);
    return { token, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /**
   * An OpenID Connect id_token, v2.0 (id-token-claims-reference.md): iss = {authority}/{tid}/v2.0 (as the
   * discovery document says), aud = the client id, sub = pairwise per app, oid, tid, nonce (echoed from the
   * authorize request), preferred_username, name, email (with the `email` scope), and `roles` = the user's app
   * role assignments for this app (omitted when none, as Entra omits empty claims).
   */
  async issueIdToken(input: {
    issuerOrigin: string;
    tenantId: string;
    clientId: string;
    userId: string;
    preferredUsername: string;
    name: string;
    email?: string | null;
    nonce?: string;
    roles: string[];
    authTime: number;
  }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: input.clientId,
      iss: `${input.issuerOrigin}/${input.tenantId}/v2.0`,
      tid: input.tenantId,
      oid: input.userId,
      sub: pairwiseSub(input.userId, input.clientId),
      preferred_username: input.preferredUsername,
      name: input.name,
      auth_time: Math.floor(input.authTime / 1000),
      ver: '2.0',
      uti: randomUUID().replace(/-/g, ''),
    };
    if (input.nonce) claims.nonce = input.nonce;
    if (input.email) claims.email = input.email;
    if (input.roles.length) claims.roles = input.roles;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.pki.signingKid })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(this.key);
  }

  /** Verify a bearer token this emulator issued. Throws with a Graph-style reason. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const hit = this.verified.get(token);
    // jose's rule, clock tolerance 0: expired once exp <= now.
    if (hit && hit.exp > Math.floor(Date.now() / 1000)) return hit;
    if (hit) this.verified.delete(token);
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['RS256'],
        audience: [GRAPH_AUDIENCE, '00000003-0000-0000-c000-000000000000'],
      });
      const claims = payload as unknown as AccessTokenClaims;
      if (typeof claims.exp === 'number') {
        if (this.verified.size >= VERIFIED_CACHE_LIMIT)
          this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, claims);
      }
      return claims;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw new TokenRejected('Lifetime validation failed, the token is expired.');
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud')
        throw new TokenRejected('Access token validation failure. Invalid audience.');
      if (token.split('.').length !== 3)
        throw new TokenRejected('IDX14100: JWT is not well formed, there are no dots (.).');
      throw new TokenRejected('Access token validation failure. Invalid signature.');
    }
  }

  async jwks(): Promise<{ keys: (JWK & { kid: string; x5t: string; x5c: string[]; use: string })[] }> {
    const jwk = await exportJWK(this.publicKey);
    const der = new X509Certificate(this.pki.signingCertPem).raw.toString('base64');
    return {
      keys: [
        { ...jwk, kty: 'RSA', use: 'sig', kid: this.pki.signingKid, x5t: this.pki.signingKid, x5c: [der] },
      ],
    };
  }
}

export class TokenRejected extends Error {}

/** `sub` is "a pairwise identifier — unique to a particular application ID" (id-token-claims-reference.md). */
export function pairwiseSub(userId: string, audience: string): string {
  return createHash('sha256').update(`${userId}|${audience.toLowerCase()}`).digest('base64url').slice(0, 43);
}

/** The parts of a client assertion (certificate-signed JWT) needed to find the key it claims. */
export function assertionHeader(assertion: string): { alg?: string; x5t?: string; 'x5t#S256'?: string } {
  return decodeProtectedHeader(assertion) as { alg?: string; x5t?: string; 'x5t#S256'?: string };
}

/** Verify a client assertion against a registered certificate: signature, aud = token endpoint, iss = sub = client_id. */
export async function verifyAssertion(
  assertion: string,
  certificatePem: string,
  opts: { clientId: string; audiences: string[] },
): Promise<void> {
  const header = assertionHeader(assertion);
  const alg = header.alg === 'PS256' ? 'PS256' : 'RS256';
  const key = await importX509(certificatePem, alg);
  const { payload } = await jwtVerify(assertion, key, {
    algorithms: [alg],
    audience: opts.audiences,
    clockTolerance: 300,
  });
  if (payload.iss !== opts.clientId || payload.sub !== opts.clientId) {
    throw new AssertionClaimError(
      700021,
      `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    );
  }
}

export class AssertionClaimError extends Error {
  constructor(
    readonly aadsts: number,
    message: string,
  ) {
    super(message);
  }
}
