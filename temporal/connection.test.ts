/**
 * Temporal Cloud readiness of the one connection module: an API key or an mTLS client certificate from
 * the environment or from a temporal.toml profile reaches the connection options (TLS on), and a bad
 * profile is a configuration error that names the fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../contracts/errors';
import { DEFAULT_TEMPORAL_ADDRESS, loadTemporalSettings } from './connection';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
/** A config file with nothing configured (envconfig needs the default profile's table to exist). */
const EMPTY = '[profile.default]\n';

function tomlFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-toml-'));
  const file = path.join(dir, 'temporal.toml');
  fs.writeFileSync(file, text);
  return file;
}

describe('Temporal connection settings (envconfig)', () => {
  it('defaults to the embedded dev server without TLS or credentials', () => {
    const s = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: tomlFile(EMPTY) });
    expect(s.address).toBe(DEFAULT_TEMPORAL_ADDRESS);
    expect(s.namespace).toBe('default');
    expect(s.connectionOptions.apiKey).toBeUndefined();
    expect(s.connectionOptions.tls).toBeFalsy();
  });

  it('connects to Temporal Cloud with TEMPORAL_API_KEY, turning TLS on', () => {
    const s = loadTemporalSettings({
      TEMPORAL_CONFIG_FILE: tomlFile(EMPTY),
      TEMPORAL_ADDRESS: 'together.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'together.a1b2c',
      TEMPORAL_API_KEY: 'key-from-key-vault',
    });
    expect(s.address).toBe('together.a1b2c.tmprl.cloud:7233');
    expect(s.namespace).toBe('together.a1b2c');
    expect(s.connectionOptions.apiKey).toBe('key-from-key-vault');
    expect(s.connectionOptions.tls).toBeTruthy();
    expect(s.source).not.toContain('key-from-key-vault');
  });

  it('connects with an mTLS client certificate from TEMPORAL_TLS_CLIENT_CERT_DATA / _KEY_DATA', () => {
    const s = loadTemporalSettings({
      TEMPORAL_CONFIG_FILE: tomlFile(EMPTY),
      TEMPORAL_ADDRESS: 'together.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'together.a1b2c',
      TEMPORAL_TLS_CLIENT_CERT_DATA: CERT,
      TEMPORAL_TLS_CLIENT_KEY_DATA: KEY,
    });
    const tls = s.connectionOptions.tls;
    expect(tls && typeof tls === 'object' ? Buffer.from(tls.clientCertPair!.crt).toString() : '').toBe(CERT);
    expect(tls && typeof tls === 'object' ? Buffer.from(tls.clientCertPair!.key).toString() : '').toBe(KEY);
  });

  it('reads a named profile from temporal.toml (TEMPORAL_PROFILE), environment variables overriding it', () => {
    const file = tomlFile(
      '[profile.cloud]\naddress = "together.a1b2c.tmprl.cloud:7233"\nnamespace = "together.a1b2c"\napi_key = "from-toml"\n',
    );
    const s = loadTemporalSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    expect(s).toMatchObject({ address: 'together.a1b2c.tmprl.cloud:7233', namespace: 'together.a1b2c' });
    expect(s.connectionOptions.apiKey).toBe('from-toml');
    expect(s.connectionOptions.tls).toBeTruthy();
    expect(s.source).toBe('profile cloud');
    const overridden = loadTemporalSettings({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_API_KEY: 'from-env',
    });
    expect(overridden.connectionOptions.apiKey).toBe('from-env');
  });

  it('refuses an unknown profile as a configuration error that names the profile and the file', () => {
    const file = tomlFile('[profile.cloud]\naddress = "x.tmprl.cloud:7233"\n');
    expect(() => loadTemporalSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toThrow(
      ConfigError,
    );
    expect(() => loadTemporalSettings({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toThrow(
      /TEMPORAL_PROFILE='prod'.*\n.*TEMPORAL_CONFIG_FILE/s,
    );
  });

  it('refuses an address that is not host:port', () => {
    expect(() =>
      loadTemporalSettings({
        TEMPORAL_CONFIG_FILE: tomlFile(EMPTY),
        TEMPORAL_ADDRESS: 'https://x.tmprl.cloud',
      }),
    ).toThrow(/not host:port/);
  });
});
