/**
 * One worker's notifyOwner in its own process (issue 12 item 4): configured from the environment like a worker.
 * With `--die-after-send`, the process stops making progress the moment Graph has accepted the send (202 on
 * POST …/messages/{id}/send, or on …/sendMail): it prints SENT and hangs, so the test can SIGKILL it inside the
 * window between "Graph accepted the mail" and "the activity completed".
 * With `--die-after-webhook`, the same once the webhook receiver answered 2xx (prints HOOKED); with
 * `--die-before-complete`, once notifyOwner has finished (everything sent and recorded) but before the activity
 * completion would reach Temporal (prints RECORDED): Temporal then retries the activity, maybe on another replica.
 * TEST_NOTIFY_LOCK_STALE_MS (this driver only) shortens the shared lock's staleness, which in production equals
 * notifyOwner's 2-minute start-to-close timeout (Temporal retries a killed attempt only after it).
 * argv: <notification JSON> [--die-after-send | --die-after-webhook | --die-before-complete]
 */
import { createActivities, createIdempotencyStore, loadGraphConfig } from '../../../activities';
import type { Notification } from '../../../contracts/activities';

async function main(): Promise<void> {
  const [notificationJson, mode] = process.argv.slice(2);
  const hook = process.env.TOGETHER_WEBHOOK_URL;
  if (mode === '--die-after-send' || mode === '--die-after-webhook') {
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const res = await realFetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (mode === '--die-after-send' && res.status === 202 && /\/(send|sendMail)(\?|$)/.test(url)) {
        process.stdout.write('SENT\n');
        return new Promise<never>(() => {}); // the worker "dies" here: the test kills this process
      }
      if (mode === '--die-after-webhook' && url === hook && res.ok) {
        process.stdout.write('HOOKED\n');
        return new Promise<never>(() => {});
      }
      return res;
    }) as typeof fetch;
  }
  const config = loadGraphConfig(process.env);
  const stale = Number(process.env.TEST_NOTIFY_LOCK_STALE_MS) || undefined;
  const activities = createActivities({
    config,
    idempotencyStore: createIdempotencyStore(config, { staleLockMs: stale }),
  });
  await activities.notifyOwner(JSON.parse(notificationJson!) as Notification);
  if (mode === '--die-before-complete') {
    process.stdout.write('RECORDED\n');
    await new Promise<never>(() => {});
  }
  process.stdout.write('DONE\n');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stdout.write(`FAILED ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
