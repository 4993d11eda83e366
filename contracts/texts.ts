/**
 * Human texts for probe classifications and consent states: title and the exact fix. The console, the README,
 * notifications and docs/activities.md reuse these, so they live in code (plain data, no I/O: safe to import
 * from anywhere, including workflows).
 */
import type { ConsentState, MailboxUnavailableDetail, ProbeReason } from './activities';
import type { OnboardingPhase } from './messages';

export interface ReasonText {
  title: string;
  /** What it means, in one or two sentences. */
  meaning: string;
  /** The fix, addressed to the tenant's admin. */
  fix: string;
}

export const PROBE_REASONS: Record<ProbeReason, ReasonText> = {
  ok: {
    title: 'Calendar reachable',
    meaning: 'Together read the calendar (id, start and end of one event only) and, where asked, free/busy.',
    fix: 'Nothing to do.',
  },
  mailboxUnavailable: {
    title: 'No Exchange Online mailbox',
    meaning:
      'Graph answered MailboxNotEnabledForRESTAPI: the user has no cloud mailbox Graph can reach — a guest, an on-premises (hybrid) mailbox, an unlicensed user, or an inactive or soft-deleted mailbox.',
    fix: 'Give the user an Exchange Online licence and a cloud mailbox (migrate on-premises mailboxes to Exchange Online); guests need a mailbox in their home tenant and cannot be reached here.',
  },
  outsideScope: {
    title: 'Outside the app’s mailbox scope',
    meaning:
      'Graph answered 403 ErrorAccessDenied for this mailbox while other mailboxes (or the granted roles) show the app has calendar access: an Exchange RBAC for Applications scope or an Application Access Policy excludes it.',
    fix: 'If this user should use Together, add them to the group behind the Exchange management scope (New-ManagementScope / New-ManagementRoleAssignment -App … -CustomResourceScope …); changes take 30 minutes to 2 hours.',
  },
  accessDenied: {
    title: 'Access denied',
    meaning: 'Graph refused calendar access and the app shows no calendar permission in this tenant.',
    fix: 'Grant admin consent for Calendars.ReadWrite (a Global Administrator or Privileged Role Administrator must approve), or assign "Application Calendars.ReadWrite" with Exchange RBAC for Applications.',
  },
  userNotFound: {
    title: 'User not found',
    meaning:
      'Graph does not know this user (404 ErrorInvalidUser / Request_ResourceNotFound): deleted, or the id or address is wrong.',
    fix: 'Check the user exists and is enabled in Entra ID; re-run the sample test to draw current users.',
  },
  throttled: {
    title: 'Throttled',
    meaning:
      'Graph kept answering 429 Too Many Requests after the bounded retries (Retry-After honoured). Nothing is known about access yet.',
    fix: 'Nothing to change in the tenant; Together retries at the next check. If it persists, another app may be exhausting this mailbox’s limits (10,000 requests per 10 minutes, 4 concurrent).',
  },
  error: {
    title: 'Unexpected error',
    meaning:
      'Graph answered an error that does not say anything about access (5xx, network, or an unknown code), after retries.',
    fix: 'Usually transient: Together retries at the next check. If it persists, quote the Graph code and request-id to Microsoft support.',
  },
  connectionBroken: {
    title: 'Connection broken',
    meaning:
      'Individual mode: the user’s own sign-in no longer refreshes (Entra answered invalid_grant with an AADSTS code — revoked sessions, password reset, inactivity, Conditional Access, consent removed…), so Together cannot reach their calendar.',
    fix: 'The user reconnects their calendar from the reconnect link (they were emailed one); for Conditional Access or consent, the tenant admin acts first.',
  },
};

export const MAILBOX_DETAILS: Record<MailboxUnavailableDetail, ReasonText> = {
  guest: {
    title: 'Guest user',
    meaning: 'A guest (B2B) account has no mailbox in this tenant.',
    fix: 'Use the person’s account in their home tenant, or create a member account with an Exchange Online licence.',
  },
  onPremises: {
    title: 'On-premises mailbox',
    meaning:
      'The account is synchronised from on-premises and its mailbox is not in Exchange Online; Graph REST no longer reaches hybrid mailboxes (since March 2023).',
    fix: 'Migrate the mailbox to Exchange Online (a hybrid move request).',
  },
  unlicensed: {
    title: 'No Exchange Online licence',
    meaning: 'The user has no licence that includes Exchange Online, so no cloud mailbox.',
    fix: 'Assign a licence that includes Exchange Online (e.g. Microsoft 365 Business Basic/Standard, E3, E5) and wait for the mailbox to be provisioned.',
  },
  unknown: {
    title: 'Mailbox not available',
    meaning:
      'The mailbox is inactive, soft-deleted, on-premises or unlicensed; the granted data does not say which.',
    fix: 'Check in the Exchange admin center that the user has an active Exchange Online mailbox.',
  },
};

export const CONSENT_STATES: Record<ConsentState, ReasonText> = {
  notConsented: {
    title: 'Not consented',
    meaning:
      'Together’s enterprise app is not in this tenant (Entra refuses a token: AADSTS700016 / AADSTS7000229).',
    fix: 'A Global Administrator or Privileged Role Administrator opens the consent link and accepts.',
  },
  propagating: {
    title: 'Consent propagating',
    meaning:
      'Consent was given recently but not every permission shows yet; Entra and Exchange can take up to an hour.',
    fix: 'Nothing to do: Together checks again automatically.',
  },
  consented: {
    title: 'Consented',
    meaning: 'The app is enabled, its permissions are granted and a real calendar call succeeded.',
    fix: 'Nothing to do.',
  },
  partial: {
    title: 'Partially consented',
    meaning: 'The app is present but some required permissions are missing, or a calendar call is refused.',
    fix: 'Re-run admin consent from the consent link so every requested permission is granted; check no permission was removed under Enterprise applications › Permissions.',
  },
  revoked: {
    title: 'Consent revoked',
    meaning:
      'Together had access before and no longer has it: the enterprise app was deleted or disabled, or its permissions were removed.',
    fix: 'Re-grant admin consent from the consent link (and re-enable the app under Enterprise applications › Properties if it was disabled).',
  },
};

/** Title and fix for a probe result, refined when the detail is known. */
export function describeProbe(reason: ProbeReason, detail?: MailboxUnavailableDetail): ReasonText {
  if (reason === 'mailboxUnavailable' && detail) return MAILBOX_DETAILS[detail];
  return PROBE_REASONS[reason];
}

/** The tables of docs/activities.md ("Classifications and fixes"), generated from the records above. */
export function reasonsMarkdown(): string {
  const table = (rec: Record<string, ReasonText>) =>
    [
      '| value | title | meaning | fix |',
      '| --- | --- | --- | --- |',
      ...Object.entries(rec).map(([k, v]) => `| \`${k}\` | ${v.title} | ${v.meaning} | ${v.fix} |`),
    ].join('\n');
  return [
    '### Probe classifications (`ProbeReason`)',
    table(PROBE_REASONS),
    '### `mailboxUnavailable` details',
    table(MAILBOX_DETAILS),
    '### Consent states (`ConsentState`)',
    table(CONSENT_STATES),
  ].join('\n\n');
}

/** An onboarding phase in words: the console's pages, the CLI's status and its progress line. */
export const PHASE_TEXT: Record<OnboardingPhase, string> = {
  awaitingConsent: 'Waiting for admin consent',
  verifying: 'Verifying consent',
  testing: 'Testing calendar access',
  active: 'Active',
  failing: 'Failing',
  expired: 'Expired (consent never arrived)',
};
