/**
 * When to poll for consent next (pure; unit-tested in consent-poll.test.ts).
 *
 * Without a callback, consent may come any day, so polls back off to hours (the workflow's pollSeconds list).
 * Right after Entra's redirect the admin has just consented and the only unknown is propagation: Entra
 * replicates the service principal and app role assignments in seconds to minutes (graph.md §1; "propagation
 * can take an hour", DESIGN.md). Polling every few seconds for the first minute finds it within 5 s of
 * propagation completing (issue 15), then the gaps grow so a slow tenant costs few actions (each poll is one
 * activity + one timer, billed as 2 Temporal actions: about 40 for the first ten minutes, once per onboarding).
 */

/** Gaps, in seconds, between the polls that follow a callback: 1, 2, 2, then every 5 s to one minute, then back-off. */
export const AFTER_CALLBACK_POLL_SECONDS: readonly number[] = [
  1, 2, 2, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 10, 10, 15, 15, 30, 30, 60,
];

/**
 * Seconds until the next poll.
 *  - `pollsSinceCallback`: how many polls have failed since the last callback (undefined: no callback yet);
 *  - `pollIndex`: polls so far in the slow schedule (`pollSeconds`, the no-callback back-off);
 *  - `graceCapSeconds`: while a callback's propagation grace runs, never wait longer than this.
 */
export function nextConsentPollSeconds(p: {
  pollsSinceCallback?: number;
  pollIndex: number;
  pollSeconds: readonly number[];
  inGrace: boolean;
  graceCapSeconds: number;
}): number {
  const slow = p.pollSeconds[Math.min(p.pollIndex, p.pollSeconds.length - 1)]!;
  if (p.pollsSinceCallback === undefined) return p.inGrace ? Math.min(slow, p.graceCapSeconds) : slow;
  const n = Math.max(0, p.pollsSinceCallback - 1);
  if (n < AFTER_CALLBACK_POLL_SECONDS.length) return Math.min(AFTER_CALLBACK_POLL_SECONDS[n]!, slow);
  return p.inGrace ? Math.min(slow, p.graceCapSeconds) : slow;
}
