/**
 * Which IdempotencyStore a worker uses: the shared Azure Table when configured (TOGETHER_NOTIFY_TABLE_URL in
 * production, TOGETHER_NOTIFY_TABLE_CONNECTION_STRING for Azurite) — one record and one lock per notification for
 * every replica — else files under the state directory (one host only).
 */
import type { GraphConfig } from '../config';
import { registerSecret } from '../graph/errors';
import type { Logger } from '../runtime';
import { FileIdempotencyStore, type IdempotencyStore } from './store';
import { TableIdempotencyStore } from './table-store';

export function createIdempotencyStore(
  config: Pick<GraphConfig, 'notifyTable' | 'stateDir'>,
  opts: { staleLockMs?: number; logger?: Logger } = {},
): IdempotencyStore {
  const key = /AccountKey=([^;]+)/i.exec(config.notifyTable?.connectionString ?? '')?.[1];
  if (key) registerSecret(key); // never in an error message or a log line
  return (
    TableIdempotencyStore.fromConfig(config.notifyTable, opts.staleLockMs, opts.logger) ??
    new FileIdempotencyStore(config.stateDir, opts.staleLockMs, opts.logger)
  );
}
