import { describe, expect, it } from 'vitest';
import {
  claimState,
  consentCallbackProblem,
  MAX_REGISTERED_STATES,
  MAX_USED_STATE_HASHES,
  registerState,
  rememberUsedState,
} from './consent-states';
import type { RegisteredState } from './state';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const hash = (c: string) => c.repeat(64);
const later = '2026-01-01T00:10:00.000Z';

describe('one-time consent states', () => {
  it('registers a well-formed hash once and refuses a malformed one', () => {
    const reg: RegisteredState[] = [];
    expect(registerState(reg, { stateHash: hash('a'), expiresAt: later }, NOW)).toBe(true);
    expect(registerState(reg, { stateHash: hash('a'), expiresAt: later }, NOW)).toBe(true);
    expect(registerState(reg, { stateHash: 'not-a-hash', expiresAt: later }, NOW)).toBe(false);
    expect(registerState(reg, { stateHash: hash('b'), expiresAt: 'soon' }, NOW)).toBe(false);
    expect(reg.map((r) => r.stateHash)).toEqual([hash('a')]);
  });

  it('drops expired registrations and keeps at most the newest MAX_REGISTERED_STATES', () => {
    const reg: RegisteredState[] = [{ stateHash: hash('0'), expiresAt: NOW - 1, used: false }];
    for (let i = 0; i < MAX_REGISTERED_STATES + 2; i++) {
      registerState(reg, { stateHash: i.toString(16).padStart(64, 'f'), expiresAt: later }, NOW);
    }
    expect(reg).toHaveLength(MAX_REGISTERED_STATES);
    expect(reg.some((r) => r.stateHash === hash('0'))).toBe(false);
    expect(reg[0]!.stateHash).toBe((2).toString(16).padStart(64, 'f'));
  });

  it('a callback claims a registered state once; unknown, used, expired and other-tenant claims are refused', () => {
    const reg: RegisteredState[] = [];
    registerState(reg, { stateHash: hash('a'), expiresAt: later }, NOW);
    registerState(reg, { stateHash: hash('b'), expiresAt: '2026-01-01T00:00:01.000Z' }, NOW);
    expect(claimState(reg, { stateHash: hash('c') }, 'contoso', NOW)).toBe('unknown state');
    expect(claimState(reg, { stateHash: hash('a'), tenant: 'fabrikam' }, 'contoso', NOW)).toBe(
      'other tenant',
    );
    expect(claimState(reg, { stateHash: hash('b') }, 'contoso', NOW + 2000)).toBe('expired state');
    expect(claimState(reg, { stateHash: hash('a'), tenant: 'CONTOSO' }, 'contoso', NOW)).toBeUndefined();
    expect(claimState(reg, { stateHash: hash('a') }, 'contoso', NOW)).toBe('state already used');
  });

  it('the update refuses a malformed, replayed, other-tenant or expired-onboarding callback with words for the admin', () => {
    const used: string[] = [];
    const ctx = {
      tenantId: 'contoso',
      phase: 'awaitingConsent' as const,
      usedStateHashes: used,
      registered: [],
    };
    expect(consentCallbackProblem({ stateHash: 'x' }, ctx)).toMatch(/malformed/);
    expect(consentCallbackProblem({ stateHash: hash('a') }, ctx)).toBeUndefined();
    rememberUsedState(used, hash('a'));
    expect(consentCallbackProblem({ stateHash: hash('a') }, ctx)).toMatch(/already used/);
    expect(consentCallbackProblem({ stateHash: hash('b'), tenant: 'fabrikam' }, ctx)).toMatch(
      /does not match/,
    );
    expect(consentCallbackProblem({ stateHash: hash('b') }, { ...ctx, phase: 'expired' })).toMatch(/expired/);
  });

  it('remembers at most MAX_USED_STATE_HASHES used hashes, forgetting the oldest', () => {
    const used: string[] = [];
    for (let i = 0; i < MAX_USED_STATE_HASHES + 5; i++) rememberUsedState(used, String(i));
    expect(used).toHaveLength(MAX_USED_STATE_HASHES);
    expect(used[0]).toBe('5');
  });
});
