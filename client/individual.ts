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

/** "N of M invited users connected; K broken (why)". */
export function describeConnections(s: IndividualSweepState['summary']): string {
  const why = Object.entries(s.brokenByKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `${s.connected} of ${s.invited} invited users connected; ${s.broken} broken${why ? ` (${why})` : ''}`;
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
