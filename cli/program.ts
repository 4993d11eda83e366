/**
 * The `together-o365` command line (commander). Commands get their Temporal access through `deps`, so
 * tests can run them against fakes. Exit codes: 0 ok, 1 failing verdict, 2 bad input or configuration,
 * 3 unreachable dependency (see errors.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { healthScheduleId, onboardingWorkflowId, type OnboardingStatus } from '../contracts/messages';
import type { TogetherApi } from '../contracts/backend';
import { CliError, EXIT, toCliError } from './errors';
import {
  formatReport,
  formatSchedule,
  formatStatus,
  formatTenants,
  printJson,
  statusIsFailing,
} from './output';
import { followStatus, TERMINAL_PHASES } from './progress';
import { resolveOnboardInput, TenantInputError, type OnboardFlags } from './tenant-input';
import { GUID } from '../contracts/validation';

export interface CliDeps {
  /** Connects to Temporal (TEMPORAL_* environment, or the flags that set it). */
  connect(env: NodeJS.ProcessEnv): Promise<TogetherApi>;
  env: NodeJS.ProcessEnv;
  /** Long-running commands (worker, console, emulator, demo) live elsewhere and are loaded lazily. */
  runWorker?(env: NodeJS.ProcessEnv): Promise<number>;
  runConsole?(opts: ConsoleCommandOptions, env: NodeJS.ProcessEnv): Promise<number>;
  runEmulator?(opts: EmulatorCommandOptions, env: NodeJS.ProcessEnv): Promise<number>;
  runDemo?(opts: DemoCommandOptions, env: NodeJS.ProcessEnv): Promise<number>;
}

export interface ConsoleCommandOptions {
  host: string;
  port: number;
  stateTtlMinutes: number;
  dataDir?: string;
}
export interface EmulatorCommandOptions {
  port: number;
  fixture?: string;
  latencyMs?: number;
  persist?: string;
}
export interface DemoCommandOptions {
  keepRunning: boolean;
  browser: boolean;
  timeoutSeconds: number;
  sampleSize: number;
}

// ---------------------------------------------------------------- option parsers

export function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be from ${min} to ${max}.`);
    return n;
  };
}

/** 0.9, 90 or 90% → 0.9. */
export function thresholdArg(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a share (0.9) or a percentage (90%).');
  let n = Number(m[1]);
  if (m[2] === '%' || n > 1) n = n / 100;
  if (n < 0 || n > 1) throw new InvalidArgumentError('must be from 0 to 100%.');
  return n;
}

/** 90, 90s, 15m, 2h → seconds. */
export function durationArg(value: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 90s, 15m or 2h.');
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

function packageVersion(): string {
  return (
    JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** The demo samples the whole Contoso fixture (200 users), so every failure kind shows up in the report. */
export const DEMO_SAMPLE_SIZE = 200;

function tenantArg(value: string): string {
  if (!GUID.test(value)) throw new InvalidArgumentError('must be the tenant id, a GUID.');
  return value;
}

function requireTenant(opts: { tenant?: string }, env: NodeJS.ProcessEnv): string {
  const t = opts.tenant ?? env.TOGETHER_TENANT_ID;
  if (!t) throw new TenantInputError('Which tenant? Pass --tenant <tenant id> or set TOGETHER_TENANT_ID.');
  if (!GUID.test(t)) throw new TenantInputError(`TOGETHER_TENANT_ID '${t}' must be the tenant id, a GUID.`);
  return t;
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

  // ------------------------------------------------------------ onboard
  program
    .command('onboard')
    .description(
      'Start (or resume) onboarding a tenant; prints the admin consent link. With --wait, follows it to the report.',
    )
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option('--owner <email>', 'integration owner who hears about failures; env TOGETHER_OWNER_EMAIL')
    .option('--from <tenant.json>', "Pulumi 'workerConfig' output (pulumi stack output workerConfig --json)")
    .option('--app-id <guid>', "Together app's client id; env TOGETHER_APP_ID")
    .option(
      '--redirect-uri <url>',
      'redirect URI registered on the app; env TOGETHER_REDIRECT_URI (default <console-url>/consent/callback)',
    )
    .option('--console-url <url>', 'where admins reach the console; env TOGETHER_CONSOLE_URL', undefined)
    .option(
      '--authority-host <url>',
      'Entra authority; env TOGETHER_AUTHORITY_HOST (default https://login.microsoftonline.com)',
    )
    .option('--sample-size <n>', 'users per sample test (default 50)', intArg(1, 100_000))
    .option(
      '--threshold <share>',
      'share of sampled users that must be reachable, e.g. 0.9 or 90% (default 90%)',
      thresholdArg,
    )
    .option('--interval <minutes>', 'minutes between health checks (default 360)', intArg(5, 7 * 24 * 60))
    .option(
      '--consent-wait-days <days>',
      'days to wait for consent before giving up (default 14)',
      intArg(1, 90),
    )
    .option('--credential-ref <name>', 'worker credential profile for this tenant (default "default")')
    .option('--wait', 'follow the onboarding until the sample test report (progress on stderr)')
    .addOption(
      new Option('--timeout <duration>', 'with --wait: how long to wait, e.g. 30m')
        .argParser(durationArg)
        .default(3600, '1h'),
    )
    .option('--json', 'print JSON on stdout')
    .action(async (opts: OnboardFlags & { wait?: boolean; timeout: number; json?: boolean }) => {
      const input = resolveOnboardInput(opts, env);
      const { consoleUrl, mailboxScoped, ...workflowInput } = input;
      const tenantId = input.tenant.tenantId;
      const consentLink = `${consoleUrl}/consent/start?tenant=${encodeURIComponent(tenantId)}`;
      await withApi(async (api) => {
        const started = await api.startOnboarding(workflowInput);
        if (!opts.json) {
          process.stdout.write(
            `${started.started ? 'Onboarding started' : 'Onboarding already running'} for tenant ${tenantId} (workflow ${started.workflowId}).\n` +
              (mailboxScoped
                ? `This tenant scopes mailboxes with Exchange RBAC (mailboxScope: group): do NOT send the admin consent link,\n` +
                  `which would grant Calendars.ReadWrite tenant-wide. 'pulumi up' granted consent; the workflow finds it by polling.\n`
                : `Send this link to a Global Administrator or Privileged Role Administrator of the tenant:\n  ${consentLink}\n` +
                  `(It is served by the console: together-o365 console.)\n`),
          );
        }
        let final: OnboardingStatus | undefined;
        if (opts.wait) {
          final = await followStatus(() => api.getStatus(tenantId), {
            until: (s) =>
              TERMINAL_PHASES.has(s.phase) && (s.phase === 'expired' || s.lastReport !== undefined),
            timeoutMs: opts.timeout * 1000,
            quiet: opts.json && !process.stderr.isTTY,
          });
          if (!opts.json) process.stdout.write(`\n${formatStatus(final)}\n`);
          if (statusIsFailing(final)) setExit(EXIT.failing);
        }
        if (opts.json) {
          printJson({
            tenantId,
            workflowId: started.workflowId,
            started: started.started,
            ...(mailboxScoped
              ? { mailboxScoped }
              : { consentLink, adminConsentUrl: workflowInput.consentUrl }),
            ...(final ? { status: final } : {}),
          });
        }
      });
    });

  // ------------------------------------------------------------ status
  program
    .command('status')
    .description("Show a tenant's onboarding status and last report, or list all tenants")
    .option('--tenant <id>', 'tenant id (GUID); without it, list tenants', tenantArg)
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = opts.tenant ?? env.TOGETHER_TENANT_ID;
      await withApi(async (api) => {
        if (!tenantId) {
          const tenants = await api.listTenants();
          if (opts.json) printJson(tenants);
          else process.stdout.write(`${formatTenants(tenants)}\n`);
          return;
        }
        const status = await api.getStatus(requireTenant({ tenant: tenantId }, env));
        if (!status) {
          throw new CliError(
            `No onboarding for tenant ${tenantId} (no workflow ${onboardingWorkflowId(tenantId)}). Start one with: together-o365 onboard --tenant ${tenantId} --owner <email>`,
            EXIT.badInput,
          );
        }
        if (opts.json) printJson(status);
        else process.stdout.write(`${formatStatus(status)}\n`);
        if (statusIsFailing(status)) setExit(EXIT.failing);
      });
    });

  // ------------------------------------------------------------ test
  program
    .command('test')
    .description('Run the sample test again now (the workflow’s retest update) and print the report')
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option('--json', 'print the report as JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = requireTenant(opts, env);
      await withApi(async (api) => {
        let done = false;
        const retest = api.retest(tenantId).finally(() => {
          done = true;
        });
        const follow = followStatus(() => api.getStatus(tenantId), {
          until: () => done,
          timeoutMs: 3600_000,
          quiet: opts.json && !process.stderr.isTTY,
        }).catch(() => undefined);
        const report = await retest;
        await follow;
        if (opts.json) printJson(report);
        else process.stdout.write(`${formatReport(report)}\n`);
        if (report.verdict === 'fail') setExit(EXIT.failing);
      });
    });

  // ------------------------------------------------------------ schedule
  const schedule = program
    .command('schedule')
    .description("Manage a tenant's health-check schedule (" + healthScheduleId('<tenant>') + ')');
  const scheduleTenant = (c: Command) =>
    c.option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg);
  scheduleTenant(schedule.command('show'))
    .description('Describe the schedule')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = requireTenant(opts, env);
      await withApi(async (api) => {
        const info = await api.describeSchedule(tenantId);
        if (!info) {
          throw new CliError(
            `Tenant ${tenantId} has no health schedule (${healthScheduleId(tenantId)}). It is created when onboarding completes, or with: together-o365 schedule create --tenant ${tenantId}`,
            EXIT.badInput,
          );
        }
        if (opts.json) printJson(info);
        else process.stdout.write(`${formatSchedule(info)}\n`);
      });
    });
  scheduleTenant(schedule.command('create'))
    .description('Create the schedule, or update its interval')
    .option(
      '--interval <minutes>',
      'minutes between health checks (default: the tenant setting)',
      intArg(5, 7 * 24 * 60),
    )
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; interval?: number; json?: boolean }) => {
      const tenantId = requireTenant(opts, env);
      await withApi(async (api) => {
        const info = await api.createSchedule(tenantId, opts.interval);
        if (opts.json) printJson(info);
        else process.stdout.write(`Created or updated.\n${formatSchedule(info)}\n`);
      });
    });
  scheduleTenant(schedule.command('pause'))
    .description('Pause the schedule (no health checks until unpaused)')
    .option('--note <text>', 'why (shown in the Temporal UI)', 'paused with together-o365')
    .option('--resume', 'unpause instead')
    .action(async (opts: { tenant?: string; note: string; resume?: boolean }) => {
      const tenantId = requireTenant(opts, env);
      await withApi(async (api) => {
        if (opts.resume)
          await api.unpauseSchedule(
            tenantId,
            opts.note === 'paused with together-o365' ? 'resumed with together-o365' : opts.note,
          );
        else await api.pauseSchedule(tenantId, opts.note);
        process.stdout.write(`${opts.resume ? 'Resumed' : 'Paused'} ${healthScheduleId(tenantId)}.\n`);
      });
    });
  scheduleTenant(schedule.command('trigger'))
    .description('Run a health check now')
    .action(async (opts: { tenant?: string }) => {
      const tenantId = requireTenant(opts, env);
      await withApi(async (api) => {
        await api.triggerSchedule(tenantId);
        process.stdout.write(
          `Triggered ${healthScheduleId(tenantId)}; see together-o365 status --tenant ${tenantId}.\n`,
        );
      });
    });
  scheduleTenant(schedule.command('delete'))
    .description('Delete the schedule (health checks stop)')
    .action(async (opts: { tenant?: string }) => {
      const tenantId = requireTenant(opts, env);
      await withApi(async (api) => {
        await api.deleteSchedule(tenantId);
        process.stdout.write(`Deleted ${healthScheduleId(tenantId)}.\n`);
      });
    });

  // ------------------------------------------------------------ long-running processes
  program
    .command('worker')
    .description('Run a Temporal worker (workflows and Graph activities) until SIGINT/SIGTERM')
    .action(async () => {
      if (!deps.runWorker) throw new CliError('worker is not available in this build', EXIT.badInput);
      setExit(await deps.runWorker(env));
    });

  program
    .command('console')
    .description('Serve the web console (consent redirect and status pages) on loopback')
    .addOption(
      new Option('--port <port>', 'port')
        .argParser(intArg(0, 65535))
        .default(Number(env.TOGETHER_CONSOLE_PORT ?? 3000)),
    )
    .addOption(
      new Option('--host <address>', 'bind address (loopback unless you mean otherwise)').default(
        env.TOGETHER_CONSOLE_HOST ?? '127.0.0.1',
      ),
    )
    .addOption(
      new Option('--state-ttl-minutes <n>', 'how long a consent link stays valid')
        .argParser(intArg(1, 7 * 24 * 60))
        .default(60),
    )
    .action(async (opts: ConsoleCommandOptions) => {
      if (!deps.runConsole) throw new CliError('console is not available in this build', EXIT.badInput);
      setExit(await deps.runConsole(opts, env));
    });

  program
    .command('emulator')
    .description('Run the local Microsoft 365 emulator (Entra + Graph over HTTPS) until SIGINT/SIGTERM')
    .addOption(new Option('--port <port>', 'HTTPS port').argParser(intArg(0, 65535)).default(8443))
    .option('--fixture <file>', 'tenant fixture (default: the Contoso demo tenant)')
    .option('--latency-ms <n>', 'latency added to each request', intArg(0, 60_000))
    .option('--persist <dir>', 'keep state in this directory')
    .action(async (opts: EmulatorCommandOptions) => {
      if (!deps.runEmulator) throw new CliError('emulator is not available in this build', EXIT.badInput);
      setExit(await deps.runEmulator(opts, env));
    });

  program
    .command('demo')
    .description(
      'The whole flow on this machine: Temporal dev server, emulator, worker, console, consent in headless Chromium, report',
    )
    .option('--keep-running', 'leave everything up afterwards (Ctrl+C stops it)')
    .option('--no-browser', 'accept the consent page over plain HTTP instead of Chromium')
    .addOption(
      new Option('--timeout <duration>', 'give up after this long')
        .argParser(durationArg)
        .default(600, '10m'),
    )
    .addOption(
      new Option('--sample-size <n>', 'users in the sample test')
        .argParser(intArg(1, 10_000))
        .default(DEMO_SAMPLE_SIZE),
    )
    .action(
      async (opts: { keepRunning?: boolean; browser: boolean; timeout: number; sampleSize: number }) => {
        if (!deps.runDemo) throw new CliError('demo is not available in this build', EXIT.badInput);
        setExit(
          await deps.runDemo(
            {
              keepRunning: Boolean(opts.keepRunning),
              browser: opts.browser,
              timeoutSeconds: opts.timeout,
              sampleSize: opts.sampleSize,
            },
            env,
          ),
        );
      },
    );

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
