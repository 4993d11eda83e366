/**
 * Runs the `teamsProbe` workflow (contracts/teams.ts) and waits for its answer: the CLI's `probe --teams`.
 * A workflow rather than a direct call, so the probe runs on the worker that holds the Graph credentials and
 * its create/delete are retried durably; the id names the tenant, and a second probe of the same tenant while
 * one runs attaches to it instead of writing a second meeting.
 */
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, TENANT_ID, teamsProbeWorkflowId } from '../contracts/ids';
import type { TeamsLinks, TeamsProbeInput } from '../contracts/teams';
import type { TeamsProbeWorkflow } from '../contracts/workflows';

export async function runTeamsProbe(
  client: Client,
  input: TeamsProbeInput,
  opts: { taskQueue?: string } = {},
): Promise<TeamsLinks> {
  return client.workflow.execute<TeamsProbeWorkflow>('teamsProbe', {
    workflowId: teamsProbeWorkflowId(input.tenant.tenantId),
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    // Sampling and one probe take seconds; a worker that never picks it up should not hang the CLI forever.
    workflowExecutionTimeout: '10 minutes',
    typedSearchAttributes: [{ key: TENANT_ID, value: input.tenant.tenantId }],
  });
}
