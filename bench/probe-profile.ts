/**
 * Where the probe's time above the floor goes (issue 15 target 1): the bench's setup (emulator in its own process,
 * N users, warmed at zero latency), then RUNS probes at LAT ms (defaults 3 and 100), each printing its wall time,
 * the client's and the emulator's CPU, when the client created and sent its requests (undici diagnostics
 * channels), when the $batch requests reached and left the emulator (its request log), the items' durations,
 * any request outside the batches (a getSchedule fallback is one more round trip after its batch) and the packed
 * getSchedule routes that failed. `node --import tsx bench/probe-profile.ts`; ROLES=comma list to grant.
 * Not part of `npm run bench` (no `.bench.ts`): a diagnostic.
 */
import dc from 'node:diagnostics_channel';
const ev: Record<string, number[]> = {};
for (const ch of [
  'undici:client:beforeConnect',
  'undici:client:connected',
  'undici:request:create',
  'undici:client:sendHeaders',
  'undici:request:bodySent',
  'undici:request:headers',
  'undici:request:trailers',
])
  dc.subscribe(ch, () => (ev[ch] ??= []).push(performance.now()));

import { createActivities } from '../activities';
import { parseGraphConfig } from '../activities/config';
import { createGraphClientFactory } from '../activities/graph/client';
import { workerMailboxLimiter } from '../activities/graph/limiter';
import { silentLogger, type ActivityDeps } from '../activities/runtime';
import { probeCalendars } from '../activities/probe/probe';
import { trustEmulatorCa } from '../emulator';
import { startEmulatorProcess } from './emulator-process';
import { CONTOSO, TOGETHER_APP } from '../emulator/fixtures/ids';
import { load } from './load';
import { contosoFixture, cpuMs, emulatorGraphConfig } from './setup';

async function main() {
  const N = Number(process.env.BENCH_PROBE_USERS ?? 1000);
  const fixture = contosoFixture(N + 200);
  const emu = await startEmulatorProcess(fixture);
  try {
    trustEmulatorCa(emu.caCertPath);
    await emu.control.grantConsent({
      tenantId: CONTOSO.tenantId,
      appId: TOGETHER_APP.appId,
      roles: (process.env.ROLES ?? 'Calendars.ReadWrite,User.ReadBasic.All').split(','),
    });
    const config = emulatorGraphConfig(emu);
    const tenant = { tenantId: CONTOSO.tenantId };
    const activities = createActivities({ config });
    const parsed = parseGraphConfig(config);
    const full = {
      config: parsed,
      logger: silentLogger,
      clients: createGraphClientFactory(parsed),
      mailboxLimiter: workerMailboxLimiter(parsed.probe.perMailboxConcurrency),
    } as unknown as ActivityDeps;
    // AB=path: alternate runs between this probe and another module's probeCalendars (same deps, same client).
    const other = process.env.AB
      ? ((await import(process.env.AB)) as { probeCalendars: typeof probeCalendars }).probeCalendars
      : undefined;
    await emu.control.setLatency(0, 0);
    const warm = await activities.sampleUsers({ tenant, size: N, source: { kind: 'all' }, seed: 'bench' });
    await activities.probeCalendars({ tenant, users: warm.users });
    for (let run = 0; run < Number(process.env.RUNS ?? 3); run++) {
      await emu.control.setLatency(Number(process.env.LAT ?? 100), 0);
      await emu.control.clearRequests();
      const sample = await activities.sampleUsers({
        tenant,
        size: N,
        source: { kind: 'all' },
        seed: 'bench',
      });
      const e0 = cpuMs(emu.pid);
      const c0 = process.cpuUsage();
      const w0 = Date.now();
      for (const k of Object.keys(ev)) delete ev[k];
      const t0 = performance.now();
      const impl = other && run % 2 === 1 ? other : probeCalendars;
      await impl(full, { tenant, users: sample.users });
      const ms = performance.now() - t0;
      const w1 = Date.now();
      const c = process.cpuUsage(c0);
      const e1 = cpuMs(emu.pid);
      const evs = Object.entries(ev)
        .map(
          ([k, v]) =>
            `${k.split(':').at(-1)} n=${v.length} ${(v[0]! - t0).toFixed(0)}..${(v.at(-1)! - t0).toFixed(0)}`,
        )
        .join('; ');
      console.log(evs);
      const log = (await emu.control.requests({ limit: 100_000 })).filter(
        (e) => Date.parse(e.time) >= w0 - 1,
      );
      for (const e of log.filter((x) => x.route === 'getSchedule' && x.batchRequestId && x.status !== 200)) {
        const id = decodeURIComponent(e.path.split('/')[3]!);
        console.log(
          'failed packed getSchedule',
          e.status,
          e.mailbox,
          JSON.stringify(sample.users.find((u) => u.id === id)),
          log.filter((x) => x.route === 'listEvents' && x.path.includes(id)).map((x) => x.status),
        );
      }
      const batches = log.filter((e) => e.route === 'batch');
      const starts = batches.map((b) => Date.parse(b.time) - w0).sort((a, b) => a - b);
      const ends = batches.map((b) => Date.parse(b.time) + b.durationMs - w0).sort((a, b) => a - b);
      const durs = batches.map((b) => b.durationMs).sort((a, b) => a - b);
      const items = log.filter((e) => e.batchRequestId);
      const itemDur = items.map((b) => b.durationMs).sort((a, b) => a - b);
      const q = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
      console.log(
        `run ${run}${other ? (run % 2 === 1 ? ' (AB)' : ' (this)') : ''}: ${ms.toFixed(0)} ms; client CPU ${((c.user + c.system) / 1000).toFixed(0)} ms; emulator CPU ${(e1 - e0).toFixed(0)} ms; ` +
          `${batches.length} batches (+${log.length - batches.length - items.length} other); batch start first/last ${starts[0]}/${starts.at(-1)} ms; ` +
          `batch end first/last ${ends[0]}/${ends.at(-1)} ms; batch dur min/p50/max ${durs[0]}/${q(durs, 0.5)}/${durs.at(-1)}; item dur p50/p90/max ${q(itemDur, 0.5)}/${q(itemDur, 0.9)}/${itemDur.at(-1)}; wall end ${w1 - w0}; ${load()}; other ${log
            .filter((e) => e.route !== 'batch' && !e.batchRequestId)
            .map((e) => e.route + ' ' + (Date.parse(e.time) - w0))
            .join(',')}`,
      );
    }
  } finally {
    await emu.stop();
  }
}
void main();
