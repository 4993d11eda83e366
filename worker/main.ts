/** `npm run worker` / `together-o365 worker`: run a worker until SIGINT or SIGTERM. */
import { createLogger } from './logger';
import { startWorker } from './run-worker';
import { errorKind } from '../contracts/errors';

const logger = createLogger('worker');

async function main(): Promise<void> {
  const running = await startWorker({ logger, handleSignals: true });
  await running.done;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    // One clear message for the expected failures; the stack only for the unexpected ones.
    if (errorKind(err) === 'configuration' || errorKind(err) === 'user') {
      logger.error(message);
      console.error(`worker: ${message}`);
      process.exit(2);
    }
    if (errorKind(err) === 'unreachable') {
      logger.error(message);
      console.error(`worker: ${message}`);
      process.exit(3);
    }
    logger.error({ err }, 'worker failed');
    console.error(`worker failed: ${message}`);
    process.exit(1);
  },
);
