import { describe, expect, it } from 'vitest';
import type { OnboardTenantInput } from '../../contracts/messages';
import {
  awaitingCarry,
  connectedCarry,
  consentDeadlineMs,
  consentWaitStartMs,
  initialState,
  statusOf,
} from './state';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const input: OnboardTenantInput = {
  tenant: { tenantId: 'contoso' },
  consentUrl: 'https://login.example/consent',
  settings: { owner: 'owner@contoso.example' },
} as OnboardTenantInput;

describe('onboarding state', () => {
  it('a fresh onboarding waits for consent from now, with default settings and a 14-day deadline', () => {
    const start = consentWaitStartMs(input, T0);
    const s = initialState(input, start);
    expect(start).toBe(T0);
    expect(s).toMatchObject({
      phase: 'awaitingConsent',
      phaseSince: '2026-01-01T00:00:00.000Z',
      rejectedCallbacks: 0,
    });
    expect(s.settings.owner).toBe('owner@contoso.example');
    expect(s.settings.sampleSize).toBeGreaterThan(0); // from DEFAULT_SETTINGS
    expect(consentDeadlineMs(input, start) - start).toBe(14 * 86_400_000);
    expect(consentDeadlineMs({ ...input, consentWaitDays: 2 }, start) - start).toBe(2 * 86_400_000);
  });

  it('a continued consent wait keeps its start, callback time and used state hashes', () => {
    const s0 = initialState(input, T0);
    s0.callbackAtMs = T0 + 5000;
    const carried = awaitingCarry(s0, {
      startedAt: '2026-01-01T00:00:00.000Z',
      pollIndex: 3,
      nextPollAt: '2026-01-01T01:00:00.000Z',
      remindersSentHours: [24],
      callbackAt: '2026-01-01T00:00:05.000Z',
      usedStateHashes: ['a'.repeat(64)],
    });
    const next = { ...input, carried };
    const start = consentWaitStartMs(next, T0 + 86_400_000);
    expect(start).toBe(T0);
    const s = initialState(next, start);
    expect(s.callbackAtMs).toBe(T0 + 5000);
    expect(s.usedStateHashes).toEqual(['a'.repeat(64)]);
    expect(s.usedStateHashes).not.toBe(carried.awaiting!.usedStateHashes); // a copy: the carry is input
  });

  it('a connected onboarding carries its report, schedule and review but no consent-wait position', () => {
    const s = initialState(input, T0);
    s.phase = 'active';
    s.scheduleId = 'health-contoso';
    s.review = { state: 'pending' };
    const carried = connectedCarry(s);
    expect(carried).toMatchObject({
      phase: 'active',
      scheduleId: 'health-contoso',
      review: { state: 'pending' },
    });
    expect(carried.awaiting).toBeUndefined();
    expect('lastCheck' in carried).toBe(false);
    expect(initialState({ ...input, carried }, T0).phase).toBe('active');
  });

  it('the status shows the consent deadline only while waiting or expired, and optional parts only when known', () => {
    const s = initialState(input, T0);
    const deadline = consentDeadlineMs(input, T0);
    const waiting = statusOf(input, s, deadline);
    expect(waiting.consentDeadline).toBe('2026-01-15T00:00:00.000Z');
    expect(Object.keys(waiting)).not.toContain('lastReport');
    expect(Object.keys(waiting)).not.toContain('review');
    s.phase = 'active';
    expect(statusOf(input, s, deadline).consentDeadline).toBeUndefined();
    s.phase = 'expired';
    expect(statusOf({ ...input, displayName: 'Contoso' }, s, deadline)).toMatchObject({
      consentDeadline: '2026-01-15T00:00:00.000Z',
      displayName: 'Contoso',
    });
  });
});
