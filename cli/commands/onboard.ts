/** `together-o365 onboard`: start or resume a tenant's onboarding; prints the admin consent link. */
import { Option, type Command } from 'commander';
import type { OnboardingStatus } from '../../contracts/messages';
import type { CommandContext } from '../context';
import { CliError, EXIT } from '../errors';
import { durationArg, intervalArg, sampleSizeArg, tenantArg, thresholdArg, intArg } from '../options';
import { formatStatus, printJson, statusIsFailing } from '../output';
import { followStatus, TERMINAL_PHASES } from '../progress';
import { resolveOnboardInput, type OnboardFlags } from '../tenant-input';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('onboard')
    .description(
      'Start (or resume) onboarding a tenant; prints the admin consent link. With --wait, follows it to the report.',
    )
    .option('--tenant <id>', 'tenant id (GUID); env TOGETHER_TENANT_ID', tenantArg)
    .option('--owner <email>', 'integration owner who hears about failures; env TOGETHER_OWNER_EMAIL')
    .option('--from <tenant.json>', "Pulumi 'workerConfig' output (pulumi stack output workerConfig --json)")
    .option('--app-id <guid>', "Together app's client id; env TOGETHER_APP_ID")
    .option(
      '--redirect-uri <url>',
      'redirect URI registered on the app; env TOGETHER_REDIRECT_URI (default <console-url>/consent/callback)',
    )
    .option('--console-url <url>', 'where admins reach the console; env TOGETHER_CONSOLE_URL', undefined)
    .option(
      '--authority-host <url>',
      'Entra authority; env TOGETHER_AUTHORITY_HOST (default https://login.microsoftonline.com)',
    )
    .option('--sample-size <n>', 'users per sample test (default 50)', sampleSizeArg)
    .option(
      '--threshold <share>',
      'share of sampled users that must be reachable, e.g. 0.9 or 90% (default 90%)',
      thresholdArg,
    )
    .option('--interval <minutes>', 'minutes between health checks (default 360)', intervalArg)
    .option(
      '--consent-wait-days <days>',
      'days to wait for consent before giving up (default 14)',
      intArg(1, 90),
    )
    .option('--credential-ref <name>', 'worker credential profile for this tenant (default "default")')
    .option('--name <display name>', 'the tenant’s display name (e.g. Contoso), shown next to its GUID')
    .option(
      '--mailbox-scope <tenant|group>',
      'group: calendar access comes from an Exchange RBAC for Applications scope (default: the workerConfig, else tenant)',
    )
    .option(
      '--scope-group <id|smtp>',
      "with --mailbox-scope group: the scope's group (object id or SMTP address)",
    )
    .option('--probe-mailbox <upn>', 'with --mailbox-scope group: an in-scope mailbox that proves consent')
    .option(
      '--integration <domainWide|individual>',
      'individual: users connect their own calendars; starts the connections sweep instead (default: the workerConfig, else domainWide)',
    )
    .option('--wait', 'follow the onboarding until the sample test report (progress on stderr)')
    .addOption(
      new Option('--timeout <duration>', 'with --wait: how long to wait, e.g. 30m')
        .argParser(durationArg)
        .default(3600, '1h'),
    )
    .option('--json', 'print JSON on stdout')
    .action(async (opts: OnboardFlags & { wait?: boolean; timeout: number; json?: boolean }) => {
      const input = resolveOnboardInput(opts, ctx.env);
      const { consoleUrl, mailboxScoped, integration, ...workflowInput } = input;
      const tenantId = input.tenant.tenantId;
      if (integration === 'individual')
        return onboardIndividual(ctx, { ...opts, tenantId, consoleUrl, owner: input.settings.owner });
      const consentLink = `${consoleUrl}/consent/start?tenant=${encodeURIComponent(tenantId)}`;
      await ctx.withApi(async (api) => {
        const started = await api.startOnboarding(workflowInput);
        if (!opts.json) {
          process.stdout.write(
            `${started.started ? 'Onboarding started' : 'Onboarding already running'} for tenant ${tenantId} (workflow ${started.workflowId}).\n` +
              (mailboxScoped
                ? `This tenant scopes mailboxes with Exchange RBAC (mailboxScope: group): do NOT send the admin consent link,\n` +
                  `which would grant Calendars.ReadWrite tenant-wide. 'pulumi up' granted consent; the workflow finds it by polling.\n`
                : `Before consenting, check the prerequisites (help-centre Step 1):\n` +
                  `  - users' mailboxes are in Exchange Online (cloud-only; on-premises and hybrid mailboxes are not supported);\n` +
                  `  - Integrated Apps is enabled in the Microsoft 365 admin center (Settings › Integrated apps).\n` +
                  `Send this link to a Global Administrator or Privileged Role Administrator of the tenant:\n  ${consentLink}\n` +
                  `(It is served by the console: together-o365 console.)\n`),
          );
        }
        let final: OnboardingStatus | undefined;
        if (opts.wait) {
          final = await followStatus(() => api.getStatus(tenantId), {
            until: (s) =>
              TERMINAL_PHASES.has(s.phase) && (s.phase === 'expired' || s.lastReport !== undefined),
            timeoutMs: opts.timeout * 1000,
            quiet: opts.json && !process.stderr.isTTY,
          });
          if (!opts.json) process.stdout.write(`\n${formatStatus(final)}\n`);
          if (statusIsFailing(final)) ctx.setExit(EXIT.failing);
        }
        if (opts.json) {
          printJson({
            tenantId,
            workflowId: started.workflowId,
            started: started.started,
            ...(mailboxScoped
              ? { mailboxScoped }
              : { consentLink, adminConsentUrl: workflowInput.consentUrl }),
            ...(final ? { status: final } : {}),
          });
        }
      });
    });
}

/**
 * Individual mode (docs/individual.md): there is no admin consent of application permissions to wait for, so
 * starting the tenant means starting its connections sweep (`connections-<tenant>`). A second onboard finds it
 * running and leaves it alone (no duplicate, no extra sweep).
 */
async function onboardIndividual(
  ctx: CommandContext,
  opts: { tenantId: string; consoleUrl: string; owner: string; wait?: boolean; json?: boolean },
): Promise<void> {
  const { tenantId, consoleUrl } = opts;
  if (opts.wait) {
    throw new CliError(
      '--wait follows a domain-wide onboarding to its sample test report; individual mode has none. ' +
        `Follow the connections with: together-o365 connections --tenant ${tenantId}`,
      EXIT.badInput,
    );
  }
  const connectLink = `${consoleUrl}/connect?tenant=${encodeURIComponent(tenantId)}`;
  await ctx.withApi(async (api) => {
    const started = await api.startConnectionsSweep({
      tenantId,
      consoleUrl,
      owner: opts.owner,
    });
    if (opts.json) {
      printJson({ tenantId, integration: 'individual', ...started, connectLink });
      return;
    }
    process.stdout.write(
      `${started.started ? 'Connections sweep started' : 'Connections sweep already running'} for tenant ${tenantId} ` +
        `(individual mode, workflow ${started.workflowId}).\n` +
        `No admin consent link: each user connects their own Outlook calendar at\n  ${connectLink}\n` +
        `Count users as invited with: together-o365 connections invite --tenant ${tenantId} --email <addr>\n` +
        `Follow them with: together-o365 connections --tenant ${tenantId}\n`,
    );
  });
}
