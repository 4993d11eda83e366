/**
 * Classification of one user's calendar read (pure). Graph's advice: branch on error codes, never on messages.
 */
import type { MailboxUnavailableDetail, ProbeReason } from '../../contracts/activities';
import type { GraphFailure } from '../graph/errors';

export const MAILBOX_UNAVAILABLE_CODES = new Set([
  'MailboxNotEnabledForRESTAPI',
  'MailboxNotSupportedForRESTAPI',
]);
export const USER_NOT_FOUND_CODES = new Set([
  'ErrorInvalidUser',
  'Request_ResourceNotFound',
  'ResourceNotFound',
  'ErrorNonExistentMailbox',
  'UserNotFound',
]);
/** 403s that mean "this mailbox is fenced off" (Exchange scoping / access policy), not "no permission at all". */
export const MAILBOX_DENIED_CODES = new Set([
  'ErrorAccessDenied',
  'extensionError',
  'ExtensionError',
  'ErrorAccessDeniedOnPolicy',
]);
/** Directory-level refusal: the token carries no role for the call. */
export const NO_PERMISSION_CODES = new Set(['Authorization_RequestDenied', 'Forbidden', 'accessDenied']);

export const CALENDAR_ROLES = [
  'Calendars.ReadWrite',
  'Calendars.Read',
  'Calendars.ReadBasic.All',
  'Calendars.ReadBasic',
];

export interface Classification {
  reason: ProbeReason;
  /** For 403s the final verdict needs the whole run (did anything succeed?): see `resolveDenied`. */
  denied?: 'mailbox' | 'permission';
}

/** Classify a failed read check. A success is simply `ok`. */
export function classifyReadFailure(f: GraphFailure): Classification {
  const code = f.code ?? '';
  if (MAILBOX_UNAVAILABLE_CODES.has(code)) return { reason: 'mailboxUnavailable' };
  if (f.status === 404 && USER_NOT_FOUND_CODES.has(code)) return { reason: 'userNotFound' };
  if (f.status === 404 && code === 'ErrorItemNotFound') return { reason: 'mailboxUnavailable' }; // no calendar folder
  if (f.status === 403) {
    if (NO_PERMISSION_CODES.has(code)) return { reason: 'accessDenied', denied: 'permission' };
    if (MAILBOX_DENIED_CODES.has(code)) return { reason: 'accessDenied', denied: 'mailbox' };
    return { reason: 'accessDenied', denied: 'permission' };
  }
  if (f.status === 429) return { reason: 'throttled' };
  if (f.status === 404) return { reason: 'userNotFound' };
  return { reason: 'error' };
}

/**
 * A mailbox-level 403 (ErrorAccessDenied) is `outsideScope` when the app demonstrably has calendar access in the
 * tenant — a calendar role in the token, or another mailbox read successfully in this run (Exchange RBAC for
 * Applications grants do not show in `roles`). Otherwise nothing shows access at all: `accessDenied`.
 */
export function resolveDenied(
  denied: 'mailbox' | 'permission',
  ctx: { calendarRoleGranted: boolean; anyOk: boolean },
): ProbeReason {
  if (denied === 'mailbox' && (ctx.calendarRoleGranted || ctx.anyOk)) return 'outsideScope';
  return 'accessDenied';
}

export interface DirectoryFacts {
  userPrincipalName?: string | null;
  userType?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  assignedLicenses?: unknown[] | null;
}

/**
 * Refine `mailboxUnavailable` from what the granted permissions let us read. Guest is visible from the UPN
 * (`#EXT#`) or userType; on-premises and licences need User.Read.All (onPremisesSyncEnabled, assignedLicenses).
 * A synchronised account without a reachable mailbox is reported onPremises (its mailbox most likely stayed on
 * premises); a cloud account without licences is unlicensed.
 */
export function refineMailboxUnavailable(facts: DirectoryFacts): MailboxUnavailableDetail {
  if (facts.userType === 'Guest' || (facts.userPrincipalName ?? '').includes('#EXT#')) return 'guest';
  if (facts.onPremisesSyncEnabled === true) return 'onPremises';
  if (Array.isArray(facts.assignedLicenses) && facts.assignedLicenses.length === 0) return 'unlicensed';
  return 'unknown';
}

export function hasCalendarRole(roles: string[] | undefined): boolean {
  return (roles ?? []).some((r) => CALENDAR_ROLES.includes(r));
}

export function canReadFullProfile(roles: string[] | undefined): boolean {
  return (roles ?? []).some(
    (r) =>
      r === 'User.Read.All' ||
      r === 'User.ReadWrite.All' ||
      r === 'Directory.Read.All' ||
      r === 'Directory.ReadWrite.All',
  );
}
