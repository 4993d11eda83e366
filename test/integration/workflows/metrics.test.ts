/**
 * The worker's Prometheus endpoint (TOGETHER_WORKER_METRICS) serves the SDK metrics docs/workflows.md
 * documents, after a workflow and an activity ran.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../dev/port';
import { createLocalTestEnv, eventually, uniqueTaskQueue } from '../../helpers/temporal';

const root = path.resolve(__dirname, '..', '..', '..');

describe('worker metrics', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createLocalTestEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('serves temporal_* metrics in Prometheus format', async () => {
    const port = await freePort();
    const taskQueue = uniqueTaskQueue('metrics');
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TOGETHER_TASK_QUEUE: taskQueue,
        TOGETHER_WORKER_METRICS: `127.0.0.1:${port}`,
      },
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await eventually(async () => output.includes('worker started'), 'the worker', 60_000);
      await env.client.workflow.execute('workerSelfTest', {
        taskQueue,
        workflowId: `m-${taskQueue}`,
        args: ['metrics'],
      });
      const text = await eventually(
        async () => {
          const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          return body.includes('temporal_activity_execution_latency') &&
            body.includes('temporal_workflow_completed')
            ? body
            : undefined;
        },
        'metrics',
        30_000,
      );
      for (const name of [
        'temporal_workflow_task_schedule_to_start_latency',
        'temporal_activity_schedule_to_start_latency',
        'temporal_worker_task_slots_available',
        'temporal_workflow_completed',
        'temporal_activity_execution_latency',
        'temporal_sticky_cache_size',
        'temporal_num_pollers',
      ]) {
        expect(text, name).toContain(name);
      }
      expect(text).toContain('workflow_type="workerSelfTest"');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
