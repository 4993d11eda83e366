/**
 * Live progress fed by the onboarding workflow's status query: a progress bar on a terminal, plain lines
 * otherwise (CI logs, pipes). Polls until a condition holds or a timeout passes.
 */
import { SingleBar } from 'cli-progress';
import { PHASE_TEXT } from '../contracts/texts';
import type { OnboardingStatus } from '../contracts/messages';
import { CliError, EXIT } from './errors';

export interface FollowOptions {
  /** Resolve when this returns true for a status. */
  until: (status: OnboardingStatus) => boolean;
  timeoutMs: number;
  intervalMs?: number;
  /** Where progress goes; default process.stderr (stdout stays clean for --json). */
  stream?: NodeJS.WriteStream;
  /** Force plain lines (default: plain unless the stream is a TTY). */
  plain?: boolean;
  /** Say nothing (e.g. --json with no TTY). */
  quiet?: boolean;
}

export const TERMINAL_PHASES = new Set(['active', 'failing', 'expired']);

export async function followStatus(
  poll: () => Promise<OnboardingStatus | null>,
  options: FollowOptions,
): Promise<OnboardingStatus> {
  const stream = options.stream ?? process.stderr;
  const plain = options.plain ?? !stream.isTTY;
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 500;
  let bar: SingleBar | undefined;
  let lastLine = '';
  let lastPhase = '';
  let lastBucket = -1;
  const say = (line: string) => {
    if (options.quiet || line === lastLine) return;
    lastLine = line;
    stream.write(`${line}\n`);
  };

  try {
    for (;;) {
      const status = await poll();
      if (status) {
        const phaseText = PHASE_TEXT[status.phase] ?? status.phase;
        const { total, probed, accessible } = status.progress;
        if (plain) {
          if (status.phase !== lastPhase) say(`[${new Date().toISOString().slice(11, 19)}] ${phaseText}`);
          if (status.phase === 'testing' && total > 0) {
            // One line per tenth of the sample (and at the end), with the real counts at that moment.
            const step = Math.max(1, Math.ceil(total / 10));
            const bucket = probed === total ? Number.MAX_SAFE_INTEGER : Math.floor(probed / step);
            if (bucket !== lastBucket && probed > 0) {
              lastBucket = bucket;
              say(`  probed ${probed} of ${total} users, ${accessible} reachable so far`);
            }
          }
        } else if (!options.quiet) {
          if (!bar) {
            bar = new SingleBar({
              format: '  {phase} |{bar}| {value}/{total} users probed',
              hideCursor: true,
              clearOnComplete: false,
              stream,
              barsize: 30,
            });
            bar.start(Math.max(total, 1), 0, { phase: phaseText.padEnd(26) });
          }
          bar.setTotal(Math.max(total, 1));
          bar.update(total > 0 ? probed : 0, { phase: phaseText.padEnd(26) });
        }
        lastPhase = status.phase;
        if (options.until(status)) return status;
      }
      if (Date.now() > deadline) {
        throw new CliError(
          `Timed out after ${Math.round(options.timeoutMs / 1000)} s waiting (phase: ${status?.phase ?? 'unknown'}). ` +
            `The workflow keeps running: follow it with 'together-o365 status --tenant <id>', or raise --timeout.`,
          EXIT.unreachable,
        );
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    bar?.stop();
  }
}
