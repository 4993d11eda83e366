/**
 * `together-o365 test` on an individual-mode tenant (one with a connections sweep and no onboarding): the
 * individual sample test — connected users probed with their own delegated tokens (workflows/
 * individual-sample-test.ts). Loaded only when that command runs.
 */
import { connectTemporal } from '../client';
import { runIndividualSampleTest } from '../client/individual';
import { DEFAULT_SETTINGS, type SampleTestReport } from '../contracts/messages';

export async function individualSampleTestCommand(
  env: NodeJS.ProcessEnv,
  tenantId: string,
  opts: { size?: number; threshold?: number } = {},
): Promise<SampleTestReport> {
  const client = await connectTemporal(env);
  try {
    return await runIndividualSampleTest(
      client,
      {
        tenantId,
        size: opts.size ?? DEFAULT_SETTINGS.sampleSize,
        threshold: opts.threshold ?? DEFAULT_SETTINGS.threshold,
      },
      env.TOGETHER_TASK_QUEUE ? { taskQueue: env.TOGETHER_TASK_QUEUE } : {},
    );
  } finally {
    await client.connection.close();
  }
}
