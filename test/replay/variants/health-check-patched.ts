// A future version of healthCheck that adds a step, done right: behind patched(), so histories recorded
// before the change replay on the old path. (Used by patching.test.ts only.)
import { patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { HealthCheckInput, HealthResult, TemporalActivities } from '../../../contracts/health';

const { runHealthCheck } = proxyActivities<TemporalActivities>({ startToCloseTimeout: '5 minutes' });

export async function healthCheck(input: HealthCheckInput): Promise<HealthResult> {
  const info = workflowInfo();
  if (patched('health-check-settle')) await sleep('1 second');
  return runHealthCheck({
    ...input,
    taskQueue: input.taskQueue ?? info.taskQueue,
    checkId: `${info.workflowId}/${info.runId}`,
  });
}
