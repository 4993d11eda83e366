/**
 * The `together-o365` command line (commander), assembled from one module per command (cli/commands/).
 * Commands get their Temporal access through `deps`, so tests can run them against fakes. Exit codes: 0 ok,
 * 1 failing verdict, 2 bad input or configuration, 3 unreachable dependency (see errors.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { TogetherApi } from '../contracts/backend';
import * as acceptCommand from './commands/accept';
import * as connectionsCommand from './commands/connections';
import * as consoleCommand from './commands/console';
import * as demoCommand from './commands/demo';
import * as emulatorCommand from './commands/emulator';
import * as onboardCommand from './commands/onboard';
import * as probeCommand from './commands/probe';
import * as scheduleCommand from './commands/schedule';
import * as setupNamespaceCommand from './commands/setup-namespace';
import * as statusCommand from './commands/status';
import * as testCommand from './commands/test';
import * as workerCommand from './commands/worker';
import type { CliDeps, CommandContext } from './context';
import { EXIT, toCliError } from './errors';

export type { CliDeps, ConsoleCommandOptions, DemoCommandOptions, EmulatorCommandOptions } from './context';
export { durationArg, intArg, thresholdArg, DEMO_SAMPLE_SIZE } from './options';

/** In help order. */
const COMMANDS = [
  onboardCommand,
  statusCommand,
  connectionsCommand,
  testCommand,
  probeCommand,
  acceptCommand,
  scheduleCommand,
  workerCommand,
  consoleCommand,
  emulatorCommand,
  demoCommand,
  setupNamespaceCommand,
];

function packageVersion(): string {
  return (
    JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
}

// ---------------------------------------------------------------- program

export function createProgram(deps: CliDeps): Command {
  const env = deps.env;
  const program = new Command('together-o365');
  program
    .description(
      'Connect Microsoft 365 tenants to Together Platform: onboarding with admin consent, sample tests of calendar access, scheduled health checks.',
    )
    .version(packageVersion())
    .option(
      '--temporal-address <host:port>',
      'Temporal frontend (default: TEMPORAL_ADDRESS, a temporal.toml profile, or 127.0.0.1:7233)',
    )
    .option('--namespace <name>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or "default")')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true });

  const withApi = async <T>(fn: (api: TogetherApi) => Promise<T>): Promise<T> => {
    const globals = program.opts<{ temporalAddress?: string; namespace?: string }>();
    const runEnv = { ...env };
    if (globals.temporalAddress) runEnv.TEMPORAL_ADDRESS = globals.temporalAddress;
    if (globals.namespace) runEnv.TEMPORAL_NAMESPACE = globals.namespace;
    const api = await deps.connect(runEnv);
    try {
      return await fn(api);
    } finally {
      await api.close().catch(() => undefined);
    }
  };

  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  (program as Command & { resultCode: () => number }).resultCode = () => exitCode;

  const ctx: CommandContext = { deps, env, withApi, setExit };
  for (const command of COMMANDS) command.register(program, ctx);

  return program;
}

/** Parses argv, runs the command, and returns the exit code (never throws). */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const program = createProgram(deps);
  try {
    await program.parseAsync(argv);
    return (program as Command & { resultCode: () => number }).resultCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.ok;
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.badInput; // commander already printed what was wrong
    }
    const cliErr = toCliError(err);
    process.stderr.write(`together-o365: ${cliErr.message}\n`);
    if (process.env.DEBUG && cliErr.stack) process.stderr.write(`${cliErr.stack}\n`);
    return cliErr.exitCode;
  }
}
