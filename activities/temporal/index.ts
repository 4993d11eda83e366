/**
 * Activities that use the Temporal client or compose the Graph activities:
 *  - runHealthCheck: the whole scheduled health check in one activity (consent and roles, the enterprise
 *    app, credential expiry in publisher mode, a small sample test), then one signal-with-start to the
 *    tenant's monitor. One activity + one signal keeps a healthy scheduled run at 5 Cloud actions.
 *  - upsertHealthSchedule: create or update the tenant's schedule.
 *  - reportToMonitor: signal-with-start of the monitor with a result (onboarding, re-test).
 *  - runShardChecks: a health shard's batch of checks, reporting to each monitor only what it needs (shard-checks.ts).
 * The monitor ignores a result whose checkId it has seen, so a retried activity that signalled before
 * failing does no harm.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { createOrUpdateHealthSchedule } from '../../temporal/schedule';
import { healthResultSignal, monitorWorkflowId } from '../../contracts/messages';
import { DEFAULT_TASK_QUEUE, TENANT_ID } from '../../contracts/ids';
import { buildReport } from '../../contracts/verdict';
import { healthTeamsLinks } from './teams';
import { createShardChecks } from './shard-checks';
import { buildHealthResult } from '../../contracts/health';
import type { TenantMonitorWorkflow } from '../../contracts/workflows';
import {
  FailureTypes,
  PERMANENT_FAILURE_TYPES,
  PUBLISHER_FAULT_TYPES,
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

function errorInfo(err: unknown): { type?: string; code?: string; message: string; nonRetryable: boolean } {
  if (err instanceof ApplicationFailure) {
    const details = (err.details?.[0] ?? {}) as { code?: unknown };
    return {
      type: err.type ?? undefined,
      ...(typeof details.code === 'string' ? { code: details.code } : {}),
      message: err.message,
      nonRetryable: !!err.nonRetryable,
    };
  }
  const e = err as { name?: string; message?: string; type?: string; nonRetryable?: boolean; code?: unknown };
  return {
    type: e?.type ?? e?.name,
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    message: e?.message ?? String(err),
    nonRetryable: !!e?.nonRetryable,
  };
}

type ObservedConsent = Parameters<typeof buildHealthResult>[1];

/**
 * What a failed consent check means. A rejected publisher credential is the publisher's problem (never
 * "revoked"); a missing consent (the token says so) is the tenant's; an unknown tenant or a configuration error
 * is a finding with its code; a transient error is "don't know".
 */
export function consentFromError(err: unknown): ObservedConsent {
  const e = errorInfo(err);
  const codeText = e.code ? ` (${e.code})` : '';
  if (PUBLISHER_FAULT_TYPES.includes(e.type ?? '')) {
    return {
      consent: 'unknown',
      publisherFault: { ...(e.code ? { code: e.code } : {}), message: e.message },
      verdict: 'inconclusive',
      verdictReason: `Together's own app credential was rejected by Entra${codeText}: a publisher problem, not the tenant's.`,
    };
  }
  if (e.type === FailureTypes.ConsentMissing) {
    return { consent: 'revoked', verdict: 'fail', verdictReason: `Consent is revoked${codeText}.` };
  }
  const consentError = {
    ...(e.type ? { type: e.type } : {}),
    ...(e.code ? { code: e.code } : {}),
    message: e.message,
  };
  if (PERMANENT.includes(e.type ?? '')) {
    return {
      consent: 'unknown',
      consentError,
      verdict: 'fail',
      verdictReason:
        e.type === FailureTypes.UnknownTenant
          ? `Entra does not know this tenant${codeText}: check the tenant id.`
          : `The consent check is refused${codeText}: ${e.message}`,
    };
  }
  return {
    consent: 'unknown',
    consentError,
    verdict: 'inconclusive',
    verdictReason: `Consent could not be checked right now${codeText}.`,
  };
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
    const baseAt = () => ({
      ...base,
      at: now().toISOString(),
      durationMs: now().getTime() - started,
      graphRequests,
    });
    let consent: Pick<ConsentCheckResult, 'state' | 'missingRoles' | 'servicePrincipal'> | undefined;
    let checkFailed: ObservedConsent | undefined;
    try {
      consent = await deps.graph.checkConsent({ tenant: input.tenant, everConsented: true });
    } catch (err) {
      const e = errorInfo(err);
      deps.logger?.warn({ tenantId, error: e.message, type: e.type }, 'health check: consent check failed');
      checkFailed = consentFromError(err);
    }
    let result: HealthResult;
    if (!consent) {
      result = buildHealthResult(baseAt(), checkFailed!);
    } else if (consent.state !== 'consented' && consent.state !== 'partial') {
      result = buildHealthResult(baseAt(), {
        consent: consent.state,
        missingRoles: consent.missingRoles,
        appEnabled: consent.servicePrincipal?.enabled,
        verdict: consent.state === 'propagating' ? 'inconclusive' : 'fail',
        verdictReason:
          consent.state === 'propagating'
            ? 'Consent could not be confirmed right now.'
            : `Consent is ${consent.state}.`,
      });
    } else {
      let report: ObservedConsent['report'];
      let verdict: HealthResult['verdict'] | undefined;
      let verdictReason: string | undefined;
      let teams: HealthResult['teams'];
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
        if (input.teamsProbe) teams = await healthTeamsLinks(deps.graph, input.tenant, probe.results);
        report = buildReport({
          tenantId,
          users: sample.users,
          results: probe.results,
          threshold: input.threshold,
          startedAt: new Date(started).toISOString(),
          durationMs: 0,
          graphRequests,
          ...(input.accepted ? { accepted: input.accepted } : {}),
        });
      } catch (err) {
        const e = errorInfo(err);
        const permanent = e.nonRetryable || PERMANENT.includes(e.type ?? '');
        verdict = permanent ? 'fail' : 'inconclusive';
        verdictReason = `The sample test could not run: ${e.message}`;
      }
      result = buildHealthResult(baseAt(), {
        consent: consent.state,
        missingRoles: consent.missingRoles,
        appEnabled: consent.servicePrincipal?.enabled,
        ...(report ? { report } : { verdict, verdictReason }),
      });
      if (teams) result.teams = teams;
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

  const runShardChecks = createShardChecks({ runHealthCheck, reportToMonitor });
  return { runHealthCheck, upsertHealthSchedule, reportToMonitor, runShardChecks };
}
