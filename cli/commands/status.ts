/**
 * `together-o365 status`: a tenant's one state (contracts/tenant-state.ts) first, then its onboarding details,
 * last report and health history; or the list of tenants with their states. The exit code follows the state
 * (docs/console.md "Exit codes"): 0 active or on its way, 1 degraded/failing/expired/stopped (or blocked),
 * 3 unknown (no worker answers).
 */
import type { Command } from 'commander';
import { onboardingWorkflowId } from '../../contracts/ids';
import { tenantStateExitCode } from '../../contracts/tenant-state';
import { diffSinceAccepted } from '../../contracts/report-diff';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { requireTenant, tenantArg } from '../options';
import { formatReport, formatTenants, formatTenantView, printJson } from '../output';
import { DEFAULT_CONSOLE_URL } from '../tenant-input';
import { formatIndividual } from './connections';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description("Show a tenant's state (then its report and health history), or list all tenants")
    .option('--tenant <id>', 'tenant id (GUID); without it, list tenants', tenantArg)
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const given = opts.tenant ?? ctx.env.TOGETHER_TENANT_ID;
      // Validated before connecting: a bad TOGETHER_TENANT_ID is bad input (2), not "Temporal unreachable" (3).
      const tenantId = given ? requireTenant({ tenant: given }, ctx.env) : undefined;
      const consoleUrl = ctx.env.TOGETHER_CONSOLE_URL || DEFAULT_CONSOLE_URL;
      await ctx.withApi(async (api) => {
        if (!tenantId) {
          const tenants = await api.listTenants();
          if (opts.json) printJson(tenants);
          else process.stdout.write(`${formatTenants(tenants)}\n`);
          // The list exits with the worst state: 3 if any is unknown, else 1 if any is not working.
          const codes = tenants.map((t) => tenantStateExitCode(t.state));
          const worst = codes.includes(3) ? 3 : codes.includes(1) ? 1 : 0;
          if (worst) ctx.setExit(worst === 3 ? EXIT.unreachable : EXIT.failing);
          return;
        }
        const view = await api.getTenant(tenantId);
        // Individual mode: the tenant's connections sweep, when there is one (no onboarding needed).
        const individual = (await ctx.deps.individualState?.(ctx.env, tenantId).catch(() => null)) ?? null;
        if (!view && individual) {
          if (opts.json) printJson({ tenantId, integration: 'individual', individual });
          else
            process.stdout.write(
              `${formatIndividual(individual)}\n${individual.lastSampleTest ? `\nLast sample test:\n${formatReport(individual.lastSampleTest)}\n` : ''}`,
            );
          return;
        }
        if (!view) {
          throw new CliError(
            `No onboarding for tenant ${tenantId} (no workflow ${onboardingWorkflowId(tenantId)}). Start one with: together-o365 onboard --tenant ${tenantId} --owner <email>`,
            EXIT.badInput,
          );
        }
        if (opts.json)
          printJson({
            state: view.state,
            ...(view.status ?? {}),
            sinceAccepted: diffSinceAccepted(view.status?.review, view.status?.lastReport),
            monitor: view.monitor,
            workflowStatus: view.workflowStatus,
            ...(individual ? { individual } : {}),
          });
        else
          process.stdout.write(
            `${formatTenantView(view, consoleUrl)}${individual ? `\n${formatIndividual(individual)}` : ''}\n`,
          );
        // Unknown is an unreachable dependency: say why on stderr too, like every other exit 3.
        if (view.state.state === 'unknown' && view.state.reason)
          process.stderr.write(`${view.state.reason}\n`);
        const code = tenantStateExitCode(view.state);
        if (code) ctx.setExit(code === 3 ? EXIT.unreachable : EXIT.failing);
      });
    });
}
