import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzuriteTable, type RunningAzurite } from '../../helpers/azurite';
import type { ConnectionRecord } from '../../../contracts/individual';
import { createSealer, loadOrCreateKey, SealError } from '../../../activities/individual/seal';
import { allConnections, FileTokenStore, type TokenStore } from '../../../activities/individual/store';
import { TableTokenStore } from '../../../activities/individual/table-store';

const TENANT = '11111111-1111-1111-1111-111111111111';
const SECRET_RT = 'rt-THIS-MUST-NOT-APPEAR-IN-CLEARTEXT';

function rec(i: number, extra: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    tenantId: TENANT,
    connectionId: `0000000${i}-0000-0000-0000-000000000000`,
    homeAccountId: `0000000${i}-0000-0000-0000-000000000000.${TENANT}`,
    userPrincipalName: `user${i}@contoso.example`,
    status: 'connected',
    ...extra,
  };
}

function contract(name: string, make: () => Promise<{ store: TokenStore; raw: () => Promise<string> }>) {
  describe(name, () => {
    let store: TokenStore;
    let raw: () => Promise<string>;
    beforeAll(async () => ({ store, raw } = await make()), 90_000);

    it('returns an empty cache for an unknown partition (what MSAL deserializes as "nothing cached")', async () => {
      expect(await store.getCache('nobody.tenant')).toBe('');
    });

    it('keeps one cache per partition, and stores only ciphertext', async () => {
      await store.setCache('a.t', JSON.stringify({ RefreshToken: { x: { secret: SECRET_RT } } }));
      await store.setCache('b.t', '{"other":true}');
      expect(await store.getCache('a.t')).toContain(SECRET_RT);
      expect(await store.getCache('b.t')).toBe('{"other":true}');
      expect(await raw()).not.toContain(SECRET_RT);
      expect(await raw()).not.toContain('contoso.example');
      await store.deleteCache('a.t');
      expect(await store.getCache('a.t')).toBe('');
      expect(await store.getCache('b.t')).toBe('{"other":true}');
    });

    it('stores large caches (chunked beyond one Table property)', async () => {
      const big = 'x'.repeat(100_000);
      await store.setCache('big.t', big);
      expect(await store.getCache('big.t')).toBe(big);
      await store.setCache('big.t', 'small');
      expect(await store.getCache('big.t')).toBe('small');
    });

    it('a stale write loses to a newer one (conditional on the version it read), and a deleted cache stays deleted', async () => {
      await store.setCache('race.t', 'v1');
      const base = await store.getCacheVersioned('race.t');
      expect(base).toMatchObject({ value: 'v1', version: expect.any(String) });
      // Two writers both read v1; the first write wins and gets a new version…
      const newer = await store.setCacheIf('race.t', 'newer', base.version);
      expect(newer).toEqual(expect.any(String));
      expect(newer).not.toBe(base.version);
      // …the second, still based on v1, is refused and stores nothing.
      expect(await store.setCacheIf('race.t', 'stale', base.version)).toBeUndefined();
      expect(await store.getCacheVersioned('race.t')).toEqual({ value: 'newer', version: newer });
      // "There was none" is a version too: a create loses to a cache that appeared meanwhile.
      expect(await store.setCacheIf('race.t', 'stale', undefined)).toBeUndefined();
      // A disconnect (delete) during a refresh: the refresh's write does not bring the tokens back.
      await store.deleteCache('race.t');
      expect(await store.setCacheIf('race.t', 'resurrected', newer)).toBeUndefined();
      expect(await store.getCache('race.t')).toBe('');
      expect(await store.setCacheIf('race.t', 'fresh', undefined)).toEqual(expect.any(String));
      expect(await store.getCache('race.t')).toBe('fresh');
    });

    it('pages through a tenant’s connections and nothing else', async () => {
      for (let i = 1; i <= 5; i++) await store.putConnection(rec(i));
      await store.putConnection({ ...rec(9), tenantId: '22222222-2222-2222-2222-222222222222' });
      const first = await store.listConnections(TENANT, { limit: 2 });
      expect(first.records).toHaveLength(2);
      expect(first.nextCursor).toBeTruthy();
      const all = await allConnections(store, TENANT);
      expect(all.map((r) => r.userPrincipalName).sort()).toEqual(
        [1, 2, 3, 4, 5].map((i) => `user${i}@contoso.example`),
      );
      await store.putConnection(
        rec(3, { status: 'broken', broken: { kind: 'revoked', since: '2026-01-01T00:00:00Z' } }),
      );
      expect((await store.getConnection(TENANT, rec(3).connectionId))?.broken?.kind).toBe('revoked');
      await store.deleteConnection(TENANT, rec(3).connectionId);
      expect(await store.getConnection(TENANT, rec(3).connectionId)).toBeUndefined();
      // An update never brings a deleted connection back; it replaces one that exists.
      expect(await store.updateConnection(rec(3, { status: 'connected' }))).toBe(false);
      expect(await store.getConnection(TENANT, rec(3).connectionId)).toBeUndefined();
      expect(await store.updateConnection(rec(2, { lastCheckedAt: '2026-02-02T00:00:00Z' }))).toBe(true);
      expect((await store.getConnection(TENANT, rec(2).connectionId))?.lastCheckedAt).toBe(
        '2026-02-02T00:00:00Z',
      );
      expect(await allConnections(store, TENANT)).toHaveLength(4);
    });
  });
}

describe('token stores', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokstore-'));
  const sealer = createSealer(loadOrCreateKey({}, dir));
  const rawDir = async () =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
      .join('\n');
  contract('FileTokenStore', async () => ({
    store: new FileTokenStore(path.join(dir, 'tokens'), sealer),
    raw: rawDir,
  }));

  let azurite: RunningAzurite | undefined;
  afterAll(async () => azurite?.stop());
  contract('TableTokenStore (Azurite)', async () => {
    azurite = await startAzuriteTable();
    const env = {
      TOGETHER_TOKEN_TABLE_CONNECTION_STRING: azurite.connectionString,
      TOGETHER_TOKEN_TABLE: 'togethertokens',
    };
    const store = TableTokenStore.fromEnv(env, sealer);
    await store.ensureTable();
    const { TableClient } = await import('@azure/data-tables');
    const client = TableClient.fromConnectionString(azurite.connectionString, 'togethertokens', {
      allowInsecureConnection: true,
    });
    const raw = async () => {
      const rows: unknown[] = [];
      for await (const e of client.listEntities()) rows.push(e);
      return JSON.stringify(rows);
    };
    return { store, raw };
  });
});

describe('sealing', () => {
  it('refuses a ciphertext moved to another partition', () => {
    const s = createSealer([randomBytes(32)]);
    const sealed = s.seal('secret', 'cache:alice');
    expect(s.open(sealed, 'cache:alice')).toBe('secret');
    expect(() => s.open(sealed, 'cache:mallory')).toThrow(SealError);
  });
  it('reads entries sealed with an older key after a rotation', () => {
    const oldKey = randomBytes(32);
    const sealed = createSealer([oldKey]).seal('v', 'aad');
    expect(createSealer([randomBytes(32), oldKey]).open(sealed, 'aad')).toBe('v');
    expect(() => createSealer([randomBytes(32)]).open(sealed, 'aad')).toThrow(/does not have/);
  });
  it('rejects a key of the wrong size with the fix', () => {
    expect(() => loadOrCreateKey({ TOGETHER_TOKEN_KEY: 'c2hvcnQ=' }, os.tmpdir())).toThrow(
      /openssl rand -base64 32/,
    );
  });
});
