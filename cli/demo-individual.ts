/**
 * `npm run demo -- --individual` / `together-o365 demo --individual`: individual mode end to end on this
 * machine. The same pieces as the demo (dev/demo-env.ts); then two Contoso users connect their own Outlook
 * calendars in headless Chromium (the console's /connect pages, the emulator's Entra sign-in and consent, PKCE
 * code exchange, a real calendar call), the tenant's connections sweep (`connections-<tenant>`) runs with the
 * owner set, one user's sign-in sessions are revoked (revokeSignInSessions), and the act shows that the sweep
 * breaks that connection, emails the user a reconnect link exactly once (a second sweep sends nothing new) and
 * sends the owner a digest that counts it.
 */
import path from 'node:path';
import { CONTOSO } from '../emulator/fixtures/ids';
import type { OutboxMessage } from '../emulator/state';
import {
  individualSweepWorkflowId,
  type ConnectionRecord,
  type IndividualSweepState,
} from '../contracts/individual';
import { describeConnections, getConnectionsState, pokeConnectionsSweep } from '../client/individual';
import { CHROMIUM_PATH, chromiumInstalled, chromiumMissing, launchChromium } from '../dev/chromium';
import { connectCalendarInBrowser } from '../dev/connect-calendar';
import type { DemoCommandOptions } from './context';
import { runDemoAct } from './demo-shared';
import { CliError, EXIT } from './errors';

/** The integration owner: receives the digest (the same as the demo's owner). */
const DEMO_OWNER = CONTOSO.privilegedAdmin.userPrincipalName;
/** The two users of the act: licensed Exchange Online mailboxes in the Contoso fixture. */
export const INDIVIDUAL_DEMO_USERS = [CONTOSO.users.inScope, CONTOSO.users.outsideScope] as const;
/** The one whose sessions are revoked. */
export const INDIVIDUAL_DEMO_REVOKED = CONTOSO.users.outsideScope;

const STEPS = 6;
const RECONNECT_SUBJECT = /reconnect your outlook calendar/i;
const DIGEST_SUBJECT = /calendar connections/i;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const to = (m: OutboxMessage, email: string) =>
  m.message.toRecipients?.some((r) => r.emailAddress.address.toLowerCase() === email.toLowerCase()) ?? false;
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();

export async function runIndividualDemo(opts: DemoCommandOptions): Promise<number> {
  // Before anything starts: this act is about users in a browser, so it has no HTTP fallback.
  if (!opts.browser)
    throw new CliError(
      '--individual drives the users’ browsers (sign-in and consent pages): it cannot run with --no-browser.',
      EXIT.badInput,
    );
  if (!chromiumInstalled())
    throw new CliError(
      chromiumMissing('The individual act connects two users’ calendars in headless Chromium'),
      EXIT.badInput,
    );

  const tenantId = CONTOSO.tenantId;
  return runDemoAct(opts, {
    title:
      'together-o365 demo --individual: Contoso users connect their own Outlook calendars (individual mode, emulated Microsoft 365, embedded Temporal)',
    steps: STEPS,
    run: async ({ env: e, t0, out, step }) => {
      const deadline = t0 + opts.timeoutSeconds * 1000;
      /** Polls until `pred` holds, or fails with what it was waiting for and where the logs are. */
      async function waitFor<T>(what: string, read: () => Promise<T>, pred: (v: T) => boolean): Promise<T> {
        for (;;) {
          const v = await read();
          if (pred(v)) return v;
          if (Date.now() > deadline)
            throw new CliError(
              `Gave up after ${opts.timeoutSeconds} s waiting for ${what}. See ${e.dir}/worker.log.`,
              EXIT.failing,
            );
          await sleep(300);
        }
      }

      const consoleUrl = e.console.url;
      const state = () => getConnectionsState(e.temporalClient, tenantId);
      /** Asks the sweep to run now and waits until that sweep, and the emails it sends, are done. */
      const sweepNow = async (): Promise<IndividualSweepState> => {
        const before = (await state())?.sweeps ?? 0;
        await pokeConnectionsSweep(e.temporalClient, { tenantId, consoleUrl, owner: DEMO_OWNER });
        // nextSweepAt is set once the sweep's notifications are sent, and cleared when the next sweep starts.
        const done = await waitFor(
          'the connections sweep',
          state,
          (s) => !!s && s.sweeps > before && !s.sweeping && !!s.nextSweepAt,
        );
        return done!;
      };

      step(
        2,
        `${CONTOSO.displayName} lets users connect; the owner invites two; the connections sweep starts`,
      );
      await e.emulator.control.setUserConsent(tenantId, 'all');
      out(
        `  ${CONTOSO.displayName}'s user-consent policy allows users to consent to apps (emulator control API), so each user grants Together Calendars.ReadWrite, User.Read, offline_access for their own calendar`,
      );
      for (const u of INDIVIDUAL_DEMO_USERS) await e.connections.inviteUser(tenantId, u.userPrincipalName);
      out(
        `  Invited ${INDIVIDUAL_DEMO_USERS.map((u) => u.userPrincipalName).join(' and ')}: they connect at ${consoleUrl}/connect?tenant=${tenantId}`,
      );
      // Started before anyone connects: the console pokes this workflow on every connect (signal-with-start), so
      // the owner given here is the one the sweep keeps.
      const first = await sweepNow();
      out(
        `  Connections sweep ${individualSweepWorkflowId(tenantId)} started (one workflow for the tenant; owner ${DEMO_OWNER}; daily, and now)`,
      );
      out(`  Owner's view: ${describeConnections(first.summary)}`);

      step(3, `Two users connect their Outlook calendars in headless Chromium (${CHROMIUM_PATH})`);
      const browser = await launchChromium('The individual act connects two users’ calendars');
      const records: ConnectionRecord[] = [];
      try {
        for (const u of INDIVIDUAL_DEMO_USERS) {
          const c = await connectCalendarInBrowser(browser, consoleUrl, tenantId, u.userPrincipalName);
          const record = (await e.connections.listConnections(tenantId)).find((r) => r.connectionId === u.id);
          if (c.status !== 'connected' || !record)
            throw new CliError(
              `${u.userPrincipalName} did not end up connected (the console showed status "${c.status || 'none'}"). See ${e.dir}/console.log.`,
              EXIT.failing,
            );
          records.push(record);
          out(
            `  ${record.displayName ?? u.userPrincipalName} <${c.account}>: /connect → "Connect with Microsoft" → signed in → "${c.consentPageTitle}" → Accept`,
          );
          out(
            `    the console exchanged the code (PKCE), called GET /me/events with the user's token and recorded the connection: "${c.notice}"`,
          );
        }
      } finally {
        await browser.close();
      }
      out(
        `  Tokens: sealed (AES-256-GCM) per user under ${path.relative(process.cwd(), path.join(e.dir, 'activities', 'tokens'))}; Temporal sees connection ids only`,
      );
      const connected = await waitFor('the owner’s view to show both connections', state, (s) =>
        Boolean(s && s.summary.connected === 2 && !s.sweeping && s.nextSweepAt),
      );
      out(`  Owner's view: ${describeConnections(connected!.summary)}`);

      const revoked = records.find((r) => r.connectionId === INDIVIDUAL_DEMO_REVOKED.id)!;
      const revokedEmail =
        revoked.email ?? revoked.userPrincipalName ?? INDIVIDUAL_DEMO_REVOKED.userPrincipalName;
      const revokedName = revoked.displayName ?? INDIVIDUAL_DEMO_REVOKED.userPrincipalName;
      step(4, `${revokedName}'s sign-in sessions are revoked, and the sweep runs`);
      await e.emulator.control.revokeSignInSessions(tenantId, INDIVIDUAL_DEMO_REVOKED.id);
      out(
        `  An admin revoked ${revokedName}'s sessions (revokeSignInSessions, as after a lost laptop): every refresh token issued before now is dead`,
      );
      const afterRevoke = await sweepNow();
      out(
        `  Sweep ${afterRevoke.sweeps} (signal sweepNow): ${afterRevoke.lastSweep?.ok ?? 0} of ${afterRevoke.lastSweep?.checked ?? 0} refreshed, ${afterRevoke.lastSweep?.newlyBroken ?? 0} newly broken`,
      );
      const broken = (await e.connections.listConnections(tenantId)).find(
        (r) => r.connectionId === INDIVIDUAL_DEMO_REVOKED.id,
      );
      out(
        `  ${revokedName}: ${broken?.status ?? 'unknown'}${broken?.broken ? ` — ${broken.broken.kind} (${broken.broken.code ?? 'no code'})` : ''}`,
      );
      out(`  Owner's view: ${describeConnections(afterRevoke.summary)}`);
      if (afterRevoke.summary.broken !== 1)
        throw new CliError(
          `Expected 1 broken connection after the revocation, the sweep found ${afterRevoke.summary.broken}. See ${e.dir}/worker.log.`,
          EXIT.failing,
        );

      step(5, 'Notifications (emulated outbox)');
      const outbox = () => e.emulator.control.outbox();
      const reconnects = (box: OutboxMessage[]) =>
        box.filter((m) => to(m, revokedEmail) && RECONNECT_SUBJECT.test(m.message.subject ?? ''));
      let box = await waitFor(
        `the reconnect email to ${revokedEmail}`,
        outbox,
        (b) =>
          reconnects(b).length > 0 &&
          b.some((m) => to(m, DEMO_OWNER) && DIGEST_SUBJECT.test(m.message.subject ?? '')),
      );
      const mail = reconnects(box)[0]!;
      const link = /https?:\/\/[^\s"'<>]+\/connect\?tenant=[0-9a-f-]+/i.exec(
        mail.message.body?.content ?? '',
      )?.[0];
      out(`  To ${revokedEmail}: "${mail.message.subject}"${link ? ` — reconnect link ${link}` : ''}`);
      const digest = box.find((m) => to(m, DEMO_OWNER) && DIGEST_SUBJECT.test(m.message.subject ?? ''))!;
      const digestSummary = /\d+ of \d+ invited users connected; \d+ broken\./.exec(
        textOf(digest.message.body?.content ?? ''),
      )?.[0];
      out(
        `  To ${DEMO_OWNER} (owner's digest): "${digest.message.subject}"${digestSummary ? `: ${digestSummary}` : ''}`,
      );
      const again = await sweepNow();
      box = await outbox();
      const count = reconnects(box).length;
      out(
        `  Sweep ${again.sweeps} (sweepNow again): ${again.lastSweep?.newlyBroken ?? 0} newly broken; reconnect emails to ${revokedEmail} so far: ${count}`,
      );
      if (count !== 1)
        throw new CliError(
          `The reconnect email reached ${revokedEmail} ${count} times; it must arrive exactly once per break.`,
          EXIT.failing,
        );

      step(6, 'Summary');
      out(
        `  ${INDIVIDUAL_DEMO_USERS.length} users connected their own calendars in Chromium; each connection was tested with a calendar call`,
      );
      out(
        `  ${revokedName}'s revoked sessions broke one connection: the sweep saw it, emailed ${revokedEmail} once, and the owner's digest counts it`,
      );
      out(`  Owner's view: ${describeConnections(again.summary)}`);

      return {
        consolePage: ['Connect a calendar', `${consoleUrl}/connect?tenant=${tenantId}`],
        workflowsPath: `/${individualSweepWorkflowId(tenantId)}`,
        cliArgs: `connections --tenant ${tenantId}`,
      };
    },
  });
}
