/**
 * `together-o365 probe --teams`: can Together's bookings carry a Teams join link in this tenant? Runs the
 * `teamsProbe` workflow through client/ (the worker holds the Graph credentials): one online meeting created on a
 * mailbox and deleted again. Exit 0 when Teams links are available, 1 when not available or not checked.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { teamsLinksLine } from '../../contracts/teams';
import { isEmail, isGuid } from '../../contracts/validation';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { requireTenant, tenantArg } from '../options';
import { printJson } from '../output';

/** A mailbox as Graph addresses it under /users/{id}: a UPN (email form) or an object id (GUID). */
export function mailboxArg(value: string): string {
  if (!isEmail(value) && !isGuid(value))
    throw new InvalidArgumentError('must be a user principal name (name@domain) or a user object id (GUID).');
  return value;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('probe')
    .description(
      'Check a capability of the tenant by doing it once: --teams creates one Teams meeting on a mailbox and deletes it',
    )
    .option('--teams', 'check that events Together creates get a Teams join link')
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option(
      '--mailbox <upn>',
      "mailbox to probe (UPN or id; one of the worker's TOGETHER_PROBE_MAILBOXES when set); default: a reachable one from a small sample",
      mailboxArg,
    )
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts: { teams?: boolean; tenant?: string; mailbox?: string; json?: boolean }) => {
      if (!opts.teams)
        throw new CliError(
          'What should be probed? Pass --teams (the only probe so far): together-o365 probe --teams --tenant <id>',
          EXIT.badInput,
        );
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
        const teams = await api.probeTeams(tenantId, opts.mailbox);
        if (opts.json) printJson(teams);
        else process.stdout.write(`${teamsLinksLine(teams)}\n`);
        if (teams.status !== 'available') ctx.setExit(EXIT.failing);
      });
    });
}
