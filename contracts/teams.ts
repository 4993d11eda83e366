/**
 * Teams links: what the capability probe's result means for "does Together's booking get a Teams join link?".
 * Pure data and functions (safe in the workflow sandbox): the workflows, the health activity, the CLI and the
 * console all use this one classification and this one line of text.
 *
 * Why a probe at all: Graph answers `201 Created` to an event with `isOnlineMeeting: true,
 * onlineMeetingProvider: 'teamsForBusiness'` even when it cannot make a Teams meeting — the event is then an
 * ordinary appointment whose `onlineMeeting` is null (microsoft-graph-docs#9741). Microsoft's guide "Create or
 * set an event as an online meeting in an Outlook calendar" (learn.microsoft.com/graph/outlook-calendar-online-
 * meetings) says to look at the calendar's `allowedOnlineMeetingProviders` to see whether Teams is allowed; the
 * other usual cause is a mailbox without a Teams licence (Teams comes with the Microsoft 365 suites).
 */
import type { CapabilityProbeResult, TenantRef, UserProbeResult } from './activities';

export type TeamsLinkStatus = 'available' | 'notAvailable' | 'notChecked';

/** The outcome shown in reports: small on purpose (it lands in history). */
export interface TeamsLinks {
  status: TeamsLinkStatus;
  /** The mailbox the probe used, when it got that far. */
  mailbox?: string;
  /** One sentence: why not (for notAvailable and notChecked). */
  why?: string;
  /** Graph's code of the step that decided it, e.g. NoJoinUrl, ErrorAccessDenied. */
  code?: string;
}

export const TEAMS_PROVIDER = 'teamsForBusiness';

/** Input of the `teamsProbe` workflow (`together-o365 probe --teams`). */
export interface TeamsProbeInput {
  tenant: TenantRef;
  /** Probe this mailbox (UPN or id); without it the workflow samples a reachable one. */
  mailbox?: string;
  /** Users sampled to find a reachable mailbox when none is given; default 5. */
  sampleSize?: number;
}

/** Classifies a capability probe's result. Only the Teams question: organizer and RSVP checks are separate. */
export function classifyTeamsProbe(r: CapabilityProbeResult): TeamsLinks {
  const create = r.steps.find((s) => s.step === 'create');
  if (!create || !create.ok) {
    const code = create?.code;
    return {
      status: 'notChecked',
      mailbox: r.mailbox,
      why: `Together could not create the test meeting in ${r.mailbox}'s calendar${code ? ` (${code})` : ''}${createHint(code)}.`,
      ...(code ? { code } : {}),
    };
  }
  if (r.teamsJoinUrl) return { status: 'available', mailbox: r.mailbox };
  const allowed = r.allowedOnlineMeetingProviders;
  let why: string;
  if (allowed && !allowed.includes(TEAMS_PROVIDER)) {
    why =
      `the calendar of ${r.mailbox} does not allow Teams meetings (allowedOnlineMeetingProviders: ${allowed.join(', ') || 'none'}); ` +
      'the mailbox needs a Teams licence and Teams allowed as its online meeting provider';
  } else if (allowed) {
    why = `Graph created the meeting without a Teams join URL although the calendar of ${r.mailbox} allows Teams: the mailbox most likely has no Teams licence (assign a Microsoft 365 licence that includes Teams)`;
  } else {
    why = `Graph created the meeting without a Teams join URL (201 without onlineMeeting.joinUrl): ${r.mailbox} most likely has no Teams licence, or its calendar's allowedOnlineMeetingProviders lacks teamsForBusiness`;
  }
  return { status: 'notAvailable', mailbox: r.mailbox, why, code: 'NoJoinUrl' };
}

function createHint(code: string | undefined): string {
  if (code === 'ErrorAccessDenied')
    return ': the app has no write access to that mailbox (Calendars.ReadWrite, or the Exchange scope excludes it)';
  if (code === 'MailboxNotEnabledForRESTAPI') return ': the user has no Exchange Online mailbox';
  if (code === 'ErrorItemNotFound' || code === 'ResourceNotFound' || code === 'Request_ResourceNotFound')
    return ': no such user';
  return '';
}

/** Reachable mailboxes of a probed sample, in sample order: the probe's candidates (a UPN reads better than an id). */
export function reachableMailboxes(results: UserProbeResult[]): string[] {
  return results.filter((r) => r.reason === 'ok').map((r) => r.userPrincipalName ?? r.userId);
}

/** When the probe could not run at all (the activity failed, or no mailbox was reachable). */
export function teamsNotChecked(why: string, mailbox?: string): TeamsLinks {
  return { status: 'notChecked', why, ...(mailbox ? { mailbox } : {}) };
}

/** The one report line: "Teams links: available" / "Teams links: not available (why)". */
export function teamsLinksLine(t: TeamsLinks): string {
  const label = {
    available: 'available',
    notAvailable: 'not available',
    notChecked: 'not checked',
  }[t.status];
  const where = t.status === 'available' && t.mailbox ? ` (checked on ${t.mailbox})` : '';
  return `Teams links: ${label}${where}${t.why ? ` (${stripPeriod(t.why)})` : ''}`;
}

const stripPeriod = (s: string) => s.replace(/\.$/, '');
