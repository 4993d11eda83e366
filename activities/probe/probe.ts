/**
 * probeCalendars: for each user a read check — `GET /users/{id}/calendar/events?$top=1&$select=id,start,end`,
 * 20 users per `$batch` — and free/busy through getSchedule (≤20 schedules per call). Never selects subject,
 * body, attendees or location. Progress is heartbeated per chunk of 20 users with the finished chunks' results,
 * so a retried activity resumes where the last attempt stopped.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type {
  ProbeCalendarsInput,
  ProbeCalendarsResult,
  SampledUser,
  UserProbeResult,
} from '../../contracts/activities';
import {
  BATCH_LIMIT,
  type BatchItemSpec,
  type CallerOptions,
  type CallResult,
  type RequestSpec,
} from '../graph/caller';
import { tokenRoles } from '../graph/client';
import type { KeyedLimiter } from '../graph/limiter';
import { currentContext, graphCallerFor, heartbeat, heartbeatDetails, type ActivityDeps } from '../runtime';
import {
  canReadFullProfile,
  classifyReadFailure,
  hasCalendarRole,
  refineMailboxUnavailable,
  resolveDenied,
  type DirectoryFacts,
} from './classify';

/** The only fields a calendar read may select (data minimisation; checked by the request-log test). */
export const EVENT_SELECT = 'id,start,end';
export const readCheckUrl = (userId: string) =>
  `/users/${encodeURIComponent(userId)}/calendar/events?$top=1&$select=${EVENT_SELECT}`;

const REFINE_SELECT = 'id,userType,onPremisesSyncEnabled,assignedLicenses';
const REFINE_SELECT_NO_LICENCES = 'id,userType,onPremisesSyncEnabled';

/** One user's result while probing (UPN dropped: restored from the input). */
type StoredResult = Omit<UserProbeResult, 'userPrincipalName'> & { denied?: 'mailbox' | 'permission' };

/**
 * A chunk's results inside heartbeat details, compact so that even 10,000 users stay far below Temporal's payload
 * limits: in chunk order, without user ids (the chunk's users come from the input); a readable calendar is `0`
 * (free/busy ok), `1` (free/busy skipped); anything else the result object without `userId`.
 */
type CompactResult = 0 | 1 | Omit<StoredResult, 'userId'>;

export interface ProbeHeartbeat {
  /** 3: chunks of 19 users when free/busy rides in the read batch (2: always 20). */
  v: 3;
  /** Users per chunk (details from an attempt that chunked differently are ignored). */
  chunkSize: number;
  /** Hash of the (deduplicated) user ids: details from another input are ignored. */
  fingerprint: string;
  total: number;
  /** Finished chunks: index → compact results in chunk order. */
  done: Record<string, CompactResult[]>;
  graphRequests: number;
  throttledRetries: number;
}

export function compactChunk(results: StoredResult[]): CompactResult[] {
  return results.map(({ userId: _id, ...r }) => {
    if (r.reason === 'ok' && r.status === 200 && !r.code && !r.freeBusyCode) {
      if (r.freeBusy === 'ok') return 0;
      if (r.freeBusy === 'skipped' || r.freeBusy === undefined) return 1;
    }
    return r;
  });
}

export function expandChunk(chunk: SampledUser[], stored: CompactResult[]): StoredResult[] {
  return chunk.map((u, i) => {
    const s = stored[i];
    if (s === 0) return { userId: u.id, reason: 'ok', status: 200, freeBusy: 'ok' };
    if (s === 1) return { userId: u.id, reason: 'ok', status: 200, freeBusy: 'skipped' };
    if (s === undefined) return { userId: u.id, reason: 'error', code: 'MissingResult' };
    return { userId: u.id, ...s };
  });
}

type Schedules = { value?: { scheduleId?: string; error?: { responseCode?: string } }[] };
const FREE_BUSY_ID = 'fb';
const address = (u: SampledUser): string => (u.mail || u.userPrincipalName)!;

const guest = (u: SampledUser) =>
  u.userType === 'Guest' || (u.userPrincipalName ?? '').toUpperCase().includes('#EXT#');
/** Sampled with User.Read.All: licensed, cloud-homed and not a guest — its mailbox is almost surely reachable. */
const knownMailbox = (u: SampledUser) => !guest(u) && u.licensed === true && u.onPremisesSyncEnabled !== true;
/**
 * The mailboxes a chunk's packed getSchedule may be routed through, most likely reachable first: never a guest
 * first (a guest's mailbox is not enabled for REST: 404 MailboxNotEnabledForRESTAPI), and, when the sample carries
 * directory facts (User.Read.All), a licensed, cloud-homed user. A route through an unreachable mailbox fails the
 * whole getSchedule, and the fallback it then needs waits for the batch: one more round trip for that chunk, and
 * so for the probe (measured on 1,000 users with User.ReadBasic.All, where an unlicensed or on-premises mailbox
 * cannot be told from a reachable one: 4 of 53 chunks, nearly every probe). Packing a second route per chunk
 * (18 reads + 2) removed those fallbacks but cost the emulator 15–20 % more CPU and 3 more requests per 1,000
 * users, and was not faster in an A/B on the shared machine (bench/probe-profile.ts): one route is packed.
 */
export function scheduleRoutes(chunk: SampledUser[], count: number): SampledUser[] {
  const addressed = chunk.filter((u) => u.mail || u.userPrincipalName);
  const rank = (u: SampledUser) => (knownMailbox(u) ? 0 : guest(u) ? 3 : u.licensed === false ? 2 : 1);
  return addressed
    .map((u, i) => ({ u, i, r: rank(u) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .slice(0, count)
    .map((x) => x.u);
}

/** getSchedule for the next 24 h of up to 20 addresses, routed through mailbox `via` (graph.md §3.1). */
function scheduleRequest(via: string, schedules: string[]): RequestSpec & { method: 'POST' } {
  const start = new Date();
  const end = new Date(start.getTime() + 24 * 3600_000);
  return {
    method: 'POST',
    url: `/users/${encodeURIComponent(via)}/calendar/getSchedule`,
    mailboxes: [via],
    body: {
      schedules,
      startTime: { dateTime: start.toISOString().slice(0, 19), timeZone: 'UTC' },
      endTime: { dateTime: end.toISOString().slice(0, 19), timeZone: 'UTC' },
      availabilityViewInterval: 60,
    },
  };
}

export interface ProbeOverrides {
  /** Test hooks: faster backoff, fake sleep. */
  caller?: Partial<Pick<CallerOptions, 'backoffBaseMs' | 'sleep' | 'maxRetryAfterMs'>>;
  /** Share one limiter across activities (tests inspect its peaks). */
  limiter?: KeyedLimiter;
  /** Called after each finished chunk (tests simulate crashes here). */
  onChunk?: (details: ProbeHeartbeat) => void;
}

function fingerprint(users: SampledUser[]): string {
  const h = createHash('sha256');
  for (const u of users) h.update(u.id.toLowerCase()).update('\n');
  return h.digest('hex').slice(0, 32);
}

function dedupe(users: SampledUser[]): SampledUser[] {
  const seen = new Set<string>();
  const out: SampledUser[] = [];
  for (const u of users) {
    const k = u.id.toLowerCase();
    if (!seen.has(k)) {
      seen.add(k);
      out.push(u);
    }
  }
  return out;
}

export async function probeCalendars(
  deps: ActivityDeps,
  input: ProbeCalendarsInput,
  overrides: ProbeOverrides = {},
): Promise<ProbeCalendarsResult> {
  const cfg = deps.config.probe;
  // Default: every batch in flight. The per-mailbox limiter and the worker-wide request budget are the brakes.
  const requested = input.options?.concurrency ?? cfg.concurrency;
  const concurrency = requested === undefined ? Infinity : Math.max(1, Math.min(1000, requested));
  const maxRetries = Math.max(0, Math.min(10, input.options?.maxRetries ?? cfg.maxRetries));
  const freeBusy = input.options?.freeBusy ?? true;
  const heartbeats = input.options?.heartbeat ?? true;
  const graph = deps.clients!.forTenant(input.tenant);
  const roles = tokenRoles(await graph.token()); // typed failure if no token (consent missing, unknown tenant…)
  const calendarRoleGranted = hasCalendarRole(roles);
  const fullProfile = canReadFullProfile(roles);

  const users = dedupe(input.users);
  const fp = fingerprint(users);
  const chunks: SampledUser[][] = [];
  // With free/busy, each $batch carries 19 reads + the chunk's getSchedule (one request per 19 users, not two).
  const routes = freeBusy ? 1 : 0;
  const chunkSize = BATCH_LIMIT - routes;
  for (let i = 0; i < users.length; i += chunkSize) chunks.push(users.slice(i, i + chunkSize));

  const prior = heartbeatDetails<ProbeHeartbeat>();
  const resumed =
    prior &&
    prior.v === 3 &&
    prior.chunkSize === chunkSize &&
    prior.fingerprint === fp &&
    prior.total === users.length
      ? prior
      : undefined;
  const state: ProbeHeartbeat = {
    v: 3,
    chunkSize,
    fingerprint: fp,
    total: users.length,
    done: { ...(resumed?.done ?? {}) },
    graphRequests: resumed?.graphRequests ?? 0,
    throttledRetries: resumed?.throttledRetries ?? 0,
  };
  if (resumed) {
    deps.logger?.info(
      {
        tenantId: input.tenant.tenantId,
        resumedChunks: Object.keys(resumed.done).length,
        chunks: chunks.length,
      },
      'probe resuming from heartbeat',
    );
  }

  const caller = graphCallerFor(deps, graph, {
    maxRetries,
    limiter: overrides.limiter,
    maxRetryAfterMs: overrides.caller?.maxRetryAfterMs ?? cfg.maxRetryAfterSeconds * 1000,
    backoffBaseMs: overrides.caller?.backoffBaseMs,
    sleep: overrides.caller?.sleep,
    onWait: () => beat(),
  });
  const base = { requests: state.graphRequests, throttled: state.throttledRetries };
  const beat = () => {
    state.graphRequests = base.requests + caller.requests;
    state.throttledRetries = base.throttled + caller.throttledRetries;
    if (heartbeats) heartbeat(state);
  };

  let licencesSelectable = true;
  const probeChunk = async (chunk: SampledUser[]): Promise<StoredResult[]> => {
    const items: BatchItemSpec[] = chunk.map((u, i) => ({
      id: String(i + 1),
      method: 'GET',
      url: readCheckUrl(u.id),
      mailboxes: [u.id],
    }));
    // Free/busy rides in the same $batch, routed through the chunk's likeliest mailbox (scheduleRoutes; its answer
    // is per schedule, so unreadable users' entries are simply ignored); only if that route fails does a second
    // getSchedule go through a mailbox the reads proved readable.
    const addressed = chunk.filter((u) => u.mail || u.userPrincipalName);
    const vias = scheduleRoutes(chunk, routes);
    vias.forEach((via, n) =>
      items.push({ ...scheduleRequest(via.id, addressed.map(address)), id: `${FREE_BUSY_ID}${n}` }),
    );
    const read = await caller.batch(items);
    const results: StoredResult[] = chunk.map((u, i) => {
      const r = read.get(String(i + 1));
      if (!r) return { userId: u.id, reason: 'error', code: 'NoResponse' };
      if (r.ok) return { userId: u.id, reason: 'ok', status: r.status };
      const c = classifyReadFailure(r.failure);
      return {
        userId: u.id,
        reason: c.reason,
        ...(c.denied ? { denied: c.denied } : {}),
        status: r.failure.status,
        ...(r.failure.code ? { code: r.failure.code } : {}),
        ...(r.failure.requestId ? { requestId: r.failure.requestId } : {}),
      };
    });

    // Refine mailboxUnavailable with what the granted permissions can read (concurrently with free/busy).
    const refine = async (): Promise<void> => {
      const unavailable = results
        .map((r, i) => ({ r, u: chunk[i]! }))
        .filter(({ r }) => r.reason === 'mailboxUnavailable');
      for (const { r, u } of unavailable) {
        r.detail = refineMailboxUnavailable({
          userPrincipalName: u.userPrincipalName,
          userType: u.userType,
          onPremisesSyncEnabled: u.onPremisesSyncEnabled,
          ...(u.licensed !== undefined ? { assignedLicenses: u.licensed ? [true] : [] } : {}),
        });
        // Same rule as a look-up without licence data (below).
        if (
          u.onPremisesSyncEnabled !== undefined &&
          u.licensed === undefined &&
          r.detail === 'unknown' &&
          u.userType === 'Member' &&
          u.onPremisesSyncEnabled !== true
        )
          r.detail = 'unlicensed';
      }
      // Sampling with User.Read.All already read these facts (onPremisesSyncEnabled is then true/false/null):
      // look up only users sampled without them — no extra requests per chunk (issue 15).
      const toLookUp = unavailable.filter(
        ({ r, u }) => r.detail === 'unknown' && u.onPremisesSyncEnabled === undefined,
      );
      if (fullProfile && toLookUp.length > 0) {
        const lookUp = (select: string) =>
          caller.batch(
            toLookUp.map(({ u }, i) => ({
              id: String(i + 1),
              method: 'GET' as const,
              url: `/users/${encodeURIComponent(u.id)}?$select=${select}`,
            })),
          );
        let withLicences = licencesSelectable;
        let facts = await lookUp(withLicences ? REFINE_SELECT : REFINE_SELECT_NO_LICENCES);
        if (withLicences && [...facts.values()].some((f) => !f.ok && f.failure.status === 400)) {
          // A directory that cannot select assignedLicenses: fall back to the rest (see refineMailboxUnavailable),
          // and remember it for the other chunks (one wasted request per probe, not one per chunk — issue 15).
          licencesSelectable = false;
          facts = await lookUp(REFINE_SELECT_NO_LICENCES);
          withLicences = false;
        }
        toLookUp.forEach(({ r, u }, i) => {
          const f = facts.get(String(i + 1));
          if (!f?.ok) return;
          const d = f.value as DirectoryFacts;
          r.detail = refineMailboxUnavailable({ ...d, userPrincipalName: u.userPrincipalName });
          // Without licence data, a cloud-only member with no reachable mailbox is most likely unlicensed.
          if (
            !withLicences &&
            r.detail === 'unknown' &&
            d.userType === 'Member' &&
            d.onPremisesSyncEnabled !== true
          )
            r.detail = 'unlicensed';
        });
      }
    };

    // Free/busy for the readable ones: from the packed getSchedule, or one more routed through a readable mailbox.
    const freeBusyOf = async (): Promise<void> => {
      for (const r of results) r.freeBusy = 'skipped';
      if (freeBusy) {
        const readable = chunk
          .filter((_, i) => results[i]!.reason === 'ok')
          .filter((u) => u.mail || u.userPrincipalName);
        if (readable.length > 0) {
          const packed = vias.map(
            (_, n) => read.get(`${FREE_BUSY_ID}${n}`) as CallResult<Schedules> | undefined,
          );
          let res = packed.find((p) => p?.ok) ?? packed[0];
          if (!res?.ok)
            res = await caller.call<Schedules>(scheduleRequest(readable[0]!.id, readable.map(address)));
          const byAddress = new Map<string, { error?: { responseCode?: string } }>();
          if (res.ok)
            for (const s of res.value?.value ?? [])
              if (s.scheduleId) byAddress.set(s.scheduleId.toLowerCase(), s);
          for (const u of readable) {
            const r = results[chunk.indexOf(u)]!;
            if (!res.ok) {
              r.freeBusy = 'error';
              r.freeBusyCode = res.failure.code ?? String(res.failure.status);
              continue;
            }
            const s = byAddress.get((u.mail || u.userPrincipalName)!.toLowerCase());
            if (!s) {
              r.freeBusy = 'error';
              r.freeBusyCode = 'MissingSchedule';
            } else if (s.error) {
              r.freeBusy = 'error';
              r.freeBusyCode = s.error.responseCode ?? 'error';
            } else {
              r.freeBusy = 'ok';
            }
          }
        }
      }
    };
    await Promise.all([refine(), freeBusyOf()]);
    return results;
  };

  const limit = pLimit(concurrency);
  beat();
  // Keep heartbeating while requests or Retry-After waits are in flight (Temporal throttles what it sends).
  const ticker = currentContext() && heartbeats ? setInterval(beat, 5_000) : undefined;
  ticker?.unref();
  try {
    await Promise.all(
      chunks.map((chunk, index) =>
        state.done[String(index)]
          ? Promise.resolve()
          : limit(async () => {
              try {
                const results = await probeChunk(chunk);
                state.done[String(index)] = compactChunk(results);
                beat();
                overrides.onChunk?.(state);
              } catch (err) {
                limit.clearQueue(); // the attempt is over: start no more chunks (the retry resumes from the heartbeat)
                throw err;
              }
            }),
      ),
    );
  } finally {
    if (ticker) clearInterval(ticker);
  }

  const upn = new Map(users.map((u) => [u.id.toLowerCase(), u.userPrincipalName]));
  const flat = chunks.flatMap((chunk, i) => expandChunk(chunk, state.done[String(i)] ?? []));
  const anyOk = flat.some((r) => r.reason === 'ok');
  const byId = new Map<string, UserProbeResult>();
  for (const s of flat) {
    const { denied, ...rest } = s;
    const reason = denied ? resolveDenied(denied, { calendarRoleGranted, anyOk }) : rest.reason;
    const u = upn.get(s.userId.toLowerCase());
    byId.set(s.userId.toLowerCase(), { ...rest, reason, ...(u ? { userPrincipalName: u } : {}) });
  }
  // One result per input user, in input order (duplicates share the result of the one probe).
  const results = input.users.map((u) => ({ ...byId.get(u.id.toLowerCase())!, userId: u.id }));
  beat();
  return { results, graphRequests: state.graphRequests, throttledRetries: state.throttledRetries };
}
