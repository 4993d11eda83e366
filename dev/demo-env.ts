/**
 * The demo's moving parts, started in one process: the Temporal dev server (SQLite under .data/demo/), the
 * Microsoft 365 emulator with the Contoso fixture, a worker whose Graph configuration points at the emulator,
 * and the console on a free loopback port (or `consolePort`), whose /consent/callback is then registered as a
 * redirect URI of the emulated Together app through the emulator's control API, as a publisher would add it to
 * the app registration. So the demo and the e2e tests run while something else listens on 3000. Used by
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
import { connectTemporal } from '../client';
import { pokeConnectionsSweep } from '../client/individual';
import { loadGraphConfig } from '../activities';
import { createIndividual, type IndividualBackend } from '../activities/individual';
import { createIndividualConsoleBackend } from '../activities/individual/console-backend';
import type { Client } from '@temporalio/client';

export const DEMO_CONSOLE_HOST = '127.0.0.1';

export interface DemoEnvOptions {
  /** Directory for this run's state; default .data/demo (wiped at start). */
  dir?: string;
  /** Start the Temporal Web UI (for --keep-running). */
  webUi?: boolean;
  /** The console's port; default 0, a free one (its callback is registered on the emulated app either way). */
  consolePort?: number;
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
  /** Individual mode: the sealed connection store the console and the worker share (invitations, the list). */
  connections: IndividualBackend;
  /** A Temporal client for individual mode's sweep (client/individual.ts). */
  temporalClient: Client;
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
    if (options.consolePort && !(await isPortFree(options.consolePort, DEMO_CONSOLE_HOST))) {
      throw new ConfigError(
        `Port ${options.consolePort} on ${DEMO_CONSOLE_HOST} is in use, so the demo's console cannot have it. Stop ` +
          `whatever listens there, or leave out --console-port and the demo picks a free port.`,
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
    // Individual mode's tokens stay in this run's sealed files (a fresh key under TOGETHER_STATE_DIR), never in
    // a shared table or under a key from the caller's shell.
    delete childEnv.TOGETHER_TOKEN_TABLE_URL;
    delete childEnv.TOGETHER_TOKEN_TABLE_CONNECTION_STRING;
    delete childEnv.TOGETHER_TOKEN_TABLE;
    delete childEnv.TOGETHER_TOKEN_KEY;

    const api = await createTemporalApi(childEnv);
    stops.push({ what: 'Temporal client', stop: () => api.close() });
    // Individual mode's connect pages, over the same sealed token store as the worker's sweep (the same
    // TOGETHER_STATE_DIR and key file); each connect or disconnect pokes the tenant's connections sweep, as
    // `together-o365 console` does (cli/individual-console.ts).
    const temporalClient = await connectTemporal(childEnv);
    stops.push({ what: 'Temporal client (connections)', stop: () => temporalClient.connection.close() });
    let consoleUrl = '';
    const { ind, backend: connections } = createIndividual({
      config: loadGraphConfig(childEnv),
      env: childEnv,
    });
    const individual = createIndividualConsoleBackend(ind, (tenantId) =>
      pokeConnectionsSweep(temporalClient, { tenantId, consoleUrl }),
    );
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
      individual,
      host: DEMO_CONSOLE_HOST,
      port: options.consolePort ?? 0,
    });
    stops.push({ what: 'console', stop: () => running.close() });
    consoleUrl = running.url;
    // Entra only redirects to a registered URI (AADSTS50011 otherwise), so the callback on this run's port is
    // registered on the emulated Together app, as `az ad app update --web-redirect-uris` would on a real one.
    await emulator.control.addRedirectUris(emulator.workerEnv.TOGETHER_APP_ID!, [
      `${running.url}/consent/callback`,
      `${running.url}/auth/callback`,
      `${running.url}/connect/callback`,
    ]);
    say(`Console           ${running.url}`);
    // The worker starts after the console so that its emails carry this console's address (TOGETHER_CONSOLE_URL):
    // status-page links and consent links through /consent/start, not the raw adminconsent URL (issue 11 point 3).
    childEnv.TOGETHER_CONSOLE_URL = running.url;

    const worker = await startWorker({
      env: childEnv,
      logger: fileLogger(path.join(dir, 'worker.log'), 'worker'),
    });
    stops.push({ what: 'worker', stop: () => worker.shutdown() });
    say(
      `Worker            task queue ${worker.settings.taskQueue} (in this process; log ${path.relative(process.cwd(), path.join(dir, 'worker.log'))})`,
    );

    return {
      dir,
      temporal,
      emulator,
      worker,
      console: running,
      api,
      connections,
      temporalClient,
      childEnv,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    if (err instanceof BackendError) throw new UnreachableError(err.message);
    throw err;
  }
}
