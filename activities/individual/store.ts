/**
 * Where individual mode keeps its state: the MSAL token cache, one partition per user (key: the MSAL home
 * account id), and the connection records (metadata: who, status, why broken — never a token). Both are sealed
 * (AES-256-GCM, ./seal.ts) before they leave the process, so the disk or the storage account only ever holds
 * ciphertext.
 *
 * Two implementations behind one interface: `FileTokenStore` (the embedded default, under TOGETHER_STATE_DIR)
 * and `TableTokenStore` (production: Azure Table Storage, shared by every worker and console replica; see
 * ./table-store.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionRecord } from '../../contracts/individual';
import type { Sealer } from './seal';

export interface ConnectionPage {
  records: ConnectionRecord[];
  nextCursor?: string;
}

/** A cache partition with the version it was read at (an ETag; undefined: there is none). */
export interface VersionedCache {
  value: string;
  version?: string;
}

export interface TokenStore {
  /** The sealed-then-opened MSAL cache JSON of one partition; '' when there is none (what MSAL expects). */
  getCache(partitionKey: string): Promise<string>;
  setCache(partitionKey: string, value: string): Promise<void>;
  /** Like getCache, with the version to pass to setCacheIf. */
  getCacheVersioned(partitionKey: string): Promise<VersionedCache>;
  /**
   * Optimistic concurrency for token refreshes: writes only when the stored version is still `expected`
   * (undefined: only when there is no cache — a disconnected user is not brought back). Returns the new
   * version, or undefined when another writer got there first (the caller re-reads: theirs is the newer set).
   */
  setCacheIf(partitionKey: string, value: string, expected: string | undefined): Promise<string | undefined>;
  deleteCache(partitionKey: string): Promise<void>;
  getConnection(tenantId: string, connectionId: string): Promise<ConnectionRecord | undefined>;
  putConnection(record: ConnectionRecord): Promise<void>;
  /**
   * Replace a connection's record only while it exists; false when it is gone. A sweep's result is written this
   * way, so a user who disconnects while the sweep refreshes them is not written back (as broken: their tokens
   * were deleted with the connection).
   */
  updateConnection(record: ConnectionRecord): Promise<boolean>;
  deleteConnection(tenantId: string, connectionId: string): Promise<void>;
  /** One page of a tenant's connections in a stable order. */
  listConnections(tenantId: string, opts?: { cursor?: string; limit?: number }): Promise<ConnectionPage>;
}

export const cacheAad = (partitionKey: string): string => `cache:${partitionKey}`;
export const connectionAad = (tenantId: string, connectionId: string): string =>
  `conn:${tenantId.toLowerCase()}:${connectionId}`;

/** Every record of a tenant, page by page (the summary and the tests; the sweep pages itself). */
export async function allConnections(store: TokenStore, tenantId: string): Promise<ConnectionRecord[]> {
  const out: ConnectionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listConnections(tenantId, { ...(cursor ? { cursor } : {}), limit: 500 });
    out.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const hashName = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 40);

/**
 * Files under `<dir>/cache/<hash>.sealed` and `<dir>/connections/<tenant hash>/<hash>.sealed`, written
 * atomically (temp file + rename) with mode 0600. For one host (the embedded default); replicas on several
 * hosts share the Table store instead.
 */
export class FileTokenStore implements TokenStore {
  constructor(
    private readonly dir: string,
    private readonly sealer: Sealer,
  ) {}

  private cachePath(pk: string): string {
    return path.join(this.dir, 'cache', `${hashName(pk)}.sealed`);
  }
  private tenantDir(tenantId: string): string {
    return path.join(this.dir, 'connections', hashName(tenantId.toLowerCase()));
  }
  private connPath(tenantId: string, id: string): string {
    return path.join(this.tenantDir(tenantId), `${hashName(id)}.sealed`);
  }
  private async write(file: string, content: string): Promise<void> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await fs.promises.writeFile(tmp, content, { mode: 0o600 });
    await fs.promises.rename(tmp, file);
  }
  private async read(file: string): Promise<string | undefined> {
    try {
      return await fs.promises.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  private async remove(file: string): Promise<void> {
    await fs.promises.rm(file, { force: true });
  }

  async getCache(pk: string): Promise<string> {
    const sealed = await this.read(this.cachePath(pk));
    return sealed ? this.sealer.open(sealed, cacheAad(pk)) : '';
  }
  async setCache(pk: string, value: string): Promise<void> {
    await this.write(this.cachePath(pk), this.sealer.seal(value, cacheAad(pk)));
  }
  async deleteCache(pk: string): Promise<void> {
    await this.remove(this.cachePath(pk));
  }
  /** The version of a cache file is the hash of its sealed content (sealing is randomised: every write differs). */
  async getCacheVersioned(pk: string): Promise<VersionedCache> {
    const sealed = await this.read(this.cachePath(pk));
    if (!sealed) return { value: '' };
    return { value: this.sealer.open(sealed, cacheAad(pk)), version: hashName(sealed) };
  }
  async setCacheIf(pk: string, value: string, expected: string | undefined): Promise<string | undefined> {
    const file = this.cachePath(pk);
    const sealed = this.sealer.seal(value, cacheAad(pk));
    return this.exclusive(file, async () => {
      const current = await this.read(file);
      if ((current ? hashName(current) : undefined) !== expected) return undefined;
      await this.write(file, sealed);
      return hashName(sealed);
    });
  }
  /**
   * Compare-then-rename under an O_EXCL lock file, so processes on this host (worker, console) cannot interleave
   * between the version check and the write. A lock older than 10 s is a crashed writer's and is removed.
   */
  private async exclusive<T>(file: string, fn: () => Promise<T>): Promise<T> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const lock = `${file}.lock`;
    for (let attempt = 0; ; attempt++) {
      try {
        await (await fs.promises.open(lock, 'wx', 0o600)).close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = await fs.promises.stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > 10_000) await fs.promises.rm(lock, { force: true });
        if (attempt > 200)
          throw new Error(
            `the token cache file is locked by another process (${lock}); if no worker or console runs, delete the .lock file`,
            { cause: err },
          );
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
      }
    }
    try {
      return await fn();
    } finally {
      await fs.promises.rm(lock, { force: true });
    }
  }
  async getConnection(tenantId: string, id: string): Promise<ConnectionRecord | undefined> {
    const text = await this.read(this.connPath(tenantId, id));
    return text ? this.openConnection(tenantId, text) : undefined;
  }
  /** A connection file is `{ connectionId, sealed }`: the id (an object id, not a secret) names the AAD. */
  private openConnection(tenantId: string, text: string): ConnectionRecord {
    const env = JSON.parse(text) as { connectionId: string; sealed: string };
    return JSON.parse(
      this.sealer.open(env.sealed, connectionAad(tenantId, env.connectionId)),
    ) as ConnectionRecord;
  }
  async putConnection(r: ConnectionRecord): Promise<void> {
    await this.write(
      this.connPath(r.tenantId, r.connectionId),
      JSON.stringify({
        connectionId: r.connectionId,
        sealed: this.sealer.seal(JSON.stringify(r), connectionAad(r.tenantId, r.connectionId)),
      }),
    );
  }
  async updateConnection(r: ConnectionRecord): Promise<boolean> {
    const file = this.connPath(r.tenantId, r.connectionId);
    return this.exclusive(file, async () => {
      if ((await this.read(file)) === undefined) return false;
      await this.putConnection(r);
      return true;
    });
  }
  async deleteConnection(tenantId: string, id: string): Promise<void> {
    // Under the record's lock: a concurrent updateConnection either wrote before this delete or sees it gone.
    const file = this.connPath(tenantId, id);
    await this.exclusive(file, () => this.remove(file));
  }
  async listConnections(
    tenantId: string,
    opts: { cursor?: string; limit?: number } = {},
  ): Promise<ConnectionPage> {
    const limit = opts.limit ?? 200;
    let names: string[];
    try {
      names = (await fs.promises.readdir(this.tenantDir(tenantId)))
        .filter((n) => n.endsWith('.sealed'))
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [] };
      throw err;
    }
    const start = opts.cursor ? names.findIndex((n) => n > opts.cursor!) : 0;
    const slice = start < 0 ? [] : names.slice(start, start + limit);
    const records: ConnectionRecord[] = [];
    for (const name of slice) {
      const text = await this.read(path.join(this.tenantDir(tenantId), name));
      if (text) records.push(this.openConnection(tenantId, text));
    }
    const last = slice[slice.length - 1];
    return { records, ...(start >= 0 && start + limit < names.length && last ? { nextCursor: last } : {}) };
  }
}
