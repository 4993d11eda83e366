/**
 * Replays every history recorded from real runs (test/replay/histories/, made by test/replay/record.ts)
 * against the current workflow code. A change that would break a running workflow — a different command
 * sequence without `patched()` — fails here with a DeterminismViolationError naming the history.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTestRuntime, workflowBundle } from '../helpers/temporal';

const dir = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(
    JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')),
  );
}

describe('replay of recorded histories', () => {
  beforeAll(async () => {
    installTestRuntime();
    await workflowBundle();
  });

  it('has histories of every workflow type', () => {
    const types = new Set(
      files.map((f) => load(f).events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name),
    );
    expect([...types].sort()).toEqual([
      'healthCheck',
      'healthShard',
      'individualSampleTest',
      'individualSweep',
      'onboardTenant',
      'sampleTest',
      'tenantMonitor',
    ]);
  });

  it.each(files)('%s replays deterministically', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, load(file), file);
  });
});
