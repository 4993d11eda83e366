/**
 * Why the rule "guard command changes with patched()" matters, shown on a recorded scheduled health
 * check: the same new step replays fine behind patched() and breaks replay without it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installTestRuntime } from '../helpers/temporal';

const history = () =>
  temporal.api.history.v1.History.fromObject(
    JSON.parse(fs.readFileSync(path.join(__dirname, 'histories', 'health-check-healthy.json'), 'utf8')),
  );
const bundle = (file: string) =>
  bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'variants', file),
    logger: new DefaultLogger('WARN'),
  });

describe('patched() discipline', () => {
  beforeAll(() => installTestRuntime());

  it('a new step behind patched() replays old histories', async () => {
    await Worker.runReplayHistory({ workflowBundle: await bundle('health-check-patched.ts') }, history());
  });

  it('the same step without patched() is a determinism violation', async () => {
    const err = await Worker.runReplayHistory(
      { workflowBundle: await bundle('health-check-unpatched.ts') },
      history(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeterminismViolationError);
  });
});
