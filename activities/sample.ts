/**
 * sampleUsers: a uniform random sample of enabled users, over paged `/users` or a group's transitive members,
 * in O(sample) memory.
 *
 * The reservoir is "bottom-k" (priority) sampling: every user gets the key HMAC-SHA256(seed, userId) and the
 * sample is the k users with the smallest keys, kept in a max-heap of size k. Keys are independent and uniform,
 * so every k-subset is equally likely (the equal-weight case of Efraimidis–Spirakis reservoir sampling); and
 * unlike Algorithm R driven by a seeded PRNG, the result does not depend on the order Graph pages users in —
 * same seed and same directory give the same sample even if paging order changes.
 */
import { createHmac } from 'node:crypto';
import type { SampledUser, SampleUsersInput, SampleUsersResult } from '../contracts/activities';
import { FailureTypes } from '../contracts/activities';
import type { CallResult } from './graph/caller';
import { tokenRoles } from './graph/client';
import { failureForGraph, permanentFailure } from './graph/errors';
import { canReadFullProfile } from './probe/classify';
import { graphCallerFor, heartbeat, type ActivityDeps } from './runtime';

/**
 * Fields read with User.ReadBasic.All (the basic profile): only what the test needs — the id to probe, the UPN
 * to name an unreachable account and the SMTP address getSchedule takes. No displayName (data minimisation:
 * the sample lands in workflow history).
 */
export const BASIC_USER_FIELDS = ['id', 'userPrincipalName', 'mail'];
/** Extra fields once User.Read.All (or Directory.Read.All) is granted: to skip disabled accounts and spot guests. */
export const FULL_USER_FIELDS = [...BASIC_USER_FIELDS, 'userType', 'accountEnabled'];
/**
 * With User.Read.All the sample also carries what the probe needs to explain an unreachable mailbox (on-premises,
 * unlicensed), read here in the same pages instead of one look-up $batch per probe chunk later (issue 15).
 */
export const FACT_FIELDS = ['onPremisesSyncEnabled', 'assignedLicenses'];

export const MAX_SAMPLE = 10_000;

/** Bottom-k reservoir: keeps the k items with the smallest keys. */
export class BottomK<T> {
  private readonly heap: { key: bigint; item: T }[] = [];
  constructor(readonly k: number) {}

  get size(): number {
    return this.heap.length;
  }

  offer(key: bigint, item: T): void {
    if (this.k <= 0) return;
    const h = this.heap;
    if (h.length < this.k) {
      h.push({ key, item });
      this.up(h.length - 1);
    } else if (key < h[0]!.key) {
      h[0] = { key, item };
      this.down(0);
    }
  }

  /** The kept items, smallest key first. */
  items(): T[] {
    return [...this.heap].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((e) => e.item);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.key >= h[i]!.key) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.key > h[m]!.key) m = l;
      if (r < h.length && h[r]!.key > h[m]!.key) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/** The sampling key of a user for a seed: 64 bits of HMAC-SHA256(seed, lowercased id). */
export function sampleKey(seed: string, userId: string): bigint {
  return createHmac('sha256', seed).update(userId.toLowerCase()).digest().readBigUInt64BE(0);
}

interface GraphUser {
  id: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  userType?: string | null;
  accountEnabled?: boolean | null;
  onPremisesSyncEnabled?: boolean | null;
  assignedLicenses?: unknown[] | null;
  '@odata.type'?: string;
}

type UsersPage = { value?: GraphUser[]; '@odata.nextLink'?: string };

/**
 * The input checks every bottom-k sample shares (sampleUsers here, sampleConnections in individual mode): a size
 * the reservoir can hold and a seed to make the draw reproducible. Throws a permanent Configuration failure.
 */
export function checkSampleInput(input: { size: number; seed: string }): void {
  if (!Number.isInteger(input.size) || input.size < 1 || input.size > MAX_SAMPLE)
    throw permanentFailure(
      FailureTypes.Configuration,
      `sample size must be an integer between 1 and ${MAX_SAMPLE}.`,
    );
  if (!input.seed)
    throw permanentFailure(
      FailureTypes.Configuration,
      'a seed is required (it makes the sample reproducible).',
    );
}

export async function sampleUsers(deps: ActivityDeps, input: SampleUsersInput): Promise<SampleUsersResult> {
  checkSampleInput(input);
  const graph = deps.clients!.forTenant(input.tenant);
  const roles = tokenRoles(await graph.token());
  const full = canReadFullProfile(roles);
  let fields = full ? [...FULL_USER_FIELDS, ...FACT_FIELDS] : BASIC_USER_FIELDS;
  const caller = graphCallerFor(deps, graph, {
    onWait: () => heartbeat({ phase: 'sampling', waiting: true }),
  });

  const firstUrl = () => {
    const select = `$select=${fields.join(',')}`;
    return input.source.kind === 'all'
      ? `/users?${select}&$top=999`
      : `/groups/${encodeURIComponent(input.source.groupId)}/transitiveMembers/microsoft.graph.user?${select}&$top=999`;
  };
  let url: string | undefined = firstUrl();

  const reservoir = new BottomK<SampledUser>(input.size);
  let population = 0;
  let skippedDisabled = 0;
  let pages = 0;
  while (url) {
    const page: CallResult<UsersPage> = await caller.call<UsersPage>({ method: 'GET', url });
    if (!page.ok && page.failure.status === 400 && pages === 0 && fields.includes('assignedLicenses')) {
      // A directory that cannot select assignedLicenses: sample without it (the probe then looks licences up).
      fields = fields.filter((f) => f !== 'assignedLicenses');
      url = firstUrl();
      continue;
    }
    if (!page.ok) {
      const f = page.failure;
      if (f.status === 403 && input.source.kind === 'group') {
        throw permanentFailure(
          FailureTypes.ConsentMissing,
          `Reading members of group ${input.source.groupId} was refused (${f.code ?? 403}): sampling from a group needs GroupMember.Read.All (or Group.Read.All / Directory.Read.All) in addition to User.ReadBasic.All.`,
          { tenantId: input.tenant.tenantId, code: f.code, requestId: f.requestId },
        );
      }
      if (f.status === 404 && input.source.kind === 'group') {
        throw permanentFailure(
          FailureTypes.Configuration,
          `Group ${input.source.groupId} was not found in tenant ${input.tenant.tenantId}.`,
          {
            code: f.code,
            requestId: f.requestId,
          },
        );
      }
      throw failureForGraph(input.tenant.tenantId, 'Listing users', f);
    }
    for (const u of page.value.value ?? []) {
      if (!u?.id) continue;
      if (u['@odata.type'] && u['@odata.type'] !== '#microsoft.graph.user') continue;
      if (u.accountEnabled === false) {
        skippedDisabled++;
        continue;
      }
      population++;
      reservoir.offer(sampleKey(input.seed, u.id), {
        id: u.id,
        ...(u.userPrincipalName ? { userPrincipalName: u.userPrincipalName } : {}),
        // The SMTP address only when getSchedule could not use the UPN in its place.
        ...(u.mail && u.mail.toLowerCase() !== u.userPrincipalName?.toLowerCase() ? { mail: u.mail } : {}),
        // Only the facts the probe uses (guest accounts have no mailbox in this tenant; with User.Read.All the
        // on-premises flag and licence presence classify an unreachable mailbox without a second look-up).
        ...(u.userType && u.userType !== 'Member' ? { userType: u.userType } : {}),
        // (present whenever it was read — null included — so the probe knows not to look it up again)
        ...(full ? { onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null } : {}),
        ...(full && Array.isArray(u.assignedLicenses) ? { licensed: u.assignedLicenses.length > 0 } : {}),
      });
    }
    pages++;
    if (pages % 10 === 0) heartbeat({ phase: 'sampling', pages, population });
    // Follow nextLink whole (never rebuild it): the SDK accepts the absolute https URL.
    url = page.value['@odata.nextLink'];
  }
  return { users: reservoir.items(), population, skippedDisabled, graphRequests: caller.requests };
}
