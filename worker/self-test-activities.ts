import os from 'node:os';

export interface SelfTestActivities {
  describeWorker(): Promise<string>;
}

export function createSelfTestActivities(taskQueue: string): SelfTestActivities {
  return {
    async describeWorker() {
      return `worker pid ${process.pid} on ${os.hostname()} (task queue ${taskQueue}, Node ${process.version})`;
    },
  };
}
