/**
 * The per-tenant health schedule (`health-<tenant>`): starts `healthCheck` every
 * `settings.scheduleIntervalMinutes` (default 6 h), each tenant at its own phase offset within the
 * interval (a hash of the tenant id) plus jitter, so thousands of tenants do not fire at once; overlap
 * SKIP (a check still running when the next is due makes the next one skip); a catch-up window so an
 * outage of the server does not replay a backlog (at most one missed run is made up, if it is recent).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import type { TenantRef } from '../contracts/activities';
import type { HealthCheckInput } from '../contracts/health';
import { DEFAULT_SETTINGS, healthScheduleId, type TenantSettings } from '../contracts/messages';
import { TENANT_ID } from '../contracts/ids';
import type { HealthCheckWorkflow } from '../contracts/workflows';
import { DEFAULT_TASK_QUEUE } from '../contracts/ids';

export { DEFAULT_TASK_QUEUE };

export interface HealthScheduleOptions {
  tenant: TenantRef;
  settings: TenantSettings;
  consentUrl: string;
  publisherMode?: boolean;
  taskQueue?: string;
  /** Create it paused (tests, staged roll-outs). */
  paused?: boolean;
}

/** A stable offset in [0, interval) minutes derived from the tenant id (FNV-1a). */
export function tenantOffsetMinutes(tenantId: string, intervalMinutes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i++) {
    h ^= tenantId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % intervalMinutes;
}

export function healthSchedulePolicy(intervalMinutes: number): {
  spec: ScheduleSpec;
  catchupWindowMinutes: number;
  jitterMinutes: number;
} {
  const jitterMinutes = Math.max(1, Math.min(30, Math.floor(intervalMinutes / 10)));
  return {
    spec: { intervals: [{ every: `${intervalMinutes} minutes` }], jitter: `${jitterMinutes} minutes` },
    catchupWindowMinutes: Math.max(1, Math.min(60, Math.floor(intervalMinutes / 2))),
    jitterMinutes,
  };
}

function scheduleParts(o: HealthScheduleOptions) {
  const minutes = o.settings.scheduleIntervalMinutes;
  const policy = healthSchedulePolicy(minutes);
  const spec: ScheduleSpec = {
    ...policy.spec,
    intervals: [
      { every: `${minutes} minutes`, offset: `${tenantOffsetMinutes(o.tenant.tenantId, minutes)} minutes` },
    ],
  };
  const input: HealthCheckInput = {
    tenant: o.tenant,
    owner: o.settings.owner,
    consentUrl: o.consentUrl,
    sampleSize: o.settings.healthSampleSize ?? DEFAULT_SETTINGS.healthSampleSize ?? 10,
    threshold: o.settings.threshold,
    ...(o.settings.sampleSource ? { sampleSource: o.settings.sampleSource } : {}),
    ...(o.publisherMode ? { publisherMode: true } : {}),
    ...(o.settings.teamsProbe ? { teamsProbe: true } : {}),
    // Accepted exceptions travel with every scheduled check, so they count neither in its verdict nor as incidents.
    ...(o.settings.acceptedExceptions ? { accepted: o.settings.acceptedExceptions } : {}),
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
  };
  const action: ScheduleOptionsStartWorkflowAction<HealthCheckWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'healthCheck',
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: `health-${o.tenant.tenantId}`,
    args: [input],
    workflowRunTimeout: '15 minutes',
    typedSearchAttributes: [{ key: TENANT_ID, value: o.tenant.tenantId }],
  };
  return {
    spec,
    action,
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: policy.catchupWindowMinutes * 60_000,
      pauseOnFailure: false,
    },
  };
}

/** Creates the tenant's schedule, or updates spec, action and policies in place (keeping paused/notes). */
export async function createOrUpdateHealthSchedule(
  client: Client,
  o: HealthScheduleOptions,
): Promise<string> {
  const scheduleId = healthScheduleId(o.tenant.tenantId);
  const parts = scheduleParts(o);
  try {
    await client.schedule.create({
      scheduleId,
      ...parts,
      typedSearchAttributes: [{ key: TENANT_ID, value: o.tenant.tenantId }],
      state: {
        paused: o.paused ?? false,
        note: `health checks of tenant ${o.tenant.tenantId}`,
      },
    });
    return scheduleId;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((prev) => ({
    ...prev,
    ...parts,
    state: {
      paused: prev.state.paused,
      note: prev.state.note,
      remainingActions: prev.state.remainingActions,
    },
  }));
  return scheduleId;
}

export async function describeHealthSchedule(
  client: Client,
  tenantId: string,
): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(healthScheduleId(tenantId)).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

export async function pauseHealthSchedule(
  client: Client,
  tenantId: string,
  opts: { paused?: boolean; note?: string } = {},
): Promise<void> {
  const handle = client.schedule.getHandle(healthScheduleId(tenantId));
  if (opts.paused === false) await handle.unpause(opts.note ?? 'unpaused by together-o365');
  else await handle.pause(opts.note ?? 'paused by together-o365');
}

/** Runs a health check now (overlap SKIP: nothing happens while one is still running). */
export async function triggerHealthSchedule(client: Client, tenantId: string): Promise<void> {
  await client.schedule.getHandle(healthScheduleId(tenantId)).trigger(ScheduleOverlapPolicy.SKIP);
}

export async function deleteHealthSchedule(client: Client, tenantId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(healthScheduleId(tenantId)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}
