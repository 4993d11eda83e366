/**
 * A TokenCredential that keeps the last access token per scope set and hands it out until it is near expiry.
 *
 * Why: every Graph request goes through the SDK's AuthenticationHandler, which calls `getToken` on the
 * @azure/identity credential; each call walks MSAL's silent flow (authority and URL parsing, a cache
 * lookup that deserialises entries) even when the token is cached. Profiling the health-check fleet
 * (docs/benchmarks.md) put that at ~10 % of the worker's main-thread CPU. The token and its expiry come from
 * MSAL unchanged; this only skips asking again while it is good.
 *
 * Refresh margin: MSAL itself refreshes 5 minutes before expiry (and honours `refresh_in`, which Entra sets to
 * half the lifetime, exposed as `refreshAfterTimestamp`): https://learn.microsoft.com/entra/msal/javascript/node/caching
 * — we hand the cached token out only until the earlier of the two, then ask the credential again.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

const REFRESH_MARGIN_MS = 5 * 60_000;

export function cachingCredential(inner: TokenCredential, now: () => number = Date.now): TokenCredential {
  const cache = new Map<string, AccessToken>();
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      // Options that change what is asked for (claims challenge, another tenant, PoP) always go to MSAL.
      const plain = !options?.claims && !options?.tenantId && !options?.proofOfPossessionOptions;
      const key = Array.isArray(scopes) ? scopes.join(' ') : scopes;
      const hit = plain ? cache.get(key) : undefined;
      if (hit) {
        const refreshAt = Math.min(
          hit.expiresOnTimestamp - REFRESH_MARGIN_MS,
          hit.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY,
        );
        if (now() < refreshAt) return hit;
      }
      const token = await inner.getToken(scopes, options);
      if (token && plain) cache.set(key, token);
      else if (plain) cache.delete(key);
      return token;
    },
  };
}
