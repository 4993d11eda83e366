/** `together-o365 worker`: the worker in this process until SIGINT/SIGTERM. */
import { createLogger } from '../worker/logger';
import { startWorker } from '../worker/run-worker';

export async function runWorkerCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const logger = createLogger('worker');
  const running = await startWorker({ env, logger, handleSignals: true });
  process.stderr.write(
    `Worker running (task queue ${running.settings.taskQueue}, Temporal ${running.temporal.address}). Ctrl+C stops it.\n`,
  );
  await running.done;
  return 0;
}
