/**
 * Shared by the notification store tests (Azure Table on Azurite, per-host files): the claim of an attempt that
 * outlived `staleLockMs` is fenced once another attempt takes it over.
 */
import { expect } from 'vitest';
import { LockBusyError, type IdempotencyStore } from '../../activities/notify/store';

const sentRecord = (key: string) => ({
  key,
  createdAt: '2026-11-30T10:00:00.000Z',
  channels: { email: { state: 'sent' as const, at: '2026-11-30T10:00:01.000Z' } },
});

/**
 * The slow attempt holds the claim past `staleLockMs`; a second attempt takes it over. The slow attempt's `put`
 * then fails (LockBusyError) and its release leaves the new holder's lock alone: a third attempt is still busy
 * while the new holder works, and the new holder's record stands.
 */
export async function expectExpiredClaimIsFenced(
  shortLived: () => IdempotencyStore,
  patient: () => IdempotencyStore,
): Promise<void> {
  const key = `tenant-1:inc-fence-${Math.random()}:incidentOpened`;
  const slow = shortLived();
  const next = shortLived();
  let takenOver!: () => void;
  const overtaken = new Promise<void>((r) => (takenOver = r));
  let slowPut: unknown;
  const slowRun = slow.withLock(key, async () => {
    await overtaken;
    slowPut = await slow.put(sentRecord(key)).then(
      () => 'written',
      (err: unknown) => err,
    );
    return 'slow';
  });
  await new Promise((r) => setTimeout(r, 700)); // the slow claim is now stale for `next`
  const newRecord = { ...sentRecord(key), createdAt: '2026-11-30T11:00:00.000Z' };
  const third = await next.withLock(key, async () => {
    await next.put(newRecord);
    takenOver();
    expect(await slowRun).toBe('slow'); // released (or tried to) while the new holder still works
    expect(slowPut).toBeInstanceOf(LockBusyError);
    return patient()
      .withLock(key, async () => 'third got in')
      .catch((err: unknown) => err);
  });
  expect(third).toBeInstanceOf(LockBusyError);
  expect(await patient().get(key)).toEqual(newRecord);
  // Released by its real holder, the lock is free again.
  expect(await patient().withLock(key, async () => 'free')).toBe('free');
}
