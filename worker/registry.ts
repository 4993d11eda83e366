/**
 * The activities this worker registers. Activities get their dependencies (configuration, logger,
 * Temporal client) here, once per process:
 *  - the Graph activities (activities/index.ts `createActivities`, configured from the environment),
 *  - the Temporal-side activities (activities/temporal: health check, schedule upsert, monitor reports),
 *  - the self-test activity.
 */
import type { Client } from '@temporalio/client';
import { ConfigurationError, createActivities, ENV, loadGraphConfig } from '../activities';
import type { GraphActivities } from '../contracts/activities';
import { ConfigError } from '../temporal/connection';
import { createTemporalActivities } from '../activities/temporal';
import type { Logger } from './logger';
import { createSelfTestActivities } from './self-test-activities';
import { loadIndividualActivities } from './individual';
import type { IndividualActivities } from '../contracts/individual';
import { checkCredentialFiles } from './credential-files';

export interface ActivityDeps {
  taskQueue: string;
  logger: Logger;
  client: Client;
  env: NodeJS.ProcessEnv;
  /** Graph activities to use instead of the configured ones (tests, benchmarks). */
  graph?: GraphActivities;
  /** Individual-mode activities to use instead of the configured ones (tests, benchmarks). */
  individual?: IndividualActivities;
}

function unconfiguredGraph(reason: string): GraphActivities {
  const fail = async (): Promise<never> => {
    const { ApplicationFailure } = await import('@temporalio/common');
    throw ApplicationFailure.nonRetryable(reason, 'ConfigurationError');
  };
  return {
    checkConsent: fail,
    sampleUsers: fail,
    probeCalendars: fail,
    capabilityProbe: fail,
    notifyOwner: fail,
    checkCredentialExpiry: fail,
  };
}

/**
 * The Graph activities configured from the environment (TOGETHER_APP_ID, a credential, …). A worker with
 * no Graph settings at all still starts (self-test, or a worker fleet split by task queue) and logs a
 * warning; its Graph activities then fail non-retryably with the fix. Settings that are present but wrong
 * stop the worker with a ConfigError (exit 2).
 */
export function loadGraphActivities(deps: Pick<ActivityDeps, 'env' | 'logger'>): GraphActivities {
  const anySet = Object.values(ENV).some((name) => (deps.env[name] ?? '').trim() !== '');
  if (!anySet) {
    const reason =
      `The Graph activities are not configured on this worker: set ${ENV.appId} and a credential ` +
      `(${ENV.certificatePath}, ${ENV.federatedMiClientId}, ${ENV.federatedTokenFile} or ${ENV.clientSecret}).`;
    deps.logger.warn(reason);
    return unconfiguredGraph(reason);
  }
  try {
    const config = loadGraphConfig(deps.env);
    checkCredentialFiles(config);
    return createActivities({ config, logger: deps.logger });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (
      err instanceof ConfigurationError ||
      (err instanceof Error && /invalid|must|required/i.test(err.message))
    ) {
      throw new ConfigError(`Graph settings: ${err.message}`);
    }
    throw err;
  }
}

export function createActivityRegistry(
  deps: ActivityDeps,
): Record<string, (...args: never[]) => Promise<unknown>> {
  const graph = deps.graph ?? loadGraphActivities(deps);
  return {
    ...createSelfTestActivities(deps.taskQueue),
    ...graph,
    ...(deps.individual ?? loadIndividualActivities(deps)),
    ...createTemporalActivities({
      client: deps.client,
      graph,
      taskQueue: deps.taskQueue,
      logger: deps.logger,
    }),
  } as unknown as Record<string, (...args: never[]) => Promise<unknown>>;
}
