/**
 * Production token store: one Azure Table (declared by the publisher stack, infra/appService.ts, reached with the
 * managed identity through Storage Table Data Contributor; TOGETHER_TOKEN_TABLE_URL) shared by every worker and
 * console replica. Entities:
 *   - PartitionKey `cache.<homeAccountId>`, RowKey `msal`: one user's sealed MSAL cache — one partition per
 *     user, the partitioning MSAL's distributed-cache guidance asks for;
 *   - PartitionKey `conn.<tenantId>`, RowKey `<connectionId>`: the sealed connection record, so a tenant's
 *     connections are one partition query (what the sweep pages through).
 * Values are sealed (AES-256-GCM) before they leave the process and split in 30,000-character chunks
 * (`d0`, `d1`, …): a Table string property holds at most 64 KiB (32K UTF-16 characters)
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 */
import { DefaultAzureCredential } from '@azure/identity';
import { odata, RestError, TableClient } from '@azure/data-tables';
import type { ConnectionRecord } from '../../contracts/individual';
import { ConfigError } from '../../contracts/errors';
import type { Sealer } from './seal';
import { cacheAad, connectionAad, type ConnectionPage, type TokenStore, type VersionedCache } from './store';

const CHUNK = 30_000;
type Chunked = Record<string, unknown> & { n?: number };

function toChunks(sealed: string): Chunked {
  const out: Chunked = { n: Math.ceil(sealed.length / CHUNK) || 1 };
  for (let i = 0; i * CHUNK < sealed.length || i === 0; i++)
    out[`d${i}`] = sealed.slice(i * CHUNK, (i + 1) * CHUNK);
  return out;
}
function fromChunks(e: Chunked): string {
  let s = '';
  for (let i = 0; i < (e.n ?? 1); i++) s += String(e[`d${i}`] ?? '');
  return s;
}
const isNotFound = (err: unknown): boolean => err instanceof RestError && err.statusCode === 404;
/** 412: the ETag no longer matches (If-Match); 409: a create found a row; 404: the row was deleted meanwhile. */
const isLostRace = (err: unknown): boolean =>
  err instanceof RestError && (err.statusCode === 412 || err.statusCode === 409 || err.statusCode === 404);

export class TableTokenStore implements TokenStore {
  constructor(
    private readonly client: TableClient,
    private readonly sealer: Sealer,
  ) {}

  /**
   * From TOGETHER_TOKEN_TABLE_URL (`https://<account>.table.core.windows.net/<table>`, Entra auth with the
   * managed identity via DefaultAzureCredential) or TOGETHER_TOKEN_TABLE_CONNECTION_STRING + TOGETHER_TOKEN_TABLE
   * (Azurite, development).
   */
  static fromEnv(env: NodeJS.ProcessEnv, sealer: Sealer): TableTokenStore {
    const cs = env.TOGETHER_TOKEN_TABLE_CONNECTION_STRING?.trim();
    if (cs) {
      const table = env.TOGETHER_TOKEN_TABLE?.trim() || 'togethertokens';
      return new TableTokenStore(
        TableClient.fromConnectionString(cs, table, {
          allowInsecureConnection: /^http:/i.test(cs) || /UseDevelopmentStorage|http:\/\//i.test(cs),
        }),
        sealer,
      );
    }
    const url = env.TOGETHER_TOKEN_TABLE_URL?.trim() ?? '';
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new ConfigError(
        `TOGETHER_TOKEN_TABLE_URL must be the table's URL, e.g. https://<account>.table.core.windows.net/togethertokens (got "${url}").`,
      );
    }
    const table = u.pathname.replace(/^\/+|\/+$/g, '');
    if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(table)) {
      throw new ConfigError(
        'TOGETHER_TOKEN_TABLE_URL must end with the table name (letters and digits, 3–63).',
      );
    }
    return new TableTokenStore(new TableClient(u.origin, table, new DefaultAzureCredential()), sealer);
  }

  /** Creates the table when missing (Azurite, tests); production's table comes from Pulumi. */
  async ensureTable(): Promise<void> {
    await this.client.createTable();
  }

  async getCache(pk: string): Promise<string> {
    try {
      const e = await this.client.getEntity<Chunked>(`cache.${pk}`, 'msal');
      return this.sealer.open(fromChunks(e), cacheAad(pk));
    } catch (err) {
      if (isNotFound(err)) return '';
      throw err;
    }
  }
  async setCache(pk: string, value: string): Promise<void> {
    // Replace, not merge: a smaller cache must not keep a stale trailing chunk.
    await this.client.upsertEntity(
      { partitionKey: `cache.${pk}`, rowKey: 'msal', ...toChunks(this.sealer.seal(value, cacheAad(pk))) },
      'Replace',
    );
  }
  /** The version is the entity's ETag. */
  async getCacheVersioned(pk: string): Promise<VersionedCache> {
    try {
      const e = await this.client.getEntity<Chunked>(`cache.${pk}`, 'msal');
      return { value: this.sealer.open(fromChunks(e), cacheAad(pk)), version: e.etag };
    } catch (err) {
      if (isNotFound(err)) return { value: '' };
      throw err;
    }
  }
  /**
   * ETag-conditional Update Entity (If-Match; 412 Precondition Failed when another writer changed the row,
   * https://learn.microsoft.com/rest/api/storageservices/update-entity2), or Insert Entity (409 when a row
   * appeared) when there was none.
   */
  async setCacheIf(pk: string, value: string, expected: string | undefined): Promise<string | undefined> {
    const entity = {
      partitionKey: `cache.${pk}`,
      rowKey: 'msal',
      ...toChunks(this.sealer.seal(value, cacheAad(pk))),
    };
    try {
      const res = expected
        ? await this.client.updateEntity(entity, 'Replace', { etag: expected })
        : await this.client.createEntity(entity);
      if (!res.etag) throw new Error('the table service returned no ETag for the token cache row');
      return res.etag;
    } catch (err) {
      if (isLostRace(err)) return undefined;
      throw err;
    }
  }
  async deleteCache(pk: string): Promise<void> {
    try {
      await this.client.deleteEntity(`cache.${pk}`, 'msal');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  async getConnection(tenantId: string, id: string): Promise<ConnectionRecord | undefined> {
    try {
      const e = await this.client.getEntity<Chunked>(`conn.${tenantId.toLowerCase()}`, id);
      return JSON.parse(this.sealer.open(fromChunks(e), connectionAad(tenantId, id))) as ConnectionRecord;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
  async putConnection(r: ConnectionRecord): Promise<void> {
    const sealed = this.sealer.seal(JSON.stringify(r), connectionAad(r.tenantId, r.connectionId));
    await this.client.upsertEntity(
      { partitionKey: `conn.${r.tenantId.toLowerCase()}`, rowKey: r.connectionId, ...toChunks(sealed) },
      'Replace',
    );
  }
  async updateConnection(r: ConnectionRecord): Promise<boolean> {
    const sealed = this.sealer.seal(JSON.stringify(r), connectionAad(r.tenantId, r.connectionId));
    try {
      // Update (not upsert) with no ETag sends If-Match: *, which the Table service answers 404 ResourceNotFound
      // for a deleted entity (https://learn.microsoft.com/rest/api/storageservices/update-entity2).
      await this.client.updateEntity(
        { partitionKey: `conn.${r.tenantId.toLowerCase()}`, rowKey: r.connectionId, ...toChunks(sealed) },
        'Replace',
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
  async deleteConnection(tenantId: string, id: string): Promise<void> {
    try {
      await this.client.deleteEntity(`conn.${tenantId.toLowerCase()}`, id);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  async listConnections(
    tenantId: string,
    opts: { cursor?: string; limit?: number } = {},
  ): Promise<ConnectionPage> {
    const pages = this.client
      .listEntities<Chunked>({
        queryOptions: { filter: odata`PartitionKey eq ${`conn.${tenantId.toLowerCase()}`}` },
      })
      .byPage({ maxPageSize: opts.limit ?? 200, ...(opts.cursor ? { continuationToken: opts.cursor } : {}) });
    const next = await pages.next();
    const page = next.value as
      ((Chunked & { rowKey?: string })[] & { continuationToken?: string }) | undefined;
    if (!page) return { records: [] };
    const records = page.map(
      (e) =>
        JSON.parse(this.sealer.open(fromChunks(e), connectionAad(tenantId, e.rowKey!))) as ConnectionRecord,
    );
    return { records, ...(page.continuationToken ? { nextCursor: page.continuationToken } : {}) };
  }
}
