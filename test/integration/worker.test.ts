/**
 * The real worker entry point (`tsx worker/main.ts`, as `npm run worker` runs it) against a real Temporal
 * dev server from the project-local CLI: it picks up TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE, runs a
 * workflow end to end, and shuts down cleanly on SIGTERM; bad configuration gives one clear message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalTestEnv, uniqueTaskQueue } from '../helpers/temporal';

const root = path.resolve(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function runWorker(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  let output = '';
  const child = spawn(tsx, ['worker/main.ts'], { cwd: root, env: { ...process.env, ...env } });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('worker process', () => {
  let env: TestWorkflowEnvironment;
  const namespace = 'worker-test';

  beforeAll(async () => {
    env = await createLocalTestEnv({ namespace });
    console.log(`worker integration test on Node ${process.version}`);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow end to end on the dev server and stops cleanly on SIGTERM', async () => {
    const taskQueue = uniqueTaskQueue('worker');
    const worker = runWorker({
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: namespace,
      TOGETHER_TASK_QUEUE: taskQueue,
    });
    try {
      await waitFor(() => worker.output().includes('worker started'), 60_000, 'the worker to start');
      const client = new Client({ connection: env.connection, namespace });
      const result = await client.workflow.execute('workerSelfTest', {
        taskQueue,
        workflowId: `self-test-${taskQueue}`,
        args: ['tenant'],
      });
      expect(result).toMatch(/^hello tenant from worker pid \d+ .*task queue worker-/);
      expect(result).toContain('Node v22.');
      worker.child.kill('SIGTERM');
      expect(await worker.exit).toBe(0);
      expect(worker.output()).toContain('worker stopped');
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('reports an unreachable TEMPORAL_ADDRESS in one line and exits 3', async () => {
    const worker = runWorker({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: namespace });
    expect(await worker.exit).toBe(3);
    expect(worker.output()).toContain('Could not reach Temporal at 127.0.0.1:1');
    expect(worker.output()).toContain('npm run temporal');
    expect(worker.output()).not.toMatch(/^\s+at /m);
  });

  it('rejects an unknown TEMPORAL_PROFILE with a message naming it and exits 2', async () => {
    const worker = runWorker({
      TEMPORAL_PROFILE: 'no-such-profile',
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
    });
    expect(await worker.exit).toBe(2);
    expect(worker.output()).toContain("TEMPORAL_PROFILE='no-such-profile'");
  });

  it('rejects a malformed task queue name before connecting and exits 2', async () => {
    const worker = runWorker({ TEMPORAL_ADDRESS: env.address, TOGETHER_TASK_QUEUE: 'has spaces' });
    expect(await worker.exit).toBe(2);
    // Every problem is named with where it came from and how to fix it (worker/config.ts ConfigProblems).
    expect(worker.output()).toContain("TOGETHER_TASK_QUEUE='has spaces' (environment variable) is invalid");
    expect(worker.output()).toContain('Fix: set it to a name like together-o365');
  });
});
