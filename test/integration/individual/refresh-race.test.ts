/**
 * Concurrent refreshes of one connection against the emulator's token endpoint (refresh-token rotation: every
 * redemption issues a new refresh token) with the production token store (Azure Table on Azurite):
 *   - in one worker, the sweep and the sample test refreshing one user at once make ONE token request
 *     (single-flight per connection, counted from the emulator's request log);
 *   - across workers, a refresh that started from an older token set does not overwrite the set another worker
 *     stored meanwhile (ETag-conditional write); it re-reads and uses the newer set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { CryptoProvider } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphConfig, MemoryIdempotencyStore } from '../../../activities';
import {
  createIndividual,
  createTokenStore,
  DELEGATED_SCOPES,
  refreshConnection,
} from '../../../activities/individual';
import type { TokenStore } from '../../../activities/individual/store';
import { type TableTokenStore } from '../../../activities/individual/table-store';
import type { ConnectionRecord } from '../../../contracts/individual';
import { startAzuriteTable, type RunningAzurite } from '../../helpers/azurite';
import { signInWithCode } from '../../helpers/delegated-signin';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';

const { CONTOSO, TOGETHER_APP } = ids;
const T = CONTOSO.tenantId;
const REDIRECT = 'https://127.0.0.1:3999/connect/callback';

let emu: RunningEmulator;
let azurite: RunningAzurite;
const dirs: string[] = [];
let graphEnv: Record<string, string>;
let tableEnv: Record<string, string>;

/** One worker: its own state directory and token store instance over the shared table. */
async function worker(wrap: (s: TokenStore) => TokenStore = (s) => s) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-race-'));
  dirs.push(dir);
  const env = { ...tableEnv, TOGETHER_STATE_DIR: dir };
  const store = createTokenStore(env, dir);
  await (store as TableTokenStore).ensureTable().catch(() => undefined); // 409: exists
  return createIndividual({
    config: loadGraphConfig({ ...graphEnv, TOGETHER_STATE_DIR: dir }),
    env,
    store: wrap(store),
    idempotencyStore: new MemoryIdempotencyStore(),
  });
}

async function connect(ind: Awaited<ReturnType<typeof worker>>, upn: string): Promise<ConnectionRecord> {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await ind.ind.msal.forPartition(T, '').getAuthCodeUrl({
    scopes: DELEGATED_SCOPES,
    redirectUri: REDIRECT,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    state: 'race',
    loginHint: upn,
  });
  const out = await signInWithCode(url, upn);
  const code = out.redirect?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${out.redirect?.toString() ?? out.html?.slice(0, 500)}`);
  return ind.backend.connectUser({ tenantId: T, code, codeVerifier: pkce.verifier, redirectUri: REDIRECT });
}

/** A reference to the cache's refresh token (a hash: a failing assertion prints no token). */
const refreshSecret = (cacheJson: string): string =>
  createHash('sha256')
    .update(
      Object.values(
        (JSON.parse(cacheJson) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken,
      )[0]!.secret,
    )
    .digest('hex')
    .slice(0, 16);
const tokenRequests = async () => (await emu.control.requests({ route: 'token' })).length;

beforeAll(async () => {
  [emu, azurite] = await Promise.all([startTestEmulator(), startAzuriteTable()]);
  await emu.control.addRedirectUris(TOGETHER_APP.appId, [REDIRECT]);
  await emu.control.setUserConsent(T, 'all');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-race-'));
  dirs.push(dir);
  graphEnv = graphEnvFor(emu, dir) as Record<string, string>;
  tableEnv = {
    TOGETHER_TOKEN_TABLE_CONNECTION_STRING: azurite.connectionString,
    TOGETHER_TOKEN_TABLE: 'racetokens',
    TOGETHER_TOKEN_KEY: randomBytes(32).toString('base64'),
  };
}, 120_000);
afterAll(async () => {
  await Promise.all([emu?.stop(), azurite?.stop()]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('concurrent refreshes of one connection', () => {
  it('in one worker, two concurrent refreshes (sweep + sample test) make one token request', async () => {
    const w = await worker();
    const adele = await connect(w, CONTOSO.users.inScope.userPrincipalName);
    const before = await tokenRequests();
    const counted = { sweep: 0, sample: 0 };
    const [sweep, sample] = await Promise.all([
      refreshConnection(w.ind, adele, () => counted.sweep++),
      refreshConnection(w.ind, { ...adele }, () => counted.sample++),
    ]);
    expect(await tokenRequests()).toBe(before + 1);
    // Each activity's own counter agrees with the emulator: the one that joined made no request.
    expect(counted).toEqual({ sweep: 1, sample: 0 });
    expect(sweep).toMatchObject({ ok: true });
    expect(sample === sweep).toBe(true); // the second caller joined the first one's refresh
    // Once settled, the next refresh is a new one.
    expect(await refreshConnection(w.ind, adele)).toMatchObject({ ok: true });
    expect(await tokenRequests()).toBe(before + 2);
  });

  it('across workers, a stale write loses to a newer one: the newer token set stays stored and is used', async () => {
    const a = await worker();
    // Worker B's cache writes wait until worker A has refreshed and stored its set.
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let bReachedWrite!: () => void;
    const bAtWrite = new Promise<void>((r) => (bReachedWrite = r));
    const bTried: string[] = [];
    const b = await worker(
      (s) =>
        new Proxy(s, {
          get(target, prop) {
            // Every cache write of B waits (conditional or not: the control without the condition must
            // fail on the assertion, not hang).
            if (prop === 'setCacheIf' || prop === 'setCache')
              return async (pk: string, value: string, ...rest: [string | undefined]) => {
                bTried.push(value);
                bReachedWrite();
                await gate;
                return prop === 'setCache'
                  ? target.setCache(pk, value)
                  : target.setCacheIf(pk, value, rest[0]);
              };
            const v = Reflect.get(target, prop, target) as unknown;
            return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
          },
        }),
    );
    const alex = await connect(a, CONTOSO.users.outsideScope.userPrincipalName);
    const before = await tokenRequests();

    const bRefresh = refreshConnection(b.ind, alex); // redeems the stored refresh token, then waits to store
    await bAtWrite;
    const aOutcome = await refreshConnection(a.ind, alex); // redeems the same one and stores first
    expect(aOutcome).toMatchObject({ ok: true });
    const storedByA = refreshSecret(await a.ind.store.getCache(alex.homeAccountId!));
    openGate();
    const bOutcome = await bRefresh;

    const triedByB = refreshSecret(bTried[0]!);
    expect(triedByB).not.toBe(storedByA); // rotation: B redeemed and got its own refresh token…
    expect(refreshSecret(await a.ind.store.getCache(alex.homeAccountId!))).toBe(storedByA); // …not stored
    // B uses the newer set's access token (read from the store); compared as a boolean so no token is printed.
    expect(bOutcome.ok && aOutcome.ok && bOutcome.accessToken === aOutcome.accessToken).toBe(true);
    expect(await tokenRequests()).toBe(before + 2); // re-reading cost no token request
  });
});
