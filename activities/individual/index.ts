/**
 * Individual mode's activities and the backend the console uses for connect/disconnect.
 *
 *   const ind = createIndividual({ config, env, logger });
 *   worker: { ...ind.activities }           console: ind.connections (connectUser, disconnectUser, …)
 *
 * The store: TOGETHER_TOKEN_TABLE_URL (production, Azure Table with the managed identity) or
 * TOGETHER_TOKEN_TABLE_CONNECTION_STRING (Azurite), else sealed files under `<TOGETHER_STATE_DIR>/tokens`.
 * The sealing key: TOGETHER_TOKEN_KEY (comma-separated for rotation: current first), else a key file created
 * once under the state dir (embedded default only).
 */
import path from 'node:path';
import type { Notification } from '../../contracts/activities';
import {
  BROKEN_TEXT,
  type IndividualActivities,
  type NotifyConnectionBrokenInput,
  type NotifyDigestInput,
} from '../../contracts/individual';
import { ConfigError } from '../../contracts/errors';
import { parseGraphConfig, type GraphConfig, type GraphConfigInput } from '../config';
import { createGraphClientFactory } from '../graph/client';
import { workerMailboxLimiter } from '../graph/limiter';
import { notifyOwner } from '../notify/notify';
import type { IdempotencyStore } from '../notify/store';
import { createIdempotencyStore } from '../notify/store-factory';
import { silentLogger, type ActivityDeps, type Logger } from '../runtime';
import {
  connectUser,
  disconnectUser,
  inviteUser,
  summarizeConnections,
  sweepConnections,
  type ConnectInput,
  type IndividualDeps,
} from './connections';
import { createMsalFactory } from './msal';
import { probeConnections, sampleConnections } from './sample-test';
import { createSealer, loadOrCreateKey } from './seal';
import { allConnections, FileTokenStore, type TokenStore } from './store';
import { TableTokenStore } from './table-store';

export function createTokenStore(env: NodeJS.ProcessEnv, stateDir: string): TokenStore {
  const sealer = createSealer(loadOrCreateKey(env, stateDir));
  if (env.TOGETHER_TOKEN_TABLE_URL?.trim() || env.TOGETHER_TOKEN_TABLE_CONNECTION_STRING?.trim()) {
    if (!env.TOGETHER_TOKEN_KEY?.trim()) {
      throw new ConfigError(
        'A shared token table needs TOGETHER_TOKEN_KEY (the same 256-bit key on every replica, from Key Vault): a per-host key file cannot be shared.',
      );
    }
    return TableTokenStore.fromEnv(env, sealer);
  }
  return new FileTokenStore(path.join(stateDir, 'tokens'), sealer);
}

export interface IndividualBackend {
  connectUser(input: ConnectInput): ReturnType<typeof connectUser>;
  disconnectUser(tenantId: string, connectionId: string): Promise<boolean>;
  inviteUser(tenantId: string, email: string): ReturnType<typeof inviteUser>;
  getConnection(tenantId: string, connectionId: string): ReturnType<TokenStore['getConnection']>;
  summarize(tenantId: string): ReturnType<typeof summarizeConnections>;
  listConnections(tenantId: string): ReturnType<typeof allConnections>;
}

export interface CreateIndividualDeps {
  config: GraphConfig | GraphConfigInput;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  store?: TokenStore;
  idempotencyStore?: IdempotencyStore;
  /** Notification dependencies (tests). */
  notifyDeps?: Partial<ActivityDeps>;
}

export function createIndividual(deps: CreateIndividualDeps): {
  activities: IndividualActivities;
  backend: IndividualBackend;
  ind: IndividualDeps;
} {
  const config = parseGraphConfig(deps.config as GraphConfigInput);
  const store = deps.store ?? createTokenStore(deps.env ?? process.env, config.stateDir);
  const ind: IndividualDeps = {
    store,
    msal: createMsalFactory(config, store),
    graphBaseUrl: config.graphBaseUrl,
  };
  const logger = deps.logger ?? silentLogger;
  const notifyDeps: ActivityDeps = {
    config,
    logger,
    clients: createGraphClientFactory(config),
    mailboxLimiter: workerMailboxLimiter(config.probe.perMailboxConcurrency),
    ...deps.notifyDeps,
  };
  const idem = deps.idempotencyStore ?? createIdempotencyStore(config, { logger });
  const send = (n: Notification) => notifyOwner(notifyDeps, idem, n);

  const activities: IndividualActivities = {
    sampleConnections: (input) => sampleConnections(ind, input),
    async probeConnections(input) {
      const r = await probeConnections(ind, notifyDeps, input);
      logger.info(
        {
          tenantId: input.tenantId,
          probed: r.results.length,
          reachable: r.results.filter((x) => x.reason === 'ok').length,
          tokenRequests: r.tokenRequests,
          graphRequests: r.graphRequests,
        },
        'individual sample probe',
      );
      return r;
    },
    async sweepConnections(input) {
      const r = await sweepConnections(ind, input);
      logger.info(
        {
          tenantId: input.tenantId,
          checked: r.checked,
          ok: r.ok,
          newlyBroken: r.newlyBroken.length,
          transient: r.transient ?? 0,
        },
        'connections sweep page',
      );
      return r;
    },
    summarizeConnections: ({ tenantId }) => summarizeConnections(ind, tenantId),
    async notifyConnectionBroken(input: NotifyConnectionBrokenInput) {
      const r = await store.getConnection(input.tenantId, input.connectionId);
      // Reconnected or removed since the sweep saw it broken: nothing to say.
      if (!r || r.status !== 'broken' || !r.email) return { sent: false };
      const why = BROKEN_TEXT[r.broken?.kind ?? 'unknown'];
      const url = `${input.consoleUrl.replace(/\/+$/, '')}/connect?tenant=${encodeURIComponent(input.tenantId)}`;
      const res = await send({
        idempotencyKey: input.idempotencyKey,
        kind: 'connectionBroken',
        tenantId: input.tenantId,
        to: r.email,
        ...(r.broken?.since ? { since: r.broken.since } : {}),
        summary: `Together can no longer reach your Outlook calendar: ${why.what}.`,
        impact: 'Your mentoring sessions are not synchronised with Outlook until you reconnect.',
        fix: { steps: [why.fix], reconnectUrl: url },
        ...(r.broken?.code ? { facts: { code: r.broken.code } } : {}),
      });
      return { sent: res.sent };
    },
    async notifyConnectionsDigest(input: NotifyDigestInput) {
      const s = input.summary;
      const facts: Record<string, number | string> = {
        connected: `${s.connected} of ${s.invited} invited users`,
        broken: s.broken,
        'newly broken': input.newlyBroken,
      };
      for (const [k, n] of Object.entries(s.brokenByKind))
        facts[`broken: ${BROKEN_TEXT[k as keyof typeof BROKEN_TEXT].what}`] = n!;
      const res = await send({
        idempotencyKey: input.idempotencyKey,
        kind: 'connectionsDigest',
        tenantId: input.tenantId,
        to: input.owner,
        summary: `${s.connected} of ${s.invited} invited users connected; ${s.broken} broken.`,
        impact:
          'Users with a broken connection were emailed a reconnect link; their sessions are not synchronised until they reconnect.',
        facts,
        // The owner's full view is the CLI's (a console page for it is not built yet).
        fix: { steps: [`See every connection: together-o365 connections --tenant ${input.tenantId}`] },
      });
      return { sent: res.sent };
    },
  };

  const backend: IndividualBackend = {
    connectUser: (input) => connectUser(ind, input),
    disconnectUser: (t, id) => disconnectUser(ind, t, id),
    inviteUser: (t, email) => inviteUser(ind, t, email),
    getConnection: (t, id) => store.getConnection(t, id),
    summarize: (t) => summarizeConnections(ind, t),
    listConnections: (t) => allConnections(store, t),
  };
  return { activities, backend, ind };
}

export {
  connectUser,
  disconnectUser,
  refreshConnection,
  sweepConnections,
  ConnectError,
} from './connections';
export { DELEGATED_SCOPES } from './msal';
export { classifyRefreshError, AADSTS_KINDS } from './classify';
