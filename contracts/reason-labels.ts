/**
 * Words for probe outcomes (why a sampled user's calendar was unreachable, and the fix), shared by the
 * console's status page and the CLI's report. The texts themselves live in texts.ts.
 */
import type { MailboxUnavailableDetail, ProbeReason } from './activities';
import { describeProbe, MAILBOX_DETAILS, PROBE_REASONS } from './texts';
import { BROKEN_TEXT, type BrokenKind } from './individual';
import type { InaccessibleUser } from './messages';

export interface ReasonText {
  label: string;
  fix: string;
}

export function describeReason(reason: string, detail?: string): ReasonText {
  // Individual mode: why the user's own sign-in broke (the BrokenKind), in the words their email used.
  if (reason === 'connectionBroken' && detail && detail in BROKEN_TEXT) {
    const b = BROKEN_TEXT[detail as BrokenKind];
    return { label: `Connection broken: ${b.what}`, fix: b.fix };
  }
  if (!(reason in PROBE_REASONS)) {
    return {
      label: reason,
      fix: 'Run the test again; if it persists, quote the Graph code and request-id to Microsoft support.',
    };
  }
  const d = detail && detail in MAILBOX_DETAILS ? (detail as MailboxUnavailableDetail) : undefined;
  const text = describeProbe(reason as ProbeReason, d);
  return { label: text.title, fix: text.fix };
}

export function describeInaccessible(u: InaccessibleUser): ReasonText {
  return describeReason(u.reason, u.detail);
}
