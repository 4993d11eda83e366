/**
 * Individual mode's operations on connections. `connectUser` and `disconnectUser` run in the console process
 * (the authorization code and the tokens never enter Temporal); the sweep, the summary and the notifications are
 * Temporal activities (activities/individual/index.ts) that see only connection ids.
 *
 * Keep-alive: a refresh token dies after 90 days of inactivity (AADSTS700082); every refresh resets that window
 * and rotates the token (https://learn.microsoft.com/entra/identity-platform/refresh-tokens). The sweep therefore
 * refreshes each connection with `acquireTokenSilent({ forceRefresh: true })`: one token request per connection per
 * sweep, which both keeps the grant alive and tells us whether it still works.
 */
import type { AccountInfo, AuthenticationResult } from '@azure/msal-node';
import { ConnectFailure as ConnectError } from '../../contracts/individual';
import type {
  ConnectionRecord,
  ConnectionsSummary,
  ConnectionTransition,
  SweepConnectionsInput,
  SweepConnectionsResult,
} from '../../contracts/individual';
import { classifyRefreshError } from './classify';
import { DELEGATED_SCOPES, lostCacheRace, type MsalFactory } from './msal';
import { allConnections, type TokenStore } from './store';

export interface IndividualDeps {
  store: TokenStore;
  msal: MsalFactory;
  /** Graph base URL, e.g. https://graph.microsoft.com/ (the emulator's in tests). */
  graphBaseUrl: string;
  now?: () => Date;
  fetch?: typeof fetch;
}

/** The console shows a page per reason (contracts/individual.ts ConnectFailure). */
export { ConnectFailure as ConnectError } from '../../contracts/individual';

const nowIso = (deps: IndividualDeps) => (deps.now?.() ?? new Date()).toISOString();

/** GET /me/events?$top=1&$select=id,start,end with the user's own token: proves the calendar is reachable. */
export async function probeOwnCalendar(
  deps: IndividualDeps,
  accessToken: string,
): Promise<{ ok: boolean; status: number; code?: string }> {
  const base = deps.graphBaseUrl.endsWith('/') ? deps.graphBaseUrl : `${deps.graphBaseUrl}/`;
  const res = await (deps.fetch ?? fetch)(`${base}v1.0/me/events?$top=1&$select=id,start,end`, {
    headers: { Authorization: `Bearer ${accessToken}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { ok: res.ok, status: res.status, ...(body.error?.code ? { code: body.error.code } : {}) };
}

export interface ConnectInput {
  tenantId: string;
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/**
 * Exchanges the authorization code (PKCE) for tokens into the user's cache partition, proves the calendar with a
 * real call, and records the connection. A user from another tenant than the link's is refused and nothing is kept.
 */
export async function connectUser(deps: IndividualDeps, input: ConnectInput): Promise<ConnectionRecord> {
  const app = deps.msal.forPartition(input.tenantId, '');
  let result: AuthenticationResult;
  try {
    result = await app.acquireTokenByCode({
      code: input.code,
      codeVerifier: input.codeVerifier,
      redirectUri: input.redirectUri,
      scopes: DELEGATED_SCOPES,
    });
  } catch (err) {
    const v = classifyRefreshError(err);
    throw new ConnectError(
      'tokenRefused',
      `Microsoft refused the sign-in code (${v.code ?? 'no code'}).`,
      v.code,
    );
  }
  const account = result.account;
  if (!account) throw new ConnectError('noAccount', 'Microsoft returned no account for this sign-in.');
  if (account.tenantId.toLowerCase() !== input.tenantId.toLowerCase()) {
    await deps.store.deleteCache(account.homeAccountId);
    throw new ConnectError(
      'wrongTenant',
      'You signed in with an account from another organisation than the one this link is for.',
    );
  }
  const probe = await probeOwnCalendar(deps, result.accessToken);
  if (!probe.ok) {
    await deps.store.deleteCache(account.homeAccountId);
    throw new ConnectError(
      'calendarRefused',
      `Signed in, but your calendar could not be read (${probe.status}${probe.code ? ` ${probe.code}` : ''}).`,
      probe.code,
    );
  }
  const connectionId = account.localAccountId;
  const at = nowIso(deps);
  const claims = (account.idTokenClaims ?? {}) as { email?: string; preferred_username?: string };
  const upn = account.username || claims.preferred_username;
  const record: ConnectionRecord = {
    tenantId: input.tenantId,
    connectionId,
    homeAccountId: account.homeAccountId,
    ...(upn ? { userPrincipalName: upn } : {}),
    ...(claims.email || upn ? { email: claims.email ?? upn } : {}),
    ...(account.name ? { displayName: account.name } : {}),
    status: 'connected',
    connectedAt: at,
    lastRefreshAt: at,
    lastCheckedAt: at,
    scopes: result.scopes,
  };
  // A user invited by email becomes this connection.
  const invited = upn ? await deps.store.getConnection(input.tenantId, inviteId(upn)) : undefined;
  if (invited) {
    record.invitedAt = invited.invitedAt;
    await deps.store.deleteConnection(input.tenantId, invited.connectionId);
  }
  const before = await deps.store.getConnection(input.tenantId, connectionId);
  if (before?.invitedAt) record.invitedAt = before.invitedAt;
  await deps.store.putConnection(record);
  return record;
}

export const inviteId = (email: string): string => `invite:${email.trim().toLowerCase()}`;

export async function inviteUser(
  deps: IndividualDeps,
  tenantId: string,
  email: string,
): Promise<ConnectionRecord> {
  const r: ConnectionRecord = {
    tenantId,
    connectionId: inviteId(email),
    email: email.trim(),
    userPrincipalName: email.trim(),
    status: 'invited',
    invitedAt: nowIso(deps),
  };
  await deps.store.putConnection(r);
  return r;
}

/**
 * Disconnect: delete the user's cache partition (the only copy of the refresh token) and the record. Graph has no
 * per-app revocation of a user's refresh token: revokeSignInSessions ends *all* of the user's sessions in every
 * app, and deleting the user's oauth2PermissionGrant needs DelegatedPermissionGrant.ReadWrite.All, far more than
 * this app holds (and for an AllPrincipals grant it would disconnect everyone). Deleting our only copy is what is
 * in our power; the user can also remove the app at https://myapps.microsoft.com.
 */
export async function disconnectUser(
  deps: IndividualDeps,
  tenantId: string,
  connectionId: string,
): Promise<boolean> {
  const r = await deps.store.getConnection(tenantId, connectionId);
  if (!r) return false;
  if (r.homeAccountId) await deps.store.deleteCache(r.homeAccountId);
  await deps.store.deleteConnection(tenantId, connectionId);
  return true;
}

export type CheckOutcome =
  | { ok: true; accessToken: string }
  | { ok: false; kind: NonNullable<ConnectionRecord['broken']>['kind']; code?: string }
  | { ok: false; transient: true; message: string };

/**
 * Refreshes in flight in this worker, per token store and connection: the sweep and the sample test may refresh
 * one user at once, and with refresh-token rotation two redemptions of one refresh token are a wasted token
 * request and two token sets racing to be stored. A second caller joins the first one's refresh.
 */
const inFlight = new WeakMap<TokenStore, Map<string, Promise<CheckOutcome>>>();

/**
 * One refresh with the stored refresh token (forceRefresh: skip the cached access token) — single-flight per
 * connection in this worker. Across workers the cache write is conditional on the version the refresh started
 * from (msal.ts StoreCacheClient): when another worker stored a newer token set meanwhile, ours is not stored
 * and the newer set is read back and used.
 */
export function refreshConnection(
  deps: IndividualDeps,
  r: ConnectionRecord,
  /** Called when this call sends a token request (not when it joins a refresh already in flight). */
  onTokenRequest: () => void = () => {},
): Promise<CheckOutcome> {
  if (!r.homeAccountId)
    return Promise.resolve({ ok: false, kind: 'unknown', code: 'no_account_in_silent_request' });
  let perStore = inFlight.get(deps.store);
  if (!perStore) inFlight.set(deps.store, (perStore = new Map()));
  const key = `${r.tenantId.toLowerCase()}|${r.homeAccountId}`;
  const running = perStore.get(key);
  if (running) return running;
  const map = perStore;
  const p = refreshOnce(deps, r, r.homeAccountId, onTokenRequest).finally(() => map.delete(key));
  map.set(key, p);
  return p;
}

async function refreshOnce(
  deps: IndividualDeps,
  r: ConnectionRecord,
  homeAccountId: string,
  onTokenRequest: () => void,
): Promise<CheckOutcome> {
  const app = deps.msal.forPartition(r.tenantId, homeAccountId);
  let account: AccountInfo | null;
  try {
    account = await app.getTokenCache().getAccountByHomeId(homeAccountId);
  } catch (err) {
    return { ok: false, transient: true, message: `token store unreadable: ${(err as Error).message}` };
  }
  if (!account) return { ok: false, kind: 'unknown', code: 'no_tokens_found' };
  let res: AuthenticationResult;
  try {
    onTokenRequest();
    res = await app.acquireTokenSilent({ account, scopes: DELEGATED_SCOPES, forceRefresh: true });
  } catch (err) {
    const v = classifyRefreshError(err);
    if ('transient' in v) return { ok: false, transient: true, message: v.message };
    return { ok: false, kind: v.kind, ...(v.code ? { code: v.code } : {}) };
  }
  if (!lostCacheRace(app, homeAccountId)) return { ok: true, accessToken: res.accessToken };
  // Another worker stored a newer token set while we refreshed: read it back and use its access token (from
  // the cache, no token request), so what this caller holds matches what is stored.
  try {
    const fresh = deps.msal.forPartition(r.tenantId, homeAccountId);
    const acc = await fresh.getTokenCache().getAccountByHomeId(homeAccountId);
    if (!acc) return { ok: false, kind: 'unknown', code: 'no_tokens_found' }; // disconnected meanwhile
    const newer = await fresh.acquireTokenSilent({ account: acc, scopes: DELEGATED_SCOPES });
    return { ok: true, accessToken: newer.accessToken };
  } catch {
    // Our own access token is still valid for this call; the stored (newer) set serves the next refresh.
    return { ok: true, accessToken: res.accessToken };
  }
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** One page of the sweep: refresh each connection, record the outcome, report the transitions. */
export async function sweepConnections(
  deps: IndividualDeps,
  input: SweepConnectionsInput,
): Promise<SweepConnectionsResult> {
  const page = await deps.store.listConnections(input.tenantId, {
    ...(input.cursor ? { cursor: input.cursor } : {}),
    limit: input.pageSize ?? 200,
  });
  const out: SweepConnectionsResult = {
    checked: 0,
    ok: 0,
    newlyBroken: [],
    recovered: [],
    stillBroken: 0,
    tokenRequests: 0,
    graphRequests: 0,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
  let transient = 0;
  // Write a connection's outcome only while it exists: one disconnected during this sweep (its record and tokens
  // deleted, so its refresh failed with no_tokens_found) is neither written back nor reported.
  const record = async (next: ConnectionRecord): Promise<boolean> => {
    if (await deps.store.updateConnection(next)) return true;
    out.disconnected = (out.disconnected ?? 0) + 1;
    return false;
  };
  await pool(
    page.records.filter((r) => r.status !== 'invited'),
    input.concurrency ?? 8,
    async (r) => {
      out.checked++;
      let outcome = await refreshConnection(deps, r, () => out.tokenRequests++);
      if (outcome.ok && input.probeCalendar) {
        out.graphRequests++;
        const p = await probeOwnCalendar(deps, outcome.accessToken);
        if (!p.ok && (p.status === 401 || p.status === 403))
          outcome = { ok: false, kind: 'unknown', code: p.code ?? `HTTP${p.status}` };
      }
      const at = nowIso(deps);
      const t: ConnectionTransition = { connectionId: r.connectionId };
      if (outcome.ok) {
        if (
          !(await record({ ...withoutBreak(r), status: 'connected', lastRefreshAt: at, lastCheckedAt: at }))
        )
          return;
        out.ok++;
        if (r.status === 'broken') out.recovered.push(t);
      } else if ('transient' in outcome) {
        if (await record({ ...r, lastCheckedAt: at })) transient++;
      } else if (r.status === 'broken' && r.broken?.kind === outcome.kind) {
        if (await record({ ...r, lastCheckedAt: at })) out.stillBroken++;
      } else {
        const broken = { kind: outcome.kind, ...(outcome.code ? { code: outcome.code } : {}), since: at };
        if (!(await record({ ...r, status: 'broken', broken, lastCheckedAt: at }))) return;
        if (r.status === 'broken') out.stillBroken++;
        else out.newlyBroken.push({ ...t, ...broken });
      }
    },
  );
  if (transient) out.transient = transient;
  return out;
}

function withoutBreak(r: ConnectionRecord): ConnectionRecord {
  const { broken: _b, ...rest } = r;
  return rest;
}

export async function summarizeConnections(
  deps: IndividualDeps,
  tenantId: string,
): Promise<ConnectionsSummary> {
  const all = await allConnections(deps.store, tenantId);
  const s: ConnectionsSummary = {
    tenantId,
    invited: all.length,
    connected: 0,
    broken: 0,
    brokenByKind: {},
    pending: 0,
  };
  for (const r of all) {
    if (r.status === 'connected') s.connected++;
    else if (r.status === 'invited') s.pending++;
    else {
      s.broken++;
      const k = r.broken?.kind ?? 'unknown';
      s.brokenByKind[k] = (s.brokenByKind[k] ?? 0) + 1;
    }
  }
  return s;
}
