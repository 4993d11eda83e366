/**
 * Activities that use the Temporal client or compose the Graph activities:
 *  - runHealthCheck: the whole scheduled health check in one activity (consent and roles, the enterprise
 *    app, credential expiry in publisher mode, a small sample test), then one signal-with-start to the
 *    tenant's monitor. One activity + one signal keeps a healthy scheduled run at 5 Cloud actions.
 *  - upsertHealthSchedule: create or update the tenant's schedule.
 *  - reportToMonitor: signal-with-start of the monitor with a result (onboarding, re-test).
 * The monitor ignores a result whose checkId it has seen, so a retried activity that signalled before
 * failing does no harm.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { createOrUpdateHealthSchedule } from '../../temporal/schedule';
import { healthResultSignal, monitorWorkflowId } from '../../contracts/messages';
import { DEFAULT_TASK_QUEUE, TENANT_ID } from '../../contracts/ids';
import { buildReport } from '../../contracts/verdict';
import type { TenantMonitorWorkflow } from '../../contracts/workflows';
import {
  PERMANENT_FAILURE_TYPES,
  type ConsentCheckResult,
  type GraphActivities,
} from '../../contracts/activities';
import type {
  HealthResult,
  ReportToMonitorInput,
  RunHealthCheckInput,
  TemporalActivities,
  UpsertHealthScheduleInput,
} from '../../contracts/health';

export interface TemporalActivityDeps {
  client: Client;
  /** The Graph activities (activities/index.ts createActivities, or test doubles). */
  graph: GraphActivities;
  /** Task queue of this worker (default for schedules and the monitor). */
  taskQueue?: string;
  logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  now?: () => Date;
}

function errorInfo(err: unknown): { type?: string; message: string; nonRetryable: boolean } {
  if (err instanceof ApplicationFailure) {
    return { type: err.type ?? undefined, message: err.message, nonRetryable: !!err.nonRetryable };
  }
  const e = err as { name?: string; message?: string; type?: string; nonRetryable?: boolean };
  return { type: e?.type ?? e?.name, message: e?.message ?? String(err), nonRetryable: !!e?.nonRetryable };
}

const PERMANENT = PERMANENT_FAILURE_TYPES;

export function createTemporalActivities(deps: TemporalActivityDeps): TemporalActivities {
  const now = deps.now ?? (() => new Date());
  const taskQueueOf = (tq?: string) => tq ?? deps.taskQueue ?? DEFAULT_TASK_QUEUE;

  async function reportToMonitor({ result, taskQueue }: ReportToMonitorInput): Promise<void> {
    await deps.client.workflow.signalWithStart<TenantMonitorWorkflow, [HealthResult]>('tenantMonitor', {
      workflowId: monitorWorkflowId(result.tenantId),
      taskQueue: taskQueueOf(taskQueue),
      args: [{ tenantId: result.tenantId }],
      signal: healthResultSignal,
      signalArgs: [result],
      typedSearchAttributes: [{ key: TENANT_ID, value: result.tenantId }],
    });
  }

  async function runHealthCheck(input: RunHealthCheckInput): Promise<HealthResult> {
    const started = now().getTime();
    const tenantId = input.tenant.tenantId;
    let graphRequests = 0;
    const base = {
      tenantId,
      checkId: input.checkId,
      owner: input.owner,
      consentUrl: input.consentUrl,
    };
    let consent: Pick<ConsentCheckResult, 'state' | 'missingRoles' | 'servicePrincipal'>;
    try {
      consent = await deps.graph.checkConsent({ tenant: input.tenant, everConsented: true });
    } catch (err) {
      const e = errorInfo(err);
      // A permanent answer (unknown tenant, credential rejected) is a finding; a transient one is "don't know".
      consent = PERMANENT.includes(e.type ?? '')
        ? { state: 'revoked', missingRoles: [] }
        : { state: 'propagating', missingRoles: [] };
      deps.logger?.warn({ tenantId, error: e.message, type: e.type }, 'health check: consent check failed');
    }

    let result: HealthResult;
    if (consent.state !== 'consented' && consent.state !== 'partial') {
      result = {
        ...base,
        at: now().toISOString(),
        consent: consent.state,
        missingRoles: consent.missingRoles,
        appEnabled: consent.servicePrincipal?.enabled,
        verdict: consent.state === 'propagating' ? 'inconclusive' : 'fail',
        verdictReason:
          consent.state === 'propagating'
            ? 'Consent could not be confirmed right now.'
            : `Consent is ${consent.state}.`,
        sampled: 0,
        accessible: 0,
        examples: [],
        graphRequests,
        durationMs: now().getTime() - started,
      };
    } else {
      let verdict: HealthResult['verdict'];
      let verdictReason: string | undefined;
      let sampled = 0;
      let accessible = 0;
      let examples: HealthResult['examples'] = [];
      try {
        const sample = await deps.graph.sampleUsers({
          tenant: input.tenant,
          size: input.sampleSize,
          source: input.sampleSource ?? { kind: 'all' },
          seed: input.checkId,
        });
        graphRequests += sample.graphRequests;
        // No heartbeats: a health check's probe is short and each heartbeat reaching the server is billed.
        const probe = await deps.graph.probeCalendars({
          tenant: input.tenant,
          users: sample.users,
          options: { heartbeat: false },
        });
        graphRequests += probe.graphRequests;
        const report = buildReport({
          tenantId,
          users: sample.users,
          results: probe.results,
          threshold: input.threshold,
          startedAt: new Date(started).toISOString(),
          durationMs: 0,
          graphRequests,
        });
        verdict = report.verdict;
        verdictReason = report.verdictReason;
        sampled = report.sampled;
        accessible = report.accessible;
        examples = report.inaccessible.slice(0, 5).map((u) => ({
          user: u.user.userPrincipalName ?? u.user.id,
          reason: u.reason,
          ...(u.code ? { code: u.code } : {}),
        }));
      } catch (err) {
        const e = errorInfo(err);
        const permanent = e.nonRetryable || PERMANENT.includes(e.type ?? '');
        verdict = permanent ? 'fail' : 'inconclusive';
        verdictReason = `The sample test could not run: ${e.message}`;
      }
      result = {
        ...base,
        at: now().toISOString(),
        consent: consent.state,
        missingRoles: consent.missingRoles,
        appEnabled: consent.servicePrincipal?.enabled,
        verdict,
        ...(verdictReason ? { verdictReason } : {}),
        sampled,
        accessible,
        examples,
        graphRequests,
        durationMs: now().getTime() - started,
      };
    }
    if (input.publisherMode) {
      try {
        const exp = await deps.graph.checkCredentialExpiry();
        result.credentials = { severity: exp.severity, credentials: exp.credentials };
      } catch (err) {
        deps.logger?.warn(
          { tenantId, error: errorInfo(err).message },
          'health check: credential expiry unknown',
        );
      }
    }
    // The monitor's own check loop handles the returned result: no signal (contracts/health-loop.ts).
    if (input.report !== false) await reportToMonitor({ result, taskQueue: input.taskQueue });
    return result;
  }

  async function upsertHealthSchedule(input: UpsertHealthScheduleInput): Promise<string> {
    return createOrUpdateHealthSchedule(deps.client, {
      tenant: input.tenant,
      settings: input.settings,
      consentUrl: input.consentUrl,
      publisherMode: input.publisherMode,
      taskQueue: taskQueueOf(input.taskQueue),
    });
  }

  return { runHealthCheck, upsertHealthSchedule, reportToMonitor };
}
