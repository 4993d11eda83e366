/**
 * The activities this worker registers. Activities get their dependencies (configuration, logger,
 * Temporal client) here, once per process.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from './logger';
import { createSelfTestActivities } from './self-test-activities';

export interface ActivityDeps {
  taskQueue: string;
  logger: Logger;
  client: Client;
  env: NodeJS.ProcessEnv;
}

export function createActivityRegistry(
  deps: ActivityDeps,
): Record<string, (...args: never[]) => Promise<unknown>> {
  return {
    ...createSelfTestActivities(deps.taskQueue),
  };
}
