/**
 * `together-o365 connections`: individual mode, for the integration owner.
 *
 *   connections --tenant <id> [--json]        "N of M invited users connected; K broken (why)" from the sweep
 *   connections sweep --tenant <id> --console-url <url> [--owner <email>] [--interval-minutes <n>]
 *                                             start the tenant's connections sweep (or sweep now if it runs)
 *   connections invite --tenant <id> --email <addr>   count a user as invited (the M in "N of M")
 */
import type { Command } from 'commander';
import type * as ActivitiesModule from '../../activities';
import type * as IndividualActivitiesModule from '../../activities/individual';
import type * as ClientModule from '../../client';
import type * as ClientIndividualModule from '../../client/individual';
import {
  describeConnections,
  individualSweepWorkflowId,
  type IndividualSweepState,
} from '../../contracts/individual';
import { EMAIL } from '../../contracts/validation';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { intArg, requireTenant, tenantArg } from '../options';
import { printJson } from '../output';

// Loaded only when a connections command runs (the CLI starts without Temporal or MSAL).
/* eslint-disable @typescript-eslint/no-require-imports */
const clientMod = () => require('../../client') as typeof ClientModule;
const individualClient = () => require('../../client/individual') as typeof ClientIndividualModule;
const activitiesMod = () => require('../../activities') as typeof ActivitiesModule;
const individualMod = () => require('../../activities/individual') as typeof IndividualActivitiesModule;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The tenant's individual-mode view, or null when it has no connections sweep. */
export async function individualStatus(
  env: NodeJS.ProcessEnv,
  tenantId: string,
): Promise<IndividualSweepState | null> {
  const client = await clientMod().connectTemporal(env);
  try {
    return await individualClient().getConnectionsState(client, tenantId);
  } finally {
    await client.connection.close();
  }
}

export function formatIndividual(s: IndividualSweepState): string {
  const lines = [`Individual connections: ${describeConnections(s.summary)}`];
  if (s.summary.pending) lines.push(`  ${s.summary.pending} invited but not connected yet`);
  if (s.lastSweep) {
    lines.push(
      `  last sweep ${s.lastSweep.at}: ${s.lastSweep.ok}/${s.lastSweep.checked} refreshed, ${s.lastSweep.newlyBroken} newly broken`,
    );
  }
  if (s.nextSweepAt) lines.push(`  next sweep ${s.nextSweepAt}`);
  return lines.join('\n');
}

export function register(program: Command, ctx: CommandContext): void {
  // Commander gives an option both the parent and a subcommand declare to the parent (`connections invite
  // --tenant X` sets `connections`' --tenant): the subcommands read it from there too.
  const tenantOf = (opts: { tenant?: string }) =>
    requireTenant({ tenant: opts.tenant ?? cmd.opts<{ tenant?: string }>().tenant }, ctx.env);
  const cmd = program
    .command('connections')
    .description(
      'Individual mode: users’ own calendar connections — the owner’s view, the sweep, invitations',
    )
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = requireTenant(opts, ctx.env);
      const state = await individualStatus(ctx.env, tenantId);
      if (!state) {
        throw new CliError(
          `Tenant ${tenantId} has no connections sweep (no workflow ${individualSweepWorkflowId(tenantId)}). Start it with: together-o365 connections sweep --tenant ${tenantId} --console-url <url>`,
          EXIT.badInput,
        );
      }
      if (opts.json) printJson(state);
      else process.stdout.write(`${formatIndividual(state)}\n`);
    });

  cmd
    .command('sweep')
    .description('Start the tenant’s connections sweep, or ask the running one to sweep now')
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .requiredOption('--console-url <url>', 'console base URL for reconnect links (env TOGETHER_CONSOLE_URL)')
    .option('--owner <email>', 'integration owner: receives the digest')
    .option('--interval-minutes <n>', 'minutes between sweeps (default 1440)', intArg(1, 525_600))
    .action(
      async (opts: { tenant?: string; consoleUrl: string; owner?: string; intervalMinutes?: number }) => {
        const tenantId = tenantOf(opts);
        if (opts.owner && !EMAIL.test(opts.owner))
          throw new CliError(`--owner must be an email address (got "${opts.owner}").`, EXIT.badInput);
        if (!/^https?:\/\//.test(opts.consoleUrl))
          throw new CliError('--console-url must start with https:// (or http://localhost).', EXIT.badInput);
        const client = await clientMod().connectTemporal(ctx.env);
        try {
          await individualClient().pokeConnectionsSweep(
            client,
            {
              tenantId,
              consoleUrl: opts.consoleUrl,
              ...(opts.owner ? { owner: opts.owner } : {}),
              ...(opts.intervalMinutes ? { intervalMinutes: opts.intervalMinutes } : {}),
            },
            ctx.env.TOGETHER_TASK_QUEUE ? { taskQueue: ctx.env.TOGETHER_TASK_QUEUE } : {},
          );
        } finally {
          await client.connection.close();
        }
        process.stderr.write(`Connections sweep ${individualSweepWorkflowId(tenantId)} is sweeping.\n`);
      },
    );

  cmd
    .command('invite')
    .description('Count a user as invited to connect (the M in "N of M connected")')
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .requiredOption('--email <addr>', 'the user’s email / UPN')
    .action(async (opts: { tenant?: string; email: string }) => {
      const tenantId = tenantOf(opts);
      if (!EMAIL.test(opts.email))
        throw new CliError(`--email must be an email address (got "${opts.email}").`, EXIT.badInput);
      const { backend } = individualMod().createIndividual({
        config: activitiesMod().loadGraphConfig(ctx.env),
        env: ctx.env,
      });
      await backend.inviteUser(tenantId, opts.email);
      process.stderr.write(`Invited ${opts.email}: they connect at <console>/connect?tenant=${tenantId}\n`);
    });
}
