/**
 * What the onboarding tells the owner (reminder, expiry, connected): the notifications' content, pure
 * (unit-tested in notices.test.ts). Sending them is consent-wait.ts's and connect.ts's job.
 */
import type { Notification } from '../../contracts/activities';
import type { SampleTestReport, TenantSettings } from '../../contracts/messages';
import { unreachableLine } from './report';

/** A notification before the workflow adds the tenant and the recipient. */
export type Notice = Omit<Notification, 'tenantId' | 'to'>;

export function consentReminderNotice(p: {
  idempotencyKey: string;
  since: string;
  afterHours: number;
  consentUrl: string;
}): Notice {
  return {
    idempotencyKey: p.idempotencyKey,
    kind: 'consentReminder',
    since: p.since,
    summary: `Admin consent for Together's calendar integration is still pending (${Math.round(p.afterHours / 24)} day(s)).`,
    impact: 'Calendar features stay off for your users until an administrator grants consent.',
    fix: {
      consentUrl: p.consentUrl,
      steps: ['A Global or Privileged Role Administrator opens the consent link and accepts.'],
    },
  };
}

export function consentExpiredNotice(p: {
  idempotencyKey: string;
  since: string;
  waitDays: number;
  consentUrl: string;
}): Notice {
  return {
    idempotencyKey: p.idempotencyKey,
    kind: 'consentExpired',
    since: p.since,
    summary: `Onboarding expired: admin consent was not granted within ${p.waitDays} days.`,
    impact:
      'The calendar integration is not active. Start the onboarding again when an administrator is ready.',
    fix: { consentUrl: p.consentUrl },
  };
}

/** Connected: the first report in figures, the accounts to look at (first 10) and the next step (review). */
export function onboardedNotice(p: {
  idempotencyKey: string;
  since: string | undefined;
  report: SampleTestReport;
  settings: TenantSettings;
}): Notice {
  const { report } = p;
  return {
    idempotencyKey: p.idempotencyKey,
    kind: 'onboarded',
    since: p.since,
    summary: `Together's calendar integration is connected: ${report.accessible} of ${report.sampled} sampled calendars reachable (${report.verdict}).`,
    impact: report.verdictReason,
    facts: {
      reachable: report.accessible,
      sampled: report.sampled,
      verdict: report.verdict,
      healthCheckEveryMinutes: p.settings.scheduleIntervalMinutes,
    },
    // Issue 11 point 8: the accounts to look at (first 10; the status page has the rest) and the next step.
    ...(report.inaccessible.length
      ? {
          unreachable: {
            total: report.inaccessible.length,
            accounts: report.inaccessible.slice(0, 10).map(unreachableLine),
          },
        }
      : {}),
    nextStep:
      'Review the first report on the status page and confirm it with "Done" (or `together-o365 accept`); until then the tenant shows "review the first report".',
  };
}
