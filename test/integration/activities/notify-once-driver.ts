/**
 * One worker's notifyOwner in its own process (issue 12 item 4): configured from the environment like a worker.
 * With `--die-after-send`, the process stops making progress the moment Graph has accepted the send (202 on
 * POST …/messages/{id}/send, or on …/sendMail): it prints SENT and hangs, so the test can SIGKILL it inside the
 * window between "Graph accepted the mail" and "the activity completed".
 * argv: <notification JSON> [--die-after-send]
 */
import { createActivities, loadGraphConfig } from '../../../activities';
import type { Notification } from '../../../contracts/activities';

async function main(): Promise<void> {
  const [notificationJson, mode] = process.argv.slice(2);
  if (mode === '--die-after-send') {
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const res = await realFetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (res.status === 202 && /\/(send|sendMail)(\?|$)/.test(url)) {
        process.stdout.write('SENT\n');
        return new Promise<never>(() => {}); // the worker "dies" here: the test kills this process
      }
      return res;
    }) as typeof fetch;
  }
  const activities = createActivities({ config: loadGraphConfig(process.env) });
  await activities.notifyOwner(JSON.parse(notificationJson!) as Notification);
  process.stdout.write('DONE\n');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stdout.write(`FAILED ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
