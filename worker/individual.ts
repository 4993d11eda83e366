/**
 * Individual mode's activities on this worker: configured from the same Graph settings as the domain-wide ones
 * plus the token store (activities/individual/index.ts). Without Graph settings they fail non-retryably with
 * the fix, like the Graph activities.
 */
import { createIndividual } from '../activities/individual';
import { loadGraphConfig, ENV } from '../activities';
import type { IndividualActivities } from '../contracts/individual';
import { ConfigError } from '../contracts/errors';
import type { Logger } from './logger';

export function loadIndividualActivities(deps: {
  env: NodeJS.ProcessEnv;
  logger: Logger;
}): IndividualActivities {
  const failing = (reason: string): IndividualActivities => {
    const fail = async (): Promise<never> => {
      const { ApplicationFailure } = await import('@temporalio/common');
      throw ApplicationFailure.nonRetryable(reason, 'ConfigurationError');
    };
    return {
      sampleConnections: fail,
      probeConnections: fail,
      sweepConnections: fail,
      summarizeConnections: fail,
      notifyConnectionBroken: fail,
      notifyConnectionsDigest: fail,
    };
  };
  const anySet = Object.values(ENV).some((name) => (deps.env[name] ?? '').trim() !== '');
  if (!anySet) {
    return failing(
      `Individual-mode activities are not configured on this worker: set ${ENV.appId} and a credential.`,
    );
  }
  const config = loadGraphConfig(deps.env);
  try {
    return createIndividual({ config, env: deps.env, logger: deps.logger }).activities;
  } catch (err) {
    // A domain-wide-only deployment must still start without a token store (e.g. no TOGETHER_TOKEN_KEY).
    if (!(err instanceof ConfigError)) throw err;
    deps.logger.warn(`individual mode unavailable on this worker: ${err.message}`);
    return failing(`Individual mode is not configured on this worker: ${err.message}`);
  }
}
