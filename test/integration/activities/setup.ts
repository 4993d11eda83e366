/**
 * Shared setup for the activities' integration tests: a real emulator (HTTPS, its own CA) and the activities
 * configured exactly as a worker would be — through `loadGraphConfig(env)`, with only the emulator's URLs and the
 * fixture's credentials as the difference from production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities, loadGraphConfig, type CreateActivitiesDeps } from '../../../activities';
import type { GraphActivities } from '../../../contracts/activities';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';

export { ids };
export type { RunningEmulator };

export interface Harness {
  emu: RunningEmulator;
  stateDir: string;
  env: Record<string, string>;
  activities(overrides?: Partial<CreateActivitiesDeps> & { env?: Record<string, string> }): GraphActivities;
  stop(): Promise<void>;
}

export async function startHarness(opts: Parameters<typeof startTestEmulator>[0] = {}): Promise<Harness> {
  const emu = await startTestEmulator(opts);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-activities-'));
  const env: Record<string, string> = {
    ...graphEnvFor(emu, stateDir),
    TOGETHER_PROBE_MAILBOXES: ids.CONTOSO.probeMailbox.userPrincipalName,
  };
  return {
    emu,
    stateDir,
    env,
    activities(o = {}) {
      const { env: extra, ...deps } = o;
      return createActivities({ config: loadGraphConfig({ ...env, ...extra }), ...deps });
    },
    async stop() {
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * The highest number of requests that were at a mailbox at once, per mailbox, from the emulator's request log.
 * An admitted request is there from its start to its end (half-open: one ending in the millisecond another starts
 * does not overlap it). A refused one (429: the emulator's limiter turned it away because four were in flight) is
 * there at the instant it arrived: its log entry usually lasts 0 ms, so counted like an admitted one it would end
 * before it started and a real fifth request would never show — which made the control case below flaky (peak
 * exactly 4 whenever every refusal happened to take under a millisecond).
 */
export function peakConcurrencyPerMailbox(
  entries: {
    mailbox?: string;
    time: string;
    durationMs: number;
    batchRequestId?: string;
    route: string;
    status: number;
  }[],
): Map<string, number> {
  // At one instant: refused arrivals first, then admitted ends, then admitted starts, then refused departures.
  const events = new Map<string, [time: number, order: number, delta: number][]>();
  for (const e of entries) {
    if (!e.mailbox) continue;
    const t = Date.parse(e.time);
    const end = t + Math.max(e.durationMs, 0);
    const list = events.get(e.mailbox) ?? [];
    if (e.status === 429) list.push([t, 0, 1], [end, 3, -1]);
    else list.push([t, 2, 1], [end, 1, -1]);
    events.set(e.mailbox, list);
  }
  const peaks = new Map<string, number>();
  for (const [mbx, list] of events) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let peak = 0;
    for (const [, , d] of list) {
      cur += d;
      peak = Math.max(peak, cur);
    }
    peaks.set(mbx, peak);
  }
  return peaks;
}
