// The same change done wrong: a new timer without patched(). Recorded histories must fail to replay.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { HealthCheckInput, HealthResult, TemporalActivities } from '../../../contracts/health';

const { runHealthCheck } = proxyActivities<TemporalActivities>({ startToCloseTimeout: '5 minutes' });

export async function healthCheck(input: HealthCheckInput): Promise<HealthResult> {
  const info = workflowInfo();
  await sleep('1 second');
  return runHealthCheck({
    ...input,
    taskQueue: input.taskQueue ?? info.taskQueue,
    checkId: `${info.workflowId}/${info.runId}`,
  });
}
