/**
 * Typed Temporal-client functions for the CLI and the console. Everything goes through the workflows'
 * public messages (contracts/messages.ts); nothing here talks to Graph.
 *
 *   const client = await connectTemporal();            // TEMPORAL_* env / temporal.toml, codec if keyed
 *   const handle = await startOnboarding(client, input); // second call returns the running one
 *   await getOnboardingStatus(client, tenantId);        // null when there is no onboarding
 */
import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { Client as TemporalClient } from '@temporalio/client';
import { connectClientConnection, loadTemporalSettings, type TemporalSettings } from '../temporal/connection';
import {
  acceptConsentCallbackUpdate,
  type ConsentCallbackOutcome,
  consentCallbackSignal,
  monitorStateQuery,
  monitorWorkflowId,
  onboardingWorkflowId,
  registerConsentStateSignal,
  retestUpdate,
  acceptReportUpdate,
  statusQuery,
  updateSettingsUpdate,
  type AcceptedExceptions,
  type ConsentCallback,
  type ConsentStateRegistration,
  type MonitorState,
  type OnboardingStatus,
  type OnboardTenantInput,
  type ReportReview,
  type SampleTestReport,
  type TenantSettings,
} from '../contracts/messages';
import type { OnboardTenantWorkflow } from '../contracts/workflows';
import { TENANT_ID } from '../contracts/ids';
import { assertSettings, SettingsError } from '../contracts/settings';
import { dataConverter } from '../temporal/codec';
import { DEFAULT_TASK_QUEUE } from '../contracts/ids';

export { AesGcmCodec, codecFromEnv, dataConverter } from '../temporal/codec';
export {
  createOrUpdateHealthSchedule,
  deleteHealthSchedule,
  describeHealthSchedule,
  healthShardSummaries,
  pauseHealthSchedule,
  triggerAllHealthChecks,
  triggerHealthSchedule,
  type HealthScheduleDescription,
  type HealthScheduleOptions,
} from '../temporal/schedule';
import { hashConsentState } from '../contracts/hash';
import { CONSENT_STATE_HASH_PATTERN } from '../contracts/validation';
export { SettingsError } from '../contracts/settings';
export { ConfigError, UnreachableError } from '../temporal/connection';

/** An update the workflow refused (validator) or that failed; `message` says why, for the user. */
export class UpdateRejectedError extends Error {
  override name = 'UpdateRejectedError';
}

/** The tenant has no onboarding workflow (never started, or the id is wrong). */
export class TenantNotFoundError extends Error {
  override name = 'TenantNotFoundError';
}

/**
 * A client from Temporal's environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE) with the payload codec when TOGETHER_CODEC_KEY is set.
 * Throws ConfigError (exit 2) or UnreachableError (exit 3). Close with `client.connection.close()`.
 */
export async function connectTemporal(env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const settings: TemporalSettings = loadTemporalSettings(env);
  const connection = await connectClientConnection(settings);
  return new TemporalClient({ connection, namespace: settings.namespace, dataConverter: dataConverter(env) });
}

/** SHA-256 hex of a one-time consent state: what `registerConsentState` and the callback carry. */
export { hashConsentState };

/**
 * Starts the tenant's onboarding, or returns the running one (USE_EXISTING). Settings are validated here
 * first (SettingsError). The TenantId search attribute is set at start (free on Temporal Cloud).
 */
export async function startOnboarding(
  client: Client,
  input: OnboardTenantInput,
  opts: { taskQueue?: string } = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<OnboardTenantWorkflow>> {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(input.tenant.tenantId)) {
    throw new SettingsError(
      `tenantId '${input.tenant.tenantId}' must be a GUID or a short name (letters, digits, . _ -).`,
    );
  }
  assertSettings(input.settings, { requireAll: true });
  if (input.carried) throw new SettingsError('carried is set by the workflow itself, not by callers.');
  return client.workflow.start<OnboardTenantWorkflow>('onboardTenant', {
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: onboardingWorkflowId(input.tenant.tenantId),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [{ key: TENANT_ID, value: input.tenant.tenantId }],
    // User Metadata: the Temporal Web UI lists "Contoso — onboarding" instead of a bare GUID (SDK 1.24
    // `staticSummary`/`staticDetails`), and the memo carries the name for visibility listings.
    staticSummary: `${input.displayName ?? input.tenant.tenantId} — onboarding`,
    staticDetails: `Together calendar integration for tenant ${input.displayName ? `${input.displayName} (${input.tenant.tenantId})` : input.tenant.tenantId}; owner ${input.settings.owner}.`,
    ...(input.displayName ? { memo: { tenantName: input.displayName } } : {}),
    args: [input],
  });
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof WorkflowNotFoundError ||
    (err instanceof Error && /not found|NOT_FOUND/i.test(err.message) && !/query/i.test(err.name))
  );
}

/** The onboarding's status (query), or null when the tenant has no onboarding. */
export async function getOnboardingStatus(
  client: Client,
  tenantId: string,
): Promise<OnboardingStatus | null> {
  try {
    return await client.workflow.getHandle(onboardingWorkflowId(tenantId)).query(statusQuery);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

async function signalOnboarding(
  client: Client,
  tenantId: string,
  fn: (h: WorkflowHandle) => Promise<void>,
): Promise<void> {
  try {
    await fn(client.workflow.getHandle(onboardingWorkflowId(tenantId)));
  } catch (err) {
    if (isNotFound(err)) {
      throw new TenantNotFoundError(
        `Tenant ${tenantId} has no running onboarding (workflow ${onboardingWorkflowId(tenantId)}). Start it with 'together-o365 onboard'.`,
      );
    }
    throw err;
  }
}

/** The console hands an admin a consent link: register the state's hash (with its expiry) first. */
export async function registerConsentState(
  client: Client,
  tenantId: string,
  registration: ConsentStateRegistration,
): Promise<void> {
  if (!CONSENT_STATE_HASH_PATTERN.test(registration.stateHash)) {
    throw new SettingsError(
      'stateHash must be the lower-case hex SHA-256 of the state (use hashConsentState).',
    );
  }
  await signalOnboarding(client, tenantId, (h) => h.signal(registerConsentStateSignal, registration));
}

/** The console validated Entra's redirect: the onboarding records it once, or its validator says why not. */
export async function acceptConsentCallback(
  client: Client,
  tenantId: string,
  callback: ConsentCallback,
): Promise<ConsentCallbackOutcome> {
  if (!CONSENT_STATE_HASH_PATTERN.test(callback.stateHash)) {
    throw new UpdateRejectedError('The consent state is malformed.');
  }
  return update(client, tenantId, (h) => h.executeUpdate(acceptConsentCallbackUpdate, { args: [callback] }));
}

/** The console validated Entra's redirect: pass it on (the workflow checks the hash again and verifies by Graph). */
export async function deliverConsentCallback(
  client: Client,
  tenantId: string,
  callback: ConsentCallback,
): Promise<void> {
  await signalOnboarding(client, tenantId, (h) => h.signal(consentCallbackSignal, callback));
}

async function update<R>(
  client: Client,
  tenantId: string,
  fn: (h: WorkflowHandle) => Promise<R>,
): Promise<R> {
  try {
    return await fn(client.workflow.getHandle(onboardingWorkflowId(tenantId)));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause instanceof Error ? err.cause.message : err.message;
      throw new UpdateRejectedError(cause);
    }
    if (isNotFound(err)) {
      throw new TenantNotFoundError(`Tenant ${tenantId} has no running onboarding.`);
    }
    throw err;
  }
}

/** Runs a sample test now and resolves with its report; rejected unless the tenant is consented. */
export async function retest(client: Client, tenantId: string): Promise<SampleTestReport> {
  return update(client, tenantId, (h) => h.executeUpdate(retestUpdate));
}

/** The owner's "Done" on the first report; the workflow's validator rejects it before a report exists. */
export async function acceptReport(
  client: Client,
  tenantId: string,
  exceptions: AcceptedExceptions = {},
): Promise<ReportReview> {
  return update(client, tenantId, (h) => h.executeUpdate(acceptReportUpdate, { args: [exceptions] }));
}

/** Temporal's execution status of the tenant's onboarding (RUNNING, TERMINATED, …); null when there is none. */
export async function describeOnboarding(client: Client, tenantId: string): Promise<string | null> {
  try {
    return (await client.workflow.getHandle(onboardingWorkflowId(tenantId)).describe()).status.name;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Validated in the workflow (and here first); resolves with the new settings. */
export async function updateSettings(
  client: Client,
  tenantId: string,
  partial: Partial<TenantSettings>,
): Promise<TenantSettings> {
  try {
    assertSettings(partial);
  } catch (err) {
    throw new UpdateRejectedError((err as Error).message);
  }
  return update(client, tenantId, (h) => h.executeUpdate(updateSettingsUpdate, { args: [partial] }));
}

/** The health monitor's state, or null before the first health result. */
export async function getMonitorState(client: Client, tenantId: string): Promise<MonitorState | null> {
  try {
    return await client.workflow.getHandle(monitorWorkflowId(tenantId)).query(monitorStateQuery);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export interface TenantSummary {
  tenantId: string;
  workflowId: string;
  runId: string;
  /** Workflow execution status: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  status: string;
  startTime: Date;
}

/**
 * Tenants that have an onboarding, newest run per tenant (visibility query on the workflow type, TenantId
 * from the search attribute). Needs a server with visibility (dev server, self-hosted, Cloud) — not the
 * time-skipping test server. Visibility is eventually consistent (a second or so).
 */
export async function listTenants(client: Client, opts: { limit?: number } = {}): Promise<TenantSummary[]> {
  const byTenant = new Map<string, TenantSummary>();
  const limit = opts.limit ?? 10_000;
  let seen = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'onboardTenant'` })) {
    if (++seen > limit) break;
    const tenantId = wf.typedSearchAttributes.get(TENANT_ID) ?? wf.workflowId.replace(/^onboard-/, '');
    const prev = byTenant.get(tenantId);
    if (!prev || prev.startTime < wf.startTime) {
      byTenant.set(tenantId, {
        tenantId,
        workflowId: wf.workflowId,
        runId: wf.runId,
        status: wf.status.name,
        startTime: wf.startTime,
      });
    }
  }
  return [...byTenant.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
}
