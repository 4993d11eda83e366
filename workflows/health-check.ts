/**
 * healthCheck: what the tenant's health schedule starts. Deliberately one activity: `runHealthCheck`
 * checks consent and roles, the enterprise app, credential expiry (publisher mode) and a small sample
 * test, then reports to the tenant's monitor with one signal-with-start. A healthy run therefore costs
 * 2 (schedule) + 1 (workflow start) + 1 (activity) + 1 (signal) = 5 Temporal Cloud actions.
 * The monitor (tenant-monitor.ts) decides what the result means and whom to tell.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { HealthCheckInput, HealthResult, TemporalActivities } from '../contracts/health';

const { runHealthCheck } = proxyActivities<TemporalActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '30 seconds' },
});

export async function healthCheck(input: HealthCheckInput): Promise<HealthResult> {
  const info = workflowInfo();
  return runHealthCheck({
    ...input,
    taskQueue: input.taskQueue ?? info.taskQueue,
    checkId: `${info.workflowId}/${info.runId}`,
  });
}
