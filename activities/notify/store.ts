/**
 * Durable idempotency records for notifications, one file per key under `<stateDir>/notifications/` — the
 * default when no shared table is configured (TOGETHER_NOTIFY_TABLE_URL → table-store.ts, shared by every
 * replica; store-factory.ts picks). Per-channel states let a retry after "email sent, webhook failed" send only
 * the webhook. A record written with an atomic rename survives a worker restart, but only processes on this host
 * see it.
 *
 * The window this record cannot close — the worker dies after Graph accepted the mail and before the record says
 * `sent` — is closed for email by draft-then-send (mailbox-once.ts, the default TOGETHER_MAIL_DEDUP=mailbox: the
 * sender mailbox remembers what was sent). With TOGETHER_MAIL_DEDUP=store it resolves towards sending again (an
 * owner may get a duplicate, never nothing); the webhook always does (at least once). Duplicates carry the same
 * `X-Together-Idempotency-Key` mail header / `Idempotency-Key` webhook header, so receivers can drop them.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../runtime';

export type Channel = 'email' | 'webhook';

export interface ChannelState {
  state: 'pending' | 'sent';
  at: string;
}

export interface NotificationRecord {
  key: string;
  createdAt: string;
  channels: Partial<Record<Channel, ChannelState>>;
}

export interface IdempotencyStore {
  get(key: string): Promise<NotificationRecord | undefined>;
  put(record: NotificationRecord): Promise<void>;
  /** Exclusive section for one key across attempts (and processes sharing the directory). */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export class LockBusyError extends Error {
  override name = 'LockBusyError';
}

export function keyFile(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The lock is a file created with O_EXCL holding a random holder id per claim. The holder id fences the claim:
 * release deletes the file only while it still names this claim's holder, and a `put` inside the lock first
 * checks (and renews, by touching the file) the claim — so an attempt whose claim went stale and was taken over
 * neither removes the new holder's lock nor overwrites its record (it fails with LockBusyError, retryable). A
 * stale lock is taken over by renaming it aside first, so of two takers only one wins.
 */
export class FileIdempotencyStore implements IdempotencyStore {
  readonly dir: string;
  private readonly local = new Map<string, Promise<unknown>>();
  /** Holder id of each lock this store holds, by key. */
  private readonly claims = new Map<string, string>();

  constructor(
    stateDir: string,
    private readonly staleLockMs = 120_000,
    private readonly logger?: Logger,
  ) {
    this.dir = path.resolve(stateDir, 'notifications');
  }

  private file(key: string, ext: string): string {
    return path.join(this.dir, `${keyFile(key)}.${ext}`);
  }

  async get(key: string): Promise<NotificationRecord | undefined> {
    try {
      const rec = JSON.parse(
        await fs.promises.readFile(this.file(key, 'json'), 'utf8'),
      ) as NotificationRecord;
      return rec.key === key ? rec : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(record: NotificationRecord): Promise<void> {
    const holder = this.claims.get(record.key);
    if (holder !== undefined) await this.renew(record.key, holder);
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(record.key, 'json');
    const tmp = `${target}.${process.pid}.${randomUUID()}.tmp`;
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(record));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, target);
  }

  /** The lock file's holder id, or undefined when there is none (or it is unreadable: a torn write). */
  private async holderOf(lock: string): Promise<string | undefined> {
    const text = await fs.promises.readFile(lock, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return (JSON.parse(text) as { holder?: string }).holder ?? '';
    } catch {
      return '';
    }
  }

  private async renew(key: string, holder: string): Promise<void> {
    const lock = this.file(key, 'lock');
    if ((await this.holderOf(lock)) !== holder) {
      this.claims.delete(key);
      this.logger?.warn(
        { lock: keyFile(key).slice(0, 12) },
        'notification claim expired and was taken over by another attempt; this attempt stops',
      );
      throw new LockBusyError(
        `notification ${keyFile(key).slice(0, 12)}: this attempt's claim expired and another attempt holds it now`,
      );
    }
    const now = new Date();
    await fs.promises.utimes(lock, now, now).catch(() => undefined);
  }

  private async create(lock: string, holder: string): Promise<boolean> {
    try {
      const fh = await fs.promises.open(lock, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify({ holder, takenAt: Date.now() }));
      } finally {
        await fh.close();
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // In-process serialisation first (two activities with the same key on one worker)…
    const prev = this.local.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    this.local.set(key, chained);
    await prev;
    try {
      // …then across processes: an O_EXCL lock file; a stale one (crashed holder) is taken over.
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const lock = this.file(key, 'lock');
      const holder = randomUUID();
      const busy = () =>
        new LockBusyError(`notification ${keyFile(key).slice(0, 12)} is being sent by another attempt`);
      if (!(await this.create(lock, holder))) {
        const st = await fs.promises.stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs < this.staleLockMs) throw busy();
        await this.takeOver(lock, st ? await this.holderOf(lock) : undefined, holder, busy);
      }
      this.claims.set(key, holder);
      try {
        return await fn();
      } finally {
        if (this.claims.get(key) === holder) this.claims.delete(key);
        await this.releaseLock(key, lock, holder);
      }
    } finally {
      release();
      if (this.local.get(key) === chained) this.local.delete(key);
    }
  }

  /**
   * Moves the stale lock aside (rename is atomic: of two takers one moves it), checks it was the stale one seen
   * — not a fresh lock another taker created meanwhile, which is put back — and creates our own.
   */
  private async takeOver(
    lock: string,
    staleHolder: string | undefined,
    holder: string,
    busy: () => LockBusyError,
  ): Promise<void> {
    if (staleHolder !== undefined) {
      const aside = `${lock}.${randomUUID()}.stale`;
      try {
        await fs.promises.rename(lock, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const moved = await this.holderOf(aside);
      const st = await fs.promises.stat(aside).catch(() => undefined);
      const fresh = st !== undefined && Date.now() - st.mtimeMs < this.staleLockMs;
      if (moved !== undefined && (moved !== staleHolder || fresh)) {
        await fs.promises.link(aside, lock).catch(() => undefined);
        await fs.promises.rm(aside, { force: true });
        throw busy();
      }
      await fs.promises.rm(aside, { force: true });
    }
    if (!(await this.create(lock, holder))) throw busy();
  }

  /** Removes the lock only while it still names this claim's holder; otherwise it is someone else's now. */
  private async releaseLock(key: string, lock: string, holder: string): Promise<void> {
    const current = await this.holderOf(lock);
    if (current === holder) {
      await fs.promises.rm(lock, { force: true });
      return;
    }
    this.logger?.warn(
      { lock: keyFile(key).slice(0, 12), taken: current !== undefined },
      'notification claim expired and was taken over by another attempt; its lock is left to the new holder',
    );
  }
}

/**
 * In-memory store (tests, or the CLI's one-shot mode). Not durable. Its lock is a promise chain per key with no
 * expiry (nothing is taken over), so a holder can only ever release its own claim.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, NotificationRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();
  async get(key: string) {
    const r = this.records.get(key);
    return r ? (structuredClone(r) as NotificationRecord) : undefined;
  }
  async put(record: NotificationRecord) {
    this.records.set(record.key, structuredClone(record));
  }
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.locks.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  }
}
