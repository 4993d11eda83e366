/**
 * The per-tenant health checks (`health-<tenant>`). Since issue 15 they are a durable timer loop inside the
 * tenant's monitor workflow (`monitor-<tenant>`, see contracts/health-loop.ts and workflows/health-loop.ts),
 * not a Temporal Schedule: a Schedule execution alone is billed 3 actions (2 + the workflow start) before the
 * check does anything, so no Schedule-based check can cost ≤ 3; the loop costs a timer and an activity (2).
 *
 * These functions keep the meaning of the former schedule operations, so the CLI's `schedule` commands and
 * the onboarding's `upsertHealthSchedule` work unchanged: every `intervalMinutes`, each tenant at its own phase
 * offset within the interval; create-or-update keeps paused/note; trigger runs one now (skipped if one is
 * running); pause/resume with a note; delete stops the loop. A tenant that still has a legacy Schedule gets it
 * deleted when its loop is created (migration), so checks never run twice.
 */
import {
  ScheduleNotFoundError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TenantRef } from '../contracts/activities';
import {
  healthLoopQuery,
  healthLoopSignal,
  type HealthLoopCommand,
  type HealthLoopInfo,
} from '../contracts/health-loop';
import {
  DEFAULT_SETTINGS,
  healthScheduleId,
  monitorWorkflowId,
  type MonitorInput,
  type TenantSettings,
} from '../contracts/messages';
import { DEFAULT_TASK_QUEUE, TENANT_ID } from '../contracts/ids';

export { DEFAULT_TASK_QUEUE };

export interface HealthScheduleOptions {
  tenant: TenantRef;
  settings: TenantSettings;
  consentUrl: string;
  publisherMode?: boolean;
  taskQueue?: string;
  /** Create it paused (tests, staged roll-outs). */
  paused?: boolean;
  /** The monitor's loop checks per run (MonitorInput.loopChecksPerRun); applies when this starts the monitor. */
  loopChecksPerRun?: number;
}

export type HealthScheduleDescription = HealthLoopInfo;

function setCommand(o: HealthScheduleOptions): HealthLoopCommand {
  return {
    kind: 'set',
    intervalMinutes: o.settings.scheduleIntervalMinutes,
    ...(o.paused !== undefined ? { paused: o.paused } : {}),
    check: {
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
    },
  };
}

/** Deletes a pre-issue-15 Temporal Schedule of the tenant, if any (true if there was one). */
async function deleteLegacySchedule(client: Client, tenantId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(healthScheduleId(tenantId)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** Creates the tenant's health-check loop (starting its monitor if needed) or updates it in place. */
export async function createOrUpdateHealthSchedule(
  client: Client,
  o: HealthScheduleOptions,
): Promise<string> {
  await client.workflow.signalWithStart('tenantMonitor', {
    workflowId: monitorWorkflowId(o.tenant.tenantId),
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
    args: [
      {
        tenantId: o.tenant.tenantId,
        ...(o.loopChecksPerRun ? { loopChecksPerRun: o.loopChecksPerRun } : {}),
      } satisfies MonitorInput,
    ],
    signal: healthLoopSignal,
    signalArgs: [setCommand(o)],
    typedSearchAttributes: [{ key: TENANT_ID, value: o.tenant.tenantId }],
  });
  await deleteLegacySchedule(client, o.tenant.tenantId);
  return healthScheduleId(o.tenant.tenantId);
}

function monitor(client: Client, tenantId: string): WorkflowHandle {
  return client.workflow.getHandle(monitorWorkflowId(tenantId));
}

/** The loop as `schedule show` prints it; null when the tenant has no monitor or its monitor runs no checks. */
export async function describeHealthSchedule(
  client: Client,
  tenantId: string,
): Promise<HealthScheduleDescription | null> {
  try {
    return await monitor(client, tenantId).query(healthLoopQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    // A closed monitor (e.g. terminated) cannot run checks either.
    if (err instanceof Error && /workflow.*(closed|completed|terminated)|not found/i.test(err.message))
      return null;
    throw err;
  }
}

async function send(client: Client, tenantId: string, cmd: HealthLoopCommand): Promise<boolean> {
  if (!(await describeHealthSchedule(client, tenantId))) return false;
  await monitor(client, tenantId).signal(healthLoopSignal, cmd);
  return true;
}

class NoHealthSchedule extends ScheduleNotFoundError {
  constructor(tenantId: string) {
    super(
      `No health checks for tenant ${tenantId}; onboard it first (together-o365 onboard --tenant ${tenantId}), ` +
        `or start them with 'together-o365 schedule create --tenant ${tenantId}'.`,
      healthScheduleId(tenantId),
    );
  }
}

export async function pauseHealthSchedule(
  client: Client,
  tenantId: string,
  opts: { paused?: boolean; note?: string } = {},
): Promise<void> {
  const cmd: HealthLoopCommand =
    opts.paused === false
      ? { kind: 'resume', note: opts.note ?? 'unpaused by together-o365' }
      : { kind: 'pause', note: opts.note ?? 'paused by together-o365' };
  if (!(await send(client, tenantId, cmd))) throw new NoHealthSchedule(tenantId);
}

/** Runs a health check now (overlap SKIP: nothing more happens while one is still running). */
export async function triggerHealthSchedule(client: Client, tenantId: string): Promise<void> {
  if (!(await send(client, tenantId, { kind: 'trigger' }))) throw new NoHealthSchedule(tenantId);
}

export async function deleteHealthSchedule(client: Client, tenantId: string): Promise<boolean> {
  const legacy = await deleteLegacySchedule(client, tenantId);
  return (await send(client, tenantId, { kind: 'stop' })) || legacy;
}
