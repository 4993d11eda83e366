/**
 * Staff sign-in configuration for the console, from the environment:
 *
 *   TOGETHER_CONSOLE_AUTH            entra | off (default: off on loopback, refused elsewhere)
 *   TOGETHER_CONSOLE_AUTHORITY_HOST  default https://login.microsoftonline.com (the emulator's origin in dev)
 *   TOGETHER_CONSOLE_TENANT_ID       the publisher tenant, where operators sign in and hold the role
 *   TOGETHER_CONSOLE_CLIENT_ID       the app registration (the publisher stack's Together app)
 *   TOGETHER_CONSOLE_CLIENT_SECRET | TOGETHER_CONSOLE_CLIENT_CERTIFICATE_PATH (PEM with key) |
 *     TOGETHER_CONSOLE_MANAGED_IDENTITY_CLIENT_ID (a user-assigned managed identity as federated credential)
 *   TOGETHER_CONSOLE_OPERATOR_ROLE   app role value required in the id_token's roles (default Together.Operator)
 *   TOGETHER_SESSION_KEY             32 bytes, base64 or hex: seals the session cookie (generated in dev)
 *   TOGETHER_CONSOLE_PUBLIC_URL      the console's public origin (redirect URI = <it>/auth/callback)
 *
 * Each TOGETHER_CONSOLE_* setting falls back to the worker's own (TOGETHER_PUBLISHER_TENANT_ID, TOGETHER_APP_ID,
 * TOGETHER_FEDERATED_MI_CLIENT_ID, TOGETHER_CLIENT_CERTIFICATE_PATH, TOGETHER_CLIENT_SECRET, TOGETHER_CONSOLE_URL),
 * which the publisher stack's App Service already sets: there the console only adds TOGETHER_SESSION_KEY.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../contracts/errors';

export const DEFAULT_OPERATOR_ROLE = 'Together.Operator';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** Staff sessions last a working day; Entra's own session decides how often the user types a password. */
export const SESSION_MAX_AGE_SECONDS = 8 * 3600;

export type StaffCredential =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; pem: string }
  | { kind: 'managedIdentity'; clientId: string };

export type StaffAuthConfig =
  | { mode: 'off' }
  | {
      mode: 'entra';
      authorityHost: string;
      tenantId: string;
      clientId: string;
      credential: StaffCredential;
      operatorRole: string;
      sessionKey: Buffer;
      /** Redirect URI is `${publicUrl}/auth/callback`; unset = the URL the console listens on. */
      publicUrl?: string;
    };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const FALLBACK: Record<string, string> = {
  TOGETHER_CONSOLE_TENANT_ID: 'TOGETHER_PUBLISHER_TENANT_ID',
  TOGETHER_CONSOLE_CLIENT_ID: 'TOGETHER_APP_ID',
  TOGETHER_CONSOLE_MANAGED_IDENTITY_CLIENT_ID: 'TOGETHER_FEDERATED_MI_CLIENT_ID',
  TOGETHER_CONSOLE_CLIENT_CERTIFICATE_PATH: 'TOGETHER_CLIENT_CERTIFICATE_PATH',
  TOGETHER_CONSOLE_CLIENT_SECRET: 'TOGETHER_CLIENT_SECRET',
  TOGETHER_CONSOLE_PUBLIC_URL: 'TOGETHER_CONSOLE_URL',
};

/** The console's own setting, else the worker's equivalent. */
function get(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim() || (FALLBACK[name] ? env[FALLBACK[name]]?.trim() : undefined);
  return v || undefined;
}

function need(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const v = get(env, name);
  if (!v)
    throw new ConfigError(
      `TOGETHER_CONSOLE_AUTH=entra needs ${name}${FALLBACK[name] ? ` (or ${FALLBACK[name]})` : ''}: ${what}.`,
    );
  return v;
}

/** A 32-byte key from base64 or hex; or, when `devKeyFile` is given and the variable unset, one kept there. */
export function sessionKey(env: NodeJS.ProcessEnv, devKeyFile?: string): Buffer {
  const raw = env.TOGETHER_SESSION_KEY?.trim();
  if (raw) {
    const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
    if (key.length !== 32)
      throw new ConfigError(
        `TOGETHER_SESSION_KEY must be 32 bytes in base64 or hex (got ${key.length} bytes). Make one with: openssl rand -base64 32`,
      );
    return key;
  }
  if (!devKeyFile)
    throw new ConfigError(
      'TOGETHER_SESSION_KEY is not set: the console needs a 32-byte key to seal session cookies (openssl rand -base64 32; keep it in Key Vault).',
    );
  try {
    const existing = fs.readFileSync(devKeyFile);
    if (existing.length === 32) return existing;
  } catch {
    // first start
  }
  const key = randomBytes(32);
  fs.mkdirSync(path.dirname(devKeyFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(devKeyFile, key, { mode: 0o600 });
  return key;
}

/**
 * Read and check the configuration. `loopback` says whether the console listens on loopback only: `off` is
 * refused anywhere else. `devKeyFile` is where a development session key is generated when none is set.
 */
export function staffAuthConfigFromEnv(
  env: NodeJS.ProcessEnv,
  opts: { loopback: boolean; devKeyFile?: string },
): StaffAuthConfig {
  const mode = (env.TOGETHER_CONSOLE_AUTH ?? '').trim().toLowerCase() || (opts.loopback ? 'off' : 'entra');
  if (mode === 'off') {
    if (!opts.loopback)
      throw new ConfigError(
        'TOGETHER_CONSOLE_AUTH=off is allowed only when the console listens on loopback (127.0.0.1, ::1, localhost). Set TOGETHER_CONSOLE_AUTH=entra with the app registration (see docs/console.md, "Staff sign-in").',
      );
    return { mode: 'off' };
  }
  if (mode !== 'entra')
    throw new ConfigError(
      `TOGETHER_CONSOLE_AUTH must be 'entra' or 'off' (got '${env.TOGETHER_CONSOLE_AUTH}').`,
    );
  const tenantId = need(env, 'TOGETHER_CONSOLE_TENANT_ID', "the publisher tenant's id");
  if (!GUID.test(tenantId))
    throw new ConfigError(`TOGETHER_CONSOLE_TENANT_ID must be a tenant GUID (got '${tenantId}').`);
  const clientId = need(env, 'TOGETHER_CONSOLE_CLIENT_ID', "the app registration's application (client) id");
  if (!GUID.test(clientId))
    throw new ConfigError(`TOGETHER_CONSOLE_CLIENT_ID must be an application id GUID (got '${clientId}').`);
  const authorityHost = (env.TOGETHER_CONSOLE_AUTHORITY_HOST?.trim() || DEFAULT_AUTHORITY_HOST).replace(
    /\/+$/,
    '',
  );
  if (!/^https:\/\//.test(authorityHost))
    throw new ConfigError(
      `TOGETHER_CONSOLE_AUTHORITY_HOST must be an https URL (got '${authorityHost}'); MSAL refuses others.`,
    );
  let credential: StaffCredential;
  const secret = get(env, 'TOGETHER_CONSOLE_CLIENT_SECRET');
  const certFile = get(env, 'TOGETHER_CONSOLE_CLIENT_CERTIFICATE_PATH');
  const miClientId = get(env, 'TOGETHER_CONSOLE_MANAGED_IDENTITY_CLIENT_ID');
  // Production's choice first: a managed identity as federated credential means no secret exists.
  if (miClientId) credential = { kind: 'managedIdentity', clientId: miClientId };
  else if (certFile) {
    let pem: string;
    try {
      pem = fs.readFileSync(certFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`client certificate: cannot read ${certFile}: ${(err as Error).message}`);
    }
    if (!/PRIVATE KEY-----/.test(pem) || !/BEGIN CERTIFICATE/.test(pem))
      throw new ConfigError(
        `client certificate: ${certFile} must hold the certificate and its private key (PEM).`,
      );
    credential = { kind: 'certificate', pem };
  } else if (secret) credential = { kind: 'secret', secret };
  else
    throw new ConfigError(
      'TOGETHER_CONSOLE_AUTH=entra needs a credential for the app registration: TOGETHER_CONSOLE_MANAGED_IDENTITY_CLIENT_ID (production, federated; or TOGETHER_FEDERATED_MI_CLIENT_ID), TOGETHER_CONSOLE_CLIENT_CERTIFICATE_PATH, or TOGETHER_CONSOLE_CLIENT_SECRET.',
    );
  return {
    mode: 'entra',
    authorityHost,
    tenantId,
    clientId,
    credential,
    operatorRole: env.TOGETHER_CONSOLE_OPERATOR_ROLE?.trim() || DEFAULT_OPERATOR_ROLE,
    sessionKey: sessionKey(env, opts.devKeyFile),
    publicUrl: get(env, 'TOGETHER_CONSOLE_PUBLIC_URL')?.replace(/\/+$/, '') || undefined,
  };
}
