/**
 * proveMailboxScope: proves an Exchange RBAC for Applications scope both ways — the in-scope probe mailbox
 * (and, where the group's members are readable, a few members) is reachable, and mailboxes outside the group
 * are refused with 403 ErrorAccessDenied. A group assignment to the enterprise app gates sign-in only; app-only
 * calendar access is limited solely by the Exchange scope ("Role Based Access Control for Applications in
 * Exchange Online", learn.microsoft.com/exchange/permissions-exo/application-rbac), and Entra grants add to
 * it — so a token that carries a Calendars.* role reaches every mailbox and the scope cannot hold.
 *
 * Membership: with GroupMember.Read.All the group's members are read and non-members probed; a scoped tenant
 * often grants only User.ReadBasic.All, and then "outside" means "refused by the scope" as observed on a
 * deterministic sample of the directory (readable ones cannot be told apart from members, so they do not count
 * as leaks unless a tenant-wide Calendars role is present). Only counts and the UPNs of leaking mailboxes
 * leave this activity.
 */
import type { ProveMailboxScopeInput } from '../contracts/activities';
import type { ScopeProof } from '../contracts/messages';
import { isGuid } from '../contracts/validation';
import { GraphCaller, type CallResult } from './graph/caller';
import { tokenRoles } from './graph/client';
import { transientFailure } from './graph/errors';
import { hasCalendarRole } from './probe/classify';
import { readCheckUrl } from './probe/probe';
import { sampleKey } from './sample';
import { cancellationSignal, mailboxLimiter, type ActivityDeps } from './runtime';

type Page<T> = { value?: T[]; '@odata.nextLink'?: string };

interface DirUser {
  id: string;
  userPrincipalName?: string | null;
}

export async function proveMailboxScope(
  deps: ActivityDeps,
  input: ProveMailboxScopeInput,
): Promise<ScopeProof> {
  const want = Math.max(1, Math.min(input.outsideSample ?? 5, 50));
  // A fresh token: a cached one can carry roles from before a consent change (up to ~90 minutes).
  deps.clients!.invalidate(input.tenant);
  const graph = deps.clients!.forTenant(input.tenant);
  const roles = tokenRoles(await graph.token()) ?? [];
  const signal = cancellationSignal();
  const caller = new GraphCaller(graph.client, {
    keyPrefix: graph.tenantId.toLowerCase(),
    maxRetries: deps.config.probe.maxRetries,
    limiter: mailboxLimiter(deps),
    maxRetryAfterMs: deps.config.probe.maxRetryAfterSeconds * 1000,
    ...(signal ? { signal } : {}),
  });

  // The group's members, when readable.
  let members: Set<string> | undefined;
  let groupId = isGuid(input.group) ? input.group : undefined;
  if (!groupId) {
    const g = await caller.call<{ value?: { id: string }[] }>({
      method: 'GET',
      url: `/groups?$filter=${encodeURIComponent(`mail eq '${input.group.replace(/'/g, "''")}'`)}&$select=id`,
    });
    if (g.ok) groupId = g.value.value?.[0]?.id;
  }
  if (groupId) {
    const ids = new Set<string>();
    let url: string | undefined =
      `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`;
    let readable = true;
    while (url) {
      const page: CallResult<Page<{ id: string }>> = await caller.call<Page<{ id: string }>>({
        method: 'GET',
        url,
      });
      if (!page.ok) {
        readable = false;
        break;
      }
      for (const m of page.value.value ?? []) ids.add(m.id.toLowerCase());
      const next: string | undefined = page.value['@odata.nextLink'];
      url = next ? next.replace(/^https?:\/\/[^/]+\/v1\.0/, '') : undefined;
    }
    if (readable) members = ids;
  }

  // The directory (first pages are enough for a handful of candidates, chosen deterministically).
  const users: DirUser[] = [];
  let url: string | undefined = '/users?$select=id,userPrincipalName&$top=999';
  for (let pages = 0; url && pages < 5; pages++) {
    const page: CallResult<Page<DirUser>> = await caller.call<Page<DirUser>>({ method: 'GET', url });
    if (!page.ok)
      throw transientFailure(
        `Listing users of tenant ${input.tenant.tenantId} failed (${page.failure.status}).`,
      );
    users.push(...(page.value.value ?? []));
    const next: string | undefined = page.value['@odata.nextLink'];
    url = next ? next.replace(/^https?:\/\/[^/]+\/v1\.0/, '') : undefined;
  }
  const probe = input.probeMailbox.toLowerCase();
  const isProbe = (u: DirUser) =>
    u.id.toLowerCase() === probe || u.userPrincipalName?.toLowerCase() === probe;
  const seed = `scope:${input.tenant.tenantId}`;
  const ordered = users
    .filter((u) => !isProbe(u))
    .map((u) => ({ u, k: sampleKey(seed, u.id) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.u);

  const read = async (id: string) => {
    const r = await caller.call({ method: 'GET', url: readCheckUrl(id), mailboxes: [id] });
    if (r.ok) return 'readable' as const;
    if (r.failure.status === 403) return 'refused' as const;
    if (r.failure.status === 429 || r.failure.status >= 500 || r.failure.status === 0)
      throw transientFailure(
        `Scope probe in tenant ${input.tenant.tenantId} failed transiently (${r.failure.status}).`,
      );
    return 'other' as const;
  };

  // In scope: the probe mailbox, plus up to 3 members when known.
  const inScopeIds = [
    input.probeMailbox,
    ...(members
      ? ordered
          .filter((u) => members.has(u.id.toLowerCase()))
          .slice(0, 3)
          .map((u) => u.id)
      : []),
  ];
  let reachable = 0;
  for (const id of inScopeIds) if ((await read(id)) === 'readable') reachable++;

  // Outside: non-members when known; else a deterministic sample of the directory.
  const candidates = members ? ordered.filter((u) => !members.has(u.id.toLowerCase())) : ordered;
  let refused = 0;
  let checked = 0;
  const readableUsers: string[] = [];
  const scanLimit = members ? want : want * 4;
  for (const u of candidates.slice(0, scanLimit)) {
    if (checked >= want && !members && refused > 0) break;
    const r = await read(u.id);
    checked++;
    if (r === 'refused') refused++;
    else if (r === 'readable') readableUsers.push(u.userPrincipalName ?? u.id);
  }

  const tenantWide = hasCalendarRole(roles);
  // Leaks: readable non-members (known membership), or everything readable under a tenant-wide grant.
  const leaking = members || tenantWide ? readableUsers : [];
  const holds = reachable > 0 && refused > 0 && leaking.length === 0;
  const name = input.group;
  let summary: string;
  if (leaking.length > 0) {
    summary =
      `scope leaks: ${leaking.length} out-of-scope mailboxes readable` +
      (tenantWide
        ? ` (the app holds ${roles.filter((r) => r.startsWith('Calendars.')).join(', ')} tenant-wide in Entra; remove it so only the Exchange scope grants calendar access)`
        : '');
  } else if (reachable === 0) {
    summary = `scope of ${name} unproven: the in-scope mailbox ${input.probeMailbox} is not reachable`;
  } else if (refused === 0) {
    summary = `scope of ${name} unproven: no mailbox outside the group was refused (${checked} checked)`;
  } else {
    summary = `scoped to ${name}: holds`;
  }
  return {
    group: name,
    holds,
    summary,
    inScope: { checked: inScopeIds.length, reachable },
    outside: { checked, refused, readable: leaking.length, readableUsers: leaking.slice(0, 20) },
    membership: members ? 'group' : 'observed',
  };
}
