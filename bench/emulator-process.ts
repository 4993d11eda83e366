/**
 * The emulator in its own process, for benchmarks that time a client against it: Graph is remote, so a figure
 * taken with client and emulator sharing one event loop (and one core) charges the emulator's JSON and TLS work
 * to the client's latency. Started as `together-o365 emulator` is (emulator/main.ts), ready when it prints its
 * JSON line; controlled over its HTTPS control API.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { EmulatorControl } from '../emulator/controlClient';
import type { FixtureObject } from '../emulator';

export interface EmulatorProcess {
  loginUrl: string;
  graphUrl: string;
  caCertPath: string;
  control: EmulatorControl;
  pid: number;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(fixture: FixtureObject): Promise<EmulatorProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-emulator-'));
  const fixtureFile = path.join(dir, 'fixture.json');
  fs.writeFileSync(fixtureFile, JSON.stringify(fixture));
  const root = path.resolve(__dirname, '..');
  const child = spawn(
    process.execPath,
    [
      // BENCH_EMULATOR_CPU_PROF=<dir>: a V8 CPU profile of the emulator, written when it stops (scripts/cpuprofile-top.ts).
      ...(process.env.BENCH_EMULATOR_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_EMULATOR_CPU_PROF)]
        : []),
      '--import',
      'tsx',
      'emulator/main.ts',
      '--port',
      '0',
      '--fixture',
      fixtureFile,
      '--data-dir',
      dir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve(line));
    child.once('exit', (code) =>
      reject(new Error(`the emulator exited (${code}) before it was ready: ${stderr}`)),
    );
  });
  const ready = JSON.parse(first) as {
    loginUrl: string;
    graphUrl: string;
    caCertPath: string;
    controlToken: string;
  };
  const origin = new URL(ready.loginUrl).origin;
  return {
    loginUrl: ready.loginUrl,
    graphUrl: ready.graphUrl,
    caCertPath: ready.caCertPath,
    control: new EmulatorControl(origin, ready.controlToken, fs.readFileSync(ready.caCertPath, 'utf8')),
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
