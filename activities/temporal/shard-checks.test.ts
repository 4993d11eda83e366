import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import type { HealthResult } from '../../contracts/health';
import type { ShardCheck, ShardCheckOutcome } from '../../contracts/health-shard';
import { createShardChecks } from './shard-checks';

const result = (tenantId: string, checkId: string, over: Partial<HealthResult> = {}): HealthResult => ({
  tenantId,
  checkId,
  at: '2026-11-30T10:00:00.000Z',
  owner: 'o@x.test',
  consentUrl: 'https://c.test',
  consent: 'consented',
  missingRoles: [],
  verdict: 'pass',
  sampled: 10,
  accessible: 10,
  examples: [],
  graphRequests: 3,
  durationMs: 5,
  ...over,
});
const check = (tenantId: string, lastReport?: ShardCheck['lastReport']): ShardCheck => ({
  checkId: `health-shard-0/${tenantId}/check-1`,
  check: {
    tenant: { tenantId },
    owner: 'o@x.test',
    consentUrl: 'https://c.test',
    sampleSize: 10,
    threshold: 0.9,
  },
  ...(lastReport ? { lastReport } : {}),
});

describe('runShardChecks (a shard’s batch)', () => {
  it('reports only the results a monitor needs, and records each outcome', async () => {
    const reported: string[] = [];
    const run = createShardChecks({
      runHealthCheck: async (i) =>
        result(i.tenant.tenantId, i.checkId, i.tenant.tenantId === 'bad' ? { verdict: 'fail' } : {}),
      reportToMonitor: async ({ result: r }) => void reported.push(r.tenantId),
    });
    const quiet = { cls: 'healthy' as const, at: '2026-11-30T09:00:00.000Z', healthyStreak: 3 };
    const out = await run({ shard: 0, checks: [check('new'), check('quiet', quiet), check('bad', quiet)] });
    expect(reported.sort()).toEqual(['bad', 'new']);
    expect(Object.fromEntries(out.map((o) => [o.tenantId, [o.cls, o.reported]]))).toEqual({
      new: ['healthy', true],
      quiet: ['healthy', false],
      bad: ['failing', true],
    });
  });

  it('one tenant’s failure is its own outcome, not the batch’s', async () => {
    const run = createShardChecks({
      runHealthCheck: async (i) => {
        if (i.tenant.tenantId === 'boom') throw new Error('monitor unreachable');
        return result(i.tenant.tenantId, i.checkId);
      },
      reportToMonitor: async () => {},
    });
    const out = await run({ shard: 0, checks: [check('boom'), check('fine')] });
    expect(out.find((o) => o.tenantId === 'boom')).toMatchObject({ error: 'monitor unreachable' });
    expect(out.find((o) => o.tenantId === 'fine')).toMatchObject({ cls: 'healthy', reported: true });
  });

  it('keeps at most `inFlight` checks running at once across batches', async () => {
    let running = 0;
    let peak = 0;
    const run = createShardChecks({
      inFlight: 3,
      runHealthCheck: async (i) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return result(i.tenant.tenantId, i.checkId);
      },
      reportToMonitor: async () => {},
    });
    const batch = (p: string) => Array.from({ length: 10 }, (_, i) => check(`${p}${i}`));
    const [a, b] = await Promise.all([
      run({ shard: 0, checks: batch('a') }),
      run({ shard: 1, checks: batch('b') }),
    ]);
    expect(a).toHaveLength(10);
    expect(b).toHaveLength(10);
    expect(peak).toBe(3);
  });

  it('a retried batch skips the checks its previous attempt heartbeated; a long batch heartbeats its outcomes on a timer', async () => {
    const ran: string[] = [];
    const run = createShardChecks({
      heartbeatEveryMs: 10,
      runHealthCheck: async (i) => {
        ran.push(i.tenant.tenantId);
        await new Promise((r) => setTimeout(r, 50));
        return result(i.tenant.tenantId, i.checkId);
      },
      reportToMonitor: async () => {},
    });
    const earlier = {
      tenantId: 'a',
      checkId: check('a').checkId,
      at: '2026-11-30T09:59:00.000Z',
      cls: 'healthy' as const,
      reported: true,
    };
    const env = new MockActivityEnvironment({ heartbeatDetails: [earlier], attempt: 2 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const out: ShardCheckOutcome[] = await env.run(run, { shard: 0, checks: [check('a'), check('b')] });
    expect(ran).toEqual(['b']);
    expect(out.find((o) => o.tenantId === 'a')).toEqual(earlier);
    expect(beats.length).toBeGreaterThanOrEqual(1);
  });

  it('a short batch sends no heartbeat (each one reaching the server is billed)', async () => {
    const run = createShardChecks({
      runHealthCheck: async (i) => result(i.tenant.tenantId, i.checkId),
      reportToMonitor: async () => {},
    });
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(run, { shard: 0, checks: [check('a'), check('b')] });
    expect(beats).toEqual([]);
  });
});
