/** `together-o365 console`: the web console on loopback until SIGINT/SIGTERM. */
import type * as TemporalApiModule from '../client/api';
import type * as ClientModule from '../client';
import type * as IndividualConsoleModule from './individual-console';
import path from 'node:path';
import { Csrf } from '../console/csrf';
import { isLoopback, startConsole } from '../console/server';
import { ConsentStateStore } from '../console/state-store';
import { dataDir } from '../dev/paths';
import { createLogger } from '../worker/logger';
import type { ConsoleCommandOptions } from './context';

export function consoleDataDir(env: NodeJS.ProcessEnv): string {
  return env.TOGETHER_CONSOLE_DATA_DIR ?? path.join(dataDir, 'console');
}

/** Individual mode's connect pages, when this console has the app's Graph settings. */
async function individualBackend(env: NodeJS.ProcessEnv) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
  const { loadIndividualConsoleBackend } = require('./individual-console') as typeof IndividualConsoleModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
  const { connectTemporal } = require('../client') as typeof ClientModule;
  const client = await connectTemporal(env).catch(() => undefined);
  return loadIndividualConsoleBackend(env, client, env.TOGETHER_CONSOLE_URL ?? '');
}

export async function runConsoleCommand(
  opts: ConsoleCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
  const { createTemporalApi } = require('../client/api') as typeof TemporalApiModule;
  const api = await createTemporalApi(env);
  const dir = opts.dataDir ?? consoleDataDir(env);
  const running = await startConsole({
    backend: api,
    states: new ConsentStateStore({
      file: path.join(dir, 'states.json'),
      ttlMs: opts.stateTtlMinutes * 60_000,
    }),
    csrf: Csrf.fromFile(path.join(dir, 'csrf.key')),
    individual: await individualBackend(env),
    logger: createLogger('console'),
    host: opts.host,
    port: opts.port,
  }).catch(async (err: unknown) => {
    await api.close();
    throw err;
  });
  if (!isLoopback(opts.host)) {
    process.stderr.write(
      `WARNING: the console listens on ${opts.host}, not loopback. It has no login of its own: put it behind ` +
        `an authenticating reverse proxy with TLS before exposing it.\n`,
    );
  }
  process.stderr.write(
    `Console: ${running.url}  (consent links: ${running.url}/consent/start?tenant=<tenant id>). Ctrl+C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  await api.close();
  return 0;
}
