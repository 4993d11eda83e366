/**
 * Entry point of `together-o365` (bin/together-o365.js, `npm run cli --`). Wires the commands to the real
 * Temporal client, worker, console, emulator and demo; each is loaded only when its command runs.
 */
import type * as TemporalApiModule from '../client/api';
import type * as RunWorkerModule from './run-worker';
import type * as RunConsoleModule from './run-console';
import type * as RunEmulatorModule from './run-emulator';
import type * as DemoModule from './demo';
import type * as SetupNamespaceModule from './run-setup-namespace';
import { exitAfterFlush } from './exit';
import type * as ConnectionsModule from './commands/connections';
import type * as IndividualTestModule from './individual-test';
import { runCli, type CliDeps } from './program';

export { runCli, exitAfterFlush };

export const realDeps: CliDeps = {
  env: process.env,
  async connect(env) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { createTemporalApi } = require('../client/api') as typeof TemporalApiModule;
    return createTemporalApi(env);
  },
  async runWorker(env) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { runWorkerCommand } = require('./run-worker') as typeof RunWorkerModule;
    return runWorkerCommand(env);
  },
  async runConsole(opts, env) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { runConsoleCommand } = require('./run-console') as typeof RunConsoleModule;
    return runConsoleCommand(opts, env);
  },
  async runEmulator(opts, env) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { runEmulatorCommand } = require('./run-emulator') as typeof RunEmulatorModule;
    return runEmulatorCommand(opts, env);
  },
  async individualState(env, tenantId) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { individualStatus } = require('./commands/connections') as typeof ConnectionsModule;
    return individualStatus(env, tenantId);
  },
  async individualSampleTest(env, tenantId) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { individualSampleTestCommand } = require('./individual-test') as typeof IndividualTestModule;
    return individualSampleTestCommand(env, tenantId);
  },
  async runDemo(opts, env) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { runDemo } = require('./demo') as typeof DemoModule;
    return runDemo(opts, env);
  },
  async setupNamespace(env, opts) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the command runs
    const { runSetupNamespaceCommand } = require('./run-setup-namespace') as typeof SetupNamespaceModule;
    return runSetupNamespaceCommand(env, opts);
  },
};

if (require.main === module) {
  runCli(process.argv, realDeps).then(
    (code) => exitAfterFlush(code),
    (err: unknown) => {
      process.stderr.write(`together-o365: ${err instanceof Error ? err.message : String(err)}\n`);
      exitAfterFlush(2);
    },
  );
}
