/**
 * The one-time consent states: the console registers a state's SHA-256 hash before sending the admin to
 * Entra, and a callback counts only for a registered, unexpired, unused hash of this tenant. Pure
 * bookkeeping on the onboarding's lists (unit-tested in consent-states.test.ts); the handlers that call it
 * are in consent-handlers.ts.
 */
import type { OnboardingPhase } from '../../contracts/messages';
import { CONSENT_STATE_HASH_PATTERN } from '../../contracts/validation';
import type { RegisteredState } from './state';

export const MAX_REGISTERED_STATES = 20;
/** State hashes remembered as used (replays of a consumed state are refused by the update's validator). */
export const MAX_USED_STATE_HASHES = 50;

/**
 * Registers a state hash (expired ones are dropped, the oldest beyond MAX_REGISTERED_STATES too).
 * Returns false, registering nothing, for a malformed hash or expiry.
 */
export function registerState(
  registered: RegisteredState[],
  reg: { stateHash: string; expiresAt: string },
  nowMs: number,
): boolean {
  const expires = Date.parse(reg.expiresAt);
  if (!CONSENT_STATE_HASH_PATTERN.test(reg.stateHash) || !Number.isFinite(expires)) return false;
  for (let i = registered.length - 1; i >= 0; i--) {
    if (registered[i]!.expiresAt <= nowMs) registered.splice(i, 1);
  }
  if (!registered.some((r) => r.stateHash === reg.stateHash)) {
    registered.push({ stateHash: reg.stateHash, expiresAt: expires, used: false });
  }
  while (registered.length > MAX_REGISTERED_STATES) registered.shift();
  return true;
}

export type CallbackRejection = 'unknown state' | 'state already used' | 'other tenant' | 'expired state';

/**
 * A signalled callback claims its state: undefined when the state is registered, unused, unexpired and the
 * callback names no other tenant (the state is then marked used), else why it is refused.
 */
export function claimState(
  registered: RegisteredState[],
  cb: { stateHash: string; tenant?: string },
  tenantId: string,
  nowMs: number,
): CallbackRejection | undefined {
  const match = registered.find((r) => r.stateHash === cb.stateHash);
  const claimedOther = cb.tenant !== undefined && cb.tenant.toLowerCase() !== tenantId.toLowerCase();
  if (!match || match.used || match.expiresAt <= nowMs || claimedOther) {
    return !match
      ? 'unknown state'
      : match.used
        ? 'state already used'
        : claimedOther
          ? 'other tenant'
          : 'expired state';
  }
  match.used = true;
  return undefined;
}

/** Remembers a consumed state hash (bounded: the oldest are forgotten). */
export function rememberUsedState(usedStateHashes: string[], stateHash: string): void {
  usedStateHashes.push(stateHash);
  while (usedStateHashes.length > MAX_USED_STATE_HASHES) usedStateHashes.shift();
}

/**
 * Why the console's acceptConsentCallback update must be refused (its validator throws this message, so
 * nothing enters history), or undefined. The messages are shown to the admin.
 */
export function consentCallbackProblem(
  cb: { stateHash: string; tenant?: string },
  ctx: {
    tenantId: string;
    phase: OnboardingPhase;
    usedStateHashes: readonly string[];
    registered: readonly RegisteredState[];
  },
): string | undefined {
  if (!CONSENT_STATE_HASH_PATTERN.test(cb.stateHash)) return 'The consent state is malformed.';
  if (
    ctx.usedStateHashes.includes(cb.stateHash) ||
    ctx.registered.some((r) => r.stateHash === cb.stateHash && r.used)
  )
    return 'This consent link was already used. Each link works once.';
  if (cb.tenant !== undefined && cb.tenant.toLowerCase() !== ctx.tenantId.toLowerCase())
    return 'The tenant in the response does not match the tenant this consent link was issued for.';
  if (ctx.phase === 'expired')
    return 'This onboarding has expired: start it again, then open the consent link again.';
  return undefined;
}
