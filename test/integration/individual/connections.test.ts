/**
 * Individual mode against the emulator's real authorization-code flow: connect (PKCE code exchange through
 * msal-node, a real calendar call), keep-alive refreshes, every refresh-token failure kind the emulator
 * produces with its AADSTS code, reconnect, disconnect — and that tokens only ever exist sealed at rest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphConfig, MemoryIdempotencyStore } from '../../../activities';
import { createIndividual } from '../../../activities/individual';
import type { ConnectionRecord } from '../../../contracts/individual';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { allowUserConnections, connectThroughCodeFlow } from '../../helpers/delegated';

const { CONTOSO, TOGETHER_APP } = ids;
const T = CONTOSO.tenantId;
const U = {
  adele: CONTOSO.users.inScope.userPrincipalName,
  alex: CONTOSO.users.outsideScope.userPrincipalName,
  nestor: CONTOSO.users.nestedOnly.userPrincipalName,
  megan: CONTOSO.privilegedAdmin.userPrincipalName,
  patti: CONTOSO.privilegedRoleAdmin.userPrincipalName,
  irvin: CONTOSO.nonPrivilegedAdmin.userPrincipalName,
};

let emu: RunningEmulator;
let dir: string;
let ind: ReturnType<typeof createIndividual>;

const connect = (upn: string): Promise<ConnectionRecord> => connectThroughCodeFlow(ind, T, upn);

const sweep = () => ind.activities.sweepConnections({ tenantId: T });
const rawFiles = () =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
function refreshSecret(cacheJson: string): string {
  const rts = Object.values(
    (JSON.parse(cacheJson) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken,
  );
  return rts[0]!.secret;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-'));
  await allowUserConnections(emu, T);
  const env = graphEnvFor(emu, dir);
  ind = createIndividual({
    config: loadGraphConfig(env),
    env: { TOGETHER_STATE_DIR: dir },
    idempotencyStore: new MemoryIdempotencyStore(),
  });
});
afterAll(async () => emu?.stop());

describe('individual connections against the emulator', () => {
  let adele: ConnectionRecord;

  it('connects a user by PKCE code exchange and proves the calendar; the token exists only sealed', async () => {
    adele = await connect(U.adele);
    expect(adele).toMatchObject({ tenantId: T, status: 'connected', connectionId: CONTOSO.users.inScope.id });
    expect(adele.homeAccountId).toBe(`${CONTOSO.users.inScope.id}.${T}`);
    const rt = refreshSecret(await ind.ind.store.getCache(adele.homeAccountId!));
    expect(rt.length).toBeGreaterThan(10);
    expect(rawFiles()).not.toContain(rt);
    expect(rawFiles()).not.toContain(U.adele);
  });

  it('keeps the connection alive: the sweep refreshes (one token request) and the refresh token rotates', async () => {
    const before = refreshSecret(await ind.ind.store.getCache(adele.homeAccountId!));
    const r = await sweep();
    expect(r).toMatchObject({ checked: 1, ok: 1, newlyBroken: [], tokenRequests: 1 });
    const after = refreshSecret(await ind.ind.store.getCache(adele.homeAccountId!));
    expect(after).not.toBe(before);
    expect((await ind.backend.getConnection(T, adele.connectionId))?.lastRefreshAt).toBeTruthy();
  });

  it('classifies each way a refresh token dies, once, by its AADSTS code', async () => {
    const alex = await connect(U.alex);
    const nestor = await connect(U.nestor);
    const megan = await connect(U.megan);
    const patti = await connect(U.patti);
    await emu.control.revokeSignInSessions(T, U.alex);
    await emu.control.setConditionalAccessBlock(T, U.nestor, true);
    await emu.control.revokeDelegated({ tenantId: T, appId: TOGETHER_APP.appId, user: U.megan });
    await emu.control.setUser(T, CONTOSO.privilegedRoleAdmin.id, { accountEnabled: false });
    const r = await sweep();
    const byId = Object.fromEntries(r.newlyBroken.map((b) => [b.connectionId, `${b.kind} ${b.code}`]));
    expect(byId).toEqual({
      [alex.connectionId]: 'revoked AADSTS50173',
      [nestor.connectionId]: 'conditionalAccess AADSTS53003',
      [megan.connectionId]: 'consentRevoked AADSTS65001',
      [patti.connectionId]: 'userDisabled AADSTS50057',
    });
    expect(r.ok).toBe(1); // adele
    // Still broken on the next sweep: reported as such, not as newly broken (no second email).
    const again = await sweep();
    expect(again.newlyBroken).toEqual([]);
    expect(again.stillBroken).toBe(4);
    expect(await ind.activities.summarizeConnections({ tenantId: T })).toMatchObject({
      invited: 5,
      connected: 1,
      broken: 4,
      brokenByKind: { revoked: 1, conditionalAccess: 1, consentRevoked: 1, userDisabled: 1 },
    });
  });

  it('a password reset kills the refresh token', async () => {
    const irvin = await connect(U.irvin);
    await emu.control.resetPassword(T, U.irvin, 'admin');
    const r = await sweep();
    expect(r.newlyBroken).toEqual([
      expect.objectContaining({ connectionId: irvin.connectionId, kind: 'revoked' }),
    ]);
  });

  it('reconnecting a broken user replaces the broken connection with a working one', async () => {
    await emu.control.setConditionalAccessBlock(T, U.nestor, false);
    const nestor = await connect(U.nestor);
    expect((await ind.backend.getConnection(T, nestor.connectionId))?.status).toBe('connected');
    const r = await sweep();
    expect(r.newlyBroken).toEqual([]);
  });

  it('disconnect deletes the cache partition and the record', async () => {
    expect(await ind.backend.disconnectUser(T, adele.connectionId)).toBe(true);
    expect(await ind.ind.store.getCache(adele.homeAccountId!)).toBe('');
    expect(await ind.backend.getConnection(T, adele.connectionId)).toBeUndefined();
  });

  it('a user who disconnects while the sweep refreshes them is not written back, nor reported as broken', async () => {
    const again = await connect(U.adele);
    const store = ind.ind.store;
    const list = store.listConnections.bind(store);
    // The user disconnects right after the sweep read its page: the refresh then finds no tokens.
    store.listConnections = async (...args) => {
      const page = await list(...args);
      await ind.backend.disconnectUser(T, again.connectionId);
      return page;
    };
    try {
      const r = await sweep();
      expect(r.disconnected).toBe(1);
      expect(r.newlyBroken).toEqual([]);
      expect(await ind.backend.getConnection(T, again.connectionId)).toBeUndefined();
    } finally {
      delete (store as Partial<typeof store>).listConnections; // the prototype's again
    }
  });

  it('90 days without a refresh expire the grant (AADSTS700082, accelerated clock)', async () => {
    const nestor = CONTOSO.users.nestedOnly.id;
    for (let i = 0; i < 4; i++) await emu.control.advanceClock(23 * 24 * 3600); // 92 days, 30 at most per call
    const r = await sweep();
    expect(r.newlyBroken).toEqual([
      expect.objectContaining({ connectionId: nestor, kind: 'inactivity', code: 'AADSTS700082' }),
    ]);
  });
});
