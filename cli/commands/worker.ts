/** `together-o365 worker`: a Temporal worker until SIGINT/SIGTERM (loaded only when it runs). */
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('worker')
    .description('Run a Temporal worker (workflows and Graph activities) until SIGINT/SIGTERM')
    .action(async () => {
      if (!ctx.deps.runWorker) throw new CliError('worker is not available in this build', EXIT.badInput);
      ctx.setExit(await ctx.deps.runWorker(ctx.env));
    });
}
