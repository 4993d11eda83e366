/**
 * `together-o365 accept`: the owner's "Done" on the first report (the seed wizard's review step), optionally
 * accepting known exceptions — guests, or listed accounts — which then count neither against the verdict nor
 * as new incidents, and stay listed as accepted. The workflow's `acceptReport` update; it refuses before the
 * first report exists (exit 2 with its reason).
 */
import type { Command } from 'commander';
import { UserInputError } from '../../contracts/errors';
import { EMAIL, GUID } from '../../contracts/validation';
import type { CommandContext } from '../context';
import { requireTenant, tenantArg } from '../options';
import { printJson } from '../output';

const collect = (value: string, previous: string[] = []): string[] => {
  const v = value.trim();
  if (!EMAIL.test(v) && !GUID.test(v)) {
    throw new UserInputError(
      `--except ${JSON.stringify(value)}: give a user principal name (user@contoso.com) or an object id (GUID).`,
    );
  }
  return [...previous, v];
};

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('accept')
    .description('Confirm the first report ("Done"), optionally accepting known exceptions')
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option('--except-guests', 'accept guest (B2B) accounts as known exceptions')
    .option(
      '--except <account>',
      'accept this account (UPN or object id) as a known exception; repeatable',
      collect,
    )
    .option('--json', 'print the review as JSON on stdout')
    .action(async (opts: { tenant?: string; exceptGuests?: boolean; except?: string[]; json?: boolean }) => {
      const tenantId = requireTenant(opts, ctx.env);
      const exceptions = {
        ...(opts.exceptGuests ? { guests: true } : {}),
        ...(opts.except?.length ? { accounts: opts.except } : {}),
      };
      await ctx.withApi(async (api) => {
        const review = await api.acceptReport(tenantId, exceptions);
        if (opts.json) {
          printJson(review);
          return;
        }
        const lines = [`Report accepted for tenant ${tenantId} at ${review.acceptedAt ?? 'now'}.`];
        if (review.accepted) {
          lines.push(
            `  ${review.accepted.accessible} of ${review.accepted.sampled} sampled calendars reachable (${review.accepted.verdict}).`,
          );
        }
        if (review.exceptions?.guests) lines.push('  Accepted exception: guest accounts.');
        for (const a of review.exceptions?.accounts ?? []) lines.push(`  Accepted exception: ${a}`);
        lines.push(
          'Health checks no longer count these accounts; they stay listed as accepted on the status page.',
        );
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
