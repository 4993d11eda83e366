/**
 * Azurite's Table service (the azurite dev dependency), in memory, on a free loopback port: the real Table REST
 * protocol for the production token store's tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, waitForPort } from '../../dev/port';

/** Azurite's documented well-known development account (not a secret). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzuriteTable(): Promise<RunningAzurite> {
  const port = await freePort();
  const bin = path.join(__dirname, '../../node_modules/.bin/azurite-table');
  const child: ChildProcess = spawn(
    bin,
    [
      '--inMemoryPersistence',
      '--silent',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(port),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  try {
    await waitForPort(port, '127.0.0.1', 20_000);
  } catch (err) {
    child.kill();
    throw new Error(`azurite-table did not start: ${String(err)} ${stderr}`, { cause: err });
  }
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
