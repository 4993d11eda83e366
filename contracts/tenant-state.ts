/**
 * One tenant, one state (DESIGN.md "One truthful state"). The onboarding workflow knows where the onboarding is
 * (waiting for consent, testing, done) and the monitor knows whether the integration works *now*; users read
 * the first line they see, so the CLI, the console, the emails and the exit codes all show the state this pure
 * function derives from both — never the two side by side.
 *
 * Precedence, first match wins:
 *   no onboarding answer ........................ unknown (or stopped/expired when Temporal says it closed)
 *   onboarding terminated / cancelled / failed .. stopped
 *   phase expired ............................... expired
 *   phase awaitingConsent / verifying / testing . the same (a permanent consent-check error is named)
 *   monitor failing (open incident) ............. failing, with the incident's reason
 *   last report failed, newer than the monitor's
 *     last result (or no monitor) ............... failing
 *   monitor degraded ............................ degraded
 *   last report degraded, newer (or no monitor) . degraded
 *   first report not yet accepted ("Done") ...... review (only on healthy evidence; otherwise a `note`)
 *   otherwise ................................... active (a monitor's healthy result newer than an old failed
 *                                                  report is a recovery: the phase may still say failing)
 * Pure, no I/O: safe in the workflow sandbox, the CLI, the console and the notification renderer.
 */
import type { MonitorState, OnboardingStatus } from './messages';

export type TenantStateName =
  | 'awaitingConsent'
  | 'verifying'
  | 'testing'
  | 'review'
  | 'active'
  | 'degraded'
  | 'failing'
  | 'expired'
  | 'stopped'
  | 'unknown';

export interface TenantState {
  state: TenantStateName;
  /** The state in words, for the first line of every view. */
  title: string;
  /** Why, in one sentence (the open incident's reason, the consent check's error, …). */
  reason?: string;
  /** What to do next, addressed to whoever can act. */
  next?: string;
  since?: string;
  /** A permanent problem blocks progress (a failing consent check while waiting): shown and exit 1. */
  blocked?: boolean;
  /** A secondary line (e.g. the first report still awaits review while the tenant is failing). */
  note?: string;
}

/** The words of each state (the console's badges, the CLI's first line, the email subjects). */
export const TENANT_STATE_TEXT: Record<TenantStateName, string> = {
  awaitingConsent: 'Waiting for admin consent',
  verifying: 'Verifying consent',
  testing: 'Testing calendar access',
  review: 'Review the first report',
  active: 'Active',
  degraded: 'Degraded',
  failing: 'Failing',
  expired: 'Expired (consent never arrived)',
  stopped: 'Stopped',
  unknown: 'Unknown (no worker answers)',
};

/** CLI exit code per state (docs/console.md "Exit codes"): 0 working or on its way, 1 not working, 3 unknown. */
export const TENANT_STATE_EXIT: Record<TenantStateName, 0 | 1 | 3> = {
  awaitingConsent: 0,
  verifying: 0,
  testing: 0,
  review: 0,
  active: 0,
  degraded: 1,
  failing: 1,
  expired: 1,
  stopped: 1,
  unknown: 3,
};

export function tenantStateExitCode(s: TenantState): 0 | 1 | 3 {
  return s.blocked ? 1 : TENANT_STATE_EXIT[s.state];
}

export interface TenantStateInput {
  /** The onboarding's status query answer; null/undefined when it did not answer (or does not exist). */
  status?: OnboardingStatus | null;
  /** The monitor's state; null/undefined when there is none yet or it did not answer. */
  monitor?: MonitorState | null;
  /** Temporal's execution status of the onboarding (RUNNING, COMPLETED, TERMINATED, CANCELED, FAILED, …). */
  workflowStatus?: string;
  /** Why nothing answered, when known (e.g. "no worker polls task queue …"). */
  unreachableReason?: string;
}

const CLOSED_STOPPED = new Set(['TERMINATED', 'CANCELED', 'CANCELLED', 'FAILED', 'TIMED_OUT']);

const make = (
  state: TenantStateName,
  extra: Omit<TenantState, 'state' | 'title'> = {},
  title = TENANT_STATE_TEXT[state],
): TenantState => ({
  state,
  title,
  ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
});

export function deriveTenantState(input: TenantStateInput): TenantState {
  const { status, monitor, workflowStatus } = input;
  const wf = workflowStatus?.toUpperCase();
  if (wf && CLOSED_STOPPED.has(wf)) {
    return make('stopped', {
      reason: `The onboarding workflow was ${wf.toLowerCase().replace('_', ' ')}; no health checks report for it.`,
      next: 'Start the onboarding again with together-o365 onboard when the tenant should be connected.',
    });
  }
  if (!status) {
    if (wf === 'COMPLETED') {
      return make('expired', {
        next: 'Start the onboarding again when an administrator is ready to consent.',
      });
    }
    return make('unknown', {
      reason: input.unreachableReason ?? 'Neither the onboarding nor the monitor answered.',
      next: "Start a worker (together-o365 worker) on the onboarding's task queue.",
    });
  }
  switch (status.phase) {
    case 'expired':
      return make('expired', {
        since: status.phaseSince,
        reason: 'Admin consent was not granted before the wait ended.',
        next: 'Start the onboarding again when an administrator is ready to consent.',
      });
    case 'awaitingConsent':
    case 'verifying':
    case 'testing':
      return inProgress(status);
    default:
      break;
  }
  const review = status.review;
  const report = status.lastReport;
  // The newest evidence wins: the onboarding's own report (a re-test, a re-consent test) can be newer than the
  // monitor's last result — e.g. queried before the monitor processed it, or with no health schedule — and a
  // failed re-test must not read "Health: active" / "Review the first report" (issue 11).
  const reportAt = report ? reportFinishedAt(report) : undefined;
  const reportIsNewest = !monitor ? !!reportAt : reportNewerThanMonitor(report, monitor);
  const pendingNote =
    review?.state === 'pending'
      ? 'The first report still awaits the owner’s review (Done, or together-o365 accept).'
      : undefined;
  if (monitor && monitor.status === 'failing') {
    return make('failing', {
      since: monitor.incident?.openedAt ?? monitor.since,
      reason: monitor.incident?.reason ?? 'The last health check failed.',
      next: nextForReason(monitor.incident?.reason),
      note: pendingNote,
    });
  }
  if ((!monitor || reportIsNewest) && (status.phase === 'failing' || report?.verdict === 'fail')) {
    return make('failing', {
      since: status.phase === 'failing' ? status.phaseSince : reportAt,
      reason: report?.verdictReason ?? 'The sample test failed.',
      next: 'See the unreachable accounts in the report below.',
      note: pendingNote,
    });
  }
  if (monitor && monitor.status === 'degraded') {
    return make('degraded', {
      since: monitor.incident?.openedAt ?? monitor.since,
      reason: monitor.incident?.reason ?? 'Some sampled calendars are unreachable.',
      next: 'See the unreachable accounts in the report below.',
      note: pendingNote,
    });
  }
  if ((!monitor || reportIsNewest) && report?.verdict === 'degraded') {
    return make('degraded', {
      since: monitor ? reportAt : status.phaseSince,
      reason: report.verdictReason,
      next: 'See the unreachable accounts in the report below.',
      note: pendingNote,
    });
  }
  // Review only when the evidence is healthy: a failing or degraded tenant shows that first (above).
  if (review?.state === 'pending') {
    return make('review', {
      since: status.phaseSince,
      reason: report?.verdictReason,
      next: 'The integration owner reviews the report and confirms it (Done, or together-o365 accept), optionally accepting known exceptions.',
    });
  }
  return make('active', {
    since: monitor ? monitor.since : status.phaseSince,
    reason: report?.verdictReason,
  });
}

/** Whether the onboarding's report is newer evidence than the monitor's last result (the views say so). */
export function reportNewerThanMonitor(
  report: OnboardingStatus['lastReport'] | undefined,
  monitor: MonitorState | null | undefined,
): boolean {
  const reportAt = report ? reportFinishedAt(report) : undefined;
  if (!reportAt || !monitor) return false;
  const monitorAt = monitorLastResultAt(monitor);
  return !monitorAt || reportAt > monitorAt;
}

/** When a report's test finished (the time the monitor records for it too: reportToHealthResult). */
function reportFinishedAt(report: NonNullable<OnboardingStatus['lastReport']>): string | undefined {
  const t = Date.parse(report.startedAt);
  return Number.isNaN(t) ? undefined : new Date(t + (report.durationMs || 0)).toISOString();
}

/** The monitor's last result: its newest health point, else when its status or incident last changed. */
function monitorLastResultAt(monitor: MonitorState): string | undefined {
  const candidates = [monitor.history.at(-1)?.at, monitor.incident?.openedAt, monitor.since];
  const times = candidates.map((c) => (c ? Date.parse(c) : NaN)).filter((t) => !Number.isNaN(t));
  return times.length ? new Date(Math.max(...times)).toISOString() : undefined;
}

function inProgress(status: OnboardingStatus): TenantState {
  const check = status.lastCheck;
  if (status.phase !== 'testing' && check && check.outcome === 'error' && check.permanent) {
    return make(
      status.phase,
      {
        since: check.firstAt ?? check.at,
        blocked: true,
        reason: `The consent check fails: ${check.message}${check.code ? ` (${check.code})` : ''}.`,
        next: check.fix,
      },
      check.audience === 'publisher'
        ? 'Blocked: the publisher’s credential is rejected'
        : 'Blocked: the consent check fails',
    );
  }
  if (status.phase === 'awaitingConsent') {
    const propagating = check?.outcome === 'propagating';
    return make('awaitingConsent', {
      since: propagating ? (check?.firstAt ?? check?.at) : status.phaseSince,
      ...(propagating
        ? { reason: 'Consent was given; Entra is still propagating it (this can take up to an hour).' }
        : {}),
      next: 'A Global Administrator or Privileged Role Administrator opens the consent link and accepts.',
    });
  }
  if (status.phase === 'testing') {
    return make('testing', {
      since: status.phaseSince,
      reason: status.progress.total
        ? `${status.progress.probed} of ${status.progress.total} sampled calendars probed.`
        : undefined,
    });
  }
  return make('verifying', { since: status.phaseSince });
}

/** Who can fix a failing consent check, and how (by the activity's failure type). */
export function consentCheckFix(errorType?: string): { audience: 'tenant' | 'publisher'; fix: string } {
  switch (errorType) {
    case 'UnknownTenantError':
      return {
        audience: 'tenant',
        fix: 'Check the tenant id: Entra does not know it. Copy the Directory (tenant) ID from the Entra admin center › Overview and start the onboarding again with it.',
      };
    case 'CredentialRejectedError':
      return {
        audience: 'publisher',
        fix: 'A publisher problem, not the admin’s: Entra rejects Together’s own app credential (secret, certificate or federated token). Together’s operators must renew or fix it; the check retries by itself.',
      };
    case 'ConfigurationError':
      return {
        audience: 'publisher',
        fix: 'The worker’s configuration is refused (app id, authority, credential profile): check the worker’s TOGETHER_* settings and its log.',
      };
    case 'ConsentMissingError':
      return {
        audience: 'tenant',
        fix: 'A Global Administrator or Privileged Role Administrator opens the consent link and accepts.',
      };
    default:
      return { audience: 'tenant', fix: 'Usually transient: the check retries by itself.' };
  }
}

function nextForReason(reason?: string): string {
  if (reason && /consent|enterprise app/i.test(reason))
    return 'An administrator re-grants admin consent from the consent link.';
  if (reason && /publisher|credential/i.test(reason))
    return 'A publisher problem: Together’s operators renew the app credential; nothing to do in the tenant.';
  return 'See the unreachable accounts in the report below.';
}
