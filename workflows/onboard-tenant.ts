/**
 * onboardTenant: one per tenant (workflow id `onboard-<tenant>`). Phases:
 *
 *   awaitingConsent ──callback/poll says consented──▶ verifying ──▶ testing ──▶ active | failing
 *          └──────────── consent wait (default 14 days) ends ───────────────▶ expired
 *
 * While waiting it accepts the console's consent-state registrations (only SHA-256 hashes of the one-time
 * state enter history) and Entra callbacks (accepted only for a registered, unexpired, unused hash; anything
 * else is counted as rejected), polls `checkConsent` with back-off as a fallback, treats `propagating` as
 * "keep waiting", reminds the owner (default after 24 h and 72 h) and sends an `expired` notice at the end.
 * After consent: a sample test (child workflow), then the health schedule and the monitor, then it stays
 * open to answer the status query and the `retest` / `updateSettings` updates, continuing-as-new when the
 * server suggests it.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ConsentCheckResult,
  GraphActivities,
  Notification,
  ScopeActivities,
} from '../contracts/activities';
import {
  buildHealthResult,
  type HealthConsent,
  type HealthResult,
  type TemporalActivities,
} from '../contracts/health';
import {
  acceptReportUpdate,
  acceptConsentCallbackUpdate,
  consentCallbackSignal,
  DEFAULT_SETTINGS,
  registerConsentStateSignal,
  retestUpdate,
  sampleTestProgressSignal,
  sampleTestWorkflowIdPrefix,
  statusQuery,
  updateSettingsUpdate,
  type ConsentCheckOutcome,
  type ConsentReverification,
  type OnboardingPhase,
  type ReportReview,
  type OnboardingStatus,
  type OnboardTenantInput,
  type SampleTestReport,
  type ScopeProof,
  type TenantSettings,
} from '../contracts/messages';
import { sampleTest } from './sample-test';
import { settingsProblems } from '../contracts/settings';
import { iso, PERMANENT_FAILURES, tenantSearchAttributes } from './shared';
import { CONSENT_STATE_HASH_PATTERN } from '../contracts/validation';
import { applyExceptions } from '../contracts/verdict';
import { consentCheckFix } from '../contracts/tenant-state';
import { acceptedFigures } from '../contracts/report-diff';

/** A failed consent check, as the status shows it (type, AADSTS/Graph code, who can fix it). */
function failedCheck(err: unknown, at: string, prev?: ConsentCheckOutcome): ConsentCheckOutcome {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const app = cause instanceof ApplicationFailure ? cause : undefined;
  const details = (app?.details?.[0] ?? {}) as { code?: unknown };
  const errorType = app?.type ?? undefined;
  const fix = consentCheckFix(errorType);
  return {
    at,
    firstAt: prev?.outcome === 'error' && prev.errorType === errorType ? (prev.firstAt ?? prev.at) : at,
    outcome: 'error',
    ...(errorType ? { errorType } : {}),
    ...(typeof details.code === 'string' ? { code: details.code } : {}),
    message: (cause instanceof Error ? cause.message : String(cause)).slice(0, 300),
    permanent: !!app?.nonRetryable,
    ...fix,
  };
}
import { nextConsentPollSeconds } from './consent-poll';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const DEFAULT_CONSENT_POLL_SECONDS = [30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];
/** While a callback's propagation grace runs, polls are at most this far apart. */
const GRACE_POLL_CAP_SECONDS = 120;
const INCONCLUSIVE_RETRIES = 2;
const INCONCLUSIVE_RETRY_DELAY = '10 minutes';
const MAX_REGISTERED_STATES = 20;
/** State hashes remembered as used (replays of a consumed state are refused by the update's validator). */
const MAX_USED_STATE_HASHES = 50;
/** While waiting for consent, continue-as-new after this many history events (Temporal limit: 51,200). */
const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

const { checkConsent } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, initialInterval: '5 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});
const { notifyOwner } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '10 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['ConfigurationError'],
  },
});
const { proveMailboxScope } = proxyActivities<ScopeActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '10 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});
const { upsertHealthSchedule, reportToMonitor } = proxyActivities<TemporalActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, initialInterval: '2 seconds' },
});

interface RegisteredState {
  stateHash: string;
  expiresAt: number;
  used: boolean;
}

/**
 * A sample-test report as a health result, through the one builder (contracts/health.ts). Only what was
 * observed is stated: consent as the caller saw it (the first test runs right after consent was verified; a
 * re-test does not check consent, so `unknown`), and the app's enabled flag stays undefined — nothing here
 * looked at the service principal.
 */
export function reportToHealthResult(
  report: SampleTestReport,
  extra: { owner: string; consentUrl: string; checkId: string; consent?: HealthConsent },
): HealthResult {
  return buildHealthResult(
    {
      tenantId: report.tenantId,
      checkId: extra.checkId,
      at: iso(Date.parse(report.startedAt) + report.durationMs),
      owner: extra.owner,
      consentUrl: extra.consentUrl,
      graphRequests: report.graphRequests,
      durationMs: report.durationMs,
    },
    { consent: extra.consent ?? 'consented', report },
  );
}

/** One unreachable account in words: "Name <upn> — why". */
function unreachableLine(u: SampleTestReport['inaccessible'][number]): string {
  const who = u.user.userPrincipalName ?? u.user.id;
  const name = u.user.displayName ? `${u.user.displayName} <${who}>` : who;
  return `${name} — ${u.detail ?? u.reason}`;
}

/** A scoped tenant's report carries its scope proof; a leaking scope is a failing verdict. */
export function withScopeProof(report: SampleTestReport, proof: ScopeProof): SampleTestReport {
  const leaks = proof.outside.readable > 0;
  return {
    ...report,
    scope: proof,
    ...(leaks ? { verdict: 'fail' as const } : {}),
    verdictReason: `${proof.summary}. ${report.verdictReason ?? ''}`.trim(),
  };
}

export async function onboardTenant(input: OnboardTenantInput): Promise<OnboardingStatus> {
  const info = workflowInfo();
  const tenantId = input.tenant.tenantId;
  const carried = input.carried;
  const awaitingCarry = carried?.awaiting;
  const startMs = awaitingCarry ? Date.parse(awaitingCarry.startedAt) : Date.now();
  let settings: TenantSettings = carried?.settings ?? { ...DEFAULT_SETTINGS, ...input.settings };
  let phase: OnboardingPhase = carried?.phase ?? 'awaitingConsent';
  let phaseSince = carried?.phaseSince ?? iso(startMs);
  let consent: OnboardingStatus['consent'] = carried?.consent;
  let lastReport = carried?.lastReport;
  let scheduleId = carried?.scheduleId;
  let rejectedCallbacks = carried?.rejectedCallbacks ?? 0;
  let consentedAt = carried?.consentedAt;
  let review: ReportReview | undefined = carried?.review;
  let lastCheck: ConsentCheckOutcome | undefined = carried?.lastCheck;
  let progress = { total: 0, probed: 0, accessible: 0 };
  let testRunning = false;
  /** A re-consent's background test and its report to the monitor (keeps continue-as-new waiting). */
  let reverifying = false;
  const deadlineMs = startMs + (input.consentWaitDays ?? 14) * DAY;
  const registered: RegisteredState[] = [];
  let callbackAtMs: number | undefined = awaitingCarry?.callbackAt
    ? Date.parse(awaitingCarry.callbackAt)
    : undefined;
  let callbackPending = false;
  const usedStateHashes: string[] = [...(awaitingCarry?.usedStateHashes ?? [])];
  const key = (kind: string) => `${tenantId}:${info.firstExecutionRunId}:${kind}`;
  const healthTaskQueue = input.healthTaskQueue ?? info.taskQueue;

  const setPhase = (p: OnboardingPhase) => {
    if (p === phase) return;
    log.info('onboarding phase', { tenantId, from: phase, to: p });
    phase = p;
    phaseSince = iso();
  };
  const status = (): OnboardingStatus => ({
    tenantId,
    phase,
    phaseSince,
    consentUrl: input.consentUrl,
    ...(phase === 'awaitingConsent' || phase === 'expired' ? { consentDeadline: iso(deadlineMs) } : {}),
    ...(consent ? { consent } : {}),
    progress,
    ...(lastReport ? { lastReport } : {}),
    settings,
    ...(scheduleId ? { scheduleId } : {}),
    rejectedCallbacks,
    ...(input.displayName ? { displayName: input.displayName } : {}),
    ...(lastCheck ? { lastCheck } : {}),
    ...(review ? { review } : {}),
    ...(input.mailboxScope ? { mailboxScope: input.mailboxScope } : {}),
  });
  const notify = async (n: Omit<Notification, 'tenantId' | 'to'>) => {
    try {
      await notifyOwner({ ...n, tenantId, to: settings.owner });
    } catch (err) {
      // A notification that could not be delivered after all retries must not end the onboarding.
      log.error('notification failed', { tenantId, kind: n.kind, error: String(err) });
    }
  };

  // ---------------------------------------------------------------- messages
  setHandler(statusQuery, status);
  setHandler(registerConsentStateSignal, ({ stateHash, expiresAt }) => {
    const expires = Date.parse(expiresAt);
    if (!CONSENT_STATE_HASH_PATTERN.test(stateHash) || !Number.isFinite(expires)) {
      log.warn('ignored malformed consent-state registration', { tenantId });
      return;
    }
    const now = Date.now();
    for (let i = registered.length - 1; i >= 0; i--) {
      if (registered[i]!.expiresAt <= now) registered.splice(i, 1);
    }
    if (!registered.some((r) => r.stateHash === stateHash)) {
      registered.push({ stateHash, expiresAt: expires, used: false });
    }
    while (registered.length > MAX_REGISTERED_STATES) registered.shift();
  });
  setHandler(consentCallbackSignal, (cb) => {
    const now = Date.now();
    const match = registered.find((r) => r.stateHash === cb.stateHash);
    const claimedOther = cb.tenant !== undefined && cb.tenant.toLowerCase() !== tenantId.toLowerCase();
    if (!match || match.used || match.expiresAt <= now || claimedOther) {
      rejectedCallbacks++;
      log.warn('rejected consent callback', {
        tenantId,
        why: !match
          ? 'unknown state'
          : match.used
            ? 'state already used'
            : claimedOther
              ? 'other tenant'
              : 'expired state',
      });
      return;
    }
    match.used = true;
    if (!cb.adminConsent || cb.error) {
      log.info('consent callback without consent', { tenantId, error: cb.error });
      return;
    }
    if (consentedAt === undefined) {
      callbackAtMs = now;
      callbackPending = true;
    }
  });
  // The console checked the one-time state itself (it issued it and keeps it); this update records the
  // callback once. The validator refuses a malformed or replayed hash without writing history, and the
  // console shows the admin the page that matches the answer.
  setHandler(
    acceptConsentCallbackUpdate,
    async (cb) => {
      usedStateHashes.push(cb.stateHash);
      while (usedStateHashes.length > MAX_USED_STATE_HASHES) usedStateHashes.shift();
      if (!cb.adminConsent || cb.error) {
        log.info('consent callback without consent', { tenantId, error: cb.error });
        return { accepted: true, phase };
      }
      // Re-consent of a tenant that is already connected (e.g. after a revocation): verify at once rather
      // than say "now verifying" with nothing re-run (issue 11 point 3). Behind patched(): histories recorded
      // before answered such a callback without scheduling the consent check.
      if ((phase === 'active' || phase === 'failing') && patched('reconsent-starts-verification')) {
        return { accepted: true, phase, verification: await reverify() };
      }
      if (consentedAt === undefined && phase === 'awaitingConsent') {
        callbackAtMs = Date.now();
        callbackPending = true;
      }
      return { accepted: true, phase };
    },
    {
      validator: (cb) => {
        if (!CONSENT_STATE_HASH_PATTERN.test(cb.stateHash))
          throw new Error('The consent state is malformed.');
        if (
          usedStateHashes.includes(cb.stateHash) ||
          registered.some((r) => r.stateHash === cb.stateHash && r.used)
        )
          throw new Error('This consent link was already used. Each link works once.');
        if (cb.tenant !== undefined && cb.tenant.toLowerCase() !== tenantId.toLowerCase())
          throw new Error(
            'The tenant in the response does not match the tenant this consent link was issued for.',
          );
        if (phase === 'expired')
          throw new Error('This onboarding has expired: start it again, then open the consent link again.');
      },
    },
  );
  setHandler(sampleTestProgressSignal, (p) => {
    progress = p;
  });
  setHandler(
    updateSettingsUpdate,
    async (partial) => {
      const before = settings;
      settings = { ...settings, ...partial };
      const scheduleRelevant =
        before.owner !== settings.owner ||
        before.scheduleIntervalMinutes !== settings.scheduleIntervalMinutes ||
        before.healthSampleSize !== settings.healthSampleSize ||
        before.threshold !== settings.threshold ||
        before.teamsProbe !== settings.teamsProbe ||
        JSON.stringify(before.sampleSource) !== JSON.stringify(settings.sampleSource);
      if (scheduleId && scheduleRelevant) await upsertSchedule();
      return settings;
    },
    {
      validator: (partial) => {
        const problems = settingsProblems(partial);
        if (problems.length) throw new Error(`Invalid settings: ${problems.join('; ')}.`);
      },
    },
  );
  setHandler(
    acceptReportUpdate,
    async (exceptions) => {
      const accepted = {
        ...(exceptions?.guests ? { guests: true } : {}),
        ...(exceptions?.accounts?.length ? { accounts: exceptions.accounts } : {}),
      };
      const hasExceptions = Object.keys(accepted).length > 0;
      if (hasExceptions) settings = { ...settings, acceptedExceptions: accepted };
      const report = hasExceptions ? applyExceptions(lastReport!, accepted, settings.threshold) : lastReport!;
      lastReport = report;
      review = {
        state: 'accepted',
        acceptedAt: iso(),
        ...(hasExceptions ? { exceptions: accepted } : {}),
        // Bounded (history size, data minimisation): only UPNs/ids of at most 200 unreachable accounts.
        accepted: acceptedFigures(report),
      };
      if (scheduleId && hasExceptions) {
        // Health checks and the monitor judge with the exceptions from now on.
        await upsertSchedule();
        await reportToMonitor({
          result: reportToHealthResult(report, {
            owner: settings.owner,
            consentUrl: input.consentUrl,
            checkId: `accept/${info.workflowId}/${review.acceptedAt}`,
            consent: 'unknown',
          }),
          taskQueue: healthTaskQueue,
        });
      }
      return review;
    },
    {
      validator: (exceptions) => {
        if (!lastReport) {
          throw new Error(
            `Tenant ${tenantId} has no report to accept yet: the first sample test runs once consent is verified.`,
          );
        }
        const accounts = exceptions?.accounts ?? [];
        if (!Array.isArray(accounts) || accounts.some((a) => typeof a !== 'string' || a.trim() === '')) {
          throw new Error('Accepted accounts must be user principal names or object ids.');
        }
      },
    },
  );
  setHandler(retestUpdate, async () => retestAndReport('retest', 'unknown'), {
    validator: () => {
      if (phase !== 'active' && phase !== 'failing') {
        throw new Error(
          `Cannot re-test tenant ${tenantId} while it is ${phase}: a re-test needs consent and a finished first test.`,
        );
      }
      if (testRunning) throw new Error(`A sample test of tenant ${tenantId} is already running.`);
    },
  });

  // ---------------------------------------------------------------- steps
  /** A sample test whose report becomes the phase and is handed to the monitor (re-test, re-consent). */
  async function retestAndReport(kind: string, consentSeen: HealthConsent): Promise<SampleTestReport> {
    const report = await runSampleTest();
    lastReport = report;
    setPhase(report.verdict === 'fail' ? 'failing' : report.verdict === 'inconclusive' ? phase : 'active');
    if (scheduleId) {
      await reportToMonitor({
        result: reportToHealthResult(report, {
          owner: settings.owner,
          consentUrl: input.consentUrl,
          checkId: `${kind}/${info.workflowId}/${report.startedAt}`,
          consent: consentSeen,
        }),
        taskQueue: healthTaskQueue,
      });
    }
    return report;
  }

  /**
   * Re-consent while connected: check consent now; when it holds, a fresh sample test starts (not awaited,
   * so the admin's page answers in seconds) and its report goes to the monitor, which closes a consent
   * incident. Propagating or missing consent is answered as such; the health loop keeps checking.
   */
  async function reverify(): Promise<ConsentReverification> {
    callbackAtMs = Date.now(); // a fresh grant may still be propagating: the check allows the grace period
    await check();
    const outcome = lastCheck?.outcome ?? 'error';
    if (outcome !== 'consented') {
      return { consent: outcome, retest: 'notStarted', ...(lastCheck?.fix ? { fix: lastCheck.fix } : {}) };
    }
    if (testRunning) return { consent: outcome, retest: 'alreadyRunning' };
    reverifying = true;
    void retestAndReport('reconsent', 'consented')
      .catch((err) => log.error('re-consent test failed', { tenantId, error: String(err) }))
      .finally(() => {
        reverifying = false;
      });
    return { consent: outcome, retest: 'started' };
  }

  async function runSampleTest(): Promise<SampleTestReport> {
    testRunning = true;
    progress = { total: 0, probed: 0, accessible: 0 };
    try {
      return await executeChild(sampleTest, {
        workflowId: `${sampleTestWorkflowIdPrefix(tenantId)}${uuid4()}`,
        typedSearchAttributes: tenantSearchAttributes(),
        args: [
          {
            tenant: input.tenant,
            size: settings.sampleSize,
            source: settings.sampleSource,
            threshold: settings.threshold,
            progressTo: info.workflowId,
            ...(settings.teamsProbe ? { teamsProbe: true } : {}),
            ...input.sampleTest,
            ...(input.mailboxScope ? { scoped: true } : {}),
          },
        ],
      }).then(async (report) => (input.mailboxScope ? withScopeProof(report, await scopeProof()) : report));
    } catch (err) {
      return {
        tenantId,
        sampled: 0,
        accessible: 0,
        inaccessible: [],
        byReason: {},
        startedAt: iso(),
        durationMs: 0,
        graphRequests: 0,
        verdict: 'inconclusive',
        verdictReason: `The sample test did not finish: ${err instanceof Error ? err.message : String(err)}`,
      };
    } finally {
      testRunning = false;
    }
  }

  async function scopeProof(): Promise<ScopeProof> {
    const scope = input.mailboxScope!;
    return proveMailboxScope({
      tenant: input.tenant,
      group: scope.group,
      probeMailbox: scope.probeMailbox,
      ...(scope.outsideSample !== undefined ? { outsideSample: scope.outsideSample } : {}),
    });
  }

  async function upsertSchedule(): Promise<void> {
    scheduleId = await upsertHealthSchedule({
      tenant: input.tenant,
      settings,
      consentUrl: input.consentUrl,
      publisherMode: input.publisherMode,
      taskQueue: healthTaskQueue,
    });
  }

  async function check(): Promise<ConsentCheckResult['state']> {
    let result: Pick<ConsentCheckResult, 'state' | 'checkedAt' | 'missingRoles'>;
    try {
      result = await checkConsent({
        tenant: input.tenant,
        everConsented: false,
        ...(callbackAtMs !== undefined ? { consentedAt: iso(callbackAtMs) } : {}),
        propagationGraceSeconds: input.propagationGraceSeconds ?? 3600,
        // A scoped tenant's token has no Calendars role: consent shows only in an in-scope mailbox's calendar.
        ...(input.mailboxScope ? { probeUser: input.mailboxScope.probeMailbox } : {}),
      });
    } catch (err) {
      // Not reachable or not consented as far as we can tell: keep waiting, the next poll tries again — but
      // record why, so the status shows a failing check (unknown tenant, rejected credential) instead of "waiting".
      lastCheck = failedCheck(err, iso(), lastCheck);
      log.warn('consent check failed', { tenantId, error: String(err) });
      return consent?.state ?? 'notConsented';
    }
    consent = { state: result.state, checkedAt: result.checkedAt, missingRoles: result.missingRoles };
    lastCheck = {
      at: result.checkedAt,
      firstAt: lastCheck?.outcome === result.state ? (lastCheck.firstAt ?? lastCheck.at) : result.checkedAt,
      outcome: result.state,
    };
    return result.state;
  }

  // ---------------------------------------------------------------- awaiting consent
  if (phase === 'awaitingConsent') {
    const pollSeconds = input.consentPollSeconds?.length
      ? input.consentPollSeconds
      : DEFAULT_CONSENT_POLL_SECONDS;
    const remindersSent = new Set(awaitingCarry?.remindersSentHours ?? []);
    const reminders = (input.reminderAfterHours ?? [24, 72])
      .map((h) => ({ h, at: startMs + h * HOUR }))
      .filter((r) => r.at < deadlineMs && !remindersSent.has(r.h))
      .sort((a, b) => a.at - b.at);
    let pollIndex = awaitingCarry?.pollIndex ?? 0;
    let pollsSinceCallback: number | undefined;
    let nextPollMs = awaitingCarry ? Date.parse(awaitingCarry.nextPollAt) : startMs + pollSeconds[0]! * 1000;
    let consented = false;
    while (!consented) {
      let now = Date.now();
      if (now >= deadlineMs) break;
      // A long wait (14 days of polls, reminders, callbacks) must not run into the history limit.
      if (
        !callbackPending &&
        (workflowInfo().historyLength >=
          (input.continueAsNewAfterEvents ?? DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS) ||
          workflowInfo().continueAsNewSuggested) &&
        allHandlersFinished()
      ) {
        await continueAsNew<typeof onboardTenant>({
          ...input,
          carried: {
            phase,
            phaseSince,
            settings,
            consent,
            rejectedCallbacks,
            awaiting: {
              startedAt: iso(startMs),
              pollIndex,
              nextPollAt: iso(nextPollMs),
              remindersSentHours: (input.reminderAfterHours ?? [24, 72]).filter(
                (h) => !reminders.some((r) => r.h === h),
              ),
              ...(callbackAtMs !== undefined ? { callbackAt: iso(callbackAtMs) } : {}),
              usedStateHashes,
            },
          },
        });
      }
      const nextEvent = Math.min(nextPollMs, reminders[0]?.at ?? Infinity, deadlineMs);
      if (nextEvent > now && !callbackPending) {
        await condition(() => callbackPending, nextEvent - now);
      }
      now = Date.now();
      if (callbackPending) {
        callbackPending = false;
        pollIndex = 0;
        pollsSinceCallback = 0;
        nextPollMs = now;
      }
      while (reminders.length && reminders[0]!.at <= now) {
        const r = reminders.shift()!;
        await notify({
          idempotencyKey: key(`consentReminder:${r.h}h`),
          kind: 'consentReminder',
          since: iso(startMs),
          summary: `Admin consent for Together's calendar integration is still pending (${Math.round(r.h / 24)} day(s)).`,
          impact: 'Calendar features stay off for your users until an administrator grants consent.',
          fix: {
            consentUrl: input.consentUrl,
            steps: ['A Global or Privileged Role Administrator opens the consent link and accepts.'],
          },
        });
      }
      if (now >= deadlineMs) break;
      if (now >= nextPollMs) {
        const afterCallback = callbackAtMs !== undefined;
        if (afterCallback) setPhase('verifying');
        const state = await check();
        if (state === 'consented') {
          consented = true;
          consentedAt = iso();
          break;
        }
        setPhase('awaitingConsent');
        const inGrace =
          callbackAtMs !== undefined &&
          Date.now() < callbackAtMs + (input.propagationGraceSeconds ?? 3600) * 1000;
        pollIndex++;
        let interval = pollSeconds[Math.min(pollIndex, pollSeconds.length - 1)]!;
        if (inGrace) interval = Math.min(interval, GRACE_POLL_CAP_SECONDS);
        if (pollsSinceCallback !== undefined) {
          pollsSinceCallback++;
          // Fast polls right after a callback (issue 15). Behind patched(): histories recorded before poll
          // their old, longer timers on replay.
          if (patched('consent-fast-poll-after-callback'))
            interval = nextConsentPollSeconds({
              pollsSinceCallback,
              pollIndex,
              pollSeconds,
              inGrace,
              graceCapSeconds: GRACE_POLL_CAP_SECONDS,
            });
        }
        nextPollMs = Date.now() + interval * 1000;
      }
    }
    if (!consented) {
      setPhase('expired');
      await notify({
        idempotencyKey: key('consentExpired'),
        kind: 'consentExpired',
        since: iso(startMs),
        summary: `Onboarding expired: admin consent was not granted within ${input.consentWaitDays ?? 14} days.`,
        impact:
          'The calendar integration is not active. Start the onboarding again when an administrator is ready.',
        fix: { consentUrl: input.consentUrl },
      });
      await condition(allHandlersFinished);
      return status();
    }

    // ---------------------------------------------------------------- verified: test, schedule, monitor
    setPhase('verifying');
    setPhase('testing');
    let report = await runSampleTest();
    for (let i = 0; i < INCONCLUSIVE_RETRIES && report.verdict === 'inconclusive'; i++) {
      await sleep(INCONCLUSIVE_RETRY_DELAY);
      report = await runSampleTest();
    }
    lastReport = report;
    review = { state: 'pending' }; // the owner reviews the first report and confirms it (acceptReport)
    setPhase(report.verdict === 'fail' ? 'failing' : 'active');
    await upsertSchedule();
    await reportToMonitor({
      result: reportToHealthResult(report, {
        owner: settings.owner,
        consentUrl: input.consentUrl,
        checkId: `onboard/${info.workflowId}/${info.firstExecutionRunId}`,
      }),
      taskQueue: healthTaskQueue,
    });
    await notify({
      idempotencyKey: key('onboarded'),
      kind: 'onboarded',
      since: consentedAt,
      summary: `Together's calendar integration is connected: ${report.accessible} of ${report.sampled} sampled calendars reachable (${report.verdict}).`,
      impact: report.verdictReason,
      facts: {
        reachable: report.accessible,
        sampled: report.sampled,
        verdict: report.verdict,
        healthCheckEveryMinutes: settings.scheduleIntervalMinutes,
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
    });
  }

  // ---------------------------------------------------------------- active: serve queries and updates
  await condition(
    () => workflowInfo().continueAsNewSuggested && !testRunning && !reverifying && allHandlersFinished(),
  );
  await continueAsNew<typeof onboardTenant>({
    ...input,
    carried: {
      phase,
      phaseSince,
      settings,
      consent,
      lastReport,
      scheduleId,
      rejectedCallbacks,
      consentedAt,
      ...(review ? { review } : {}),
      ...(lastCheck ? { lastCheck } : {}),
    },
  });
  return status(); // not reached
}
