/** Typed client for the control API (/_emulator/), for tests, the demo and the CLI. */
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { ClockView, ConsentStateView, ExchangeScopeView } from './control';
import type { FaultInput, FixtureObject, Limits } from './fixture';
import type { ActiveFault, RequestLogEntry } from './runtime';
import type { OutboxMessage } from './state';
import type { DelegatedGrantView } from './controlDelegated';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`emulator control API answered ${status}: ${JSON.stringify(body)}`);
  }
}

/** Typed client for /_emulator/; trusts the emulator CA explicitly, so it works before `trustEmulatorCa`. */
export class EmulatorControl {
  private readonly agent: https.Agent;
  constructor(
    readonly origin: string,
    private readonly token: string,
    caPem: string,
  ) {
    this.agent = new https.Agent({ ca: caPem, keepAlive: false });
  }

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        `${this.origin}/_emulator${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            'x-request-id': randomUUID(),
            ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* keep text */
            }
            if ((res.statusCode ?? 500) >= 400) reject(new ControlError(res.statusCode ?? 500, parsed));
            else resolve(parsed as T);
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  health() {
    return this.request<{ ok: boolean }>('GET', '/health');
  }
  /** Back to the fixture loaded at start (or the last one loaded), with empty log, outbox, faults. */
  reset() {
    return this.request<{ ok: boolean }>('POST', '/reset');
  }
  loadFixture(fixture: FixtureObject) {
    return this.request<{ ok: boolean }>('POST', '/fixture', fixture);
  }
  /** Admin consent without the page: roles default to the app's required permissions. */
  grantConsent(input: { tenantId: string; appId: string; roles?: string[]; propagationSeconds?: number }) {
    return this.request<{ servicePrincipalId: string; granted: string[]; visibleAt: string }>(
      'POST',
      '/consent',
      input,
    );
  }
  /** Remove roles, or (no roles) delete the enterprise app: the tenant revokes consent. */
  revokeConsent(input: { tenantId: string; appId: string; roles?: string[] }) {
    return this.request<{ removed: number; servicePrincipalDeleted: boolean }>('DELETE', '/consent', input);
  }
  consentState(tenantId: string, appId: string) {
    return this.request<ConsentStateView>(
      'GET',
      `/consent?tenantId=${encodeURIComponent(tenantId)}&appId=${encodeURIComponent(appId)}`,
    );
  }
  addExchangeScope(input: { tenantId: string; appId: string; role: string; groupId: string; id?: string }) {
    return this.request<{ id: string; activeFrom: string }>('POST', '/exchange-scopes', input);
  }
  removeExchangeScope(tenantId: string, id: string) {
    return this.request<{ ok: boolean }>(
      'DELETE',
      `/exchange-scopes/${encodeURIComponent(id)}?tenantId=${encodeURIComponent(tenantId)}`,
    );
  }
  listExchangeScopes(tenantId: string) {
    return this.request<ExchangeScopeView[]>(
      'GET',
      `/exchange-scopes?tenantId=${encodeURIComponent(tenantId)}`,
    );
  }
  setFaults(faults: FaultInput[]) {
    return this.request<{ ok: boolean }>('PUT', '/faults', { faults });
  }
  addFault(fault: FaultInput) {
    return this.request<{ ok: boolean }>('POST', '/faults', fault);
  }
  listFaults() {
    return this.request<ActiveFault[]>('GET', '/faults');
  }
  clearFaults() {
    return this.request<{ ok: boolean }>('DELETE', '/faults');
  }
  /** Token endpoint outage: every token request fails with `status` (503 by default) until cleared. */
  tokenOutage(on: boolean, status: 500 | 503 | 504 = 503) {
    return on
      ? this.addFault({ route: 'token', kind: String(status) as '503', rate: 1 })
      : this.setFaults([]);
  }
  setLatency(latencyMs: number, jitterMs = 0) {
    return this.request<{ ok: boolean }>('PUT', '/latency', { latencyMs, jitterMs });
  }
  /** The emulator clock that consent propagation, replication and the Exchange RBAC cache are measured on. */
  clock() {
    return this.request<ClockView>('GET', '/clock');
  }
  /** Move the emulator clock forward, e.g. past the Exchange RBAC cache (`advanceClock(7200)`). */
  advanceClock(seconds: number) {
    return this.request<ClockView>('POST', '/clock/advance', { seconds });
  }
  setLimits(limits: Partial<Limits>) {
    return this.request<Limits>('PUT', '/limits', limits);
  }
  setUser(
    tenantId: string,
    userId: string,
    patch: {
      accountEnabled?: boolean;
      mailbox?: 'exchangeOnline' | 'unlicensed' | 'onPremises' | 'none';
      /** false: no Teams licence — an online meeting is created without a join URL. */
      teams?: boolean;
      allowedOnlineMeetingProviders?: ('teamsForBusiness' | 'skypeForBusiness' | 'skypeForConsumer')[];
    },
  ) {
    return this.request<{ ok: boolean }>(
      'PATCH',
      `/tenants/${encodeURIComponent(tenantId)}/users/${encodeURIComponent(userId)}`,
      patch,
    );
  }
  /** Move a password or key credential's endDateTime (e.g. into the past to test expiry). */
  setCredentialEnd(appId: string, keyId: string, endDateTime: string) {
    return this.request<{ ok: boolean }>(
      'PATCH',
      `/apps/${encodeURIComponent(appId)}/credentials/${encodeURIComponent(keyId)}`,
      { endDateTime },
    );
  }
  /** Registers more redirect URIs on an app (e.g. a console on a port chosen at run time). */
  addRedirectUris(appId: string, uris: string[]) {
    return this.request<{ redirectUris: string[] }>(
      'POST',
      `/apps/${encodeURIComponent(appId)}/redirectUris`,
      { uris },
    );
  }
  requests(filter: { since?: number; route?: string; limit?: number } = {}) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return this.request<RequestLogEntry[]>('GET', `/requests${qs ? `?${qs}` : ''}`);
  }
  clearRequests() {
    return this.request<{ ok: boolean }>('DELETE', '/requests');
  }
  outbox() {
    return this.request<OutboxMessage[]>('GET', '/outbox');
  }
  clearOutbox() {
    return this.request<{ ok: boolean }>('DELETE', '/outbox');
  }
  // ---------------------------------------------------------------- delegated access (controlDelegated.ts)
  setUserConsent(
    tenantId: string,
    allowUserConsent: 'none' | 'lowRisk' | 'all',
    lowImpactPermissions?: string[],
  ) {
    return this.request<{ allowUserConsent: string; permissionGrantPoliciesAssigned: string[] }>(
      'PUT',
      `/tenants/${encodeURIComponent(tenantId)}/user-consent`,
      { allowUserConsent, ...(lowImpactPermissions ? { lowImpactPermissions } : {}) },
    );
  }
  listDelegatedGrants(tenantId: string) {
    return this.request<DelegatedGrantView[]>(
      'GET',
      `/delegated-grants?tenantId=${encodeURIComponent(tenantId)}`,
    );
  }
  /** Admin consent for everyone (AllPrincipals, the default) or one user's consent (Principal + user). */
  grantDelegated(input: {
    tenantId: string;
    appId: string;
    scopes: string[];
    consentType?: 'AllPrincipals' | 'Principal';
    user?: string;
  }) {
    return this.request<DelegatedGrantView>('POST', '/delegated-grants', input);
  }
  revokeDelegated(input: { tenantId: string; appId: string; user?: string }) {
    return this.request<{ removed: number }>('DELETE', '/delegated-grants', input);
  }
  revokeSignInSessions(tenantId: string, user: string) {
    return this.request<{ tokensValidFrom: string }>(
      'POST',
      `/tenants/${encodeURIComponent(tenantId)}/users/${encodeURIComponent(user)}/revoke-sessions`,
    );
  }
  resetPassword(tenantId: string, user: string, by: 'admin' | 'user' = 'admin') {
    return this.request<{ passwordChangedAt: string; refreshTokensRevoked: boolean }>(
      'POST',
      `/tenants/${encodeURIComponent(tenantId)}/users/${encodeURIComponent(user)}/password-reset`,
      { by },
    );
  }
  setConditionalAccessBlock(tenantId: string, user: string, blocked: boolean) {
    return this.request<{ blocked: boolean }>(
      'PUT',
      `/tenants/${encodeURIComponent(tenantId)}/users/${encodeURIComponent(user)}/conditional-access`,
      { blocked },
    );
  }
  assignAppRole(input: { tenantId: string; appId: string; user: string; role: string }) {
    return this.request<{ id: string; value: string }>('POST', '/app-role-assignments', input);
  }
  removeAppRole(input: { tenantId: string; appId: string; user: string; role: string }) {
    return this.request<{ removed: number }>('DELETE', '/app-role-assignments', input);
  }

  close(): void {
    this.agent.destroy();
  }
}
