/**
 * The Entra side (login.microsoftonline.com): OpenID discovery, JWKS, the client-credentials token endpoint
 * and the admin-consent page, and the delegated side: the authorization endpoint with its sign-in and consent
 * pages (authorize.ts) and the authorization_code / refresh_token grants (delegatedToken.ts). Error bodies
 * and AADSTS codes as in ../shared/reference/graph.md §2.
 */
import type { FastifyInstance } from 'fastify';
import { registerAuthorize } from './authorize';
import type { LoginContext } from './common';
import { registerConsent } from './consent';
import { registerDiscovery } from './discovery';
import { registerToken } from './token';

export type { LoginContext } from './common';

export function registerLogin(f: FastifyInstance, ctx: LoginContext): void {
  registerDiscovery(f, ctx);
  registerToken(f, ctx);
  registerConsent(f, ctx);
  registerAuthorize(f, ctx);
}
