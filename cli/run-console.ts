/** `together-o365 console`: the web console on loopback until SIGINT/SIGTERM. */
import type * as TemporalApiModule from '../client/api';
import type * as ClientModule from '../client';
import type * as IndividualConsoleModule from './individual-console';
import path from 'node:path';
import { staffAuthConfigFromEnv } from '../console/auth/config';
import { Csrf } from '../console/csrf';
import { isLoopback, startConsole } from '../console/server';
import { ConsentStateStore } from '../console/state-store';
import { dataDir } from '../dev/paths';
import { ensureDataDir } from './data-dir';
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
  // Checked before connecting: a bad directory is a configuration error (exit 2), whatever Temporal's state.
  const dir = ensureDataDir(
    opts.dataDir ?? consoleDataDir(env),
    opts.dataDir
      ? '--data-dir'
      : env.TOGETHER_CONSOLE_DATA_DIR
        ? 'TOGETHER_CONSOLE_DATA_DIR'
        : 'the data directory',
  );
  // Before anything starts: a console off loopback without sign-in is refused here (ConfigError, exit 2).
  const auth = staffAuthConfigFromEnv(env, {
    loopback: isLoopback(opts.host),
    devKeyFile: path.join(dir, 'session.key'),
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
  const { createTemporalApi } = require('../client/api') as typeof TemporalApiModule;
  const api = await createTemporalApi(env);
  const running = await startConsole({
    backend: api,
    states: new ConsentStateStore({
      file: path.join(dir, 'states.json'),
      ttlMs: opts.stateTtlMinutes * 60_000,
    }),
    csrf: Csrf.fromFile(path.join(dir, 'csrf.key')),
    individual: await individualBackend(env),
    logger: createLogger('console'),
    auth,
    host: opts.host,
    port: opts.port,
  }).catch(async (err: unknown) => {
    await api.close();
    throw err;
  });
  if (auth.mode === 'off')
    process.stderr.write(
      `WARNING: staff sign-in is OFF (TOGETHER_CONSOLE_AUTH=off): every page and form of this console is open to ` +
        `anyone who can reach ${running.url}. Allowed on loopback only; set TOGETHER_CONSOLE_AUTH=entra for real use.\n`,
    );
  else if (!isLoopback(opts.host))
    process.stderr.write(
      `The console listens on ${opts.host}: serve it over TLS (its session cookie is Secure when TOGETHER_CONSOLE_PUBLIC_URL is https).\n`,
    );
  process.stderr.write(
    `Console: ${running.url}  (consent links: ${running.url}/consent/start?tenant=<tenant id>). Ctrl+C stops it.\n`,
  );
  // process.on, not once: through npm, Ctrl+C arrives twice (terminal and npm's forwarded copy), and a second
  // default SIGINT would kill the console before it closes (calling resolve again is harmless).
  await new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  await running.close();
  await api.close();
  return 0;
}
