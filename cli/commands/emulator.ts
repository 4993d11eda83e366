/** `together-o365 emulator`: the Microsoft 365 emulator, with the same flags as `npm run emulator`. */
import type { Command } from 'commander';
import { addEmulatorOptions } from '../../emulator/options';
import type { CommandContext, EmulatorCommandOptions } from '../context';
import { CliError, EXIT } from '../errors';

export function register(program: Command, ctx: CommandContext): void {
  addEmulatorOptions(
    program
      .command('emulator')
      .description('Run the local Microsoft 365 emulator (Entra + Graph over HTTPS) until SIGINT/SIGTERM'),
  ).action(async (opts: EmulatorCommandOptions) => {
    if (!ctx.deps.runEmulator) throw new CliError('emulator is not available in this build', EXIT.badInput);
    ctx.setExit(await ctx.deps.runEmulator(opts, ctx.env));
  });
}
