/**
 * TogetherApi over Temporal, through client/ (the workflows' public functions). Errors become BackendError
 * (notFound / rejected / unreachable) so the console can render the right page and the CLI the right exit code.
 */
import net from 'node:net';
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HealthPoint, MonitorStatus } from '../contracts/messages';
import type { HealthLoopInfo } from '../contracts/health-loop';
import type { ShardLoopInfo } from '../contracts/health-shard';
import {
  acceptReport,
  acceptConsentCallback,
  connectTemporal,
  describeOnboarding,
  createOrUpdateHealthSchedule,
  deleteHealthSchedule,
  deliverConsentCallback,
  describeHealthSchedule,
  getMonitorState,
  getOnboardingStatus,
  listTenants,
  pauseHealthSchedule,
  registerConsentState,
  retest,
  SettingsError,
  startOnboarding,
  TenantNotFoundError,
  triggerAllHealthChecks,
  triggerHealthSchedule,
  UpdateRejectedError,
  updateSettings,
} from './index';
import { loadTemporalSettings, UnreachableError } from '../temporal/connection';
import { namespaceConfigError } from '../temporal/namespace';
import { ConfigError, errorKind } from '../contracts/errors';
import { BackendError, type TenantSummary, type TenantView } from '../contracts/backend';
import { deriveTenantState } from '../contracts/tenant-state';
import { healthScheduleId, monitorWorkflowId, onboardingWorkflowId } from '../contracts/messages';
import type { ScheduleInfo, TogetherApi } from '../contracts/backend';
import { runTeamsProbe } from './teams-probe';
import { getConnectionsState, listConnectionTenants, startConnectionsSweep } from './individual';
import { individualSweepWorkflowId } from '../contracts/individual';

export function toBackendError(err: unknown, address: string): unknown {
  if (!(err instanceof Error) || err instanceof BackendError) return err;
  if (err instanceof UpdateRejectedError || err instanceof SettingsError) {
    return new BackendError('rejected', err.message);
  }
  if (
    err instanceof TenantNotFoundError ||
    err instanceof WorkflowNotFoundError ||
    err instanceof ScheduleNotFoundError
  ) {
    return new BackendError('notFound', err.message);
  }
  if (errorKind(err) === 'configuration') return new BackendError('configuration', err.message);
  const code = (err as { code?: number }).code;
  if (
    err instanceof UnreachableError ||
    code === 14 /* UNAVAILABLE */ ||
    code === 4 /* DEADLINE_EXCEEDED */ ||
    /UNAVAILABLE|ECONNREFUSED|connection refused|Connection dropped|transport/i.test(err.message)
  ) {
    return new BackendError(
      'unreachable',
      `Could not reach Temporal at ${address}: ${err.message.split('\n')[0]}. Is the Temporal server running (npm run temporal, or TEMPORAL_ADDRESS for your cluster)?`,
    );
  }
  return err;
}

/**
 * The health-check loop as the CLI/console show it. A run's outcome: what its shard recorded (every check, since
 * the monitor hears only changes), with the monitor's status after it — the health point recorded for it, else the
 * monitor's current status (an unreported check changed nothing); for a loop still inside the monitor (earlier
 * versions), the monitor's first health point after the run started and before the next one.
 */
function scheduleInfo(
  tenantId: string,
  d: ShardLoopInfo | HealthLoopInfo,
  monitor?: { history: HealthPoint[]; status: MonitorStatus } | null,
): ScheduleInfo {
  const history = monitor?.history ?? [];
  return {
    scheduleId: healthScheduleId(tenantId),
    tenantId,
    paused: d.paused,
    ...(d.note ? { note: d.note } : {}),
    intervalMinutes: d.intervalMinutes,
    ...(d.nextRunAt ? { nextRunAt: d.nextRunAt } : {}),
    recentRuns: d.recentRuns.map((r, i) => {
      const next = d.recentRuns[i + 1]?.at;
      const point = history.find((p) => p.at >= r.at && (next === undefined || p.at < next));
      const own =
        r.verdict !== undefined && monitor
          ? {
              verdict: r.verdict,
              status: point?.status ?? monitor.status,
              accessible: r.accessible ?? 0,
              sampled: r.sampled ?? 0,
            }
          : undefined;
      return {
        at: r.at,
        workflowId: d.runsIn,
        ...(own
          ? { outcome: own }
          : point
            ? {
                outcome: {
                  verdict: point.verdict,
                  status: point.status,
                  accessible: point.accessible,
                  sampled: point.sampled,
                },
              }
            : {}),
      };
    }),
  };
}

/** One quick TCP connect, so "nothing listens there" is reported at once instead of after the gRPC timeout. */
async function assertListening(address: string): Promise<void> {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) return;
  const [, host, port] = m;
  const refused = await new Promise<string | undefined>((resolve) => {
    const socket = net.connect({ host: host!, port: Number(port) });
    const done = (why?: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(3000, () => done(undefined)); // slow networks: let the real client decide
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(
        err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
          ? err.code
          : undefined,
      ),
    );
  });
  if (refused) {
    throw new UnreachableError(
      `Could not reach Temporal at ${address} (${refused === 'ECONNREFUSED' ? 'connection refused: nothing listens there' : `host not found: ${refused}`}).\n` +
        `Start the embedded dev server with 'npm run temporal' (or 'npm run demo -- --keep-running'), or point TEMPORAL_ADDRESS ` +
        `(and TEMPORAL_API_KEY / TEMPORAL_TLS for Temporal Cloud) at your cluster.`,
    );
  }
}

/** TOGETHER_QUERY_TIMEOUT_MS: a positive whole number of milliseconds, default 10 s; anything else is exit 2. */
function queryTimeout(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 10_000;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 600_000) {
    throw new ConfigError(
      `TOGETHER_QUERY_TIMEOUT_MS='${value}' is invalid: a whole number of milliseconds from 1 to 600000 (default 10000).`,
    );
  }
  return Number(value);
}

export async function createTemporalApi(env: NodeJS.ProcessEnv = process.env): Promise<TogetherApi> {
  const { address, namespace } = loadTemporalSettings(env);
  const queryTimeoutMs = queryTimeout(env.TOGETHER_QUERY_TIMEOUT_MS);
  await assertListening(address);
  const client: Client = await connectTemporal(env);
  const taskQueue = env.TOGETHER_TASK_QUEUE || undefined;
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      // An unknown namespace or a missing TenantId search attribute: configuration (exit 2), with the fix.
      throw namespaceConfigError(err, namespace) ?? toBackendError(err, address);
    }
  };
  const queueName = taskQueue ?? 'together-o365';
  const noAnswer = (tenantId: string, workflowId: string) =>
    new BackendError(
      'unreachable',
      `Workflow ${workflowId} (tenant ${tenantId}) did not answer its query: no worker seems to be polling task queue ` +
        `'${queueName}' on ${address}. Start one with 'together-o365 worker' (same TEMPORAL_* and TOGETHER_TASK_QUEUE settings).`,
    );
  /** A query answered by a worker, or a clear "no worker" error after queryTimeoutMs (instead of a long hang). */
  const answered = async <T>(tenantId: string, workflowId: string, query: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        query().catch((err: unknown) => {
          if (err instanceof Error && /Failed to query Workflow|query timed out/i.test(err.message)) {
            throw noAnswer(tenantId, workflowId);
          }
          throw err;
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(noAnswer(tenantId, workflowId)), queryTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  const queryStatus = (tenantId: string) =>
    answered(tenantId, onboardingWorkflowId(tenantId), () => getOnboardingStatus(client, tenantId));
  const statusOrThrow = async (tenantId: string) => {
    const status = await queryStatus(tenantId);
    if (!status)
      throw new BackendError(
        'notFound',
        `Tenant ${tenantId} has no onboarding. Start one with 'together-o365 onboard --tenant ${tenantId}'.`,
      );
    return status;
  };

  /**
   * The one tenant state: Temporal's execution status, the onboarding's status query and the monitor's state,
   * fetched together and reduced by deriveTenantState (contracts/tenant-state.ts). A source that does not
   * answer is null: the derivation then says `unknown` (or uses what it has) instead of failing the page.
   */
  const tenantView = async (tenantId: string, knownWorkflowStatus?: string): Promise<TenantView | null> => {
    const workflowStatus = knownWorkflowStatus ?? (await describeOnboarding(client, tenantId));
    if (workflowStatus === null) return null;
    let unreachableReason: string | undefined;
    const noAnswer = (err: unknown) => {
      if (err instanceof BackendError && err.kind === 'unreachable') {
        unreachableReason = err.message;
        return null;
      }
      throw err;
    };
    const running = workflowStatus === 'RUNNING';
    const [status, monitor] = await Promise.all([
      // A closed onboarding is answered only by a worker replaying it; its absence must not hide "stopped".
      running ? queryStatus(tenantId).catch(noAnswer) : queryStatus(tenantId).catch(() => null),
      answered(tenantId, monitorWorkflowId(tenantId), () => getMonitorState(client, tenantId)).catch(
        () => null,
      ),
    ]);
    return {
      tenantId,
      ...((status?.displayName ?? undefined) ? { displayName: status!.displayName } : {}),
      state: deriveTenantState({ status, monitor, workflowStatus, unreachableReason }),
      status,
      monitor,
      workflowStatus,
    };
  };

  return {
    getTenant: (tenantId) => guard(() => tenantView(tenantId)),
    acceptReport: (tenantId, exceptions) => guard(() => acceptReport(client, tenantId, exceptions)),
    listTenants: () =>
      guard(async () => {
        const tenants = await listTenants(client);
        return Promise.all(
          tenants.map(async (t): Promise<TenantSummary> => {
            const view = await tenantView(t.tenantId, t.status);
            const base: TenantSummary = {
              tenantId: t.tenantId,
              workflowStatus: t.status,
              startedAt: t.startTime.toISOString(),
              state: view!.state,
              ...(view?.displayName ? { displayName: view.displayName } : {}),
            };
            const s = view?.status;
            if (!s) return base;
            return {
              ...base,
              phase: s.phase,
              ...(s.lastReport
                ? {
                    sampled: s.lastReport.sampled,
                    accessible: s.lastReport.accessible,
                    verdict: s.lastReport.verdict,
                  }
                : {}),
            };
          }),
        );
      }),
    getStatus: (tenantId) => guard(() => queryStatus(tenantId)),
    getMonitorState: (tenantId) =>
      guard(() => answered(tenantId, monitorWorkflowId(tenantId), () => getMonitorState(client, tenantId))),
    registerConsentState: (tenantId, registration) =>
      guard(() => registerConsentState(client, tenantId, registration)),
    deliverConsentCallback: (tenantId, callback) =>
      guard(() => deliverConsentCallback(client, tenantId, callback)),
    acceptConsentCallback: (tenantId, callback) =>
      guard(() => acceptConsentCallback(client, tenantId, callback)),
    retest: (tenantId) => guard(() => retest(client, tenantId)),
    updateSettings: (tenantId, partial) => guard(() => updateSettings(client, tenantId, partial)),
    // Individual mode (client/individual.ts): the owner's view, the tenants with a sweep, the idempotent start.
    getConnections: (tenantId) =>
      guard(() =>
        answered(tenantId, individualSweepWorkflowId(tenantId), () => getConnectionsState(client, tenantId)),
      ),
    listConnectionTenants: () => guard(() => listConnectionTenants(client)),
    startConnectionsSweep: (input) =>
      guard(() => startConnectionsSweep(client, input, taskQueue ? { taskQueue } : {})),
    startOnboarding: (input) =>
      guard(async () => {
        // USE_EXISTING returns the running workflow; ask first so we can say which it was.
        const running = await client.workflow
          .getHandle(onboardingWorkflowId(input.tenant.tenantId))
          .describe()
          .then((d) => d.status.name === 'RUNNING')
          .catch(() => false);
        const handle = await startOnboarding(client, input, taskQueue ? { taskQueue } : {});
        return { workflowId: handle.workflowId, started: !running };
      }),
    describeSchedule: (tenantId) =>
      guard(async () => {
        const d = await describeHealthSchedule(client, tenantId);
        if (!d) return null;
        const monitor = await getMonitorState(client, tenantId).catch(() => null);
        return scheduleInfo(tenantId, d, monitor);
      }),
    createSchedule: (tenantId, intervalMinutes) =>
      guard(async () => {
        const status = await statusOrThrow(tenantId);
        // One setting, the workflow's: `schedule create --interval` changes it through the same update as the
        // console's settings form, so status, console and schedule always agree.
        const settings =
          intervalMinutes && intervalMinutes !== status.settings.scheduleIntervalMinutes
            ? await updateSettings(client, tenantId, { scheduleIntervalMinutes: intervalMinutes })
            : status.settings;
        await createOrUpdateHealthSchedule(client, {
          tenant: { tenantId },
          settings,
          consentUrl: status.consentUrl,
          ...(taskQueue ? { taskQueue } : {}),
        });
        const d = await describeHealthSchedule(client, tenantId);
        if (!d)
          throw new BackendError(
            'notFound',
            `Schedule ${healthScheduleId(tenantId)} vanished right after it was created.`,
          );
        return scheduleInfo(tenantId, d);
      }),
    pauseSchedule: (tenantId, note) =>
      guard(() => pauseHealthSchedule(client, tenantId, { paused: true, note })),
    unpauseSchedule: (tenantId, note) =>
      guard(() => pauseHealthSchedule(client, tenantId, { paused: false, note })),
    triggerSchedule: (tenantId) => guard(() => triggerHealthSchedule(client, tenantId)),
    triggerAllSchedules: () => guard(() => triggerAllHealthChecks(client)),
    deleteSchedule: (tenantId) =>
      guard(async () => {
        if (!(await deleteHealthSchedule(client, tenantId))) {
          throw new BackendError(
            'notFound',
            `No health checks for tenant ${tenantId}; onboard it first (together-o365 onboard --tenant ${tenantId}).`,
          );
        }
      }),
    probeTeams: (tenantId, mailbox) =>
      guard(() =>
        runTeamsProbe(
          client,
          { tenant: { tenantId }, ...(mailbox ? { mailbox } : {}) },
          taskQueue ? { taskQueue } : {},
        ),
      ),
    close: async () => {
      await client.connection.close();
    },
  };
}
