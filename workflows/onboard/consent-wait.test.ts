import { ApplicationFailure } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { answeredCheck, failedCheck } from './consent-outcome';
import { pendingReminders } from './consent-wait';

const HOUR = 3_600_000;

describe('consent reminders', () => {
  it('sends each reminder before the deadline once, earliest first, skipping those sent before continue-as-new', () => {
    const base = { startMs: 0, deadlineMs: 100 * HOUR };
    expect(pendingReminders({ ...base, afterHours: [72, 24], sentHours: [] })).toEqual([
      { h: 24, at: 24 * HOUR },
      { h: 72, at: 72 * HOUR },
    ]);
    expect(pendingReminders({ ...base, afterHours: [24, 72], sentHours: [24] }).map((r) => r.h)).toEqual([
      72,
    ]);
    expect(pendingReminders({ ...base, afterHours: [24, 120], sentHours: [] }).map((r) => r.h)).toEqual([24]);
  });
});

describe('consent check outcomes', () => {
  it('a repeated outcome keeps its first time; a new one starts it again', () => {
    const first = answeredCheck({ state: 'propagating', checkedAt: 't1' });
    expect(first).toEqual({ at: 't1', firstAt: 't1', outcome: 'propagating' });
    expect(answeredCheck({ state: 'propagating', checkedAt: 't2' }, first).firstAt).toBe('t1');
    expect(answeredCheck({ state: 'consented', checkedAt: 't3' }, first).firstAt).toBe('t3');
  });

  it('a failed check names its type and who can fix it, and keeps its first time while the type repeats', () => {
    const err = ApplicationFailure.create({
      type: 'UnknownTenantError',
      message: 'AADSTS90002',
      nonRetryable: true,
    });
    const first = failedCheck(err, 't1');
    expect(first).toMatchObject({
      outcome: 'error',
      errorType: 'UnknownTenantError',
      permanent: true,
      audience: 'tenant',
    });
    expect(failedCheck(err, 't2', first).firstAt).toBe('t1');
    const other = failedCheck(new Error('socket hang up'), 't3', first);
    expect(other).toMatchObject({ firstAt: 't3', message: 'socket hang up', permanent: false });
    expect('errorType' in other).toBe(false);
  });
});
