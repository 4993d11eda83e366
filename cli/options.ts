/**
 * Option parsers of the commands, built from the settings limits and the shared validation in contracts/, so
 * the CLI accepts exactly what the workflows accept (a value the settings validator would refuse is refused
 * here, at the flag, with the same bounds).
 */
import { InvalidArgumentError } from 'commander';
import { SETTINGS_LIMITS } from '../contracts/settings';
import { isTenantId } from '../contracts/validation';
import { TenantInputError } from './tenant-input';

export function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be from ${min} to ${max}.`);
    return n;
  };
}

/** Users per sample test: the settings' bounds. */
export const sampleSizeArg = intArg(SETTINGS_LIMITS.sampleSize.min, SETTINGS_LIMITS.sampleSize.max);
/** Minutes between health checks: the settings' bounds. */
export const intervalArg = intArg(
  SETTINGS_LIMITS.scheduleIntervalMinutes.min,
  SETTINGS_LIMITS.scheduleIntervalMinutes.max,
);

/** 0.9, 90 or 90% → 0.9. More than 0 and at most 100%, as the settings require. */
export function thresholdArg(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a share (0.9) or a percentage (90%).');
  let n = Number(m[1]);
  if (m[2] === '%' || n > 1) n = n / 100;
  if (n <= 0 || n > 1) throw new InvalidArgumentError('must be more than 0 and at most 100%.');
  return n;
}

/** 90, 90s, 15m, 2h → seconds. */
export function durationArg(value: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 90s, 15m or 2h.');
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

export function tenantArg(value: string): string {
  if (!isTenantId(value)) throw new InvalidArgumentError('must be the tenant id, a GUID.');
  return value;
}

export function requireTenant(opts: { tenant?: string }, env: NodeJS.ProcessEnv): string {
  const t = opts.tenant ?? env.TOGETHER_TENANT_ID;
  if (!t) throw new TenantInputError('Which tenant? Pass --tenant <tenant id> or set TOGETHER_TENANT_ID.');
  if (!isTenantId(t)) throw new TenantInputError(`TOGETHER_TENANT_ID '${t}' must be the tenant id, a GUID.`);
  return t;
}

/** The demo samples the whole Contoso fixture (200 users), so every failure kind shows up in the report. */
export const DEMO_SAMPLE_SIZE = 200;

/** A TCP port to listen on, 1..65535. */
export const portArg = intArg(1, 65_535);
