/**
 * Individual mode's keep-alive cost at 10,000 connections (issue 16), from a real history: the individualSweep
 * workflow runs one daily sweep on the Temporal test server over 10,000 connections (in-memory activities, 200
 * per page), and its history is counted with the Temporal Cloud action rules (test/helpers/temporal.ts
 * countActions). Side by side: the naive design, one workflow per user with a daily timer and a refresh
 * activity — 1 timer + 1 activity per user per day, plus a continue-as-new a month to bound its history.
 * Token requests per connection per sweep are the same in both (one refresh each); the difference is Temporal.
 * Then the individual-mode sample probe against the domain-wide $batch probe on the same users
 * (bench/individual-probe.ts).
 */
import { Worker } from '@temporalio/worker';
import { fakeIndividual } from '../test/integration/workflows/individual-fakes';
import {
  countActions,
  createTimeSkippingTestEnv,
  uniqueTaskQueue,
  workflowBundle,
} from '../test/helpers/temporal';
import type { BenchRow } from './types';
import { probeComparison } from './individual-probe';

const N = Number(process.env.BENCH_INDIVIDUAL_CONNECTIONS) || 10_000;
const PAGE = 200;
const DAYS = 30;
const PRICE_PER_MILLION = 50;

export default async function individualBench(): Promise<BenchRow[]> {
  // BENCH_INDIVIDUAL_SWEEP=0 skips the sweep's cost (e.g. to check only the probe comparison at a small size).
  const sweep = process.env.BENCH_INDIVIDUAL_SWEEP === '0' ? [] : await sweepCost();
  return [...sweep, ...(await probeComparison())];
}

async function sweepCost(): Promise<BenchRow[]> {
  const env = await createTimeSkippingTestEnv();
  try {
    // 1% break during the month's second sweep: their users' emails and the owner's digest are in the count.
    const breaks: Record<number, [number, 'revoked']> = {};
    for (let i = 0; i < N; i += 100) breaks[i] = [2, 'revoked'];
    const fake = fakeIndividual(N, breaks);
    const taskQueue = uniqueTaskQueue('bench-individual');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fake,
    });
    const sweeps = 2;
    const events = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('individualSweep', {
        taskQueue,
        workflowId: `bench-connections-${Date.now()}`,
        args: [
          {
            tenantId: 'bench',
            owner: 'owner@bench.example',
            consoleUrl: 'https://together.example',
            pageSize: PAGE,
            maxSweeps: sweeps,
          },
        ],
      });
      for (let i = 0; i < 5 && (await h.describe()).status.name === 'RUNNING'; i++) await env.sleep('1 day');
      await h.result();
      return (await h.fetchHistory()).events ?? [];
    });
    const { total, byKind } = countActions(events);
    const notifications = fake.userEmails.length + fake.digests.length;
    // Steady state: a sweep without news = pages + summary + the timer; the month adds the start and the news.
    const perQuietSweep = Math.ceil(N / PAGE) + 1 + 1;
    const monthly = 1 + perQuietSweep * DAYS + notifications;
    const oursPerConn = monthly / N;
    const naivePerConn = DAYS * 2 + 1;
    const tokenPerConnPerSweep = fake.tokenRequests / (N * sweeps);
    return [
      {
        name: `sweep history, ${N.toLocaleString('en')} connections × ${sweeps} sweeps (measured)`,
        value: total,
        unit: 'actions',
        note: Object.entries(byKind)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      },
      {
        name: `Temporal actions per connection per month (daily sweep, ${N.toLocaleString('en')} connections)`,
        value: Math.round(oursPerConn * 1000) / 1000,
        unit: 'actions',
        baseline: naivePerConn,
        baselineLabel: 'one workflow per user (daily timer + refresh activity)',
        ratio: `${Math.round(naivePerConn / oursPerConn)}× fewer`,
      },
      {
        name: `monthly Temporal cost for ${N.toLocaleString('en')} connections at $${PRICE_PER_MILLION}/M actions`,
        value: Math.round(((monthly * PRICE_PER_MILLION) / 1e6) * 100) / 100,
        unit: 'USD',
        baseline: Math.round(((naivePerConn * N * PRICE_PER_MILLION) / 1e6) * 100) / 100,
        baselineLabel: 'one workflow per user',
      },
      {
        name: 'token requests per connection per sweep (refresh = keep-alive + check)',
        value: tokenPerConnPerSweep,
        unit: 'requests',
        baseline: 1,
        baselineLabel: 'one workflow per user',
        note: 'Graph requests per connection per sweep: 0 by default, 1 with probeCalendar (GET /me/events?$top=1)',
      },
    ];
  } finally {
    await env.teardown();
  }
}
