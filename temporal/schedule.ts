/**
 * The per-tenant health checks (`health-<tenant>`). Since issue 15 they are durable timer loops, not Temporal
 * Schedules (a Schedule execution alone is billed 3 actions before the check does anything). They run in health
 * shards (`health-shard-<k>`, contracts/health-shard.ts, workflows/health-shard.ts): one workflow wakes for every
 * loop of its shard due at about the same time and runs their checks as one activity, and a tenant's monitor hears
 * only the results it needs. Loops created by earlier versions inside the tenant's monitor (`monitor-<tenant>`)
 * keep running there and answer these operations until the next create-or-update moves them to their shard.
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
  HEALTH_SHARDS,
  healthShardLoopQuery,
  healthShardOf,
  healthShardSignal,
  healthShardSummaryQuery,
  healthShardWorkflowId,
  type HealthShardInput,
  type HealthShardSummary,
} from '../contracts/health-shard';
import {
  DEFAULT_SETTINGS,
  healthScheduleId,
  monitorWorkflowId,
  type TenantSettings,
} from '../contracts/messages';
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

function monitor(client: Client, tenantId: string): WorkflowHandle {
  return client.workflow.getHandle(monitorWorkflowId(tenantId));
}

function shard(client: Client, tenantId: string): WorkflowHandle {
  return client.workflow.getHandle(healthShardWorkflowId(healthShardOf(tenantId)));
}

/**
 * A query of a workflow that may not exist or may have closed: null then. A closed workflow runs no checks, and
 * its query would need a worker on its task queue to replay it (a queue that may have no worker any more), so it
 * is asked only while running.
 */
async function queryOrNull<T>(
  handle: WorkflowHandle,
  ask: (h: WorkflowHandle) => Promise<T>,
): Promise<T | null> {
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return null;
    return await ask(handle);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    if (err instanceof Error && /workflow.*(closed|completed|terminated)|not found/i.test(err.message))
      return null;
    throw err;
  }
}

/** A loop an earlier version created inside the tenant's monitor (null when there is none). */
const legacyLoop = (client: Client, tenantId: string) =>
  queryOrNull(monitor(client, tenantId), (h) => h.query(healthLoopQuery));

/**
 * Creates the tenant's health-check loop in its shard (starting the shard if needed) or updates it in place. A loop
 * that an earlier version ran inside the tenant's monitor is stopped once the shard has it, so checks never run twice.
 */
export async function createOrUpdateHealthSchedule(
  client: Client,
  o: HealthScheduleOptions,
): Promise<string> {
  const k = healthShardOf(o.tenant.tenantId);
  await client.workflow.signalWithStart('healthShard', {
    workflowId: healthShardWorkflowId(k),
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
    args: [{ shard: k } satisfies HealthShardInput],
    signal: healthShardSignal,
    signalArgs: [{ tenantId: o.tenant.tenantId, cmd: setCommand(o) }],
  });
  if (await legacyLoop(client, o.tenant.tenantId))
    await monitor(client, o.tenant.tenantId).signal(healthLoopSignal, { kind: 'stop' });
  await deleteLegacySchedule(client, o.tenant.tenantId);
  return healthScheduleId(o.tenant.tenantId);
}

/** The loop as `schedule show` prints it; null when the tenant has none (in its shard or, from earlier versions, its monitor). */
export async function describeHealthSchedule(
  client: Client,
  tenantId: string,
): Promise<HealthScheduleDescription | null> {
  return (
    (await queryOrNull(shard(client, tenantId), (h) => h.query(healthShardLoopQuery, tenantId))) ??
    (await legacyLoop(client, tenantId))
  );
}

async function send(client: Client, tenantId: string, cmd: HealthLoopCommand): Promise<boolean> {
  if (await queryOrNull(shard(client, tenantId), (h) => h.query(healthShardLoopQuery, tenantId))) {
    await shard(client, tenantId).signal(healthShardSignal, { tenantId, cmd });
    return true;
  }
  if (!(await legacyLoop(client, tenantId))) return false;
  await monitor(client, tenantId).signal(healthLoopSignal, cmd);
  return true;
}

/** Every running shard's summary (tenants, checks run, checks running now). */
export async function healthShardSummaries(client: Client): Promise<HealthShardSummary[]> {
  const all = await Promise.all(
    Array.from({ length: HEALTH_SHARDS }, (_, k) =>
      queryOrNull(client.workflow.getHandle(healthShardWorkflowId(k)), (h) =>
        h.query(healthShardSummaryQuery),
      ),
    ),
  );
  return all.filter((s): s is HealthShardSummary => s !== null);
}

/**
 * Runs every tenant's health check now: one signal to each running shard (a loop whose check is running skips it,
 * like a Schedule's overlap SKIP; a paused loop runs one check, as a triggered paused Schedule does). Signals only:
 * a signal is accepted by the server with no worker running, where a query (the shards' summaries) would wait for
 * one and fail when the worker is down or busy. Loops still inside a monitor (created by an earlier version) are not
 * reached: `schedule create` moves them to their shard. Returns how many shards were running.
 */
export async function triggerAllHealthChecks(client: Client): Promise<{ shards: number }> {
  const signalled = await Promise.all(
    Array.from({ length: HEALTH_SHARDS }, (_, k) =>
      client.workflow
        .getHandle(healthShardWorkflowId(k))
        .signal(healthShardSignal, { cmd: { kind: 'trigger' } })
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false; // never started, or closed: no loops there
            throw err;
          },
        ),
    ),
  );
  return { shards: signalled.filter(Boolean).length };
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
