/**
 * Workflow tests against the Microsoft 365 emulator: a Contoso with more generated users, consent
 * granted, and the environment a worker process needs to reach it (the same variables production uses).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, loadGraphConfig } from '../../../activities';
import { createTemporalActivities } from '../../../activities/temporal';
import type { FixtureObject } from '../../../emulator/fixture';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { workflowBundle } from '../../helpers/temporal';

export { ids };

export async function startBigContoso(opts: { users: number; latencyMs?: number }): Promise<{
  emu: RunningEmulator;
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const fixturePath = path.resolve(__dirname, '..', '..', '..', 'emulator', 'fixtures', 'contoso.json');
  const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8')) as FixtureObject & {
    tenants: { id: string; generate?: { count: number } }[];
  };
  const contoso = fixture.tenants.find((t) => t.id === ids.CONTOSO.tenantId)!;
  contoso.generate = {
    ...(contoso.generate ?? { seed: 'contoso' }),
    count: opts.users,
  } as typeof contoso.generate;
  const emu = await startTestEmulator({ fixture, latencyMs: opts.latencyMs ?? 0 });
  await emu.control.grantConsent({ tenantId: ids.CONTOSO.tenantId, appId: ids.TOGETHER_APP.appId });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-wf-emu-'));
  const env: Record<string, string> = {
    ...graphEnvFor(emu, stateDir),
  };
  return {
    emu,
    env,
    async stop() {
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * An in-process worker with the real Graph activities pointed at the emulator and the real Temporal
 * activities: what `npm run worker` registers, on a test task queue.
 */
export async function createEmulatorWorker(opts: {
  env: TestWorkflowEnvironment;
  emu: RunningEmulator;
  stateDir: string;
  taskQueue: string;
}): Promise<Worker> {
  const client = opts.env.client;
  const graph = createActivities({ config: loadGraphConfig(graphEnvFor(opts.emu, opts.stateDir)) });
  return Worker.create({
    connection: opts.env.nativeConnection,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...graph, ...createTemporalActivities({ client, graph, taskQueue: opts.taskQueue }) },
  });
}
