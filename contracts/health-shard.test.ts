import { describe, expect, it } from 'vitest';
import {
  fromCarried,
  HEALTH_SHARDS,
  healthShardOf,
  nextLastReport,
  REPORT_AT_LEAST_EVERY_MS,
  shouldReport,
  type LastReport,
} from './health-shard';

const at = (h: number) => new Date(Date.parse('2026-11-30T00:00:00Z') + h * 3_600_000).toISOString();
const ok = { at: at(1) };

describe('which results a shard reports to the tenant’s monitor', () => {
  it('reports the first result, whatever it is', () => {
    expect(shouldReport('healthy', ok, undefined)).toBe(true);
  });

  it('reports every result that is not healthy (the monitor escalates and reminds)', () => {
    const last: LastReport = { cls: 'failing', at: at(0), healthyStreak: 0 };
    for (const cls of ['degraded', 'failing', 'inconclusive'] as const)
      expect(shouldReport(cls, ok, last)).toBe(true);
  });

  it('reports the healthy result that closes an incident and the next one (recovered → active), then stays quiet', () => {
    let last: LastReport = nextLastReport('failing', at(0), undefined);
    expect(shouldReport('healthy', { at: at(1) }, last)).toBe(true);
    last = nextLastReport('healthy', at(1), last);
    expect(last.healthyStreak).toBe(1);
    expect(shouldReport('healthy', { at: at(2) }, last)).toBe(true);
    last = nextLastReport('healthy', at(2), last);
    expect(shouldReport('healthy', { at: at(3) }, last)).toBe(false);
  });

  it('reports a healthy unchanged tenant once a day, and any credential warning', () => {
    const last: LastReport = { cls: 'healthy', at: at(0), healthyStreak: 5 };
    expect(shouldReport('healthy', { at: at(23) }, last)).toBe(false);
    expect(
      shouldReport(
        'healthy',
        { at: new Date(Date.parse(at(0)) + REPORT_AT_LEAST_EVERY_MS).toISOString() },
        last,
      ),
    ).toBe(true);
    const warning = {
      at: at(1),
      credentials: {
        severity: 'warning' as const,
        credentials: [
          {
            keyId: 'k',
            kind: 'secret' as const,
            endDateTime: at(100),
            daysLeft: 4,
            severity: 'warning' as const,
          },
        ],
      },
    };
    expect(shouldReport('healthy', warning, last)).toBe(true);
  });

  it('spreads 10,000 tenants over the shards (none gets more than 1.5× its share)', () => {
    const per = new Array(HEALTH_SHARDS).fill(0);
    for (let i = 0; i < 10_000; i++)
      per[healthShardOf(`7e5a0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`)]++;
    expect(Math.max(...per)).toBeLessThan((10_000 / HEALTH_SHARDS) * 1.5);
    expect(Math.min(...per)).toBeGreaterThan(0);
  });
});

describe('a tenant carried by an earlier version of the shard', () => {
  const loop = {
    intervalMinutes: 60,
    check: {
      tenant: { tenantId: 't' },
      owner: 'o@x.test',
      consentUrl: 'https://c.test',
      sampleSize: 10,
      threshold: 0.9,
    },
    paused: false,
    runs: 2,
    recentRuns: [
      { at: at(1), checkId: 'health-shard-3/t/check-1' },
      { at: at(2), checkId: 'health-shard-3/t/check-2' },
    ],
  };
  it('folds the old map of outcomes into its runs and drops the map', () => {
    const carried = {
      loop,
      lastReport: { cls: 'healthy' as const, at: at(2), healthyStreak: 2 },
      outcomes: {
        'health-shard-3/t/check-1': { cls: 'healthy' as const, verdict: 'pass' as const, reported: true },
        'health-shard-3/t/check-2': { cls: 'healthy' as const, verdict: 'pass' as const, reported: false },
      },
    };
    const t = fromCarried(carried);
    expect(t).not.toHaveProperty('outcomes');
    expect(t.lastReport).toEqual(carried.lastReport);
    expect(t.loop.recentRuns).toEqual([
      { at: at(1), checkId: 'health-shard-3/t/check-1', cls: 'healthy', verdict: 'pass', reported: true },
      { at: at(2), checkId: 'health-shard-3/t/check-2', cls: 'healthy', verdict: 'pass', reported: false },
    ]);
  });
  it('leaves a tenant of this version as it is', () => {
    const t = { loop };
    expect(fromCarried(t)).toBe(t);
  });
});
