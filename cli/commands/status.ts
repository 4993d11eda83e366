/** `together-o365 status`: a tenant's onboarding status and last report, or the list of tenants. */
import type { Command } from 'commander';
import { onboardingWorkflowId } from '../../contracts/ids';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { requireTenant, tenantArg } from '../options';
import { formatStatus, formatTenants, printJson, statusIsFailing } from '../output';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description("Show a tenant's onboarding status and last report, or list all tenants")
    .option('--tenant <id>', 'tenant id (GUID); without it, list tenants', tenantArg)
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const given = opts.tenant ?? ctx.env.TOGETHER_TENANT_ID;
      // Validated before connecting: a bad TOGETHER_TENANT_ID is bad input (2), not "Temporal unreachable" (3).
      const tenantId = given ? requireTenant({ tenant: given }, ctx.env) : undefined;
      await ctx.withApi(async (api) => {
        if (!tenantId) {
          const tenants = await api.listTenants();
          if (opts.json) printJson(tenants);
          else process.stdout.write(`${formatTenants(tenants)}\n`);
          return;
        }
        const status = await api.getStatus(tenantId);
        if (!status) {
          throw new CliError(
            `No onboarding for tenant ${tenantId} (no workflow ${onboardingWorkflowId(tenantId)}). Start one with: together-o365 onboard --tenant ${tenantId} --owner <email>`,
            EXIT.badInput,
          );
        }
        if (opts.json) printJson(status);
        else process.stdout.write(`${formatStatus(status)}\n`);
        if (statusIsFailing(status)) ctx.setExit(EXIT.failing);
      });
    });
}
