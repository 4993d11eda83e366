import { describe, expect, it } from 'vitest';
import { decodeRun, encodeRun, type HealthLoopState } from '../contracts/health-loop';
import {
  afterHealthCheck,
  afterShardCheck,
  dueBatch,
  applyHealthLoopCommand,
  healthLoopInfo,
  nextRunAfter,
  tenantPhaseMinutes,
} from './health-loop';

const T = '7e5a0000-0000-4000-8000-000000000001';
const check = {
  tenant: { tenantId: T },
  owner: 'o@x.test',
  consentUrl: 'https://c.test',
  sampleSize: 10,
  threshold: 0.9,
};
const MIN = 60_000;
const t0 = Date.parse('2026-11-30T10:07:30Z');

describe('health-check loop rules (the monitor’s timer loop)', () => {
  it('puts each tenant on its own phase within the interval, strictly in the future', () => {
    const next = nextRunAfter(t0, 60, T);
    expect(next).toBeGreaterThan(t0);
    expect(next - t0).toBeLessThanOrEqual(60 * MIN);
    expect((next / MIN) % 60).toBe(tenantPhaseMinutes(T, 60));
    expect(nextRunAfter(next, 60, T)).toBe(next + 60 * MIN); // a check at its due time → one interval later
  });

  it('spreads 10,000 tenants over the interval (no minute gets more than 3× its share)', () => {
    const perMinute = new Array(60).fill(0);
    for (let i = 0; i < 10_000; i++)
      perMinute[tenantPhaseMinutes(`7e5a0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, 60)]++;
    expect(Math.max(...perMinute)).toBeLessThan((10_000 / 60) * 3);
  });

  it('set → pause (with note, no due time) → resume → trigger (due now) → stop', () => {
    let l = applyHealthLoopCommand(undefined, { kind: 'set', intervalMinutes: 60, check }, t0, T)!;
    expect(l).toMatchObject({ intervalMinutes: 60, paused: false, runs: 0 });
    expect(Date.parse(l.nextRunAt!)).toBe(nextRunAfter(t0, 60, T));
    l = applyHealthLoopCommand(l, { kind: 'pause', note: 'maintenance' }, t0, T)!;
    expect(l).toMatchObject({ paused: true, note: 'maintenance' });
    expect(l.nextRunAt).toBeUndefined();
    // an update of the settings keeps the pause (like a schedule update keeps its state)
    l = applyHealthLoopCommand(l, { kind: 'set', intervalMinutes: 120, check }, t0, T)!;
    expect(l).toMatchObject({ paused: true, intervalMinutes: 120 });
    l = applyHealthLoopCommand(l, { kind: 'resume' }, t0, T)!;
    expect(Date.parse(l.nextRunAt!)).toBe(nextRunAfter(t0, 120, T));
    l = applyHealthLoopCommand(l, { kind: 'trigger' }, t0 + 1000, T)!;
    expect(Date.parse(l.nextRunAt!)).toBe(t0 + 1000);
    expect(applyHealthLoopCommand(l, { kind: 'stop' }, t0, T)).toBeUndefined();
    expect(applyHealthLoopCommand(undefined, { kind: 'pause' }, t0, T)).toBeUndefined();
  });

  it('after a check: counts it, keeps the last 10 runs, and is due again on the grid (a trigger meanwhile is skipped)', () => {
    let l: HealthLoopState = applyHealthLoopCommand(
      undefined,
      { kind: 'set', intervalMinutes: 60, check },
      t0,
      T,
    )!;
    for (let i = 1; i <= 12; i++) l = afterHealthCheck(l, t0 + i * 60 * MIN, `c${i}`, T);
    expect(l.runs).toBe(12);
    // check ids rebuilt from each check's number and where the loop runs (here: the monitor)
    expect(healthLoopInfo(l, T)!.recentRuns.map((r) => r.checkId)).toEqual(
      [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => `monitor-${T}/check-${n}`),
    );
    expect(Date.parse(l.nextRunAt!)).toBe(nextRunAfter(t0 + 12 * 60 * MIN, 60, T));
    expect(healthLoopInfo(l, T)).toMatchObject({
      scheduleId: `health-${T}`,
      runsIn: `monitor-${T}`,
      intervalMinutes: 60,
    });
    expect(healthLoopInfo(undefined, T)).toBeNull();
  });

  it('stores each run as one line and reads it back with its outcome and check id; objects of earlier versions read as they are', () => {
    const at = '2026-12-01T01:00:00.000Z';
    const outcome = { cls: 'healthy', verdict: 'pass', accessible: 9, sampled: 10, reported: false } as const;
    const line = encodeRun(12, at, outcome);
    expect(line).toBe(`12 ${at} healthy pass 9/10 unreported`);
    expect(decodeRun(line, (n) => `s/t/check-${n}`)).toEqual({ at, checkId: 's/t/check-12', ...outcome });
    // an error with spaces, no outcome
    const failed = encodeRun(3, at, { error: 'ActivityFailure: retries exhausted / 3 attempts' });
    expect(decodeRun(failed, (n) => `c${n}`)).toEqual({
      at,
      checkId: 'c3',
      error: 'ActivityFailure: retries exhausted / 3 attempts',
    });
    // a loop inside a monitor records no outcome
    expect(decodeRun(encodeRun(1, at, {}), (n) => `c${n}`)).toEqual({ at, checkId: 'c1' });
    const old = { at, checkId: 'health-shard-3/x/check-2', cls: 'healthy' as const, reported: true };
    expect(decodeRun(old, () => 'unused')).toBe(old);
  });

  it('a shard’s check run a little before its due time moves the loop one interval on, not back to the same due time', () => {
    const l = applyHealthLoopCommand(undefined, { kind: 'set', intervalMinutes: 60, check }, t0, T)!;
    const due = Date.parse(l.nextRunAt!);
    const early = afterShardCheck(l, due, due - 4 * MIN, 'c1', T);
    expect(Date.parse(early.nextRunAt!)).toBe(due + 60 * MIN);
    expect(healthLoopInfo(early, T, 'health-shard-7')!.recentRuns.at(-1)).toEqual({
      at: new Date(due - 4 * MIN).toISOString(),
      checkId: `health-shard-7/${T}/check-1`,
    });
    // late (an outage): one check, then back on the grid after it
    const late = afterShardCheck(l, due, due + 150 * MIN, 'c2', T);
    expect(Date.parse(late.nextRunAt!)).toBe(due + 180 * MIN);
    // paused (a triggered paused loop): no next due time
    expect(afterShardCheck({ ...l, paused: true }, due, due, 'c3', T).nextRunAt).toBeUndefined();
  });

  it('a shard’s batch: nothing before the earliest due time, then every loop due within the window of it', () => {
    const loop = (dueMin: number, intervalMinutes = 60): { loop: HealthLoopState } => ({
      loop: {
        intervalMinutes,
        check,
        paused: false,
        runs: 0,
        recentRuns: [],
        nextRunAt: new Date(t0 + dueMin * MIN).toISOString(),
      },
    });
    const tenants: [string, { loop: HealthLoopState }][] = [
      ['a', loop(10)],
      ['b', loop(13)],
      ['c', loop(16)],
      ['d', loop(11, 8)], // an 8-minute interval: its window is 2 minutes
      ['p', { loop: { ...loop(0).loop, paused: true, nextRunAt: undefined } }],
    ];
    expect(dueBatch(tenants, t0)).toEqual({ earliest: t0 + 10 * MIN, due: [] });
    expect(dueBatch(tenants, t0 + 10 * MIN).due.map(([id]) => id)).toEqual(['a', 'b', 'd']);
    expect(dueBatch([['p', tenants[4]![1]]], t0).earliest).toBe(Infinity);
  });
});
