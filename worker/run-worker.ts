/**
 * Starts a worker: connection from Temporal's environment configuration, the task queue and namespace
 * passed everywhere, workflows from the pre-built bundle (production) or bundled at start-up (dev),
 * all activities registered, graceful shutdown on SIGINT/SIGTERM (in-flight activities finish or are
 * cancelled within the grace time; Temporal retries anything unfinished on another worker).
 */
import { Worker } from '@temporalio/worker';
import type { GraphActivities } from '../contracts/activities';
import { dataConverter, encrypting } from '../temporal/codec';
import { ConfigProblems, loadWorkerSettings, type WorkerSettings } from './config';
import { createLogger, type Logger } from './logger';
import { createActivityRegistry, loadGraphActivities } from './registry';
import { installRuntime } from './runtime';
import {
  connectClient,
  connectWorkerConnection,
  loadTemporalSettings,
  ConfigError,
  type TemporalSettings,
} from '../temporal/connection';
import { workflowSource } from './workflow-source';
import { startHealthServer, type HealthServer } from './health-server';

export interface RunningWorker {
  worker: Worker;
  settings: WorkerSettings;
  temporal: TemporalSettings;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  /** GET /healthz, when TOGETHER_WORKER_HEALTH is set. */
  healthUrl?: string;
  shutdown(): Promise<void>;
}

export async function startWorker(
  options: {
    env?: NodeJS.ProcessEnv;
    logger?: Logger;
    handleSignals?: boolean;
    /** Graph activities to register instead of the configured ones (tests, benchmarks). */
    graph?: GraphActivities;
  } = {},
): Promise<RunningWorker> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger('worker');
  // Every setting is checked before connecting, and every problem found is reported in one message: worker
  // settings, Temporal connection settings, Graph settings and credential files, the workflow bundle (issue 12).
  const problems = new ConfigProblems();
  const settings = problems.attempt(() => loadWorkerSettings(env));
  const temporal = problems.attempt(() => loadTemporalSettings(env));
  const graph = options.graph ?? problems.attempt(() => loadGraphActivities({ env, logger }));
  const source = settings && problems.attempt(() => workflowSource(settings.workflowBundlePath));
  problems.throwIfAny();
  if (!settings || !temporal || !graph || !source) throw new Error('unreachable: settings checked above');
  installRuntime(logger, settings.metricsBindAddress);

  const converter = dataConverter(env);
  const connection = await connectWorkerConnection(temporal);
  const client = await connectClient(temporal, { dataConverter: converter });
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: settings.taskQueue,
    ...source,
    activities: createActivityRegistry({
      taskQueue: settings.taskQueue,
      logger,
      client,
      env,
      graph,
    }),
    dataConverter: converter,
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivities,
    // The monitors' health checks run as local activities (workflows/tenant-monitor.ts): the same cap applies.
    maxConcurrentLocalActivityExecutions: settings.maxConcurrentActivities,
    ...(settings.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: settings.maxCachedWorkflows } : {}),
    shutdownGraceTime: '10 seconds',
  });

  let health: HealthServer | undefined;
  try {
    health = settings.healthBind
      ? await startHealthServer(settings.healthBind, () => worker.getState())
      : undefined;
  } catch (err) {
    await client.connection.close();
    await connection.close();
    throw new ConfigError(
      `TOGETHER_WORKER_HEALTH: cannot listen on ${settings.healthBind!.host}:${settings.healthBind!.port} ` +
        `(${err instanceof Error ? err.message : String(err)}). Choose a free port.`,
    );
  }

  const done = worker.run().finally(async () => {
    await health?.close();
    await client.connection.close();
    await connection.close();
    logger.info({ taskQueue: settings.taskQueue }, 'worker stopped');
  });

  if (options.handleSignals) {
    // process.on, not once: Ctrl+C reaches node twice when started through npm (the terminal signals the
    // whole process group, and npm forwards its own copy), and a second default SIGINT would kill the
    // worker mid-drain. Repeats are ignored; shutdownGraceTime bounds the drain.
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down worker');
      if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const off = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
    done.then(off, off);
  }

  logger.info(
    {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: settings.taskQueue,
      workflows: 'workflowBundle' in source ? source.workflowBundle.codePath : 'bundled at start-up',
      metrics: settings.metricsBindAddress ? `http://${settings.metricsBindAddress}/metrics` : 'off',
      health: health?.url ?? 'off',
      payloadCodec: encrypting(env) ? 'AES-256-GCM' : 'off',
    },
    'worker started',
  );
  return {
    worker,
    settings,
    temporal,
    done,
    healthUrl: health?.url,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
