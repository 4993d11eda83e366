/**
 * Validation of tenant settings, shared by the `updateSettings` update validator (rejects before anything
 * reaches history), `startOnboarding` in client/ and the console. Pure and deterministic.
 */
import { UserInputError } from './errors';
import type { TenantSettings } from './messages';
import { EMAIL, GUID } from './validation';

export const SETTINGS_LIMITS = {
  sampleSize: { min: 1, max: 10_000 },
  healthSampleSize: { min: 1, max: 200 },
  scheduleIntervalMinutes: { min: 5, max: 7 * 24 * 60 },
} as const;

const KEYS: (keyof TenantSettings)[] = [
  'owner',
  'sampleSize',
  'threshold',
  'scheduleIntervalMinutes',
  'healthSampleSize',
  'sampleSource',
  'teamsProbe',
];

export class SettingsError extends UserInputError {
  override name = 'SettingsError';
}

function intIn(name: string, v: unknown, min: number, max: number): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return `${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`;
  }
  return undefined;
}

/** Problems with a partial settings object, one message per bad field; empty when valid. */
export function settingsProblems(partial: unknown, opts: { requireAll?: boolean } = {}): string[] {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    return ['settings must be an object'];
  }
  const p = partial as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(p).filter((k) => !KEYS.includes(k as keyof TenantSettings));
  if (unknown.length) problems.push(`unknown setting(s): ${unknown.join(', ')} (known: ${KEYS.join(', ')})`);
  if (!opts.requireAll && Object.keys(p).length === 0) problems.push('no settings given');
  if (opts.requireAll || 'owner' in p) {
    if (typeof p.owner !== 'string' || !EMAIL.test(p.owner)) {
      problems.push(`owner must be an email address (got ${JSON.stringify(p.owner)})`);
    }
  }
  const L = SETTINGS_LIMITS;
  if (opts.requireAll || 'sampleSize' in p) {
    const e = intIn('sampleSize', p.sampleSize, L.sampleSize.min, L.sampleSize.max);
    if (e) problems.push(e);
  }
  if ('healthSampleSize' in p && p.healthSampleSize !== undefined) {
    const e = intIn('healthSampleSize', p.healthSampleSize, L.healthSampleSize.min, L.healthSampleSize.max);
    if (e) problems.push(e);
  }
  if (opts.requireAll || 'scheduleIntervalMinutes' in p) {
    const e = intIn(
      'scheduleIntervalMinutes',
      p.scheduleIntervalMinutes,
      L.scheduleIntervalMinutes.min,
      L.scheduleIntervalMinutes.max,
    );
    if (e) problems.push(e);
  }
  if (opts.requireAll || 'threshold' in p) {
    const t = p.threshold;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 1) {
      problems.push(
        `threshold must be a number greater than 0 and at most 1, e.g. 0.9 (got ${JSON.stringify(t)})`,
      );
    }
  }
  if ('sampleSource' in p && p.sampleSource !== undefined) {
    const s = p.sampleSource as Record<string, unknown> | null;
    const ok =
      typeof s === 'object' &&
      s !== null &&
      (s.kind === 'all' || (s.kind === 'group' && typeof s.groupId === 'string' && GUID.test(s.groupId)));
    if (!ok) problems.push(`sampleSource must be {kind:'all'} or {kind:'group', groupId:<GUID>}`);
  }
  if ('teamsProbe' in p && p.teamsProbe !== undefined && typeof p.teamsProbe !== 'boolean') {
    problems.push(`teamsProbe must be true or false (got ${JSON.stringify(p.teamsProbe)})`);
  }
  return problems;
}

/** Throws a SettingsError naming every bad field. */
export function assertSettings(partial: unknown, opts: { requireAll?: boolean } = {}): void {
  const problems = settingsProblems(partial, opts);
  if (problems.length) throw new SettingsError(`Invalid settings: ${problems.join('; ')}.`);
}
