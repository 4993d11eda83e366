/**
 * Installs the Temporal Core runtime once per process: the SDK's logs go to our structured logger, and
 * when TOGETHER_WORKER_METRICS is set the SDK serves Prometheus metrics at http://<addr>/metrics
 * (worker task slots, poll latencies, activity/workflow outcomes — see README "Metrics").
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger';

let installed = false;

export function installRuntime(logger: Logger, metricsBindAddress?: string): void {
  if (installed) return;
  installed = true;
  const sdkLogger = new DefaultLogger('INFO', (entry) => {
    const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
    const fn =
      level === 'trace'
        ? 'trace'
        : level === 'debug'
          ? 'debug'
          : level === 'warn'
            ? 'warn'
            : level === 'error'
              ? 'error'
              : 'info';
    logger[fn]({ sdk: true, ...entry.meta }, entry.message);
  });
  Runtime.install({
    logger: sdkLogger,
    telemetryOptions: metricsBindAddress
      ? { metrics: { prometheus: { bindAddress: metricsBindAddress } }, logging: { forward: {} } }
      : { logging: { forward: {} } },
  });
}
