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
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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

export class FileIdempotencyStore implements IdempotencyStore {
  readonly dir: string;
  private readonly local = new Map<string, Promise<unknown>>();

  constructor(
    stateDir: string,
    private readonly staleLockMs = 120_000,
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
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(record.key, 'json');
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(record));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, target);
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
      let fh: fs.promises.FileHandle | undefined;
      try {
        fh = await fs.promises.open(lock, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = await fs.promises.stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs < this.staleLockMs)
          throw new LockBusyError(
            `notification ${keyFile(key).slice(0, 12)} is being sent by another attempt`,
          );
        await fs.promises.rm(lock, { force: true });
        fh = await fs.promises.open(lock, 'wx', 0o600);
      }
      await fh.close();
      try {
        return await fn();
      } finally {
        await fs.promises.rm(lock, { force: true });
      }
    } finally {
      release();
      if (this.local.get(key) === chained) this.local.delete(key);
    }
  }
}

/** In-memory store (tests, or the CLI's one-shot mode). Not durable. */
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
