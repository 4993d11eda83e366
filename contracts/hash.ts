/**
 * The consent-state hash: hex SHA-256 of the one-time `state`, the only form of it that enters Temporal
 * history. The console (when it hands out and checks a state), client/ and the tests use this one function.
 *
 * Why a separate module: it needs node:crypto (synchronous SHA-256; Web Crypto's digest is async, which would
 * ripple through every caller), and workflows must not load Node built-ins. So this is the one contracts/
 * module allowed a Node built-in, and the lint rules forbid workflows/ to import it. Workflows never hash:
 * they compare the hashes they are sent.
 */
import { createHash } from 'node:crypto';

export function hashConsentState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}
