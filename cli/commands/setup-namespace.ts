/** `together-o365 setup-namespace`: register the TenantId search attribute (self-hosted) or print the Cloud command. */
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('setup-namespace')
    .description(
      'Prepare the Temporal namespace: register the TenantId search attribute on a self-hosted or dev server, ' +
        'or print the tcld command for Temporal Cloud',
    )
    .option('--print-only', 'change nothing; print the commands that register the attribute')
    .action(async (opts: { printOnly?: boolean }, cmd: Command) => {
      if (!ctx.deps.setupNamespace) {
        throw new CliError('setup-namespace is not available in this build', EXIT.badInput);
      }
      const globals = cmd.optsWithGlobals<{ temporalAddress?: string; namespace?: string }>();
      const env = { ...ctx.env };
      if (globals.temporalAddress) env.TEMPORAL_ADDRESS = globals.temporalAddress;
      if (globals.namespace) env.TEMPORAL_NAMESPACE = globals.namespace;
      ctx.setExit(await ctx.deps.setupNamespace(env, { printOnly: opts.printOnly ?? false }));
    });
}
