/**
 * Individual mode's Temporal calls: start (or poke) a tenant's connections sweep and read the owner's view.
 * One workflow per tenant (`connections-<tenant>`); signal-with-start makes "start if absent, sweep now" one call.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, TENANT_ID } from '../contracts/ids';
import type { SampleTestReport } from '../contracts/messages';
import {
  individualSampleTestWorkflowId,
  individualStateQuery,
  individualSweepWorkflowId,
  sweepNowSignal,
  type IndividualSampleTestInput,
  type IndividualSweepInput,
  type IndividualSweepState,
} from '../contracts/individual';

/** Starts the tenant's sweep if it is not running, and asks it to sweep now. */
export async function pokeConnectionsSweep(
  client: Client,
  input: IndividualSweepInput,
  opts: { taskQueue?: string } = {},
): Promise<void> {
  try {
    await client.workflow.signalWithStart('individualSweep', {
      workflowId: individualSweepWorkflowId(input.tenantId),
      taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [input],
      signal: sweepNowSignal,
      signalArgs: [],
      typedSearchAttributes: [{ key: TENANT_ID, value: input.tenantId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** The owner's view from the sweep workflow; null when the tenant has no sweep. */
export async function getConnectionsState(
  client: Client,
  tenantId: string,
): Promise<IndividualSweepState | null> {
  try {
    return await client.workflow.getHandle(individualSweepWorkflowId(tenantId)).query(individualStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** "N of M invited users connected; K broken (why)" (kept in contracts/ so the console can use it too). */
export { describeConnections } from '../contracts/individual';

/**
 * Starts the tenant's sweep for `onboard` in individual mode, idempotently: a running `connections-<tenant>`
 * is kept as it is (no duplicate, no extra sweep — unlike pokeConnectionsSweep, which also asks for a sweep now).
 * Temporal's default conflict policy refuses a second start of a running workflow id
 * (WorkflowExecutionAlreadyStartedError); the default reuse policy (ALLOW_DUPLICATE) lets a closed one restart.
 */
export async function startConnectionsSweep(
  client: Client,
  input: IndividualSweepInput,
  opts: { taskQueue?: string } = {},
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = individualSweepWorkflowId(input.tenantId);
  try {
    await client.workflow.start('individualSweep', {
      workflowId,
      taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [input],
      typedSearchAttributes: [{ key: TENANT_ID, value: input.tenantId }],
    });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}

/** Tenants with a running connections sweep (individual mode), from the visibility store. */
export async function listConnectionTenants(
  client: Client,
  opts: { limit?: number } = {},
): Promise<string[]> {
  const tenants = new Set<string>();
  const limit = opts.limit ?? 10_000;
  let seen = 0;
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'individualSweep' AND ExecutionStatus = 'Running'`,
  })) {
    if (++seen > limit) break;
    tenants.add(wf.typedSearchAttributes.get(TENANT_ID) ?? wf.workflowId.replace(/^connections-/, ''));
  }
  return [...tenants].sort();
}

/**
 * Runs the individual-mode sample test (workflow `individualSampleTest`, one run per request) and waits for its
 * report: the same SampleTestReport as the domain-wide test, with `mode: 'individual'`.
 */
export async function runIndividualSampleTest(
  client: Client,
  input: IndividualSampleTestInput,
  opts: { taskQueue?: string; now?: Date } = {},
): Promise<SampleTestReport> {
  const at = (opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
  return client.workflow.execute('individualSampleTest', {
    workflowId: individualSampleTestWorkflowId(input.tenantId, at),
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    args: [input],
    typedSearchAttributes: [{ key: TENANT_ID, value: input.tenantId }],
  }) as Promise<SampleTestReport>;
}
