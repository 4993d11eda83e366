import { describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { cachingCredential } from './token-cache';

function counting(tokens: (AccessToken | null)[]): TokenCredential & { calls: number } {
  const c = {
    calls: 0,
    async getToken() {
      return tokens[Math.min(c.calls++, tokens.length - 1)] ?? null;
    },
  };
  return c;
}

const HOUR = 3_600_000;

describe('cachingCredential', () => {
  it('hands out the same token without asking the credential again while it is far from expiry', async () => {
    const inner = counting([{ token: 'a', expiresOnTimestamp: HOUR }]);
    const c = cachingCredential(inner, () => 0);
    expect((await c.getToken('s'))?.token).toBe('a');
    expect((await c.getToken('s'))?.token).toBe('a');
    expect(inner.calls).toBe(1);
  });

  it('asks again within 5 minutes of expiry, and from refreshAfterTimestamp on', async () => {
    let now = 0;
    const inner = counting([
      { token: 'a', expiresOnTimestamp: HOUR },
      { token: 'b', expiresOnTimestamp: 2 * HOUR, refreshAfterTimestamp: HOUR + 60_000 },
      { token: 'c', expiresOnTimestamp: 3 * HOUR },
    ]);
    const c = cachingCredential(inner, () => now);
    await c.getToken('s');
    now = HOUR - 5 * 60_000;
    expect((await c.getToken('s'))?.token).toBe('b');
    now = HOUR + 60_000;
    expect((await c.getToken('s'))?.token).toBe('c');
    expect(inner.calls).toBe(3);
  });

  it('keeps tokens per scope and never caches a claims challenge or another tenant', async () => {
    const inner = counting([{ token: 'a', expiresOnTimestamp: HOUR }]);
    const c = cachingCredential(inner, () => 0);
    await c.getToken('s1');
    await c.getToken(['s2']);
    await c.getToken('s1', { claims: 'x' });
    await c.getToken('s1', { tenantId: 'other' });
    expect(inner.calls).toBe(4);
    await c.getToken('s1');
    expect(inner.calls).toBe(4);
  });

  it('passes a failure through and does not remember it', async () => {
    let fail = true;
    const inner: TokenCredential = {
      async getToken() {
        if (fail) throw new Error('AADSTS7000215');
        return { token: 'ok', expiresOnTimestamp: HOUR };
      },
    };
    const c = cachingCredential(inner, () => 0);
    await expect(c.getToken('s')).rejects.toThrow('AADSTS7000215');
    fail = false;
    expect((await c.getToken('s'))?.token).toBe('ok');
  });
});
