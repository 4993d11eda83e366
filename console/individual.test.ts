/**
 * Issue 16 item 4, the owner's view in the console: a tenant page shows "N of M invited users connected;
 * K broken (why)" with last and next sweep from the connections sweep (through the backend interface), an
 * individual-only tenant gets its own page instead of "No onboarding", and the tenant list marks the mode.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndividualSweepState } from '../contracts/individual';
import { Csrf } from './csrf';
import { buildConsole } from './server';
import { ConsentStateStore } from './state-store';
import { FAKE_TENANT, FakeBackend, fakeReport } from './testing/fake-backend';

const INDIVIDUAL_ONLY = '99999999-8888-7777-6666-555555555555';

const state = (tenantId: string): IndividualSweepState => ({
  summary: {
    tenantId,
    invited: 5,
    connected: 3,
    broken: 2,
    brokenByKind: { revoked: 1, conditionalAccess: 1 },
    pending: 0,
  },
  sweeps: 4,
  sweeping: false,
  nextSweepAt: '2026-12-01T09:00:00.000Z',
  lastSweep: { at: '2026-11-30T09:00:00.000Z', checked: 5, ok: 3, newlyBroken: 1, recovered: 0 },
});

class IndividualBackend extends FakeBackend {
  sweeps = new Map<string, IndividualSweepState>();
  async getConnections(tenantId: string) {
    return this.sweeps.get(tenantId) ?? null;
  }
  async listConnectionTenants() {
    return [...this.sweeps.keys()];
  }
}

describe('console: individual connections (owner’s view)', () => {
  let app: FastifyInstance;
  let backend: IndividualBackend;
  beforeEach(async () => {
    backend = new IndividualBackend();
    app = await buildConsole({
      backend,
      states: new ConsentStateStore({ file: null }),
      csrf: new Csrf(Buffer.alloc(32, 1)),
    });
  });
  afterEach(() => app.close());

  it('a tenant page shows N of M connected, K broken by kind with the fix, and last/next sweep', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    backend.sweeps.set(FAKE_TENANT, state(FAKE_TENANT));
    const res = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<section id="individual">');
    expect(res.body).toContain('3 of 5 invited users connected; 2 broken (1 revoked, 1 conditionalAccess)');
    expect(res.body).toMatch(
      /<tr data-kind="revoked"><td>the sign-in sessions were revoked[^<]*<\/td><td>1<\/td>/,
    );
    expect(res.body).toContain('data-kind="conditionalAccess"');
    expect(res.body).toMatch(/Last sweep [^:]+.*: 3 of 5 refreshed, 1 newly broken\./);
    expect(res.body).toContain('Next sweep');
  });

  it('a domain-wide tenant without a sweep shows no individual section', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const res = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('id="individual"');
  });

  it('an individual-only tenant (no onboarding) gets its page, not "No onboarding"', async () => {
    backend.sweeps.set(INDIVIDUAL_ONLY, state(INDIVIDUAL_ONLY));
    const res = await app.inject(`/tenants/${INDIVIDUAL_ONLY}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('individual mode');
    expect(res.body).toContain('3 of 5 invited users connected');
    expect(res.body).toContain(`/connect?tenant=${INDIVIDUAL_ONLY}`);
    // Nothing at all for the tenant: still the 404 with how to start.
    backend.sweeps.clear();
    expect((await app.inject(`/tenants/${INDIVIDUAL_ONLY}`)).statusCode).toBe(404);
  });

  it('the tenant list marks individual-mode tenants and lists individual-only ones', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    backend.sweeps.set(FAKE_TENANT, state(FAKE_TENANT));
    backend.sweeps.set(INDIVIDUAL_ONLY, state(INDIVIDUAL_ONLY));
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/class="mode-individual"/g)).toHaveLength(2);
    expect(res.body).toContain(`<tr data-integration="individual">`);
    expect(res.body).toContain(`href="/tenants/${INDIVIDUAL_ONLY}"`);
  });

  it('a sweep that does not answer hides only the individual section', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    backend.getConnections = async () => {
      throw new Error('no worker answers');
    };
    const res = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('id="individual"');
  });
});
