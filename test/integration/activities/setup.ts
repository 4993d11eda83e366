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

/** The highest number of overlapping requests per mailbox in the emulator's request log. */
export function peakConcurrencyPerMailbox(
  entries: { mailbox?: string; time: string; durationMs: number; batchRequestId?: string; route: string }[],
): Map<string, number> {
  const events = new Map<string, [number, number][]>();
  for (const e of entries) {
    if (!e.mailbox) continue;
    const t = Date.parse(e.time);
    const list = events.get(e.mailbox) ?? [];
    list.push([t, 1], [t + Math.max(e.durationMs, 0), -1]);
    events.set(e.mailbox, list);
  }
  const peaks = new Map<string, number>();
  for (const [mbx, list] of events) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // ends before starts at the same instant
    let cur = 0;
    let peak = 0;
    for (const [, d] of list) {
      cur += d;
      peak = Math.max(peak, cur);
    }
    peaks.set(mbx, peak);
  }
  return peaks;
}
