/** `together-o365 status`: a tenant's onboarding status and last report, or the list of tenants. */
import type { Command } from 'commander';
import { onboardingWorkflowId } from '../../contracts/ids';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { requireTenant, tenantArg } from '../options';
import { formatIndividual } from './connections';
import { formatStatus, formatTenants, printJson, statusIsFailing } from '../output';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description("Show a tenant's onboarding status and last report, or list all tenants")
    .option('--tenant <id>', 'tenant id (GUID); without it, list tenants', tenantArg)
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = opts.tenant ?? ctx.env.TOGETHER_TENANT_ID;
      await ctx.withApi(async (api) => {
        if (!tenantId) {
          const tenants = await api.listTenants();
          if (opts.json) printJson(tenants);
          else process.stdout.write(`${formatTenants(tenants)}\n`);
          return;
        }
        const status = await api.getStatus(requireTenant({ tenant: tenantId }, ctx.env));
        const individual = (await ctx.deps.individualState?.(ctx.env, tenantId).catch(() => null)) ?? null;
        if (!status && individual) {
          if (opts.json) printJson({ tenantId, integration: 'individual', individual });
          else process.stdout.write(`${formatIndividual(individual)}\n`);
          return;
        }
        if (!status) {
          throw new CliError(
            `No onboarding for tenant ${tenantId} (no workflow ${onboardingWorkflowId(tenantId)}). Start one with: together-o365 onboard --tenant ${tenantId} --owner <email>`,
            EXIT.badInput,
          );
        }
        if (opts.json) printJson(individual ? { ...status, individual } : status);
        else
          process.stdout.write(
            `${formatStatus(status)}${individual ? `\n${formatIndividual(individual)}` : ''}\n`,
          );
        if (statusIsFailing(status)) ctx.setExit(EXIT.failing);
      });
    });
}
