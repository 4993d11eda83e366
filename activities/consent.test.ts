import { describe, expect, it } from 'vitest';
import { decideConsentState } from './consent';

const base = { tokenOk: true, missingRoles: [] as string[], everConsented: false, withinGrace: false };

describe('decideConsentState', () => {
  it('no service principal: notConsented, or revoked once consent was seen', () => {
    expect(
      decideConsentState({
        ...base,
        tokenOk: false,
        tokenKind: 'notConsented',
        missingRoles: ['Calendars.ReadWrite'],
      }),
    ).toBe('notConsented');
    expect(
      decideConsentState({ ...base, tokenOk: false, tokenKind: 'notConsented', everConsented: true }),
    ).toBe('revoked');
  });
  it('disabled enterprise app counts as absent', () => {
    expect(decideConsentState({ ...base, spEnabled: false, everConsented: true })).toBe('revoked');
  });
  it('all roles and a working calendar call: consented', () => {
    expect(decideConsentState({ ...base, calendarOk: true })).toBe('consented');
  });
  it('missing roles inside the grace period: propagating; after it: partial', () => {
    const m = { ...base, missingRoles: ['Calendars.ReadWrite'], calendarOk: false, calendarDenied: true };
    expect(decideConsentState({ ...m, withinGrace: true })).toBe('propagating');
    expect(decideConsentState(m)).toBe('partial');
  });
  it('roles gone and calendar refused after consent was seen: revoked', () => {
    expect(
      decideConsentState({
        ...base,
        missingRoles: ['Calendars.ReadWrite'],
        calendarOk: false,
        calendarDenied: true,
        everConsented: true,
      }),
    ).toBe('revoked');
  });
});
