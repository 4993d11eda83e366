import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadOrCreatePki } from './pki';
import { TokenRejected, TokenService } from './tokens';

let dir: string;
let tokens: TokenService;
const input = {
  tenantId: '11111111-1111-4111-8111-111111111111',
  appId: '22222222-2222-4222-8222-222222222222',
  appDisplayName: 'app',
  servicePrincipalId: '33333333-3333-4333-8333-333333333333',
  roles: ['Calendars.ReadWrite'],
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-tokens-'));
  tokens = new TokenService(await loadOrCreatePki(dir));
}, 60_000);
afterAll(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TokenService.verify with its cache of verified tokens', () => {
  it('accepts a token again without changing its claims', async () => {
    const { token } = await tokens.issue(input);
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).toEqual(first);
    expect(first.roles).toEqual(['Calendars.ReadWrite']);
  });

  it('refuses a verified token whose payload was changed under the same signature', async () => {
    const { token } = await tokens.issue(input);
    await tokens.verify(token);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { roles: string[] };
    claims.roles = ['Directory.ReadWrite.All'];
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await expect(tokens.verify(forged)).rejects.toThrow(TokenRejected);
    await expect(tokens.verify(forged)).rejects.toThrow('Invalid signature');
  });

  it('refuses a cached token once it has expired', async () => {
    const { token, expiresIn } = await tokens.issue(input);
    await tokens.verify(token);
    vi.useFakeTimers({ now: Date.now() + (expiresIn + 1) * 1000, toFake: ['Date'] });
    try {
      await expect(tokens.verify(token)).rejects.toThrow('the token is expired');
    } finally {
      vi.useRealTimers();
    }
  });
});
