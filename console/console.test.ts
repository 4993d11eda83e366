import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { BackendError } from './backend';
import { renderHealthChart } from './chart';
import { CSRF_COOKIE, Csrf, parseCookies } from './csrf';
import { adviseConsentError } from './entra-errors';
import { buildConsole, isLoopback, parseSettingsForm } from './server';
import { ConsentStateStore, hashState } from './state-store';
import { FAKE_TENANT, FakeBackend, fakeReport } from './testing/fake-backend';

const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';

describe('ConsentStateStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'states-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('issues unguessable one-time states bound to a tenant, storing only hashes', () => {
    const file = path.join(dir, 'states.json');
    const store = new ConsentStateStore({ file });
    const a = store.issue(FAKE_TENANT);
    const b = store.issue(FAKE_TENANT);
    expect(a.state).not.toBe(b.state);
    expect(a.stateHash).toBe(hashState(a.state));
    const onDisk = fs.readFileSync(file, 'utf8');
    expect(onDisk).toContain(a.stateHash);
    expect(onDisk).not.toContain(a.state);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('accepts a known, unexpired, unused state for the same tenant once', () => {
    const store = new ConsentStateStore({ file: null });
    const { state, stateHash } = store.issue(FAKE_TENANT);
    const first = store.check(state, FAKE_TENANT);
    expect(first).toMatchObject({ ok: true, stateHash });
    expect(store.consume(stateHash)).toBe(true);
    expect(store.check(state, FAKE_TENANT)).toMatchObject({ ok: false, reason: 'used' });
    expect(store.consume(stateHash)).toBe(false);
  });

  it('rejects missing, malformed, unknown, expired and other-tenant states', () => {
    let now = new Date('2026-11-25T09:00:00Z');
    const store = new ConsentStateStore({ file: null, ttlMs: 60_000, now: () => now });
    const { state } = store.issue(FAKE_TENANT);
    expect(store.check(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(store.check('short')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(store.check('A'.repeat(43))).toMatchObject({ ok: false, reason: 'unknown' });
    expect(store.check(state, OTHER_TENANT)).toMatchObject({ ok: false, reason: 'wrongTenant' });
    now = new Date(now.getTime() + 61_000);
    expect(store.check(state, FAKE_TENANT)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('survives a restart (pending states persisted) and remembers used ones', () => {
    const file = path.join(dir, 'states.json');
    const first = new ConsentStateStore({ file });
    const pending = first.issue(FAKE_TENANT);
    const used = first.issue(FAKE_TENANT);
    first.consume(used.stateHash);
    const second = new ConsentStateStore({ file });
    expect(second.check(pending.state, FAKE_TENANT).ok).toBe(true);
    expect(second.check(used.state, FAKE_TENANT)).toMatchObject({ ok: false, reason: 'used' });
  });

  it('sets a corrupt store aside instead of crashing', () => {
    const file = path.join(dir, 'states.json');
    fs.writeFileSync(file, '{not json');
    const store = new ConsentStateStore({ file });
    expect(store.check('A'.repeat(43))).toMatchObject({ reason: 'unknown' });
    expect(fs.readdirSync(dir).some((f) => f.startsWith('states.json.corrupt-'))).toBe(true);
  });
});

describe('CSRF tokens', () => {
  it('verify only the HMAC of the cookie value', () => {
    const csrf = new Csrf(Buffer.alloc(32, 7));
    const cookie = csrf.newCookieValue();
    expect(csrf.verify(cookie, csrf.tokenFor(cookie))).toBe(true);
    expect(csrf.verify(cookie, csrf.tokenFor('other'))).toBe(false);
    expect(csrf.verify(undefined, csrf.tokenFor(cookie))).toBe(false);
    expect(csrf.verify(cookie, undefined)).toBe(false);
    expect(new Csrf(Buffer.alloc(32, 8)).verify(cookie, csrf.tokenFor(cookie))).toBe(false);
  });
  it('parses cookies', () => {
    expect(parseCookies('a=1; b="x%20y"; a=2')).toEqual({ a: '1', b: 'x y' });
  });
});

describe('health chart', () => {
  it('renders points coloured by verdict with a threshold line', () => {
    const svg = renderHealthChart(
      [
        {
          at: '2026-11-25T00:00:00Z',
          verdict: 'pass',
          accessible: 9,
          sampled: 10,
          consent: 'consented',
          status: 'active',
        },
        {
          at: '2026-11-25T06:00:00Z',
          verdict: 'fail',
          accessible: 2,
          sampled: 10,
          consent: 'revoked',
          status: 'failing',
        },
      ],
      { threshold: 0.9 },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('data-verdict="fail"');
    expect(svg).toContain('threshold 90%');
    expect(svg).toContain('<polyline');
  });
  it('says when there is no history and escapes text', () => {
    expect(renderHealthChart([])).toContain('No health checks yet');
    const svg = renderHealthChart([
      {
        at: '2026-11-25T00:00:00Z',
        verdict: 'pass',
        accessible: 1,
        sampled: 1,
        consent: '<x>' as never,
        status: 'active',
      },
    ]);
    expect(svg).not.toContain('<x>');
    expect(svg).toContain('&lt;x&gt;');
  });
});

describe('Entra consent errors', () => {
  it('explains who can grant for AADSTS90094 and AADSTS65001', () => {
    for (const code of ['AADSTS90094', 'AADSTS65001']) {
      const advice = adviseConsentError('access_denied', `${code}: The grant requires admin permission.`);
      expect(advice.code).toBe(code);
      expect(advice.explanation).toContain('Global Administrator or a Privileged Role Administrator');
    }
  });
  it('falls back to the OAuth error, then to a generic page', () => {
    expect(adviseConsentError('access_denied').title).toBe('Consent was cancelled');
    expect(adviseConsentError('weird_error').explanation).toContain('weird_error');
  });
});

describe('settings form', () => {
  it('converts the threshold from percent and skips blanks', () => {
    expect(parseSettingsForm({ thresholdPercent: '85', sampleSize: '', owner: ' a@b.co ' })).toEqual({
      settings: { threshold: 0.85, owner: 'a@b.co' },
    });
    expect(parseSettingsForm({ sampleSize: '1.5' })).toHaveProperty('error');
    expect(parseSettingsForm({ owner: 'nope' })).toHaveProperty('error');
    expect(parseSettingsForm({})).toHaveProperty('error');
  });
  it('reports every bad field at once', () => {
    const r = parseSettingsForm({
      owner: 'x',
      sampleSize: 'a',
      thresholdPercent: '0',
      scheduleIntervalMinutes: '1.5',
    });
    expect(r).toHaveProperty('errors');
    expect((r as { errors: string[] }).errors).toHaveLength(4);
  });
});

describe('isLoopback', () => {
  it('accepts only loopback addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('::')).toBe(false);
    expect(isLoopback('192.168.1.2')).toBe(false);
  });
});

describe('console routes', () => {
  let app: FastifyInstance;
  let backend: FakeBackend;
  let states: ConsentStateStore;
  let now: Date;

  beforeEach(async () => {
    backend = new FakeBackend();
    now = new Date('2026-11-25T09:00:00Z');
    states = new ConsentStateStore({ file: null, ttlMs: 60 * 60_000, now: () => now });
    app = await buildConsole({ backend, states, csrf: new Csrf(Buffer.alloc(32, 1)) });
  });
  afterEach(() => app.close());

  async function startConsent(tenant = FAKE_TENANT): Promise<string> {
    const res = await app.inject({ method: 'GET', url: `/consent/start?tenant=${tenant}` });
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers.location as string);
    return location.searchParams.get('state')!;
  }

  it('/consent/start keeps the state in the console (nothing reaches the workflow per page view) and redirects with it', async () => {
    backend.addTenant();
    const res = await app.inject({ method: 'GET', url: `/consent/start?tenant=${FAKE_TENANT}` });
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers.location as string);
    expect(location.origin).toBe('https://login.example.test');
    expect(location.searchParams.get('client_id')).toBe('app');
    const state = location.searchParams.get('state')!;
    expect(states.check(state, FAKE_TENANT)).toMatchObject({ ok: true, stateHash: hashState(state) });
    expect(backend.registrations).toHaveLength(0);
    expect(backend.callbacks).toHaveLength(0);
  });

  it('500 page views of /consent/start keep at most 20 live states for the tenant and send the workflow nothing', async () => {
    backend.addTenant();
    const first = await startConsent();
    for (let i = 0; i < 25; i++) await startConsent();
    expect(states.liveCount(FAKE_TENANT)).toBe(20);
    // the oldest was evicted; the newest works
    expect(states.check(first, FAKE_TENANT)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(backend.registrations).toHaveLength(0);
  });

  it('/consent/start refuses unknown tenants, bad ids and expired onboardings', async () => {
    expect((await app.inject(`/consent/start?tenant=${FAKE_TENANT}`)).statusCode).toBe(404);
    expect((await app.inject('/consent/start')).statusCode).toBe(400);
    expect((await app.inject('/consent/start?tenant=%3Cscript%3E')).statusCode).toBe(400);
    backend.addTenant(FAKE_TENANT, { phase: 'expired' });
    expect((await app.inject(`/consent/start?tenant=${FAKE_TENANT}`)).statusCode).toBe(409);
    expect(backend.registrations).toHaveLength(0);
  });

  it('the page matches what the workflow accepted: a refusal is shown as such, never "Thank you"', async () => {
    backend.addTenant();
    const state = await startConsent();
    backend.rejectNextCallback = 'This consent link was already used. Each link works once.';
    const res = await app.inject(`/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${state}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('already used');
    expect(res.body).not.toContain('Thank you');
    const state2 = await startConsent();
    backend.failNext = new BackendError('unreachable', 'Temporal is down');
    const down = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${state2}`,
    );
    expect(down.statusCode).toBe(503);
    expect(down.body).not.toContain('Thank you');
  });

  it('a scoped tenant never gets the /.default consent link: the Exchange scoping instructions instead', async () => {
    backend.addTenant(FAKE_TENANT, {
      mailboxScope: {
        kind: 'group',
        group: 'mentoring@fabrikam.example',
        probeMailbox: 'ines@fabrikam.example',
      },
    });
    const res = await app.inject(`/consent/start?tenant=${FAKE_TENANT}`);
    expect(res.statusCode).toBe(409);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('New-ManagementRoleAssignment');
    expect(res.body).not.toContain('.default');
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(page.body).not.toContain('/consent/start');
    expect(page.body).toContain('mentoring@fabrikam.example');
  });

  it('a valid callback signals the workflow with the hash, once', async () => {
    backend.addTenant();
    const state = await startConsent();
    const url = `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&state=${state}`;
    const ok = await app.inject(url);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('consent received');
    expect(backend.callbacks).toEqual([
      {
        tenantId: FAKE_TENANT,
        callback: { stateHash: hashState(state), tenant: FAKE_TENANT, adminConsent: true },
      },
    ]);
    expect(ok.headers['referrer-policy']).toBe('no-referrer');
    // replay
    const replay = await app.inject(url);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already used');
    expect(backend.callbacks).toHaveLength(1);
  });

  it('/favicon.ico is served (204), not a 404 page', async () => {
    const res = await app.inject('/favicon.ico');
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('a re-consent of a connected tenant says what the immediate verification found, not "now verifying"', async () => {
    backend.addTenant();
    backend.nextVerification = { consent: 'consented', retest: 'started' };
    const ok = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${await startConsent()}`,
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Consent re-verified');
    expect(ok.body).toContain('A fresh sample test has started');
    expect(ok.body).not.toContain('now verifying');
    backend.nextVerification = { consent: 'propagating', retest: 'notStarted' };
    const waiting = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${await startConsent()}`,
    );
    expect(waiting.body).toContain('verification started');
    expect(waiting.body).toContain('still making the new permissions effective');
    expect(waiting.body).not.toContain('Consent re-verified');
  });

  it('forged, missing, expired and other-tenant states get a 400 and no signal', async () => {
    backend.addTenant();
    const forged = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${'B'.repeat(43)}`,
    );
    expect(forged.statusCode).toBe(400);
    const missing = await app.inject(`/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}`);
    expect(missing.statusCode).toBe(400);
    const state = await startConsent();
    const other = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${OTHER_TENANT}&state=${state}`,
    );
    expect(other.statusCode).toBe(400);
    expect(other.body).toContain('does not match');
    // presented once (even refused as wrongTenant): spent, so a copy from a log cannot be replayed
    const replay = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${state}`,
    );
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already used');
    const state2 = await startConsent();
    now = new Date(now.getTime() + 61 * 60_000);
    const expired = await app.inject(
      `/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${state2}`,
    );
    expect(expired.statusCode).toBe(400);
    expect(expired.body).toContain('expired');
    expect(backend.callbacks).toHaveLength(0);
  });

  it("Entra's error parameters give a page that says what to do (and the workflow hears of it)", async () => {
    backend.addTenant();
    const state = await startConsent();
    const res = await app.inject(
      `/consent/callback?admin_consent=True&error=access_denied&error_description=${encodeURIComponent('AADSTS90094: The grant requires admin permission.')}&state=${state}`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Global Administrator or a Privileged Role Administrator');
    expect(res.body).toContain('/consent/start?tenant=');
    expect(backend.callbacks[0]!.callback).toMatchObject({ adminConsent: false, error: 'access_denied' });
  });

  it('the status page shows the report, reasons and fixes, the chart and CSRF-protected forms, escaped', async () => {
    backend.addTenant(FAKE_TENANT, {
      phase: 'active',
      lastReport: fakeReport(),
      scheduleId: `health-${FAKE_TENANT}`,
    });
    backend.monitors.set(FAKE_TENANT, {
      tenantId: FAKE_TENANT,
      status: 'active',
      since: '2026-11-25T09:00:00Z',
      history: [
        {
          at: '2026-11-25T09:00:00Z',
          verdict: 'pass',
          accessible: 9,
          sampled: 10,
          consent: 'consented',
          status: 'active',
        },
      ],
    });
    const res = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('46 of 50 sampled users reachable');
    expect(res.body).toContain('Migrate the mailbox to Exchange Online');
    expect(res.body).toContain('<svg');
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.body).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{43}"/);
    expect(res.headers['set-cookie']).toContain(`${CSRF_COOKIE}=`);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  async function formSession(): Promise<{ cookie: string; token: string }> {
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    const cookie = (page.headers['set-cookie'] as string).split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { cookie, token };
  }

  it('re-test requires the CSRF token and goes through the update', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const { cookie, token } = await formSession();
    const without = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/retest`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(without.statusCode).toBe(403);
    const wrongCookie = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/retest`,
      headers: {
        cookie: `${CSRF_COOKIE}=abcdefghijklmnopqrstuvwx`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `_csrf=${token}`,
    });
    expect(wrongCookie.statusCode).toBe(403);
    expect(backend.retests).toHaveLength(0);
    const ok = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/retest`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}`,
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/tenants/${FAKE_TENANT}?notice=retested`);
    expect(backend.retests).toEqual([FAKE_TENANT]);
  });

  it('the tenant page and the list show the one derived state first: an active onboarding with a failing monitor is Failing', async () => {
    backend.addTenant(FAKE_TENANT, {
      phase: 'active',
      lastReport: fakeReport(),
      review: { state: 'accepted' },
    });
    backend.monitors.set(FAKE_TENANT, {
      tenantId: FAKE_TENANT,
      status: 'failing',
      since: '2026-11-26T00:00:00.000Z',
      incident: {
        id: 'inc-1',
        openedAt: '2026-11-26T00:00:00.000Z',
        reason: 'Admin consent is revoked.',
        notified: [],
      },
      history: [],
    });
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(page.body).toMatch(/id="tenant-state" data-state="failing">Failing</);
    expect(page.body.indexOf('id="tenant-state"')).toBeLessThan(page.body.indexOf('id="phase"'));
    expect(page.body).toContain('Admin consent is revoked.');
    const list = await app.inject('/');
    expect(list.body).toMatch(/data-state="failing">Failing</);
    expect(list.body).not.toMatch(/data-state="active"/);
    backend.workflowStatuses.set(FAKE_TENANT, 'TERMINATED');
    expect((await app.inject(`/tenants/${FAKE_TENANT}`)).body).toMatch(/data-state="stopped">Stopped</);
  });

  it('Done: the accept form needs the CSRF token, sends the accepted exceptions, and the page says review until then', async () => {
    backend.addTenant(FAKE_TENANT, {
      phase: 'active',
      lastReport: fakeReport(),
      review: { state: 'pending' },
    });
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(page.body).toMatch(/data-state="review">Review the first report</);
    expect(page.body).toContain('id="accept-form"');
    const { cookie, token } = await formSession();
    const without = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/accept`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'guests=on',
    });
    expect(without.statusCode).toBe(403);
    const bad = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/accept`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}&accounts=${encodeURIComponent('not an account')}`,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain(`/tenants/${FAKE_TENANT}`);
    expect(backend.accepts).toHaveLength(0);
    const ok = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/accept`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}&guests=on&accounts=${encodeURIComponent('onprem@contoso.com')}`,
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/tenants/${FAKE_TENANT}?notice=accepted`);
    expect(backend.accepts).toEqual([
      { tenantId: FAKE_TENANT, exceptions: { guests: true, accounts: ['onprem@contoso.com'] } },
    ]);
    const after = await app.inject(`/tenants/${FAKE_TENANT}?notice=accepted`);
    expect(after.body).toMatch(/data-state="active">Active</);
    expect(after.body).not.toContain('id="accept-form"');
  });

  it('a failed re-test newer than the monitor’s healthy check: the page says Failing, not "Review", and the older health is marked', async () => {
    backend.addTenant(FAKE_TENANT, {
      phase: 'failing',
      lastReport: fakeReport({
        accessible: 0,
        verdict: 'fail',
        verdictReason: '0 of 50 reachable.',
        startedAt: '2026-11-27T00:00:00.000Z',
      }),
      review: { state: 'pending' },
    });
    backend.monitors.set(FAKE_TENANT, {
      tenantId: FAKE_TENANT,
      status: 'active',
      since: '2026-11-26T00:00:00.000Z',
      history: [
        {
          at: '2026-11-26T00:00:00.000Z',
          verdict: 'pass',
          accessible: 50,
          sampled: 50,
          consent: 'consented',
          status: 'active',
        },
      ],
    });
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(page.body).toMatch(/id="tenant-state" data-state="failing">Failing</);
    expect(page.body).not.toMatch(/data-state="review"/);
    expect(page.body).toContain('id="state-note"');
    expect(page.body).toContain('id="health-older"');
    expect((await app.inject('/')).body).toMatch(/data-state="failing">Failing</);
  });

  it('a re-test after Done shows what changed since the accepted report (escaped)', async () => {
    backend.addTenant(FAKE_TENANT, {
      phase: 'active',
      lastReport: fakeReport(),
      review: {
        state: 'accepted',
        acceptedAt: '2026-11-24T10:00:00.000Z',
        accepted: {
          sampled: 50,
          accessible: 49,
          verdict: 'pass',
          unreachable: ['onprem@contoso.com', '<b>x</b>'],
        },
      },
    });
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(page.body).toContain('id="since-accepted"');
    expect(page.body).toMatch(/id="diff-reachable">49 of 50 → 46 of 50</);
    expect(page.body).toMatch(/id="diff-verdict">pass → pass</);
    const added = page.body.slice(page.body.indexOf('id="diff-new"'));
    expect(added).toContain('<li>out@contoso.com</li>');
    expect(added.slice(0, added.indexOf('</ul>'))).not.toContain('onprem@contoso.com');
    expect(page.body).toContain('<li>&lt;b&gt;x&lt;/b&gt;</li>');
    // the accepted report itself (ran before the Done) shows no diff
    backend.statuses.get(FAKE_TENANT)!.review!.acceptedAt = '2026-11-25T09:30:00.000Z';
    expect((await app.inject(`/tenants/${FAKE_TENANT}`)).body).not.toContain('id="since-accepted"');
  });

  it('settings go through the update; a rejected value shows the reason', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active' });
    const { cookie, token } = await formSession();
    const post = (payload: string) =>
      app.inject({
        method: 'POST',
        url: `/tenants/${FAKE_TENANT}/settings`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${token}&${payload}`,
      });
    const ok = await post('thresholdPercent=80&sampleSize=20');
    expect(ok.statusCode).toBe(303);
    expect(backend.settingsUpdates[0]!.partial).toEqual({ threshold: 0.8, sampleSize: 20 });
    const rejected = await post('sampleSize=5000');
    expect(rejected.statusCode).toBe(400);
    expect(rejected.body).toContain('at most 1000');
    backend.failNext = new BackendError('rejected', 'Invalid settings: the workflow refuses it.');
    const refused = await post('sampleSize=20');
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Invalid settings: the workflow refuses it.');
    expect(refused.body).toMatch(/id="sampleSize" name="sampleSize" min="1" value="20"/);
  });

  it('a refused settings form comes back (400) with every problem at once, the typed values (escaped) and a link back', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const { cookie, token } = await formSession();
    const typed = {
      owner: 'not-an-email"><script>x</script>',
      sampleSize: '12.5',
      thresholdPercent: '150',
      scheduleIntervalMinutes: '0',
    };
    const res = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/settings`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}&${new URLSearchParams(typed).toString()}`,
    });
    expect(res.statusCode).toBe(400);
    expect(backend.settingsUpdates).toHaveLength(0);
    const errors = res.body.slice(res.body.indexOf('id="settings-errors"'));
    expect(errors).toContain('is not an email address');
    expect(errors).toContain('Users per sample test must be a whole number');
    expect(errors).toContain('Pass threshold must be a percentage');
    expect(errors).toContain(
      'Minutes between health checks: scheduleIntervalMinutes must be a whole number from',
    );
    // The same form again, with what was typed — escaped, never markup.
    expect(res.body).toContain('value="not-an-email&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(res.body).not.toContain('<script>x</script>');
    expect(res.body).toMatch(/id="sampleSize" name="sampleSize" min="1" value="12.5"/);
    expect(res.body).toMatch(/name="thresholdPercent"[^>]*value="150"/);
    expect(res.body).toMatch(/id="scheduleIntervalMinutes" name="scheduleIntervalMinutes" min="1" value="0"/);
    expect(res.body).toContain(`href="/tenants/${FAKE_TENANT}" id="back-link"`);
  });

  it('a refused Done form lists every bad account at once and keeps the typed accounts and the guests box', async () => {
    backend.addTenant(FAKE_TENANT, {
      phase: 'active',
      lastReport: fakeReport(),
      review: { state: 'pending' },
    });
    const { cookie, token } = await formSession();
    const accounts = 'ok@contoso.com\nbad one\n<b>x</b>';
    const res = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/accept`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}&guests=on&accounts=${encodeURIComponent(accounts)}`,
    });
    expect(res.statusCode).toBe(400);
    expect(backend.accepts).toHaveLength(0);
    const errors = res.body.slice(res.body.indexOf('id="accept-errors"'));
    expect(errors).toContain('&#39;bad&#39; is not a user principal name');
    expect(errors).toContain('&#39;one&#39; is not a user principal name');
    expect(errors).toContain('&#39;&lt;b&gt;x&lt;/b&gt;&#39; is not a user principal name');
    expect(res.body).toContain('ok@contoso.com\nbad one\n&lt;b&gt;x&lt;/b&gt;</textarea>');
    expect(res.body).toMatch(/id="accept-guests" checked>/);
    expect(res.body).toContain(`href="/tenants/${FAKE_TENANT}" id="back-link"`);
  });

  it('a form error page that cannot show the tenant page still links back to the tenant (expired CSRF, Temporal down)', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const { cookie, token } = await formSession();
    const expired = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/settings`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'sampleSize=5',
    });
    expect(expired.statusCode).toBe(403);
    expect(expired.body).toContain(`href="/tenants/${FAKE_TENANT}" id="back-link"`);
    backend.failNext = new BackendError('unreachable', 'Could not reach Temporal at 127.0.0.1:7233');
    const down = await app.inject({
      method: 'POST',
      url: `/tenants/${FAKE_TENANT}/retest`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${token}`,
    });
    expect(down.statusCode).toBe(503);
    expect(down.body).toContain(`href="/tenants/${FAKE_TENANT}" id="back-link"`);
  });

  it('the index lists tenants; Temporal down gives a 503 that says what to do', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(FAKE_TENANT);
    expect(res.body).toContain('46 of 50');
    backend.failNext = new BackendError('unreachable', 'Could not reach Temporal at 127.0.0.1:7233');
    const down = await app.inject('/');
    expect(down.statusCode).toBe(503);
    expect(down.body).toContain('Could not reach Temporal');
  });

  it('encrypted workflows without TOGETHER_CODEC_KEY: a page naming the variable, not HTTP 500', async () => {
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    // What client/api.ts makes of temporal/codec.ts MissingKeyCodec's error.
    const missingKey =
      "These workflows are encrypted (key 'k1') but TOGETHER_CODEC_KEY is not set in this process.";
    backend.failNext = new BackendError('configuration', missingKey);
    const index = await app.inject('/');
    expect(index.statusCode).toBe(503);
    expect(index.body).toContain('misconfigured');
    expect(index.body).toContain('TOGETHER_CODEC_KEY');
    backend.failNext = new BackendError('configuration', missingKey);
    const tenant = await app.inject(`/tenants/${FAKE_TENANT}`);
    expect(tenant.statusCode).toBe(503);
    expect(tenant.body).toContain('TOGETHER_CODEC_KEY');
  });

  it('unknown pages are 404 pages', async () => {
    const res = await app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('There is no page at this address.');
  });
});

describe('console hygiene (issue 12 items 2, 3, 9)', () => {
  const tenantStatus = (backend: FakeBackend) => backend.addTenant();

  it('no log line carries a consent route query string (state, error_description)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const backend = new FakeBackend();
    tenantStatus(backend);
    const states = new ConsentStateStore({ file: null });
    const app = await buildConsole({ backend, states, csrf: new Csrf(Buffer.alloc(32, 1)), logger });
    const start = await app.inject(`/consent/start?tenant=${FAKE_TENANT}`);
    const state = new URL(start.headers.location as string).searchParams.get('state')!;
    await app.inject(`/consent/callback?admin_consent=True&tenant=${OTHER_TENANT}&state=${state}`);
    await app.inject(`/consent/callback?admin_consent=True&tenant=${FAKE_TENANT}&state=${state}`);
    await app.close();
    const all = lines.join('');
    expect(all).toContain('/consent/callback?[redacted]');
    expect(all).not.toContain(state);
    expect(all).not.toContain(encodeURIComponent(state));
  });

  it('rate-limits the public consent routes per client (429 after the limit)', async () => {
    const backend = new FakeBackend();
    tenantStatus(backend);
    const app = await buildConsole({
      backend,
      states: new ConsentStateStore({ file: null }),
      csrf: new Csrf(Buffer.alloc(32, 1)),
      consentRateLimitPerMinute: 5,
    });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++)
      codes.push((await app.inject(`/consent/start?tenant=${FAKE_TENANT}`)).statusCode);
    expect(codes.slice(0, 5)).toEqual([302, 302, 302, 302, 302]);
    expect(codes[6]).toBe(429);
    // other pages are not limited
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    await app.close();
  });

  it('the CSRF cookie is Secure when the console is served over https, and not on plain loopback http', async () => {
    const backend = new FakeBackend();
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const mk = (publicUrl?: string) =>
      buildConsole({
        backend,
        states: new ConsentStateStore({ file: null }),
        csrf: new Csrf(Buffer.alloc(32, 1)),
        ...(publicUrl ? { publicUrl } : {}),
      });
    const https = await mk('https://together.example.com');
    const cookie = String((await https.inject(`/tenants/${FAKE_TENANT}`)).headers['set-cookie']);
    expect(cookie).toMatch(/; Secure/);
    await https.close();
    const http = await mk();
    const plain = String((await http.inject(`/tenants/${FAKE_TENANT}`)).headers['set-cookie']);
    expect(plain).not.toMatch(/Secure/);
    await http.close();
  });

  it('state-changing POSTs from another origin are refused even with a valid CSRF token', async () => {
    const backend = new FakeBackend();
    backend.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    const app = await buildConsole({
      backend,
      states: new ConsentStateStore({ file: null }),
      csrf: new Csrf(Buffer.alloc(32, 1)),
      publicUrl: 'https://together.example.com',
    });
    const page = await app.inject(`/tenants/${FAKE_TENANT}`);
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: `/tenants/${FAKE_TENANT}/retest`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: `_csrf=${encodeURIComponent(token)}`,
      });
    expect((await post({ origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post({ origin: 'null' })).statusCode).toBe(403);
    expect(backend.retests).toHaveLength(0);
    expect(
      (await post({ origin: 'https://together.example.com', 'sec-fetch-site': 'same-origin' })).statusCode,
    ).toBe(303);
    expect(backend.retests).toHaveLength(1);
    // Chromium under `Referrer-Policy: no-referrer` sends `Origin: null` for the console's own forms, with
    // `Sec-Fetch-Site: same-origin`: that is the console's own page and must work.
    expect((await post({ origin: 'null', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(303);
    expect(backend.retests).toHaveLength(2);
    await app.close();
  });
});
