/**
 * Temporal servers for tests, from the project-local binaries (no downloads): the dev server through
 * `TestWorkflowEnvironment.createLocal` and the Java time-skipping server through `createTimeSkipping`,
 * both with `executable: { type: 'existing-path' }`. Start one per test file in beforeAll; give each test
 * its own task queue (`uniqueTaskQueue`).
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Runtime,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { resolveTemporalCli, resolveTestServer } from '../../dev/temporal-cli';
import { TENANT_ID } from '../../contracts/ids';
import { WORKFLOWS_PATH } from '../../worker/workflow-source';

let runtimeInstalled = false;

/** Runtime.install must precede any env or worker in the process (it throws when called twice). */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function createLocalTestEnv(
  options: {
    namespace?: string;
    extraArgs?: string[];
    dbFilename?: string;
    /** Default [TenantId]; [] starts a server without it (namespace-readiness tests). */
    searchAttributes?: (typeof TENANT_ID)[];
  } = {},
): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: resolveTemporalCli() },
      namespace: options.namespace,
      dbFilename: options.dbFilename,
      searchAttributes: options.searchAttributes ?? [TENANT_ID],
      extraArgs: options.extraArgs,
    },
  });
}

export async function createTimeSkippingTestEnv(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer() } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundle the workflows once per test file (bundling costs ~1 s of CPU each time). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Registers the TenantId keyword attribute on a server that was not started with it (time-skipping server). */
export async function registerTenantIdAttribute(
  env: TestWorkflowEnvironment,
  namespace = 'default',
): Promise<void> {
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: {
        [TENANT_ID.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      },
    });
  } catch (err) {
    if (!/already exists/i.test(String(err))) throw err;
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/**
 * Temporal Cloud actions visible in one workflow's history (docs.temporal.io/evaluate/cloud/actions):
 * the start (+2 when a Schedule started it: TemporalScheduledById), each activity attempt, timers, signals
 * received, child starts (2 each), search-attribute upserts, local-activity markers, accepted updates,
 * continue-as-new. Heartbeats and queries are not in history (none are used by a healthy health check).
 */
/** How many signals named `signalName` in `events` carry `text` in their first payload (e.g. a check id). */
export function signalsCarrying(events: HistoryEvent[], signalName: string, text: string): number {
  return events.filter(
    (e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === signalName &&
      Buffer.from(e.workflowExecutionSignaledEventAttributes.input?.payloads?.[0]?.data ?? [])
        .toString()
        .includes(text),
  ).length;
}

export function countActions(events: HistoryEvent[]): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  const add = (k: string, n = 1) => (byKind[k] = (byKind[k] ?? 0) + n);
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        add('workflow start');
        const fields = e.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? {};
        if ('TemporalScheduledById' in fields) add('schedule (per execution)', 2);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) add('activity retry');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activity');
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        add('signal');
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('child workflow', 2);
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        // patched() upserts TemporalChangeVersion: exempt from billing (docs.temporal.io/cloud/actions).
        const keys = Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (keys.some((k) => k !== 'TemporalChangeVersion')) add('search attribute upsert');
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') add('local activity');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('update');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        add('continue-as-new');
        break;
      default:
    }
  }
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}

/**
 * The executions of activity `type` in a history: regular ones (ActivityTaskScheduled) and local ones (the
 * `core_local_activity` marker, whose `data` detail is JSON naming the activity type), each with its attempt.
 */
export function activityRuns(events: HistoryEvent[], type: string): { local: boolean; attempt: number }[] {
  const out: { local: boolean; attempt: number }[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === type)
      out.push({ local: false, attempt: 1 });
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName === 'core_local_activity') {
      const data = m.details?.data?.payloads?.[0]?.data;
      const meta = data
        ? (JSON.parse(Buffer.from(data).toString()) as { activity_type?: string; attempt?: number })
        : {};
      if (meta.activity_type === type) out.push({ local: true, attempt: meta.attempt ?? 1 });
    }
  }
  return out;
}

/** Poll until `fn` returns a value (visibility and schedules are eventually consistent). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
