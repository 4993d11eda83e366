/** The `updateSettings` update: validated settings; the health schedule follows when a setting it uses changed. */
import { setHandler } from '@temporalio/workflow';
import { updateSettingsUpdate, type TenantSettings } from '../../contracts/messages';
import { settingsProblems } from '../../contracts/settings';
import type { Onboarding } from './context';
import { upsertSchedule } from './sample';

/** Whether a settings change reaches the health checks (else the schedule stays as it is). */
export function scheduleRelevant(before: TenantSettings, after: TenantSettings): boolean {
  return (
    before.owner !== after.owner ||
    before.scheduleIntervalMinutes !== after.scheduleIntervalMinutes ||
    before.healthSampleSize !== after.healthSampleSize ||
    before.threshold !== after.threshold ||
    before.teamsProbe !== after.teamsProbe ||
    JSON.stringify(before.sampleSource) !== JSON.stringify(after.sampleSource)
  );
}

export function handleSettings(o: Onboarding): void {
  const { s } = o;
  setHandler(
    updateSettingsUpdate,
    async (partial) => {
      const before = s.settings;
      s.settings = { ...s.settings, ...partial };
      if (s.scheduleId && scheduleRelevant(before, s.settings)) await upsertSchedule(o);
      return s.settings;
    },
    {
      validator: (partial) => {
        const problems = settingsProblems(partial);
        if (problems.length) throw new Error(`Invalid settings: ${problems.join('; ')}.`);
      },
    },
  );
}
