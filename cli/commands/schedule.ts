/** `together-o365 schedule show|create|pause|trigger|delete`: a tenant's health-check schedule (trigger --all: every tenant's). */
import type { Command } from 'commander';
import { healthScheduleId } from '../../contracts/ids';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { intervalArg, requireTenant, tenantArg } from '../options';
import { formatSchedule, printJson } from '../output';

export function register(program: Command, ctx: CommandContext): void {
  const schedule = program
    .command('schedule')
    .description("Manage a tenant's health-check schedule (" + healthScheduleId('<tenant>') + ')');
  const scheduleTenant = (c: Command) =>
    c.option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg);
  scheduleTenant(schedule.command('show'))
    .description('Describe the schedule')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
        const info = await api.describeSchedule(tenantId);
        if (!info) {
          throw new CliError(
            `No health checks for tenant ${tenantId} (${healthScheduleId(tenantId)}); onboard it first — they start when onboarding completes — or start them with: together-o365 schedule create --tenant ${tenantId}`,
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
      intervalArg,
    )
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; interval?: number; json?: boolean }) => {
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
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
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
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
    .description("Run a health check now (--all: every tenant's)")
    .option('--all', "every tenant's health check now, e.g. after fixing a problem they all share")
    .action(async (opts: { tenant?: string; all?: boolean }) => {
      if (opts.all) {
        if (opts.tenant) throw new CliError('Pass either --tenant <id> or --all, not both.', EXIT.badInput);
        await ctx.withApi(async (api) => {
          const { shards } = await api.triggerAllSchedules();
          process.stdout.write(
            shards === 0
              ? 'No health checks run yet: they start when a tenant completes onboarding (or with schedule create).\n'
              : `Triggered every tenant's health check (${shards} health shard${shards === 1 ? '' : 's'}); see together-o365 schedule show --tenant <id>.\n`,
          );
        });
        return;
      }
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
        await api.triggerSchedule(tenantId);
        process.stdout.write(
          `Triggered ${healthScheduleId(tenantId)}; see together-o365 status --tenant ${tenantId}.\n`,
        );
      });
    });
  scheduleTenant(schedule.command('delete'))
    .description('Delete the schedule (health checks stop)')
    .action(async (opts: { tenant?: string }) => {
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
        await api.deleteSchedule(tenantId);
        process.stdout.write(`Deleted ${healthScheduleId(tenantId)}.\n`);
      });
    });
}
