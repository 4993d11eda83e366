/**
 * Access tokens: RS256 JWTs signed with the emulator's key through jose (no hand-rolled crypto). Claims
 * follow Entra's v1 app-only access tokens for Microsoft Graph (access-token-claims-reference.md): aud,
 * iss (https://sts.windows.net/{tid}/), tid, appid, oid (the client's service principal), roles, idtyp=app.
 * Roles are frozen at issuance, as in Entra: a consent change reaches Graph with the next token.
 */
import { createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
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
  idtyp: 'app';
  ver: '1.0';
  exp: number;
  iat: number;
  nbf: number;
}

export class TokenService {
  private readonly key: KeyObject;
  private readonly publicKey: KeyObject;
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
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: GRAPH_AUDIENCE,
      iss: `https://sts.windows.net/${input.tenantId}/`,
      tid: input.tenantId,
      appid: input.appId,
      app_displayname: input.appDisplayName,
      oid: input.servicePrincipalId,
      sub: input.servicePrincipalId,
      idtyp: 'app',
      ver: '1.0',
      uti: randomUUID().replace(/-/g, ''),
    };
    // "app-only tokens can be issued without a roles claim" (v2-oauth2-client-creds-grant-flow.md).
    if (input.roles.length) claims.roles = input.roles;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.pki.signingKid, x5t: this.pki.signingKid })
      .setIssuedAt(now)
      .setNotBefore(now - 5 * 60)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(this.key);
    return { token, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /** Verify a bearer token this emulator issued. Throws with a Graph-style reason. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['RS256'],
        audience: [GRAPH_AUDIENCE, '00000003-0000-0000-c000-000000000000'],
      });
      return payload as unknown as AccessTokenClaims;
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
