/**
 * Process hygiene: the worker started through npm (`npm run worker`, `npm run cli -- worker`) drains and
 * exits on SIGTERM sent to npm, as a supervisor sends it, and no process of its group is left behind —
 * npm's shell must not stand between npm and node (the scripts `exec` node with `--import tsx`).
 * /healthz answers 200 while the worker polls.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../dev/port';
import { createLocalTestEnv, uniqueTaskQueue } from '../../helpers/temporal';

const root = path.resolve(__dirname, '..', '..', '..');
const npm = 'npm'; // from PATH (the pinned node package ships no npm of its own)

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve(pred()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('worker signals through npm', () => {
  let server: TestWorkflowEnvironment;
  beforeAll(async () => {
    server = await createLocalTestEnv({ namespace: 'signals' });
  });
  afterAll(async () => {
    await server?.teardown();
  });

  for (const script of [
    ['run', 'worker'],
    ['run', 'cli', '--', 'worker'],
  ]) {
    it(`npm ${script.join(' ')}: SIGTERM to npm drains the worker and leaves no process in its group`, async () => {
      const port = await freePort();
      let output = '';
      const child = spawn(npm, script, {
        cwd: root,
        detached: true, // its own process group, so the test can see every descendant
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_NAMESPACE: 'signals',
          TOGETHER_TASK_QUEUE: uniqueTaskQueue('signals'),
          TOGETHER_WORKER_HEALTH: String(port),
        },
      });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const pgid = child.pid!;
      try {
        await until(
          async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200,
          90_000,
          `the worker's /healthz: ${output}`,
        );
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        process.kill(child.pid!, 'SIGTERM');
        expect(await exited).toBe(0);
        await until(() => !groupAlive(pgid), 20_000, 'every process of the group to exit');
        expect(output).toContain('shutting down worker');
        expect(output).toContain('worker stopped');
      } finally {
        if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      }
    });
  }
});
