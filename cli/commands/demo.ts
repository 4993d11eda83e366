/** `together-o365 demo`: the whole flow on this machine (the runner is cli/demo.ts, loaded when it runs). */
import { Option, type Command } from 'commander';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { DEMO_SAMPLE_SIZE, durationArg, portArg, sampleSizeArg } from '../options';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description(
      'The whole flow on this machine: Temporal dev server, emulator, worker, console, consent in headless Chromium, report',
    )
    .option('--keep-running', 'leave everything up afterwards (Ctrl+C stops it)')
    .option('--no-browser', 'accept the consent page over plain HTTP instead of Chromium')
    .option(
      '--individual',
      'individual mode instead: two Contoso users connect their calendars in Chromium, one is revoked, the sweep emails them once and counts it for the owner',
    )
    .addOption(
      new Option('--console-port <port>', 'serve the console on this port (default: a free one)').argParser(
        portArg,
      ),
    )
    .addOption(
      new Option('--timeout <duration>', 'give up after this long')
        .argParser(durationArg)
        .default(600, '10m'),
    )
    .addOption(
      new Option('--sample-size <n>', 'users in the sample test')
        .argParser(sampleSizeArg)
        .default(DEMO_SAMPLE_SIZE),
    )
    .action(
      async (opts: {
        keepRunning?: boolean;
        browser: boolean;
        timeout: number;
        sampleSize: number;
        consolePort?: number;
        individual?: boolean;
      }) => {
        if (!ctx.deps.runDemo) throw new CliError('demo is not available in this build', EXIT.badInput);
        ctx.setExit(
          await ctx.deps.runDemo(
            {
              keepRunning: Boolean(opts.keepRunning),
              browser: opts.browser,
              timeoutSeconds: opts.timeout,
              sampleSize: opts.sampleSize,
              ...(opts.consolePort ? { consolePort: opts.consolePort } : {}),
              ...(opts.individual ? { individual: true } : {}),
            },
            ctx.env,
          ),
        );
      },
    );
}
