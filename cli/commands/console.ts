/** `together-o365 console`: the web console on loopback (fastify is loaded only when it runs). */
import { Option, type Command } from 'commander';
import type { CommandContext, ConsoleCommandOptions } from '../context';
import { CliError, EXIT } from '../errors';
import { intArg } from '../options';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('console')
    .description('Serve the web console (consent redirect and status pages) on loopback')
    .addOption(
      new Option('--port <port>', 'port')
        .argParser(intArg(0, 65535))
        .default(Number(ctx.env.TOGETHER_CONSOLE_PORT ?? 3000)),
    )
    .addOption(
      new Option('--host <address>', 'bind address (loopback unless you mean otherwise)').default(
        ctx.env.TOGETHER_CONSOLE_HOST ?? '127.0.0.1',
      ),
    )
    .addOption(
      new Option('--state-ttl-minutes <n>', 'how long a consent link stays valid')
        .argParser(intArg(1, 7 * 24 * 60))
        .default(60),
    )
    .action(async (opts: ConsoleCommandOptions) => {
      if (!ctx.deps.runConsole) throw new CliError('console is not available in this build', EXIT.badInput);
      // The default comes from TOGETHER_CONSOLE_PORT, which commander's parser never sees (issue 12 item 8).
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        throw new CliError(
          `TOGETHER_CONSOLE_PORT='${ctx.env.TOGETHER_CONSOLE_PORT}' is not a port: a whole number from 0 to 65535 (default 3000).`,
          EXIT.badInput,
        );
      }
      ctx.setExit(await ctx.deps.runConsole(opts, ctx.env));
    });
}
