/**
 * What the control API (/_emulator/…) does to a running emulator: consent, Exchange scopes, faults,
 * latency, limits, user switches, credential end dates, the request log and the outbox. Kept apart from the
 * server wiring in index.ts; every hook reads the current state through `deps.state()` because a reset
 * replaces it.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import type { ControlHooks } from './control';
import { SCOPE_GROUP_REASON, type FixtureObject, type Limits } from './fixture';
import type { FaultInjector, Latency, MailboxLimiter, RequestLog } from './runtime';
import type { EmulatorState, MailboxKind, OnlineMeetingProvider, Tenant } from './state';

export interface ControlDeps {
  token: string;
  state: () => EmulatorState;
  reset: () => void;
  load: (fx: string | FixtureObject) => void;
  changed: () => void;
  limiter: MailboxLimiter;
  faults: FaultInjector;
  latency: Latency;
  log: RequestLog;
  clock: Clock;
  /** Replace every limit (mailbox, directory, token) and forget the counts so far. */
  applyLimits: (limits: Limits) => Limits;
}

function tenantOr(deps: ControlDeps, id: string): Tenant {
  const t = deps.state().findTenant(id);
  if (!t) throw new Error(`no tenant ${id}`);
  return t;
}

export function createControlHooks(deps: ControlDeps): ControlHooks {
  return {
    token: deps.token,
    async reset() {
      deps.reset();
    },
    async loadFixture(fx) {
      deps.load(fx);
    },
    grantConsent({ tenantId, appId, roles, propagationSeconds }) {
      const now = deps.state().now();
      const delay =
        propagationSeconds !== undefined ? propagationSeconds * 1000 : deps.state().consentPropagationMs;
      const r = deps.state().grantConsent(tenantId, appId, roles, { createdAt: now, visibleAt: now + delay });
      deps.changed();
      return {
        servicePrincipalId: r.servicePrincipal.id,
        granted: r.created.map((a) => a.appRoleId),
        visibleAt: new Date(now + delay).toISOString(),
      };
    },
    revokeConsent({ tenantId, appId, roles }) {
      deps.changed();
      return deps.state().revokeConsent(tenantId, appId, roles);
    },
    consentState(tenantId, appId) {
      const t = tenantOr(deps, tenantId);
      const sp = t.servicePrincipalByAppId(appId);
      const effective = t.grantedRoles(appId, deps.state().now());
      return {
        servicePrincipalId: sp?.id ?? null,
        accountEnabled: sp?.accountEnabled ?? null,
        effectiveRoles: effective,
        pendingRoles: t.grantedRoles(appId, Number.MAX_SAFE_INTEGER).filter((r) => !effective.includes(r)),
      };
    },
    addExchangeScope({ tenantId, appId, role, groupId, id }) {
      const t = tenantOr(deps, tenantId);
      const group = t.findGroup(groupId);
      if (!group) throw new Error(`no group ${groupId} in tenant ${tenantId}`);
      if (!group.mailEnabled)
        throw new Error(`group ${groupId} (${group.displayName}): ${SCOPE_GROUP_REASON}`);
      const sid = id ?? randomBytes(8).toString('hex');
      const s = deps.state().addExchangeScope(t, { id: sid, appId, role, groupId });
      deps.changed();
      return { id: sid, activeFrom: new Date(s.activeFrom ?? 0).toISOString() };
    },
    removeExchangeScope(tenantId, id) {
      deps.changed();
      return deps.state().removeExchangeScope(tenantOr(deps, tenantId), id);
    },
    listExchangeScopes(tenantId) {
      const t = tenantOr(deps, tenantId);
      const now = deps.state().now();
      // A removed assignment whose cache has expired is gone for good.
      for (const [id, s] of t.exchangeScopes)
        if (s.activeUntil != null && s.activeUntil <= now) t.exchangeScopes.delete(id);
      return [...t.exchangeScopes.values()].map((s) => ({
        id: s.id,
        appId: s.appId,
        role: s.role,
        groupId: s.groupId,
        activeFrom: new Date(s.activeFrom ?? 0).toISOString(),
        activeUntil: s.activeUntil == null ? null : new Date(s.activeUntil).toISOString(),
      }));
    },
    setFaults: (f) => deps.faults.set(f),
    addFault: (f) => deps.faults.add(f),
    listFaults: () => deps.faults.list(),
    setLatency(ms, jitter) {
      deps.latency.ms = ms;
      deps.latency.jitterMs = jitter;
    },
    setLimits(l) {
      return deps.applyLimits({ ...deps.limiter.limits, ...l });
    },
    clock() {
      return { now: new Date(deps.clock.now()).toISOString(), offsetSeconds: deps.clock.offsetSeconds };
    },
    advanceClock(seconds) {
      deps.clock.advance(seconds);
      return { now: new Date(deps.clock.now()).toISOString(), offsetSeconds: deps.clock.offsetSeconds };
    },
    setUser(tenantId, userId, patch) {
      const t = tenantOr(deps, tenantId);
      const u = t.findUser(userId);
      if (!u) return false;
      if (patch.accountEnabled !== undefined) u.accountEnabled = patch.accountEnabled;
      if (patch.mailbox !== undefined) u.mailbox = patch.mailbox as MailboxKind;
      if (patch.teams !== undefined) u.teams = patch.teams;
      if (patch.allowedOnlineMeetingProviders !== undefined)
        u.allowedOnlineMeetingProviders = patch.allowedOnlineMeetingProviders as OnlineMeetingProvider[];
      deps.state().touchedUsers.add(`${t.id}|${u.id}`);
      deps.changed();
      return true;
    },
    setCredentialEnd(appId, keyId, end) {
      const a = deps.state().findApp(appId);
      const c = [...(a?.passwordCredentials ?? []), ...(a?.keyCredentials ?? [])].find(
        (k) => k.keyId === keyId,
      );
      if (!c) return false;
      c.endDateTime = new Date(end).toISOString();
      deps.changed();
      return true;
    },
    delegated: { state: deps.state, changed: deps.changed },
    addRedirectUris(appId, uris) {
      const a = deps.state().findApp(appId);
      if (!a) return undefined;
      for (const u of uris) if (!a.redirectUris.includes(u)) a.redirectUris.push(u);
      deps.changed();
      return [...a.redirectUris];
    },
    requests: (f) => deps.log.list(f),
    clearRequests: () => deps.log.clear(),
    outbox: () => deps.state().outbox,
    clearOutbox() {
      deps.state().outbox.length = 0;
      deps.changed();
    },
  };
}
