/**
 * `together-o365 test`: run the sample test again now (the onboarding's retest update). An individual-mode
 * tenant (a connections sweep, no onboarding) runs the individual sample test instead: connected users probed
 * with their own delegated tokens; same report, marked individual.
 */
import type { Command } from 'commander';
import type { SampleTestReport } from '../../contracts/messages';
import type { CommandContext } from '../context';
import { EXIT } from '../errors';
import { requireTenant, tenantArg } from '../options';
import { formatReport, formatReportDiff, printJson } from '../output';
import { diffSinceAccepted, type ReportDiff } from '../../contracts/report-diff';
import { followStatus } from '../progress';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('test')
    .description('Run the sample test again now (the workflow’s retest update) and print the report')
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option('--json', 'print the report as JSON on stdout')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const tenantId = requireTenant(opts, ctx.env);
      await ctx.withApi(async (api) => {
        const print = (report: SampleTestReport, diff?: ReportDiff) => {
          if (opts.json) printJson(diff ? { ...report, sinceAccepted: diff } : report);
          else
            process.stdout.write(`${formatReport(report)}\n${diff ? `\n${formatReportDiff(diff)}\n` : ''}`);
          if (report.verdict === 'fail') ctx.setExit(EXIT.failing);
        };
        const { individualSampleTest, individualState } = ctx.deps;
        if (individualSampleTest && individualState && !(await api.getTenant(tenantId))) {
          if (await individualState(ctx.env, tenantId).catch(() => null)) {
            print(await individualSampleTest(ctx.env, tenantId));
            return;
          }
        }
        let done = false;
        const retest = api.retest(tenantId).finally(() => {
          done = true;
        });
        const follow = followStatus(() => api.getStatus(tenantId), {
          until: () => done,
          timeoutMs: 3600_000,
          quiet: opts.json && !process.stderr.isTTY,
        }).catch(() => undefined);
        const report = await retest;
        await follow;
        // What changed since the owner accepted the first report (issue 11 point 4), when they did.
        const status = await api.getStatus(tenantId).catch(() => null);
        print(report, diffSinceAccepted(status?.review, report));
      });
    });
}
