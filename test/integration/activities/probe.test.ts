/**
 * probeCalendars and capabilityProbe against the emulator through the real SDKs: every classification, 30%
 * injected 503/429 with the right final classification, no mailbox above 4 concurrent requests (from the
 * emulator's request log), resume after a crash from heartbeat details, and a request-log check that calendar
 * reads select only id,start,end.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProbeCalendarsResult, SampledUser, UserProbeResult } from '../../../contracts/activities';
import { FailureTypes } from '../../../contracts/activities';
import { createActivities, loadGraphConfig } from '../../../activities';
import type { ProbeHeartbeat } from '../../../activities/probe/probe';
import { KeyedLimiter } from '../../../activities/graph/limiter';
import { ids, peakConcurrencyPerMailbox, startHarness, type Harness } from './setup';

const C = ids.CONTOSO;
const APP = ids.TOGETHER_APP.appId;
const tenant = { tenantId: C.tenantId };
const U = C.users;
const MISSING = '0badc0de-0000-4000-8000-000000000000';
const named: SampledUser[] = [
  { id: U.inScope.id, userPrincipalName: U.inScope.userPrincipalName },
  { id: U.outsideScope.id, userPrincipalName: U.outsideScope.userPrincipalName },
  { id: U.nestedOnly.id, userPrincipalName: U.nestedOnly.userPrincipalName },
  { id: U.unlicensed.id, userPrincipalName: U.unlicensed.userPrincipalName },
  { id: U.guest.id, userPrincipalName: U.guest.userPrincipalName },
  { id: U.onPremises.id, userPrincipalName: U.onPremises.userPrincipalName },
  { id: MISSING, userPrincipalName: 'nobody@contoso.onmicrosoft.com' },
];
const byId = (r: ProbeCalendarsResult) =>
  new Map<string, UserProbeResult>(r.results.map((x) => [x.userId, x]));

let h: Harness;
// A fresh emulator per test (control.reset() does not reach the emulator's token endpoint; see consent.test.ts).
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h?.stop());

describe('probeCalendars classifications', () => {
  it('least privilege (User.ReadBasic.All + Exchange scope): ok, outsideScope, mailboxUnavailable (guest), userNotFound', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP, roles: ['User.ReadBasic.All'] });
    const r = byId(await h.activities().probeCalendars({ tenant, users: named }));
    expect(r.get(U.inScope.id)).toMatchObject({ reason: 'ok', status: 200, freeBusy: 'ok' });
    expect(r.get(U.outsideScope.id)).toMatchObject({
      reason: 'outsideScope',
      status: 403,
      code: 'ErrorAccessDenied',
      freeBusy: 'skipped',
    });
    expect(r.get(U.outsideScope.id)!.requestId).toMatch(/[0-9a-f-]{36}/);
    expect(r.get(U.nestedOnly.id)).toMatchObject({ reason: 'outsideScope' });
    expect(r.get(U.guest.id)).toMatchObject({
      reason: 'mailboxUnavailable',
      detail: 'guest',
      code: 'MailboxNotEnabledForRESTAPI',
      status: 404,
    });
    // Basic profile only: on-premises and unlicensed cannot be told apart.
    expect(r.get(U.unlicensed.id)).toMatchObject({ reason: 'mailboxUnavailable', detail: 'unknown' });
    expect(r.get(U.onPremises.id)).toMatchObject({ reason: 'mailboxUnavailable', detail: 'unknown' });
    expect(r.get(MISSING)).toMatchObject({ reason: 'userNotFound', status: 404, code: 'ErrorInvalidUser' });
  });

  it('with User.Read.All the unavailable mailboxes are refined: onPremises, unlicensed, guest', async () => {
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
    });
    const r = byId(await h.activities().probeCalendars({ tenant, users: named }));
    expect(r.get(U.outsideScope.id)).toMatchObject({ reason: 'ok' }); // tenant-wide Entra role: the scope is irrelevant
    expect(r.get(U.onPremises.id)).toMatchObject({ reason: 'mailboxUnavailable', detail: 'onPremises' });
    expect(r.get(U.unlicensed.id)).toMatchObject({ reason: 'mailboxUnavailable', detail: 'unlicensed' });
    expect(r.get(U.guest.id)).toMatchObject({ reason: 'mailboxUnavailable', detail: 'guest' });
  });

  it('no calendar access at all: accessDenied', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP, roles: ['User.ReadBasic.All'] });
    await h.emu.control.removeExchangeScope(C.tenantId, 'contoso-together-pilot');
    const r = await h.activities().probeCalendars({ tenant, users: named.slice(0, 2) });
    expect(r.results.map((x) => [x.reason, x.code])).toEqual([
      ['accessDenied', 'ErrorAccessDenied'],
      ['accessDenied', 'ErrorAccessDenied'],
    ]);
  });

  it('retries exhausted: 429 → throttled, 500 → error (never an access verdict)', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    await h.emu.control.setFaults([{ route: 'listEvents', kind: '429', rate: 1, retryAfterSeconds: 1 }]);
    const t = await h
      .activities()
      .probeCalendars({ tenant, users: named.slice(0, 1), options: { maxRetries: 1 } });
    expect(t.results[0]).toMatchObject({ reason: 'throttled', status: 429 });
    expect(t.throttledRetries).toBe(1);
    await h.emu.control.setFaults([{ route: 'listEvents', kind: '500', rate: 1 }]);
    const e = await h
      .activities()
      .probeCalendars({ tenant, users: named.slice(0, 1), options: { maxRetries: 1 } });
    expect(e.results[0]).toMatchObject({ reason: 'error', status: 500, code: 'generalException' });
  });

  it('calendar requests select only id,start,end (request log)', async () => {
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
    });
    const a = h.activities();
    const sample = await a.sampleUsers({ tenant, size: 60, source: { kind: 'all' }, seed: 'select-check' });
    await a.probeCalendars({ tenant, users: [...sample.users, ...named] });
    await a.checkConsent({ tenant, probeUser: U.inScope.id });
    const log = await h.emu.control.requests({ limit: 10_000 });
    const reads = log.filter((e) => e.route === 'listEvents');
    expect(reads.length).toBeGreaterThanOrEqual(60);
    for (const e of reads) {
      const q = new URLSearchParams(e.query);
      expect(q.get('$select')).toBe('id,start,end');
      expect(q.get('$top')).toBe('1');
      expect(e.query).not.toMatch(/subject|body|attendees|location/i);
    }
    expect(log.some((e) => e.route === 'getSchedule')).toBe(true);
  });
});

describe('throttling and faults', () => {
  it('30% injected 503/429 (items inside $batch and getSchedule): same classification as without faults', async () => {
    await h.emu.control.grantConsent({
      tenantId: C.tenantId,
      appId: APP,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All', 'User.Read.All'],
    });
    const a = h.activities();
    const sample = await a.sampleUsers({ tenant, size: 200, source: { kind: 'all' }, seed: 'faults' });
    const users = [...sample.users, ...named];
    const clean = byId(await a.probeCalendars({ tenant, users, options: { concurrency: 4 } }));
    await h.emu.control.setFaults([
      { route: 'listEvents', kind: '503', rate: 0.15, retryAfterSeconds: 1 },
      { route: 'listEvents', kind: '429', rate: 0.18, retryAfterSeconds: 1 },
      { route: 'getSchedule', kind: '503', rate: 0.15, retryAfterSeconds: 1 },
      { route: 'getSchedule', kind: '429', rate: 0.18, retryAfterSeconds: 1 },
    ]);
    await h.emu.control.clearRequests();
    const faulty = await a.probeCalendars({ tenant, users, options: { concurrency: 4, maxRetries: 8 } });
    const log = await h.emu.control.requests({ limit: 10_000 });
    const reads = log.filter((e) => e.route === 'listEvents');
    const injected = reads.filter((e) => e.fault).length / reads.length;
    expect(injected).toBeGreaterThan(0.15);
    expect(faulty.throttledRetries).toBeGreaterThan(0);
    const inaccessible = new Set(['mailboxUnavailable', 'outsideScope', 'accessDenied', 'userNotFound']);
    let transientLeft = 0;
    for (const r of faulty.results) {
      const truth = clean.get(r.userId)!;
      if (r.reason === 'throttled' || r.reason === 'error') {
        transientLeft++;
        continue;
      }
      // No transient error ever surfaces as an access verdict.
      expect(r.reason, r.userId).toBe(truth.reason);
      if (inaccessible.has(r.reason)) expect(r.code).toBe(truth.code);
      expect(r.freeBusy === 'ok' || r.freeBusy === truth.freeBusy, r.userId).toBe(true);
    }
    expect(transientLeft).toBeLessThanOrEqual(1); // 0.3^9 per item: practically none
  });

  it('no mailbox gets more than 4 concurrent requests from six concurrent probes sharing one limiter; without it, 429', async () => {
    // An A/B: the same six concurrent probes of the same mailboxes, with the same warm clients, once sharing one
    // worker-wide limiter and once with a limiter each (six "workers"). Only the shared limiter may differ, so the
    // second run's 429s prove the first run's load really would have exceeded Exchange's 4 concurrent requests.
    // A long emulated latency (the emulator holds a mailbox's slot for it) makes the six runs overlap whatever the
    // machine's load; with 40 ms the runs' start-up skew (token, SDK warm-up) alone kept them apart (peak 2).
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    const sample = await h
      .activities()
      .sampleUsers({ tenant, size: 12, source: { kind: 'all' }, seed: 'limit' });
    const input = { tenant, users: sample.users, options: { concurrency: 8 } }; // one $batch: 12 reads + getSchedule
    const warm = async (workers: ReturnType<Harness['activities']>[]) => {
      // Tokens and clients ready before the measured run, so all six start together.
      await Promise.all(
        workers.map((w) =>
          w.probeCalendars({ tenant, users: sample.users.slice(0, 1), options: { freeBusy: false } }),
        ),
      );
    };
    const sixConcurrentProbes = async (workers: ReturnType<Harness['activities']>[]) => {
      await warm(workers);
      await h.emu.control.setLatency(250, 10);
      await h.emu.control.clearRequests();
      const runs = await Promise.all(workers.map((w) => w.probeCalendars(input)));
      const log = await h.emu.control.requests({ limit: 10_000 });
      await h.emu.control.setLatency(0, 0);
      return { runs, log };
    };

    const shared = new KeyedLimiter(4, { trackPeak: true });
    const limited = await sixConcurrentProbes(
      Array.from({ length: 6 }, () => h.activities({ mailboxLimiter: shared })),
    );
    const peaks = peakConcurrencyPerMailbox(limited.log);
    expect(Math.max(...peaks.values())).toBeLessThanOrEqual(4);
    expect(limited.log.filter((e) => e.status === 429)).toEqual([]);
    for (const r of limited.runs) {
      expect(r.throttledRetries).toBe(0);
      expect(r.results.every((x) => x.reason === 'ok' || x.reason === 'mailboxUnavailable')).toBe(true);
    }
    // The limiter was saturated (the chunk's first mailbox takes two slots: its read and the packed getSchedule).
    expect(Math.max(...shared.peak.values())).toBe(4);

    // Control: the same load, one limiter per worker — the emulator answers 429 (ApplicationThrottled).
    // (Each its own limiter explicitly: in one process createActivities shares the worker's limiter.)
    // The six $batch requests reach the emulator within a few ms of each other (measured: 5 ms) and each item
    // holds its mailbox for 250 ms, so each of the first four mailboxes gets six reads at once: four admitted, two
    // refused. A refusal counts at its arrival (see peakConcurrencyPerMailbox), so the peak is ≥ 5 every run.
    const control = await sixConcurrentProbes(
      Array.from({ length: 6 }, () => h.activities({ mailboxLimiter: new KeyedLimiter(4) })),
    );
    expect(Math.max(...peakConcurrencyPerMailbox(control.log).values())).toBeGreaterThan(4);
    expect(control.log.some((e) => e.status === 429 && e.mailbox)).toBe(true);
    expect(control.runs.reduce((n, r) => n + r.throttledRetries, 0)).toBeGreaterThan(0);
  });
});

describe('resume from heartbeat details', () => {
  it('a retried activity skips the chunks finished before the crash', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    const a = h.activities();
    const sample = await a.sampleUsers({ tenant, size: 100, source: { kind: 'all' }, seed: 'resume' });
    const config = loadGraphConfig(h.env);

    // Attempt 1 crashes after its second finished chunk.
    let finished = 0;
    const crashing = createActivities({
      config,
      probeOverrides: {
        onChunk: () => {
          if (++finished === 2) throw new Error('simulated worker crash');
        },
      },
    });
    const env1 = new MockActivityEnvironment({ attempt: 1 });
    let details: ProbeHeartbeat | undefined;
    env1.on('heartbeat', (d: ProbeHeartbeat) => (details = structuredClone(d)));
    await h.emu.control.clearRequests();
    await expect(
      env1.run(() => crashing.probeCalendars({ tenant, users: sample.users, options: { concurrency: 1 } })),
    ).rejects.toThrow('simulated worker crash');
    expect(Object.keys(details!.done).sort()).toEqual(['0', '1']);
    expect(JSON.stringify(details)).not.toMatch(/eyJ|secret/i);

    // Attempt 2, on a "new worker", gets the last heartbeat details.
    await h.emu.control.clearRequests();
    const env2 = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details });
    const fresh = createActivities({ config });
    const r: ProbeCalendarsResult = await env2.run(() =>
      fresh.probeCalendars({ tenant, users: sample.users, options: { concurrency: 1 } }),
    );
    const reads = (await h.emu.control.requests({ limit: 10_000 })).filter((e) => e.route === 'listEvents');
    // With free/busy a chunk is 19 reads + its getSchedule in one $batch: chunks 0 and 1 (38 users) are done.
    const done = 2 * details!.chunkSize;
    expect(done).toBe(38);
    expect(reads).toHaveLength(100 - done);
    const probedNow = new Set(reads.map((e) => decodeURIComponent(e.path.split('/')[3]!)));
    for (const u of sample.users.slice(0, done)) expect(probedNow.has(u.id)).toBe(false);
    expect(r.results).toHaveLength(100);
    expect(r.results.map((x) => x.userId)).toEqual(sample.users.map((u) => u.id));
    expect(r.results.every((x) => x.reason)).toBe(true);
  });
});

describe('capabilityProbe', () => {
  it('creates a private online meeting, checks join URL, organizer and response, and deletes it', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    const r = await h.activities().capabilityProbe({ tenant, mailbox: C.probeMailbox.userPrincipalName });
    expect(r).toMatchObject({
      ok: true,
      teamsJoinUrl: true,
      organizerIsMailbox: true,
      responseStatusReadable: true,
      cleanedUp: true,
    });
    const log = await h.emu.control.requests({ limit: 1000 });
    const created = log.filter((e) => e.route === 'createEvent' && e.status === 201);
    const deleted = log.filter((e) => e.route === 'deleteEvent' && e.status === 204);
    expect(created).toHaveLength(1);
    expect(deleted).toHaveLength(1);
  });

  it('leaves nothing behind when a step fails', async () => {
    await h.emu.control.grantConsent({ tenantId: C.tenantId, appId: APP });
    await h.emu.control.setFaults([{ route: 'getEvent', kind: '500', rate: 1 }]);
    const r = await h
      .activities({ env: { TOGETHER_GRAPH_MAX_RETRIES: '1' } })
      .capabilityProbe({ tenant, mailbox: C.probeMailbox.userPrincipalName });
    expect(r.ok).toBe(false);
    expect(r.cleanedUp).toBe(true);
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ['create', true],
      ['read', false],
      ['delete', true],
    ]);
  });

  it('refuses a mailbox that is not designated', async () => {
    await expect(
      h.activities().capabilityProbe({ tenant, mailbox: U.inScope.userPrincipalName }),
    ).rejects.toMatchObject({
      type: FailureTypes.Configuration,
      nonRetryable: true,
    });
  });
});
