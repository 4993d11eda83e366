/**
 * The batched calendar probe against a naive baseline, side by side in one run, on the emulator with 100 ms of
 * latency per Graph request (and per `$batch` item, as the emulator — like Graph — runs the items of a batch four
 * at a time).
 *
 *   - naive: one `GET /users/{id}/calendar/events?$top=1&$select=id,start,end` per user, in sequence, through
 *     the same Graph client;
 *   - batched: `probeCalendars` (20 per `$batch`), read check only (freeBusy off, the same work as the naive
 *     loop), at concurrency 4 (the default) and 16; plus one run with free/busy (getSchedule) for reference.
 *
 * Ideal (the formula): ceil(N / 20 / concurrency) × latency. Because Graph dispatches batch items to
 * Outlook four at a time, one $batch of 20 costs ceil(20/4) = 5 latencies, so a dispatch-aware ideal is
 * ceil(N / 20 / concurrency) × 5 × latency; both are printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createActivities, loadGraphConfig } from '../activities';
import type { SampledUser } from '../contracts/activities';
import { createGraphClientFactory } from '../activities/graph/client';
import { readCheckUrl } from '../activities/probe/probe';
import { startEmulator, trustEmulatorCa, type FixtureObject } from '../emulator';
import { CONTOSO, PUBLISHER, TOGETHER_APP } from '../emulator/fixtures/ids';
import type { BenchRow } from './types';

const N = 1000;
const LATENCY_MS = 100;
const BATCH = 20;
const ITEMS_IN_FLIGHT_PER_BATCH = 4;

export default async function probeBench(): Promise<BenchRow[]> {
  const fixture = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', 'emulator', 'fixtures', 'contoso.json'), 'utf8'),
  ) as FixtureObject & {
    tenants: { id: string; generate?: { count: number } }[];
  };
  const contoso = fixture.tenants.find((t) => t.id === CONTOSO.tenantId)!;
  contoso.generate = { ...contoso.generate!, count: N + 200 };

  const emu = await startEmulator({ port: 0, fixture, latencyMs: 0 });
  try {
    trustEmulatorCa(emu.caCertPath);
    await emu.control.grantConsent({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    });
    const config = loadGraphConfig({
      TOGETHER_APP_ID: TOGETHER_APP.appId,
      TOGETHER_CLIENT_SECRET: TOGETHER_APP.clientSecret,
      TOGETHER_AUTHORITY_HOST: emu.loginUrl,
      TOGETHER_GRAPH_BASE_URL: emu.graphUrl,
      TOGETHER_PUBLISHER_TENANT_ID: PUBLISHER.tenantId,
    });
    const activities = createActivities({ config });
    const tenant = { tenantId: CONTOSO.tenantId };
    const sample = await activities.sampleUsers({ tenant, size: N, source: { kind: 'all' }, seed: 'bench' });
    const users: SampledUser[] = sample.users;
    if (users.length !== N) throw new Error(`expected ${N} sampled users, got ${users.length}`);

    // Warm up token and connections, then add latency.
    await activities.probeCalendars({ tenant, users: users.slice(0, 20), options: { freeBusy: false } });
    await emu.control.setLatency(LATENCY_MS, 0);

    const batched = async (concurrency: number, freeBusy: boolean) => {
      await emu.control.clearRequests();
      const t0 = performance.now();
      const r = await activities.probeCalendars({ tenant, users, options: { concurrency, freeBusy } });
      const ms = performance.now() - t0;
      const ok = r.results.filter((x) => x.reason === 'ok').length;
      return { ms, requests: r.graphRequests, ok, throttled: r.throttledRetries };
    };
    const c4 = await batched(4, false);
    const c16 = await batched(16, false);
    const c16fb = await batched(16, true);

    // Naive baseline: one request per user, in sequence, same SDK client.
    process.stderr.write(`  naive baseline: ${N} sequential requests at ${LATENCY_MS} ms …\n`);
    const client = createGraphClientFactory(config).forTenant(tenant).client;
    const t0 = performance.now();
    let naiveOk = 0;
    for (const u of users) {
      try {
        await client.api(readCheckUrl(u.id)).get();
        naiveOk++;
      } catch {
        /* classified elsewhere; only the time matters here */
      }
    }
    const naiveMs = performance.now() - t0;
    if (naiveOk !== c16.ok)
      throw new Error(`baseline and batched probe disagree: ${naiveOk} vs ${c16.ok} readable calendars`);

    const ideal = (c: number) => Math.ceil(N / BATCH / c) * LATENCY_MS;
    const dispatchIdeal = (c: number) =>
      Math.ceil(N / BATCH / c) * Math.ceil(BATCH / ITEMS_IN_FLIGHT_PER_BATCH) * LATENCY_MS;
    const speed = (ms: number) => naiveMs / ms;
    const rows: BenchRow[] = [
      {
        name: `naive probe ${N} users (1 request/user, sequential)`,
        value: naiveMs / 1000,
        unit: 's',
        note: `${naiveOk} readable calendars`,
      },
    ];
    for (const [c, r] of [
      [4, c4],
      [16, c16],
    ] as const) {
      rows.push(
        {
          name: `batched probe ${N} users, concurrency ${c}: speed-up`,
          value: speed(r.ms),
          unit: '×',
          baseline: naiveMs / 1000,
          baselineLabel: 'naive s',
          ratio: `${speed(r.ms).toFixed(1)}× faster (${(r.ms / 1000).toFixed(2)} s)`,
          target: '≥ 40×',
          met: speed(r.ms) >= 40,
        },
        {
          name: `batched probe ${N} users, concurrency ${c}: wall vs ideal ceil(N/20/c)×latency`,
          value: r.ms / 1000,
          unit: 's',
          baseline: ideal(c) / 1000,
          baselineLabel: 'ideal s',
          ratio: `${(r.ms / ideal(c)).toFixed(2)}× ideal`,
          target: '≤ 1.5× ideal',
          met: r.ms <= 1.5 * ideal(c),
          note: `a $batch of 20 costs ${Math.ceil(BATCH / ITEMS_IN_FLIGHT_PER_BATCH)} latencies (items dispatched 4 at a time, as Graph does); against that dispatch-aware ideal (${(dispatchIdeal(c) / 1000).toFixed(2)} s) it is ${(r.ms / dispatchIdeal(c)).toFixed(2)}×`,
        },
        {
          name: `batched probe ${N} users, concurrency ${c}: wall vs dispatch-aware ideal`,
          value: r.ms / 1000,
          unit: 's',
          baseline: dispatchIdeal(c) / 1000,
          baselineLabel: 'ideal×5 s',
          ratio: `${(r.ms / dispatchIdeal(c)).toFixed(2)}× ideal`,
          target: '≤ 1.5× ideal',
          met: r.ms <= 1.5 * dispatchIdeal(c),
        },
      );
    }
    rows.push(
      {
        name: 'Graph requests per user (read check)',
        value: c16.requests / N,
        unit: 'req/user',
        baseline: 1,
        baselineLabel: 'naive',
        ratio: `${(1 / (c16.requests / N)).toFixed(0)}× fewer`,
      },
      {
        name: `batched probe + free/busy (getSchedule), concurrency 16`,
        value: c16fb.ms / 1000,
        unit: 's',
        ratio: `${(c16fb.requests / N).toFixed(2)} req/user`,
        note: `${c16fb.requests} requests, ${c16fb.throttled} throttled retries`,
      },
    );
    return rows;
  } finally {
    await emu.stop();
  }
}
