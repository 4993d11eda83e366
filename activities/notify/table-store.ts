/**
 * IdempotencyStore on Azure Table Storage (@azure/data-tables): one store shared by every worker replica,
 * wherever they run (the file store is shared only by processes on one host). Azurite serves the same API
 * locally. Records are rows keyed by the SHA-256 of the notification key (partition "notifications"); the lock
 * is a row created with createEntity, which fails with 409 when another attempt holds it, and is taken over
 * when older than `staleLockMs` (a crashed holder) with an ETag-conditional update so two takers cannot both win.
 *
 * A claim is fenced by its ETag: the lock row records a random holder id, and every later operation of the
 * holder on it is conditional on the ETag its own write returned (If-Match; the service answers 412 Precondition
 * Failed when the row changed since — https://learn.microsoft.com/rest/api/storageservices/delete-entity1,
 * .../update-entity2). So a slow attempt whose claim went stale and was taken over cannot release the new
 * holder's claim (its conditional delete gets 412 and leaves the row alone), and its next `put` — which renews
 * the claim with a conditional update first — fails with LockBusyError instead of overwriting the new holder's
 * record (a retryable failure: the next attempt reads the record the new holder wrote).
 * API: learn.microsoft.com/javascript/api/@azure/data-tables/tableclient (createEntity, getEntity,
 * upsertEntity, updateEntity with etag, deleteEntity with etag).
 *
 * Draft-then-send (mailbox-once.ts) remains the guard against the crash window between Graph accepting a mail
 * and this store recording it; the shared store makes every other case (retries, replicas) cheap and exact, and
 * is the only cross-replica record the webhook has (a webhook cannot be looked up afterwards the way a sent item
 * can: a kill between the receiver's 2xx and the `sent` record resends it, with the same Idempotency-Key).
 */
import { randomUUID } from 'node:crypto';
import { TableClient, type TableEntityResult } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import type { GraphConfig } from '../config';
import type { Logger } from '../runtime';
import { keyFile, LockBusyError, type IdempotencyStore, type NotificationRecord } from './store';

const PARTITION = 'notifications';
const LOCKS = 'locks';

interface RecordEntity {
  partitionKey: string;
  rowKey: string;
  record: string;
}

interface LockEntity {
  partitionKey: string;
  rowKey: string;
  takenAt: number;
  /** Random per claim: who holds it (diagnostics; the ETag is what fences). */
  holder?: string;
}

/** The claim this process holds on one lock row: the ETag of its own last write. */
interface Claim {
  holder: string;
  etag: string;
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

export class TableIdempotencyStore implements IdempotencyStore {
  private ready: Promise<void> | undefined;
  /** Claims held by this store's withLock calls, by row key (one per key: a second attempt gets 409 → busy). */
  private readonly claims = new Map<string, Claim>();

  /**
   * `staleLockMs` defaults to notifyOwner's start-to-close timeout (2 minutes, workflows/*.ts): Temporal does not
   * retry a killed attempt before that timeout, so by then its lock is stale and the retry takes it over.
   * `createTable`: Azurite/tests only — production's table is declared by the publisher stack
   * (infra/appService.ts) and the managed identity needs no right to create tables.
   */
  constructor(
    private readonly table: TableClient,
    private readonly staleLockMs = 120_000,
    private readonly createTable = true,
    private readonly logger?: Logger,
  ) {}

  /** From a connection string (Azurite: `UseDevelopmentStorage=true`) and a table name. */
  static fromConnectionString(
    connectionString: string,
    tableName = 'togethernotifications',
    staleLockMs?: number,
    logger?: Logger,
  ): TableIdempotencyStore {
    return new TableIdempotencyStore(
      TableClient.fromConnectionString(connectionString, tableName, {
        allowInsecureConnection: /UseDevelopmentStorage=true|127\.0\.0\.1|localhost/.test(connectionString),
      }),
      staleLockMs,
      true,
      logger,
    );
  }

  /**
   * From the worker configuration (TOGETHER_NOTIFY_TABLE_URL with Entra auth through DefaultAzureCredential — the
   * managed identity, role Storage Table Data Contributor — or TOGETHER_NOTIFY_TABLE_CONNECTION_STRING +
   * TOGETHER_NOTIFY_TABLE for Azurite); undefined when neither is configured.
   */
  static fromConfig(
    table: GraphConfig['notifyTable'],
    staleLockMs?: number,
    logger?: Logger,
  ): TableIdempotencyStore | undefined {
    if (table?.connectionString)
      return this.fromConnectionString(table.connectionString, table.table, staleLockMs, logger);
    if (!table?.url) return undefined;
    const u = new URL(table.url);
    const name = u.pathname.replace(/^\/+|\/+$/g, '');
    return new TableIdempotencyStore(
      new TableClient(u.origin, name, new DefaultAzureCredential()),
      staleLockMs,
      false,
      logger,
    );
  }

  private ensureTable(): Promise<void> {
    if (!this.createTable) return Promise.resolve();
    this.ready ??= this.table.createTable().catch((err: unknown) => {
      this.ready = undefined;
      if (statusOf(err) !== 409) throw err;
    });
    return this.ready;
  }

  async get(key: string): Promise<NotificationRecord | undefined> {
    await this.ensureTable();
    try {
      const e: TableEntityResult<RecordEntity> = await this.table.getEntity<RecordEntity>(
        PARTITION,
        keyFile(key),
      );
      const rec = JSON.parse(e.record) as NotificationRecord;
      return rec.key === key ? rec : undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async put(record: NotificationRecord): Promise<void> {
    await this.ensureTable();
    const rowKey = keyFile(record.key);
    const claim = this.claims.get(rowKey);
    // Inside withLock: renew the claim (ETag-conditional) before writing, so an attempt that lost its claim
    // stops here instead of overwriting what the new holder recorded.
    if (claim) await this.renew(rowKey, claim);
    await this.table.upsertEntity<RecordEntity>(
      { partitionKey: PARTITION, rowKey, record: JSON.stringify(record) },
      'Replace',
    );
  }

  private async renew(rowKey: string, claim: Claim): Promise<void> {
    const lock: LockEntity = { partitionKey: LOCKS, rowKey, takenAt: Date.now(), holder: claim.holder };
    try {
      const res = await this.table.updateEntity(lock, 'Replace', { etag: claim.etag });
      if (res.etag) claim.etag = res.etag;
    } catch (err) {
      const status = statusOf(err);
      if (status !== 412 && status !== 404) throw err;
      this.claims.delete(rowKey);
      this.logger?.warn(
        { lock: rowKey.slice(0, 12), status },
        'notification claim expired and was taken over by another attempt; this attempt stops',
      );
      throw new LockBusyError(
        `notification ${rowKey.slice(0, 12)}: this attempt's claim expired and another attempt holds it now`,
      );
    }
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureTable();
    const rowKey = keyFile(key);
    const busy = () =>
      new LockBusyError(`notification ${rowKey.slice(0, 12)} is being sent by another attempt`);
    if (this.claims.has(rowKey)) throw busy();
    const holder = randomUUID();
    const lock: LockEntity = { partitionKey: LOCKS, rowKey, takenAt: Date.now(), holder };
    let etag: string | undefined;
    try {
      etag = (await this.table.createEntity(lock)).etag;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const held = await this.table.getEntity<LockEntity>(LOCKS, rowKey).catch(() => undefined);
      if (held && Date.now() - held.takenAt < this.staleLockMs) throw busy();
      // Take over a stale lock only if nobody else did meanwhile (ETag match), else it is busy.
      try {
        etag = held
          ? (await this.table.updateEntity(lock, 'Replace', { etag: held.etag })).etag
          : (await this.table.createEntity(lock)).etag;
      } catch {
        throw busy();
      }
    }
    if (!etag) throw new Error('the table service returned no ETag for the notification lock row');
    const claim: Claim = { holder, etag };
    this.claims.set(rowKey, claim);
    try {
      return await fn();
    } finally {
      if (this.claims.get(rowKey) === claim) this.claims.delete(rowKey);
      await this.release(rowKey, claim);
    }
  }

  /** Deletes the lock row only if it is still this claim's (If-Match: its ETag); 412/404: someone else's now. */
  private async release(rowKey: string, claim: Claim): Promise<void> {
    try {
      await this.table.deleteEntity(LOCKS, rowKey, { etag: claim.etag });
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 404) {
        this.logger?.warn(
          { lock: rowKey.slice(0, 12), status },
          'notification claim expired and was taken over by another attempt; its lock is left to the new holder',
        );
        return;
      }
      // Any other failure leaves the row to expire (staleLockMs); the attempt's own outcome stands.
      this.logger?.warn(
        { lock: rowKey.slice(0, 12), status },
        'could not release the notification lock; it expires after the stale-lock timeout',
      );
    }
  }
}
