/**
 * Words for probe outcomes: why a sampled user's calendar was unreachable and how to fix it. Shared by the
 * console's status page and the CLI's report. (If activities/ exports its own reason texts, those win: see
 * `describeReason`.)
 */
import type { InaccessibleUser } from '../workflows/messages';

export interface ReasonText {
  label: string;
  fix: string;
}

const TEXTS: Record<string, ReasonText> = {
  'mailboxUnavailable:guest': {
    label: 'Guest account (no mailbox in this tenant)',
    fix: 'Nothing to fix: guests keep their calendar in their home tenant. Invite them with their home account, or leave them out.',
  },
  'mailboxUnavailable:onPremises': {
    label: 'Mailbox is on-premises (hybrid)',
    fix: 'Move the mailbox to Exchange Online; Together supports cloud mailboxes only.',
  },
  'mailboxUnavailable:unlicensed': {
    label: 'No Exchange Online licence',
    fix: 'Assign a licence that includes Exchange Online to this user (Microsoft 365 admin center → Users → Licenses).',
  },
  mailboxUnavailable: {
    label: 'Mailbox not available to Graph',
    fix: 'Check that the user has an Exchange Online mailbox (licensed, not on-premises, not a guest).',
  },
  outsideScope: {
    label: 'Outside the Exchange application scope',
    fix: 'Add the user to the group that scopes the app (Exchange RBAC for Applications), or widen the management scope.',
  },
  accessDenied: {
    label: 'Access denied',
    fix: 'Check the app still holds Calendars.ReadWrite (admin consent) and that no Exchange policy blocks this mailbox.',
  },
  userNotFound: {
    label: 'User not found',
    fix: 'The account was deleted or renamed since sampling; run the test again.',
  },
  throttled: {
    label: 'Throttled by Microsoft Graph',
    fix: 'Transient: run the test again later (not counted as a failure of access).',
  },
  error: {
    label: 'Unexpected Graph error',
    fix: 'Run the test again; if it persists, send the request id to Microsoft support.',
  },
};

export function describeReason(reason: string, detail?: string): ReasonText {
  return (
    (detail ? TEXTS[`${reason}:${detail}`] : undefined) ??
    TEXTS[reason] ?? { label: reason, fix: 'Run the test again; if it persists, check the request id in Graph logs.' }
  );
}

/** The refinement for mailboxUnavailable as the report carries it (`detail` or a code hint). */
export function describeInaccessible(u: InaccessibleUser): ReasonText {
  return describeReason(u.reason, u.detail);
}
