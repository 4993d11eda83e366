/**
 * The sample test in individual mode: draw connected users from the connection records, then probe each user's
 * own calendar with that user's delegated token (refreshed silently from their sealed MSAL cache partition).
 *
 * Why one request per user and no `$batch`: a `$batch` is one HTTP request with one bearer token, and a delegated
 * token reaches only its own user's mailbox (https://learn.microsoft.com/graph/permissions-overview, "Delegated
 * permissions"; another user's calendar answers 403 ErrorAccessDenied). A batch could therefore only carry the
 * *same* user's requests, and the probe is one request per user — batching buys nothing. Speed comes from many
 * users in flight instead, paced by the same brakes as the domain-wide probe: the worker-wide request budget
 * (graph/budget.ts, through GraphCaller) and the per-mailbox limiter (graph/limiter.ts, the worker's one), since
 * Exchange's limits are per app and mailbox whatever the token. bench/individual.bench.ts measures the cost.
 *
 * Only connection ids enter and leave these activities (history); the UPN is returned for unreachable users only,
 * as the domain-wide report names an unreachable account.
 */
import pLimit from 'p-limit';
import type { UserProbeResult } from '../../contracts/activities';
import type {
  ProbeConnectionsInput,
  ProbeConnectionsResult,
  SampleConnectionsInput,
  SampleConnectionsResult,
} from '../../contracts/individual';
import { delegatedGraphClient } from '../graph/client';
import { classifyReadFailure } from '../probe/classify';
import { EVENT_SELECT } from '../probe/probe';
import { graphCallerFor, heartbeat, type ActivityDeps } from '../runtime';
import { BottomK, checkSampleInput, sampleKey } from '../sample';
import { refreshConnection, type IndividualDeps } from './connections';
import { allConnections } from './store';

/** The read check with the user's own token: one event's id, start and end (data minimisation, as domain-wide). */
export const OWN_CALENDAR_URL = `/me/calendar/events?$top=1&$select=${EVENT_SELECT}`;
export const DEFAULT_INDIVIDUAL_PROBE_CONCURRENCY = 16;

/**
 * A uniform sample of the tenant's connections (connected or broken — users who connected; invitations are
 * not), bottom-k over HMAC(seed, connection id) like the domain-wide sampleUsers: reproducible for a seed.
 */
export async function sampleConnections(
  deps: IndividualDeps,
  input: SampleConnectionsInput,
): Promise<SampleConnectionsResult> {
  checkSampleInput(input);
  const reservoir = new BottomK<string>(input.size);
  let population = 0;
  for (const r of await allConnections(deps.store, input.tenantId)) {
    if (r.status === 'invited') continue;
    population++;
    reservoir.offer(sampleKey(input.seed, r.connectionId), r.connectionId);
  }
  return { connectionIds: reservoir.items(), population };
}

/**
 * Probe each connection: a silent refresh (forceRefresh, like the sweep: a cached access token outlives a
 * revocation by up to its lifetime, and the test asks whether the grant works *now*), then one Graph request with
 * that token. Outcomes: `ok`; `connectionBroken` with the BrokenKind (classify.ts) and AADSTS code; or the Graph
 * classification of the read (403 → accessDenied, 404 → userNotFound / mailboxUnavailable) with its code.
 * The sample test records nothing: transitions and emails are the sweep's.
 */
export async function probeConnections(
  ind: IndividualDeps,
  graph: ActivityDeps,
  input: ProbeConnectionsInput,
): Promise<ProbeConnectionsResult> {
  const limit = pLimit(
    Math.max(1, Math.min(1000, input.concurrency ?? DEFAULT_INDIVIDUAL_PROBE_CONCURRENCY)),
  );
  let graphRequests = 0;
  let tokenRequests = 0;
  let done = 0;
  const beat = () => heartbeat({ probed: done, total: input.connectionIds.length });
  const probeOne = async (connectionId: string): Promise<UserProbeResult> => {
    const r = await ind.store.getConnection(input.tenantId, connectionId);
    if (!r) return { userId: connectionId, reason: 'userNotFound', code: 'ConnectionRemoved' };
    const upn = r.userPrincipalName ? { userPrincipalName: r.userPrincipalName } : {};
    const t = await refreshConnection(ind, r, () => tokenRequests++);
    if (!t.ok) {
      if ('transient' in t)
        return { userId: connectionId, ...upn, reason: 'error', code: 'TokenUnavailable' };
      return {
        userId: connectionId,
        ...upn,
        reason: 'connectionBroken',
        detail: t.kind,
        ...(t.code ? { code: t.code } : {}),
      };
    }
    const caller = graphCallerFor(
      graph,
      { client: delegatedGraphClient(graph.config, t.accessToken), tenantId: input.tenantId },
      { onWait: beat },
    );
    const res = await caller.call({ method: 'GET', url: OWN_CALENDAR_URL, mailboxes: [connectionId] });
    graphRequests += caller.requests;
    if (res.ok) return { userId: connectionId, reason: 'ok', status: 200, freeBusy: 'skipped' };
    const f = res.failure;
    // A delegated 403 is about this user's own grant or mailbox: no mailbox scope applies (resolveDenied is for
    // app permissions), so it stays accessDenied with Graph's code.
    return {
      userId: connectionId,
      ...upn,
      reason: classifyReadFailure(f).reason,
      ...(f.status ? { status: f.status } : {}),
      ...(f.code ? { code: f.code } : {}),
      ...(f.requestId ? { requestId: f.requestId } : {}),
    };
  };
  const ticker = setInterval(beat, 5_000);
  ticker.unref();
  try {
    const results = await Promise.all(
      input.connectionIds.map((id) =>
        limit(async () => {
          const out = await probeOne(id);
          done++;
          return out;
        }),
      ),
    );
    beat();
    return { results, graphRequests, tokenRequests };
  } finally {
    clearInterval(ticker);
  }
}
