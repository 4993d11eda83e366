/**
 * tenantMonitor: one per tenant (workflow id `monitor-<tenant>`), started by the first health result
 * (signal-with-start). It owns the tenant's health status and decides notifications:
 *
 *   active ──degraded result──▶ degraded ──fail result──▶ failing ──healthy result──▶ recovered ──▶ active
 *      └──────────────fail / consent revoked / app disabled──────────▲        (degraded ─healthy─▶ recovered)
 *
 * An incident opens when the tenant leaves `active`/`recovered` and closes on the next healthy result.
 * Each incident sends: one `incidentOpened` (plus one more if it escalates from degraded to failing), a
 * reminder every `reminderHours` (default 24) while failing, and one `incidentResolved`. Credential expiry
 * warnings go out once per credential and severity. `inconclusive` results are recorded but change nothing.
 *
 * Exactly once: every notification has an idempotency key derived from the incident (notifyOwner never
 * sends a key twice, even when the activity is retried), the workflow records what it sent in its own
 * state (so a replay after a worker crash does not resend), and a health result it has already seen
 * (a retried health-check activity signals again) is ignored by its check id.
 * It continues-as-new when the server suggests it, carrying its state.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { GraphActivities, Notification } from '../contracts/activities';
import type { HealthResult, TemporalActivities } from '../contracts/health';
import { healthLoopQuery, healthLoopSignal, type HealthLoopState } from '../contracts/health-loop';
import { afterHealthCheck, applyHealthLoopCommand, healthLoopInfo } from './health-loop';
import {
  healthResultSignal,
  monitorStateQuery,
  type MonitorCarry,
  type MonitorInput,
  type MonitorState,
  type MonitorStatus,
} from '../contracts/messages';
import { iso } from './shared';
import { classify } from '../contracts/health-class';

const HOUR = 3_600_000;
const SEEN_LIMIT = 50;
const SENT_KEYS_LIMIT = 200;

const { notifyOwner } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '10 minutes',
    maximumAttempts: 30,
    nonRetryableErrorTypes: ['ConfigurationError'],
  },
});

// The health-check loop's one activity (contracts/health-loop.ts): no heartbeat timeout (it heartbeats nothing).
// Runs recorded before patch 'health-check-local' keep scheduling it as a regular activity.
const { runHealthCheck } = proxyActivities<TemporalActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '30 seconds' },
});
/**
 * The same check as a local activity (patch 'health-check-local'): it runs inside the workflow task that the
 * timer (or a trigger) wakes, so a check is one workflow task — no activity task round trip through the server,
 * no second workflow task to deliver its result. Measured at a 1,000-tenant fleet this about halves the server's
 * work and the worker's activations per check (docs/benchmarks.md, "Where a check's CPU goes"); the billing is
 * unchanged (all local activities of one workflow task = 1 action, docs/evaluate/cloud/actions.mdx), and the history
 * shrinks from 11 to 5 events per check (shorter replays on cache misses).
 * Temporal's guidance is that a local activity takes "no longer than a few seconds, inclusive of retries"
 * (docs/encyclopedia/activities/local-activity.mdx): a healthy check is a token request and 3–4 Graph round trips
 * (≈ 1 s at Entra's latencies). A slow one is bounded by the timeout below; past 80 % of the workflow task timeout
 * the SDK heartbeats the workflow task (+1 action each, only then). Retries back off 30 s, above
 * `localRetryThreshold`, so they wait on a workflow timer instead of holding the task.
 */
const { runHealthCheck: runHealthCheckLocal } = proxyLocalActivities<TemporalActivities>({
  startToCloseTimeout: '2 minutes',
  localRetryThreshold: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '30 seconds' },
});
/**
 * Continue-as-new after this many loop checks, so a monitor evicted from the worker cache replays a short history.
 * A fleet larger than the worker's workflow cache (10,000 tenants vs a few hundred cached) makes nearly every
 * check a cache miss, whose first activation replays the whole current run: each check already in the run cost
 * ~10–20 ms of worker CPU and ~10 ms on the server (docs/benchmarks.md, "Where a check's CPU goes"). 4 keeps the
 * replay short at +1/4 billed action per check (the continue-as-new), still ≤ 3 actions per healthy check.
 * Runs recorded before this change continue after 24 (patched 'monitor-short-runs').
 */
const LOOP_CHECKS_PER_RUN = 4;
const LOOP_CHECKS_PER_RUN_BEFORE_PATCH = 24;

// classify (what a result means) lives in contracts/health-class.ts: the health shard's activity uses it too.
export { classify, type HealthClass } from '../contracts/health-class';

export async function tenantMonitor(input: MonitorInput): Promise<void> {
  const tenantId = input.tenantId;
  const reminderMs = (input.reminderHours ?? 24) * HOUR;
  const historyLimit = input.historyLimit ?? 100;
  const c: MonitorCarry | undefined = input.carried;
  const state: MonitorState = c?.state ?? { tenantId, status: 'active', since: iso(), history: [] };
  let incidents = c?.incidents ?? 0;
  let nextReminderAt = c?.nextReminderAt ? Date.parse(c.nextReminderAt) : undefined;
  let reminders = c?.reminders ?? 0;
  let owner = c?.owner;
  let consentUrl = c?.consentUrl;
  const seenChecks = [...(c?.seenChecks ?? [])];
  const sentKeys = [...(c?.sentKeys ?? [])];
  const queue: HealthResult[] = [];
  let loop: HealthLoopState | undefined = c?.healthLoop;
  let loopChanged = false;
  let loopChecksThisRun = 0;

  setHandler(monitorStateQuery, () => state);
  setHandler(healthLoopQuery, () => healthLoopInfo(loop, tenantId));
  setHandler(healthLoopSignal, (cmd) => {
    loop = applyHealthLoopCommand(loop, cmd, Date.now(), tenantId);
    loopChanged = true;
  });
  const loopDueMs = () => (loop?.nextRunAt ? Date.parse(loop.nextRunAt) : Infinity);

  /** One health check of the loop: timer (the wait) + the workflow task running this local activity = 2 actions when healthy. */
  async function runLoopCheck(l: HealthLoopState): Promise<void> {
    const info = workflowInfo();
    const checkId = `${info.workflowId}/check-${l.runs + 1}`;
    const at = Date.now();
    let result: HealthResult | undefined;
    try {
      const local = patched('health-check-local');
      // Record the run-length patch before the local activity, not after it: its marker must precede the check's
      // marker in history. Issued after the local activity, a replay in which the check spanned a workflow-task
      // heartbeat met the marker before the code had asked for it (a nondeterminism error seen under load).
      // Runs before 'health-check-local' keep asking after their regular activity, as they were recorded.
      if (local) patched('monitor-short-runs');
      const check = local ? runHealthCheckLocal : runHealthCheck;
      result = await check({ ...l.check, taskQueue: info.taskQueue, checkId, report: false });
    } catch (err) {
      log.warn('health check failed after retries; the next one runs on schedule', {
        tenantId,
        error: String(err),
      });
    }
    loopChecksThisRun++;
    // The loop may have changed while the check ran (a trigger meanwhile is skipped, like overlap SKIP).
    if (loop) loop = afterHealthCheck(loop, at, checkId, tenantId);
    if (result) await handle(result);
  }
  setHandler(healthResultSignal, (r) => {
    if (r.tenantId !== tenantId) {
      log.warn('ignored health result for another tenant', { tenantId, got: r.tenantId });
      return;
    }
    if (seenChecks.includes(r.checkId) || queue.some((q) => q.checkId === r.checkId)) return;
    queue.push(r);
  });

  const notify = async (n: Omit<Notification, 'tenantId' | 'to'>): Promise<void> => {
    if (sentKeys.includes(n.idempotencyKey)) return;
    if (!owner && n.audience !== 'publisher') {
      log.warn('no owner to notify', { tenantId, kind: n.kind });
      return;
    }
    try {
      // For the publisher audience the worker puts its operators' address in `to` (activities/notify/audience.ts).
      await notifyOwner({ ...n, tenantId, to: owner ?? '' });
      sentKeys.push(n.idempotencyKey);
      while (sentKeys.length > SENT_KEYS_LIMIT) sentKeys.shift();
      if (state.incident && n.idempotencyKey.includes(`:${state.incident.id}:`))
        state.incident.notified.push(n.kind);
    } catch (err) {
      log.error('notification failed after retries', { tenantId, kind: n.kind, error: String(err) });
    }
  };
  const setStatus = (s: MonitorStatus) => {
    if (state.status === s) return;
    log.info('tenant status', { tenantId, from: state.status, to: s });
    state.status = s;
    state.since = iso();
  };
  // A consent link only where consent is the problem: never for an unknown state (a failed check, a publisher fault).
  const fixFor = (r: HealthResult): Notification['fix'] =>
    r.consent === 'consented'
      ? { steps: ['See the unreachable accounts in the status page.'] }
      : r.consent === 'unknown'
        ? { steps: [r.verdictReason ?? 'See the status page for the consent check’s error.'] }
        : { consentUrl: r.consentUrl };

  /** Applies a result to the state at once (queries see a consistent state), then sends its notifications. */
  async function handle(r: HealthResult): Promise<void> {
    seenChecks.push(r.checkId);
    while (seenChecks.length > SEEN_LIMIT) seenChecks.shift();
    owner = r.owner || owner;
    consentUrl = r.consentUrl || consentUrl;
    const { cls, reason, audience } = classify(r);
    const facts = {
      reachable: r.accessible,
      sampled: r.sampled,
      verdict: r.verdict,
      consent: r.consent,
      ...Object.fromEntries(
        r.examples.map((e, i) => [
          `example${i + 1}`,
          `${e.user}: ${e.reason}${e.code ? ` (${e.code})` : ''}`,
        ]),
      ),
    };
    const outbox: Omit<Notification, 'tenantId' | 'to'>[] = [];

    if (cls === 'healthy') {
      if (state.incident) {
        const inc = state.incident;
        setStatus('recovered');
        nextReminderAt = undefined;
        outbox.push({
          idempotencyKey: `${tenantId}:${inc.id}:incidentResolved`,
          kind: 'incidentResolved',
          ...(inc.kind === 'publisher' ? { audience: 'publisher' as const } : {}),
          since: inc.openedAt,
          summary: `Resolved: the calendar integration works again (${r.accessible} of ${r.sampled} sampled calendars reachable).`,
          facts,
        });
        state.incident = undefined;
      } else {
        setStatus('active');
      }
    } else if (cls === 'degraded' || cls === 'failing') {
      if (!state.incident) {
        incidents++;
        state.incident = {
          id: `inc-${incidents}`,
          openedAt: r.at,
          reason,
          notified: [],
          ...(audience === 'publisher' ? { kind: 'publisher' as const } : {}),
        };
        if (audience === 'publisher') {
          // Together's own credential: its operators hear about it (with the AADSTS code), not the tenant's owner.
          outbox.push({
            idempotencyKey: `${tenantId}:${state.incident.id}:publisherCredentialRejected`,
            kind: 'publisherCredentialRejected',
            audience: 'publisher',
            since: r.at,
            summary: `Entra rejects Together's app credential for tenant ${tenantId}${r.publisherFault?.code ? ` (${r.publisherFault.code})` : ''}.`,
            impact: 'Together cannot reach this tenant (nor, likely, any other using the same credential).',
            fix: {
              steps: [
                'AADSTS7000215: the configured client secret is wrong — use the secret value, not its id.',
                'AADSTS7000222: the secret or certificate expired — add a new one to the app registration and deploy it.',
                'AADSTS700027 / AADSTS700024 / AADSTS70021: the certificate or federated assertion does not match the app registration — check its thumbprint, or the federated identity credential (issuer, subject, audience) and the token file.',
              ],
            },
            facts: { error: r.publisherFault?.message ?? 'credential rejected' },
          });
        } else
          outbox.push({
            idempotencyKey: `${tenantId}:${state.incident.id}:incidentOpened`,
            kind: 'incidentOpened',
            since: r.at,
            summary: `${cls === 'failing' ? 'Failing' : 'Degraded'}: ${reason}`,
            impact:
              cls === 'failing'
                ? 'Together cannot read or write your users’ calendars; sessions are not synchronised.'
                : 'Some users’ calendars are not reachable; their sessions are not synchronised.',
            fix: fixFor(r),
            facts,
          });
      } else if (cls === 'failing' && state.status !== 'failing') {
        outbox.push({
          idempotencyKey: `${tenantId}:${state.incident.id}:incidentOpened:failing`,
          kind: 'incidentOpened',
          since: state.incident.openedAt,
          summary: `Now failing: ${reason}`,
          impact: 'Together cannot read or write your users’ calendars; sessions are not synchronised.',
          fix: fixFor(r),
          facts,
        });
      }
      state.incident.reason = reason;
      setStatus(cls);
      if (cls === 'failing') nextReminderAt ??= Date.now() + reminderMs;
      else nextReminderAt = undefined;
    }

    for (const cred of r.credentials?.credentials ?? []) {
      if (cred.severity === 'ok') continue;
      outbox.push({
        idempotencyKey: `${tenantId}:credential:${cred.keyId}:${cred.severity}`,
        kind: 'credentialExpiring',
        summary: `The app's ${cred.kind} ${cred.displayName ?? cred.keyId} ${cred.severity === 'expired' ? 'has expired' : `expires in ${cred.daysLeft} days`}.`,
        impact: 'When it expires, Together can no longer reach any tenant.',
        fix: { credentialExpiresAt: cred.endDateTime },
      });
    }

    state.history.push({
      at: r.at,
      verdict: r.verdict,
      accessible: r.accessible,
      sampled: r.sampled,
      consent: r.consent,
      status: state.status,
    });
    while (state.history.length > historyLimit) state.history.shift();
    for (const n of outbox) await notify(n);
  }

  const canSuggested = () => workflowInfo().continueAsNewSuggested;
  for (;;) {
    if (queue.length === 0) {
      const wake = () => queue.length > 0 || canSuggested() || loopChanged;
      // Without a health-check loop this is the old wait exactly (recorded histories replay unchanged).
      const deadline = Math.min(nextReminderAt ?? Infinity, loopDueMs());
      if (deadline === Infinity) await condition(wake);
      else if (deadline > Date.now()) await condition(wake, deadline - Date.now());
    }
    loopChanged = false;
    while (queue.length) await handle(queue.shift()!);
    if (nextReminderAt !== undefined && Date.now() >= nextReminderAt) {
      if (state.status === 'failing' && state.incident) {
        reminders++;
        await notify({
          idempotencyKey: `${tenantId}:${state.incident.id}:incidentReminder:${reminders}`,
          kind: 'incidentReminder',
          ...(state.incident.kind === 'publisher' ? { audience: 'publisher' as const } : {}),
          since: state.incident.openedAt,
          summary: `Still failing: ${state.incident.reason}`,
          impact: 'Together cannot read or write your users’ calendars; sessions are not synchronised.',
          ...(consentUrl ? { fix: { consentUrl } } : {}),
        });
        nextReminderAt += reminderMs;
      } else {
        nextReminderAt = undefined;
      }
    }
    if (loop && Date.now() >= loopDueMs()) await runLoopCheck(loop);
    const loopRunLong =
      loopChecksThisRun > 0 &&
      loopChecksThisRun >=
        (patched('monitor-short-runs')
          ? Math.min(100, Math.max(1, input.loopChecksPerRun ?? LOOP_CHECKS_PER_RUN))
          : LOOP_CHECKS_PER_RUN_BEFORE_PATCH);
    if ((canSuggested() || loopRunLong) && queue.length === 0 && allHandlersFinished()) {
      const carried: MonitorCarry = {
        state,
        incidents,
        ...(nextReminderAt !== undefined ? { nextReminderAt: iso(nextReminderAt) } : {}),
        reminders,
        owner,
        consentUrl,
        seenChecks,
        sentKeys,
        ...(loop ? { healthLoop: loop } : {}),
      };
      await continueAsNew<typeof tenantMonitor>({ ...input, carried });
    }
  }
}
