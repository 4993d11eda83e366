/** Shared helpers for the e2e tests: run the CLI or the demo as a user would, with the project's Node 22. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN_DIR = path.join(ROOT, 'node_modules', '.bin');
export const RESULTS_DIR = path.join(ROOT, 'test-results');

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command with node_modules/.bin first on PATH (Node 22 for `#!/usr/bin/env node`). */
export function run(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: {
        ...(opts.env ?? process.env),
        PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 100_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** `together-o365 …` through the package's bin launcher. */
export function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return run(path.join(BIN_DIR, 'node'), [path.join(ROOT, 'bin', 'together-o365.js'), ...args], { env });
}
