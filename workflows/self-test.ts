/**
 * A tiny end-to-end proof that a worker is wired correctly: the workflow runs on the worker's task queue
 * and calls one activity in the same worker. `together-o365 worker --self-test` and the worker
 * integration test use it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SelfTestActivities } from '../contracts/workflows';

const { describeWorker } = proxyActivities<SelfTestActivities>({ startToCloseTimeout: '30 seconds' });

export async function workerSelfTest(name: string): Promise<string> {
  const worker = await describeWorker();
  return `hello ${name} from ${worker}`;
}
