/**
 * What the control API (/_emulator/…) does to a running emulator: consent, Exchange scopes, faults,
 * latency, limits, user switches, credential end dates, the request log and the outbox. Kept apart from the
 * server wiring in index.ts; every hook reads the current state through `deps.state()` because a reset
 * replaces it.
 */
import { randomBytes } from 'node:crypto';
import type { ControlHooks } from './control';
import { SCOPE_GROUP_REASON, type FixtureObject } from './fixture';
import type { FaultInjector, Latency, MailboxLimiter, RequestLog } from './runtime';
import type { EmulatorState, MailboxKind, Tenant } from './state';

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
      const now = Date.now();
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
      const effective = t.grantedRoles(appId);
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
      t.exchangeScopes.set(sid, {
        id: sid,
        appId: appId.toLowerCase(),
        role,
        groupId: groupId.toLowerCase(),
      });
      deps.changed();
      return { id: sid };
    },
    removeExchangeScope(tenantId, id) {
      deps.changed();
      return tenantOr(deps, tenantId).exchangeScopes.delete(id);
    },
    listExchangeScopes(tenantId) {
      return [...tenantOr(deps, tenantId).exchangeScopes.values()];
    },
    setFaults: (f) => deps.faults.set(f),
    addFault: (f) => deps.faults.add(f),
    listFaults: () => deps.faults.list(),
    setLatency(ms, jitter) {
      deps.latency.ms = ms;
      deps.latency.jitterMs = jitter;
    },
    setLimits(l) {
      deps.limiter.limits = { ...deps.limiter.limits, ...l };
      deps.limiter.reset();
      return deps.limiter.limits;
    },
    setUser(tenantId, userId, patch) {
      const t = tenantOr(deps, tenantId);
      const u = t.findUser(userId);
      if (!u) return false;
      if (patch.accountEnabled !== undefined) u.accountEnabled = patch.accountEnabled;
      if (patch.mailbox !== undefined) u.mailbox = patch.mailbox as MailboxKind;
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
    requests: (f) => deps.log.list(f),
    clearRequests: () => deps.log.clear(),
    outbox: () => deps.state().outbox,
    clearOutbox() {
      deps.state().outbox.length = 0;
      deps.changed();
    },
  };
}
