/**
 * Bearer validation for Graph: the token must be one the emulator's Entra issued (signature, audience,
 * expiry), for a tenant it knows. App-only tokens carry `roles`, delegated ones `scp`
 * (access-token-claims-reference.md).
 */
import { GraphHttpError } from '../errors';
import { TokenRejected, type AccessTokenClaims } from '../tokens';
import type { Caller, GraphContext } from './types';

export async function authenticate(g: GraphContext, header: string | undefined): Promise<Caller> {
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
  // Delegated tokens carry `scp` (space-separated scopes) and the user's `oid`; their permissions are the
  // scopes, effective only on what the user may reach (graph/delegated.ts).
  if (claims.idtyp === 'user' || claims.scp !== undefined)
    return {
      claims,
      tenant,
      roles: new Set((claims.scp ?? '').split(' ').filter(Boolean)),
      userId: claims.oid,
    };
  return { claims, tenant, roles: new Set(claims.roles ?? []) };
}
