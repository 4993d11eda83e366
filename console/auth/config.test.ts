import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../contracts/errors';
import { isPublicPath } from './staff';
import { staffAuthConfigFromEnv } from './config';

const T = '87c8dd36-a0d8-416e-a226-0a80afaaa5a2';
const C = 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619';
const KEY = Buffer.alloc(32, 9).toString('base64');

describe('staff sign-in configuration', () => {
  it('defaults to off on loopback and refuses off anywhere else', () => {
    expect(staffAuthConfigFromEnv({}, { loopback: true })).toEqual({ mode: 'off' });
    expect(() => staffAuthConfigFromEnv({ TOGETHER_CONSOLE_AUTH: 'off' }, { loopback: false })).toThrow(
      /allowed only when the console listens on loopback/,
    );
    // Off loopback with nothing set means entra, which then names what is missing.
    expect(() => staffAuthConfigFromEnv({}, { loopback: false })).toThrow(/TOGETHER_CONSOLE_TENANT_ID/);
  });

  it('reads the entra settings and says which credential is missing', () => {
    const env = {
      TOGETHER_CONSOLE_AUTH: 'entra',
      TOGETHER_CONSOLE_TENANT_ID: T,
      TOGETHER_CONSOLE_CLIENT_ID: C,
      TOGETHER_SESSION_KEY: KEY,
    };
    expect(() => staffAuthConfigFromEnv(env, { loopback: false })).toThrow(ConfigError);
    expect(() => staffAuthConfigFromEnv(env, { loopback: false })).toThrow(/MANAGED_IDENTITY_CLIENT_ID/);
    const c = staffAuthConfigFromEnv(
      {
        ...env,
        TOGETHER_CONSOLE_MANAGED_IDENTITY_CLIENT_ID: 'mi',
        TOGETHER_CONSOLE_PUBLIC_URL: 'https://c.example/',
      },
      { loopback: false },
    );
    expect(c).toMatchObject({
      mode: 'entra',
      authorityHost: 'https://login.microsoftonline.com',
      operatorRole: 'Together.Operator',
      credential: { kind: 'managedIdentity', clientId: 'mi' },
      publicUrl: 'https://c.example',
    });
  });

  it("falls back to the worker's settings the publisher stack already sets", () => {
    const c = staffAuthConfigFromEnv(
      {
        TOGETHER_PUBLISHER_TENANT_ID: T,
        TOGETHER_APP_ID: C,
        TOGETHER_FEDERATED_MI_CLIENT_ID: 'mi-client',
        TOGETHER_CONSOLE_URL: 'https://together-console.azurewebsites.net',
        TOGETHER_SESSION_KEY: KEY,
      },
      { loopback: false },
    );
    expect(c).toMatchObject({
      mode: 'entra',
      tenantId: T,
      clientId: C,
      credential: { kind: 'managedIdentity', clientId: 'mi-client' },
      publicUrl: 'https://together-console.azurewebsites.net',
    });
  });

  it('refuses a session key that is not 32 bytes, and generates one in development', () => {
    const base = {
      TOGETHER_CONSOLE_AUTH: 'entra',
      TOGETHER_CONSOLE_TENANT_ID: T,
      TOGETHER_CONSOLE_CLIENT_ID: C,
      TOGETHER_CONSOLE_CLIENT_SECRET: 'x',
    };
    expect(() =>
      staffAuthConfigFromEnv({ ...base, TOGETHER_SESSION_KEY: 'c2hvcnQ=' }, { loopback: true }),
    ).toThrow(/32 bytes/);
    expect(() => staffAuthConfigFromEnv(base, { loopback: false })).toThrow(
      /TOGETHER_SESSION_KEY is not set/,
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sk-')), 'session.key');
    const a = staffAuthConfigFromEnv(base, { loopback: true, devKeyFile: file });
    const b = staffAuthConfigFromEnv(base, { loopback: true, devKeyFile: file });
    expect(a.mode === 'entra' && b.mode === 'entra' && a.sessionKey.equals(b.sessionKey)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps exactly the consent routes, their stylesheet, health and /auth public', () => {
    for (const p of [
      '/consent/start?tenant=x',
      '/consent/callback',
      '/healthz',
      '/favicon.ico',
      '/assets/console.css',
      '/auth/login',
    ])
      expect(isPublicPath(p)).toBe(true);
    for (const p of ['/', '/tenants/x', '/tenants/x/retest', '/consent', '/consent/startx', '/healthzz'])
      expect(isPublicPath(p)).toBe(false);
  });
});
