/**
 * FileIdempotencyStore's lock across processes on one host (two store instances over one directory stand for two
 * worker processes): exclusive while held, taken over when stale, and fenced by its holder id.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectExpiredClaimIsFenced } from '../../test/helpers/notify-claims';
import { FileIdempotencyStore, LockBusyError } from './store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-locks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('FileIdempotencyStore lock (processes sharing one state directory)', () => {
  it('is busy for another process while held, free after release', async () => {
    const a = new FileIdempotencyStore(dir);
    const b = new FileIdempotencyStore(dir);
    const key = 'tenant-1:inc-1:incidentOpened';
    const inner = await a.withLock(key, () => b.withLock(key, async () => 'b').catch((e: unknown) => e));
    expect(inner).toBeInstanceOf(LockBusyError);
    expect(await b.withLock(key, async () => 'b')).toBe('b');
  });

  it("a worker whose claim expired cannot release the new holder's claim (nor overwrite its record)", async () => {
    await expectExpiredClaimIsFenced(
      () => new FileIdempotencyStore(dir, 300),
      () => new FileIdempotencyStore(dir, 60_000),
    );
  });

  it('of two processes taking over one stale lock, one wins', async () => {
    const key = 'tenant-1:inc-2:incidentOpened';
    void new FileIdempotencyStore(dir, 60_000).withLock(key, () => new Promise<never>(() => {}));
    await new Promise((r) => setTimeout(r, 400));
    const slowFn = (v: string) => () => new Promise<string>((r) => setTimeout(() => r(v), 300));
    const results = await Promise.allSettled([
      new FileIdempotencyStore(dir, 200).withLock(key, slowFn('x')),
      new FileIdempotencyStore(dir, 200).withLock(key, slowFn('y')),
    ]);
    expect(results.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
  });
});
