import os from 'node:os';
import type { SelfTestActivities } from '../contracts/workflows';

export type { SelfTestActivities };

export function createSelfTestActivities(taskQueue: string): SelfTestActivities {
  return {
    async describeWorker() {
      return `worker pid ${process.pid} on ${os.hostname()} (task queue ${taskQueue}, Node ${process.version})`;
    },
  };
}
