import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { PROBE_REASONS, MAILBOX_DETAILS, CONSENT_STATES, reasonsMarkdown } from '../../contracts/texts';
import { classifyReadFailure, refineMailboxUnavailable, resolveDenied } from './classify';

describe('classifyReadFailure', () => {
  it.each([
    [{ status: 404, code: 'MailboxNotEnabledForRESTAPI' }, 'mailboxUnavailable', undefined],
    [{ status: 404, code: 'ErrorInvalidUser' }, 'userNotFound', undefined],
    [{ status: 404, code: 'Request_ResourceNotFound' }, 'userNotFound', undefined],
    [{ status: 403, code: 'ErrorAccessDenied' }, 'accessDenied', 'mailbox'],
    [{ status: 403, code: 'Authorization_RequestDenied' }, 'accessDenied', 'permission'],
    [{ status: 429, code: 'TooManyRequests' }, 'throttled', undefined],
    [{ status: 503, code: 'serviceNotAvailable' }, 'error', undefined],
    [{ status: 0, code: 'ECONNRESET' }, 'error', undefined],
    [{ status: 401, code: 'InvalidAuthenticationToken' }, 'error', undefined],
  ])('%o → %s', (f, reason, denied) => {
    const c = classifyReadFailure(f);
    expect(c.reason).toBe(reason);
    expect(c.denied).toBe(denied);
  });

  it('a transient failure is never reported as inaccessible', () => {
    for (const status of [0, 429, 500, 502, 503, 504]) {
      expect(['throttled', 'error']).toContain(classifyReadFailure({ status, code: 'x' }).reason);
    }
  });
});

describe('resolveDenied', () => {
  it('mailbox-level 403 is outsideScope when access shows elsewhere, else accessDenied', () => {
    expect(resolveDenied('mailbox', { calendarRoleGranted: true, anyOk: false })).toBe('outsideScope');
    expect(resolveDenied('mailbox', { calendarRoleGranted: false, anyOk: true })).toBe('outsideScope');
    expect(resolveDenied('mailbox', { calendarRoleGranted: false, anyOk: false })).toBe('accessDenied');
    expect(resolveDenied('permission', { calendarRoleGranted: true, anyOk: true })).toBe('accessDenied');
  });
});

describe('refineMailboxUnavailable', () => {
  it('guest from UPN or userType; onPremises from sync; unlicensed from empty licences', () => {
    expect(
      refineMailboxUnavailable({ userPrincipalName: 'sam_outlook.com#EXT#@contoso.onmicrosoft.com' }),
    ).toBe('guest');
    expect(refineMailboxUnavailable({ userType: 'Guest' })).toBe('guest');
    expect(refineMailboxUnavailable({ onPremisesSyncEnabled: true, assignedLicenses: [] })).toBe(
      'onPremises',
    );
    expect(refineMailboxUnavailable({ onPremisesSyncEnabled: null, assignedLicenses: [] })).toBe(
      'unlicensed',
    );
    expect(refineMailboxUnavailable({ userPrincipalName: 'a@b.c' })).toBe('unknown');
  });
});

describe('reason texts', () => {
  it('every reason, detail and consent state has a title and a fix', () => {
    for (const t of [
      ...Object.values(PROBE_REASONS),
      ...Object.values(MAILBOX_DETAILS),
      ...Object.values(CONSENT_STATES),
    ]) {
      expect(t.title.length).toBeGreaterThan(3);
      expect(t.fix.length).toBeGreaterThan(5);
    }
  });
});

describe('docs/activities.md', () => {
  it('carries the reason tables generated from code (regenerate with reasonsMarkdown())', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'activities.md'), 'utf8');
    expect(doc).toContain(reasonsMarkdown());
  });
});
