/**
 * The shared notification idempotency store (issue 12 item 4) on Azurite's Table service — the real Table REST
 * protocol the production Azure Table speaks: two worker replicas, each with its own TableIdempotencyStore built
 * from the worker configuration (TOGETHER_NOTIFY_TABLE_CONNECTION_STRING), share one record and one lock per
 * notification, which a per-host file store cannot (the control case).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzuriteTable, type RunningAzurite } from '../../helpers/azurite';
import { createIdempotencyStore, loadGraphConfig } from '../../../activities';
import { LockBusyError, type IdempotencyStore } from '../../../activities/notify/store';
import { TableIdempotencyStore } from '../../../activities/notify/table-store';
import { expectExpiredClaimIsFenced } from '../../helpers/notify-claims';

const APP = 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619';
let azurite: RunningAzurite;
const dirs: string[] = [];
beforeAll(async () => {
  azurite = await startAzuriteTable();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** One replica's store, configured from its environment exactly as a worker is (own state directory). */
function replica(extra: Record<string, string>, staleLockMs?: number): IdempotencyStore {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-'));
  dirs.push(stateDir);
  const config = loadGraphConfig({
    TOGETHER_APP_ID: APP,
    TOGETHER_CLIENT_SECRET: 'not-used-here',
    TOGETHER_STATE_DIR: stateDir,
    ...extra,
  });
  return createIdempotencyStore(config, { staleLockMs });
}
const shared = (table: string) => ({
  TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: azurite.connectionString,
  TOGETHER_NOTIFY_TABLE: table,
});
const sentRecord = (key: string) => ({
  key,
  createdAt: '2026-11-30T10:00:00.000Z',
  channels: { email: { state: 'sent' as const, at: '2026-11-30T10:00:01.000Z' } },
});

describe('TableIdempotencyStore on Azurite, shared by two replicas', () => {
  it('the worker configuration picks the table store when the connection string is set', () => {
    expect(replica(shared('pick1'))).toBeInstanceOf(TableIdempotencyStore);
  });

  it("a second replica sees the first one's 'sent' record", async () => {
    const a = replica(shared('records1'));
    const b = replica(shared('records1'));
    const key = 'tenant-1:inc-1:incidentOpened';
    expect(await b.get(key)).toBeUndefined();
    await a.put(sentRecord(key));
    expect(await b.get(key)).toEqual(sentRecord(key));
  });

  it('control: two per-host file stores (separate state dirs) do not see each other', async () => {
    const a = replica({});
    const b = replica({});
    await a.put(sentRecord('tenant-1:inc-2:incidentOpened'));
    expect(await b.get('tenant-1:inc-2:incidentOpened')).toBeUndefined();
  });

  it('the lock is shared: busy for the other replica while held, free after release', async () => {
    const a = replica(shared('locks1'));
    const b = replica(shared('locks1'));
    const key = 'tenant-1:inc-3:incidentOpened';
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = a.withLock(key, async () => {
      entered();
      await held;
      return 'a';
    });
    await inside;
    await expect(b.withLock(key, async () => 'b')).rejects.toBeInstanceOf(LockBusyError);
    release();
    expect(await first).toBe('a');
    expect(await b.withLock(key, async () => 'b')).toBe('b');
  });

  it('a lock left by a killed holder is taken over once stale (after the activity timeout), by one taker only', async () => {
    const key = 'tenant-1:inc-4:incidentOpened';
    const dead = replica(shared('locks2'), 60_000);
    // The holder "dies" inside the lock: its promise never settles, the lock row stays.
    void dead.withLock(key, () => new Promise<never>(() => {}));
    await new Promise((r) => setTimeout(r, 300));
    await expect(replica(shared('locks2'), 60_000).withLock(key, async () => 1)).rejects.toBeInstanceOf(
      LockBusyError,
    );
    await new Promise((r) => setTimeout(r, 600));
    const [x, y] = await Promise.allSettled([
      replica(shared('locks2'), 500).withLock(key, () => new Promise((r) => setTimeout(() => r('x'), 300))),
      replica(shared('locks2'), 500).withLock(key, () => new Promise((r) => setTimeout(() => r('y'), 300))),
    ]);
    const won = [x, y].filter((s) => s.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect([x, y].find((s) => s.status === 'rejected')).toMatchObject({ reason: expect.any(LockBusyError) });
  });

  it("a worker whose claim expired cannot release the new holder's claim (nor overwrite its record)", async () => {
    await expectExpiredClaimIsFenced(
      () => replica(shared('locks3'), 300),
      () => replica(shared('locks3'), 60_000),
    );
  });
});
