/**
 * What per-user delegated tokens do to the sample test's speed (issue 16 item 5), side by side on the same users
 * and the same emulated Graph latency (100 ms per request and per $batch item; the emulator runs a batch's items
 * four at a time, like Graph):
 *
 *   - individual: `probeConnections` — per user one silent token refresh (from the sealed MSAL cache) and one
 *     `GET /me/calendar/events?$top=1` with that user's token; K users in flight (default 16, and all);
 *   - domain-wide: `probeCalendars` at default settings — app token, 19 reads + one getSchedule per `$batch`,
 *     every batch in flight.
 *
 * N users (BENCH_INDIVIDUAL_PROBE_USERS, default 100) connect first through the emulator's real authorization-code
 * flow (PKCE, msal-node). Requests per user come from the emulator's request log: top-level Graph requests (a
 * $batch once) and token requests separately. The emulator adds no latency to its token endpoint, so the
 * individual figure leaves out Entra's token round trip (typically 100–300 ms), which doubles the per-user chain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CryptoProvider } from '@azure/msal-node';
import pLimit from 'p-limit';
import { createActivities, MemoryIdempotencyStore } from '../activities';
import { createIndividual, DELEGATED_SCOPES } from '../activities/individual';
import { DEFAULT_INDIVIDUAL_PROBE_CONCURRENCY } from '../activities/individual/sample-test';
import type { SampledUser } from '../contracts/activities';
import { startEmulator, trustEmulatorCa, type RequestLogEntry } from '../emulator';
import { CONTOSO, TOGETHER_APP } from '../emulator/fixtures/ids';
import { signInWithCode } from '../test/helpers/delegated-signin';
import { load } from './load';
import { contosoFixture, emulatorGraphConfig } from './setup';
import type { BenchRow } from './types';

const LATENCY_MS = 100;
const REDIRECT = 'https://127.0.0.1:3999/connect/callback';

const graphCount = (log: RequestLogEntry[]) =>
  log.filter((e) => !e.batchRequestId && e.route !== 'token').length;
const tokenCount = (log: RequestLogEntry[]) => log.filter((e) => e.route === 'token').length;

export async function probeComparison(): Promise<BenchRow[]> {
  const N = Number(process.env.BENCH_INDIVIDUAL_PROBE_USERS) || 100;
  // Some generated users have no mailbox (guests, unlicensed, on-premises, disabled): they cannot connect.
  const generated = Math.ceil(N * 1.3) + 50;
  const fixture = contosoFixture(generated);
  const emu = await startEmulator({ port: 0, fixture, latencyMs: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-individual-'));
  try {
    trustEmulatorCa(emu.caCertPath);
    const T = CONTOSO.tenantId;
    await emu.control.grantConsent({
      tenantId: T,
      appId: TOGETHER_APP.appId,
      roles: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    });
    await emu.control.addRedirectUris(TOGETHER_APP.appId, [REDIRECT]);
    await emu.control.setUserConsent(T, 'all');
    const config = emulatorGraphConfig(emu, { TOGETHER_STATE_DIR: dir });
    const tenant = { tenantId: T };
    const domainWide = createActivities({ config });
    const individual = createIndividual({
      config,
      env: { TOGETHER_STATE_DIR: dir },
      idempotencyStore: new MemoryIdempotencyStore(),
    });

    // Connect N users through the real code flow (candidates from the directory, in sample order).
    const candidates = (
      await domainWide.sampleUsers({
        tenant,
        size: generated,
        source: { kind: 'all' },
        seed: 'bench',
      })
    ).users.filter((u) => u.userPrincipalName && !u.userType);
    process.stderr.write(`  connecting ${N} users through the emulator's code flow …\n`);
    const connected: SampledUser[] = [];
    const crypto = new CryptoProvider();
    const connectLimit = pLimit(8);
    await Promise.all(
      candidates.map((u) =>
        connectLimit(async () => {
          if (connected.length >= N) return;
          const pkce = await crypto.generatePkceCodes();
          const url = await individual.ind.msal.forPartition(T, '').getAuthCodeUrl({
            scopes: DELEGATED_SCOPES,
            redirectUri: REDIRECT,
            codeChallenge: pkce.challenge,
            codeChallengeMethod: 'S256',
            state: 'bench',
            loginHint: u.userPrincipalName!,
          });
          const code = (await signInWithCode(url, u.userPrincipalName!)).redirect?.searchParams.get('code');
          if (!code || connected.length >= N) return;
          try {
            await individual.backend.connectUser({
              tenantId: T,
              code,
              codeVerifier: pkce.verifier,
              redirectUri: REDIRECT,
            });
            if (connected.length < N) connected.push(u);
          } catch {
            // no calendar (e.g. unlicensed): not a connected user
          }
        }),
      ),
    );
    if (connected.length < N) throw new Error(`only ${connected.length} of ${N} users could connect`);
    const ids = connected.map((u) => u.id);

    const individualRun = async (concurrency: number) => {
      await emu.control.clearRequests();
      const t0 = performance.now();
      const r = await individual.activities.probeConnections({
        tenantId: T,
        connectionIds: ids,
        concurrency,
      });
      const ms = performance.now() - t0;
      const log = await emu.control.requests({ limit: 100_000 });
      const ok = r.results.filter((x) => x.reason === 'ok').length;
      return { ms, ok, graph: graphCount(log), token: tokenCount(log), load: load() };
    };
    const domainRun = async () => {
      await emu.control.clearRequests();
      const t0 = performance.now();
      const r = await domainWide.probeCalendars({ tenant, users: connected });
      const ms = performance.now() - t0;
      const log = await emu.control.requests({ limit: 100_000 });
      const ok = r.results.filter((x) => x.reason === 'ok').length;
      return { ms, ok, graph: graphCount(log), token: tokenCount(log), load: load() };
    };
    // Warm-up at zero latency (JIT, calendars created on first touch, the app token), then measure.
    await individualRun(DEFAULT_INDIVIDUAL_PROBE_CONCURRENCY);
    await domainRun();
    await emu.control.setLatency(LATENCY_MS, 0);
    const K = DEFAULT_INDIVIDUAL_PROBE_CONCURRENCY;
    const ind = await individualRun(K);
    const indAll = await individualRun(N);
    const dom = await domainRun();
    if (ind.ok !== N || indAll.ok !== N || dom.ok !== N)
      throw new Error(`probes disagree: individual ${ind.ok}/${indAll.ok}, domain-wide ${dom.ok} of ${N}`);

    const s = (ms: number) => (ms / 1000).toFixed(2);
    const perUser = (n: number) => (n / N).toFixed(2);
    const line =
      `individual (1 delegated request/user, ${K} in flight) ${s(ind.ms)} s vs domain-wide $batch ${s(dom.ms)} s = ` +
      `${(ind.ms / dom.ms).toFixed(1)}× slower; all ${N} in flight ${s(indAll.ms)} s = ${(indAll.ms / dom.ms).toFixed(1)}×; ` +
      `requests/user: individual ${perUser(ind.graph)} Graph + ${perUser(ind.token)} token, ` +
      `domain-wide ${perUser(dom.graph)} Graph + ${perUser(dom.token)} token (${N} users, ${LATENCY_MS} ms/request, ${ind.load})`;
    process.stderr.write(`  ${line}\n`);
    return [
      {
        name: `individual probe ${N} users (1 delegated request/user, ${K} in flight) vs domain-wide $batch probe`,
        value: ind.ms / 1000,
        unit: 's',
        baseline: dom.ms / 1000,
        baselineLabel: 'domain-wide s',
        ratio: `${(ind.ms / dom.ms).toFixed(1)}× slower`,
        load: ind.load,
        note: line,
      },
      {
        name: `individual probe ${N} users, all in flight vs domain-wide $batch probe`,
        value: indAll.ms / 1000,
        unit: 's',
        baseline: dom.ms / 1000,
        baselineLabel: 'domain-wide s',
        ratio: `${(indAll.ms / dom.ms).toFixed(1)}× slower`,
        load: indAll.load,
      },
      {
        name: 'requests per sampled user: individual (Graph + token) vs domain-wide (Graph)',
        value: (ind.graph + ind.token) / N,
        unit: 'req/user',
        baseline: dom.graph / N,
        baselineLabel: 'domain-wide',
        ratio: `${((ind.graph + ind.token) / Math.max(1, dom.graph)).toFixed(0)}× more`,
        load: dom.load,
      },
    ];
  } finally {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
