/**
 * The Entra side (login.microsoftonline.com): OpenID discovery, JWKS, the client-credentials token endpoint
 * and the admin-consent page. Error bodies and AADSTS codes as in ../shared/reference/graph.md §2. A future
 * `authorize` module (delegated sign-in) registers here beside them.
 */
import type { FastifyInstance } from 'fastify';
import type { LoginContext } from './common';
import { registerConsent } from './consent';
import { registerDiscovery } from './discovery';
import { registerToken } from './token';

export type { LoginContext } from './common';

export function registerLogin(f: FastifyInstance, ctx: LoginContext): void {
  registerDiscovery(f, ctx);
  registerToken(f, ctx);
  registerConsent(f, ctx);
}
