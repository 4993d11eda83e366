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

  it('shows the last individual sample test: when, N of M reachable, verdict, unreachable with kind, code and fix', async () => {
    const st = state(INDIVIDUAL_ONLY);
    st.lastSampleTest = fakeReport({
      tenantId: INDIVIDUAL_ONLY,
      mode: 'individual',
      sampled: 3,
      accessible: 2,
      verdict: 'degraded',
      verdictReason: '2 of 3 reachable is below the 95% threshold',
      startedAt: '2026-11-30T10:15:00.000Z',
      durationMs: 1234,
      graphRequests: 3,
      tokenRequests: 3,
      inaccessible: [
        {
          user: { id: 'c2', userPrincipalName: 'adele@contoso.com' },
          reason: 'connectionBroken',
          detail: 'revoked',
          code: 'AADSTS50173',
        },
      ],
    });
    backend.sweeps.set(INDIVIDUAL_ONLY, st);
    const res = await app.inject(`/tenants/${INDIVIDUAL_ONLY}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="individual-sample-test">');
    expect(res.body).toContain('2 of 3 sampled connected users reachable');
    expect(res.body).toMatch(/id="individual-verdict">degraded<\/strong> — 2 of 3 reachable/);
    expect(res.body).toContain('Ran 2026-11-30 10:15:00 UTC');
    expect(res.body).toContain('3 token requests');
    // The shared unreachable table, with the break kind's words and fix and the AADSTS code.
    const table = res.body.slice(res.body.indexOf('<table id="individual-unreachable"'));
    expect(table).toContain('class="unreachable"');
    expect(table).toContain('data-reason="connectionBroken" data-detail="revoked"');
    expect(table).toContain('adele@contoso.com');
    expect(table).toContain('Connection broken: the sign-in sessions were revoked or the password was reset');
    expect(table).toContain('Reconnect your calendar with your new sign-in.');
    expect(table).toContain('<code>AADSTS50173</code>');
    expect(table).toContain('AADSTS or Graph code');
  });

  it('without a sample test yet the section says how to run one; the domain-wide table is unchanged', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    backend.sweeps.set(FAKE_TENANT, state(FAKE_TENANT));
    const res = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(res.body).toContain('id="individual-no-sample-test"');
    expect(res.body).not.toContain('id="individual-unreachable"');
    // The domain-wide report still renders its own table through the shared partial, with its own heading.
    const table = res.body.slice(res.body.indexOf('<table id="unreachable"'));
    expect(res.body).toContain('<table id="unreachable" class="unreachable">');
    expect(table).toContain('<th>Graph code</th>');
    expect(table).toContain('onprem@contoso.com');
    // With both tables on the page, the individual one's heading does not leak into the domain-wide one.
    const both = state(FAKE_TENANT);
    both.lastSampleTest = fakeReport({
      mode: 'individual',
      inaccessible: [
        { user: { id: 'c9' }, reason: 'connectionBroken', detail: 'inactivity', code: 'AADSTS700082' },
      ],
    });
    backend.sweeps.set(FAKE_TENANT, both);
    const page = (await app.inject(`/tenants/${FAKE_TENANT}`)).body;
    expect(page).toContain('<table id="individual-unreachable" class="unreachable">');
    expect(page.slice(page.indexOf('<table id="unreachable"'))).toContain('<th>Graph code</th>');
  });

  it('the stylesheet styles the individual marker like the other badges', async () => {
    const css = (await app.inject('/assets/console.css')).body;
    expect(css).toMatch(/\.mode-individual\{[^}]*border-radius:12px/);
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
