/**
 * IdempotencyStore on Azure Table Storage (@azure/data-tables): one store shared by every worker replica,
 * wherever they run (the file store is shared only by processes on one host). Azurite serves the same API
 * locally. Records are rows keyed by the SHA-256 of the notification key (partition "notifications"); the lock
 * is a row created with createEntity, which fails with 409 when another attempt holds it, and is taken over
 * when older than `staleLockMs` (a crashed holder) with an ETag-conditional update so two takers cannot both win.
 * API: learn.microsoft.com/javascript/api/@azure/data-tables/tableclient (createEntity, getEntity,
 * upsertEntity, updateEntity with etag, deleteEntity).
 *
 * Draft-then-send (mailbox-once.ts) remains the guard against the crash window between Graph accepting a mail
 * and this store recording it; the shared store makes every other case (retries, replicas) cheap and exact, and
 * is the only cross-replica record the webhook has (a webhook cannot be looked up afterwards the way a sent item
 * can: a kill between the receiver's 2xx and the `sent` record resends it, with the same Idempotency-Key).
 */
import { TableClient, type TableEntityResult } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import type { GraphConfig } from '../config';
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
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

export class TableIdempotencyStore implements IdempotencyStore {
  private ready: Promise<void> | undefined;

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
  ) {}

  /** From a connection string (Azurite: `UseDevelopmentStorage=true`) and a table name. */
  static fromConnectionString(
    connectionString: string,
    tableName = 'togethernotifications',
    staleLockMs?: number,
  ): TableIdempotencyStore {
    return new TableIdempotencyStore(
      TableClient.fromConnectionString(connectionString, tableName, {
        allowInsecureConnection: /UseDevelopmentStorage=true|127\.0\.0\.1|localhost/.test(connectionString),
      }),
      staleLockMs,
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
  ): TableIdempotencyStore | undefined {
    if (table?.connectionString)
      return this.fromConnectionString(table.connectionString, table.table, staleLockMs);
    if (!table?.url) return undefined;
    const u = new URL(table.url);
    const name = u.pathname.replace(/^\/+|\/+$/g, '');
    return new TableIdempotencyStore(
      new TableClient(u.origin, name, new DefaultAzureCredential()),
      staleLockMs,
      false,
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
    await this.table.upsertEntity<RecordEntity>(
      { partitionKey: PARTITION, rowKey: keyFile(record.key), record: JSON.stringify(record) },
      'Replace',
    );
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.ensureTable();
    const rowKey = keyFile(key);
    const lock: LockEntity = { partitionKey: LOCKS, rowKey, takenAt: Date.now() };
    try {
      await this.table.createEntity(lock);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const held = await this.table.getEntity<LockEntity>(LOCKS, rowKey).catch(() => undefined);
      if (held && Date.now() - held.takenAt < this.staleLockMs) {
        throw new LockBusyError(`notification ${rowKey.slice(0, 12)} is being sent by another attempt`);
      }
      // Take over a stale lock only if nobody else did meanwhile (ETag match), else it is busy.
      try {
        if (held) await this.table.updateEntity(lock, 'Replace', { etag: held.etag });
        else await this.table.createEntity(lock);
      } catch {
        throw new LockBusyError(`notification ${rowKey.slice(0, 12)} is being sent by another attempt`);
      }
    }
    try {
      return await fn();
    } finally {
      await this.table.deleteEntity(LOCKS, rowKey).catch(() => undefined);
    }
  }
}
