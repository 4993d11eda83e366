/**
 * One place that turns Temporal's environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and the temporal.toml profiles) into connections, so
 * Temporal Cloud and self-hosted clusters work unchanged. With nothing configured it points at the
 * embedded dev server on 127.0.0.1:7233. Failures become ConfigError / UnreachableError with a fix.
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
// Type only: @temporalio/worker (with webpack and the native bridge) is loaded when a worker connects, so
// client-only processes such as `together-o365 status` never load it.
import type * as WorkerModule from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

// Bad configuration (exit 2) and an unreachable Temporal (exit 3): the kinded errors of contracts/errors.ts.
import { ConfigError, UnreachableError } from '../contracts/errors';
export { ConfigError, UnreachableError };

export interface TemporalSettings {
  address: string;
  namespace: string;
  connectionOptions: ClientConnectConfig['connectionOptions'];
  /** Where the settings came from, for messages (never includes credentials). */
  source: string;
}

/** The TLS file variables @temporalio/envconfig reads, and what each must hold. */
const TLS_FILES = {
  TEMPORAL_TLS_CLIENT_CERT_PATH: 'the client certificate',
  TEMPORAL_TLS_CLIENT_KEY_PATH: "the client certificate's private key",
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: "the server's CA certificate",
} as const;

/**
 * A TLS file that is missing or not PEM is a configuration error naming the variable; without this check the
 * connection fails later with a TLS handshake error that reads like "Temporal is unreachable" (issue 12).
 */
export function checkTlsFiles(env: NodeJS.ProcessEnv): void {
  for (const [name, what] of Object.entries(TLS_FILES)) {
    const file = env[name];
    if (!file) continue;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${name}='${file}' cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): it must be a PEM file with ${what}.`,
      );
    }
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
      throw new ConfigError(
        `${name}='${file}' is not a PEM file (no '-----BEGIN …-----' block): it must hold ${what} in PEM form ` +
          `(convert DER with: openssl x509 -inform der -in cert.der -out cert.pem).`,
      );
    }
  }
}

export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  checkTlsFiles(env);
  let config: ClientConnectConfig;
  try {
    config = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    const profile = env.TEMPORAL_PROFILE;
    throw new ConfigError(
      `Could not load Temporal connection settings${profile ? ` for TEMPORAL_PROFILE='${profile}'` : ''}: ` +
        `${err instanceof Error ? err.message : String(err)}\n` +
        `Fix the profile name or the file named by TEMPORAL_CONFIG_FILE (default ~/.config/temporalio/temporal.toml), ` +
        `or unset TEMPORAL_PROFILE to use TEMPORAL_ADDRESS / the embedded dev server.`,
    );
  }
  const address = config.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!/^[^\s:/]+(:\d{1,5})?$/.test(address) && !/^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(address)) {
    throw new ConfigError(
      `TEMPORAL_ADDRESS '${address}' is not host:port. Use for example 127.0.0.1:7233 or <ns>.<account>.tmprl.cloud:7233.`,
    );
  }
  const port = /:(\d{1,5})$/.exec(address)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new ConfigError(
      `TEMPORAL_ADDRESS '${address}' has port ${port}; a port is from 1 to 65535 (the dev server's default is 7233).`,
    );
  }
  return {
    address,
    namespace: config.namespace ?? 'default',
    connectionOptions: { ...config.connectionOptions, address },
    source: env.TEMPORAL_PROFILE
      ? `profile ${env.TEMPORAL_PROFILE}`
      : env.TEMPORAL_ADDRESS
        ? 'TEMPORAL_ADDRESS'
        : 'default',
  };
}

function unreachable(settings: TemporalSettings, err: unknown): UnreachableError {
  return new UnreachableError(
    `Could not reach Temporal at ${settings.address} (namespace '${settings.namespace}', from ${settings.source}): ` +
      `${err instanceof Error ? err.message : String(err)}\n` +
      `Start the embedded dev server with 'npm run temporal', or point TEMPORAL_ADDRESS (and TEMPORAL_API_KEY / TEMPORAL_TLS for Temporal Cloud) at your cluster.`,
  );
}

export async function connectClientConnection(settings = loadTemporalSettings()): Promise<Connection> {
  try {
    return await Connection.connect({ ...settings.connectionOptions, connectTimeout: '10s' });
  } catch (err) {
    throw unreachable(settings, err);
  }
}

export async function connectClient(
  settings = loadTemporalSettings(),
  options: { dataConverter?: DataConverter } = {},
): Promise<Client> {
  const connection = await connectClientConnection(settings);
  return new Client({ connection, namespace: settings.namespace, dataConverter: options.dataConverter });
}

export async function connectWorkerConnection(settings = loadTemporalSettings()): Promise<NativeConnection> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a worker connects
    const { NativeConnection: Native } = require('@temporalio/worker') as typeof WorkerModule;
    return await Native.connect(settings.connectionOptions);
  } catch (err) {
    throw unreachable(settings, err);
  }
}
