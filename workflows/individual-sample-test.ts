/**
 * individualSampleTest: the sample test of an individual-mode tenant. Samples connected users from the connection
 * records (one activity; its result — connection ids only — is in history, so a retried run keeps the sample),
 * probes them in chunks with each user's own delegated token (`probeConnections`, activities/individual/
 * sample-test.ts: one Graph request per user, no `$batch` — a delegated token reaches only its own user), and
 * judges the result with the same verdict and report shape as the domain-wide sampleTest, marked
 * `mode: 'individual'`. A new workflow rather than a mode of sampleTest: sampleTest's recorded histories replay
 * untouched.
 */
import { getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SampledUser, UserProbeResult } from '../contracts/activities';
import {
  individualSweepWorkflowId,
  sampleTestReportSignal,
  type IndividualActivities,
  type IndividualSampleTestInput,
} from '../contracts/individual';
import {
  sampleTestProgressQuery,
  type SampleTestProgress,
  type SampleTestReport,
} from '../contracts/messages';
import { buildReport, failedReport } from '../contracts/verdict';
import { isPermanent, messageOf, PERMANENT_FAILURES } from './shared';

const { sampleConnections } = proxyActivities<IndividualActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});
const { probeConnections } = proxyActivities<IndividualActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});

export async function individualSampleTest(input: IndividualSampleTestInput): Promise<SampleTestReport> {
  const startedAtMs = Date.now();
  const startedAt = new Date(startedAtMs).toISOString();
  const chunkSize = Math.max(1, input.chunkSize ?? 100);
  const progress: SampleTestProgress = { total: 0, probed: 0, accessible: 0 };
  setHandler(sampleTestProgressQuery, () => progress);
  const mark = (r: SampleTestReport): SampleTestReport => ({ ...r, mode: 'individual' });

  let ids: string[];
  try {
    ids = (
      await sampleConnections({
        tenantId: input.tenantId,
        size: input.size,
        seed: input.seed ?? workflowInfo().workflowId,
      })
    ).connectionIds;
  } catch (err) {
    return mark(
      failedReport({
        tenantId: input.tenantId,
        startedAt,
        durationMs: Date.now() - startedAtMs,
        permanent: isPermanent(err),
        message: messageOf(err),
      }),
    );
  }
  progress.total = ids.length;

  const results: UserProbeResult[] = [];
  let graphRequests = 0;
  let tokenRequests = 0;
  for (let i = 0; i < ids.length; i += chunkSize) {
    const chunk = ids.slice(i, i + chunkSize);
    try {
      const r = await probeConnections({
        tenantId: input.tenantId,
        connectionIds: chunk,
        ...(input.concurrency ? { concurrency: input.concurrency } : {}),
      });
      results.push(...r.results);
      graphRequests += r.graphRequests;
      tokenRequests += r.tokenRequests;
    } catch {
      // Not probed at all (e.g. the token store unreachable after retries): not checked, never "unreachable".
      results.push(...chunk.map((id) => ({ userId: id, reason: 'error' as const, code: 'ProbeFailed' })));
    }
    progress.probed += chunk.length;
    progress.accessible = results.filter((r) => r.reason === 'ok').length;
  }

  const users: SampledUser[] = ids.map((id) => ({ id }));
  const report: SampleTestReport = {
    ...mark(
      buildReport({
        tenantId: input.tenantId,
        users,
        results,
        threshold: input.threshold,
        startedAt,
        durationMs: Date.now() - startedAtMs,
        graphRequests,
      }),
    ),
    tokenRequests,
  };
  // The owner's view (status) shows the last report: hand it to the tenant's sweep, when there is one.
  try {
    await getExternalWorkflowHandle(individualSweepWorkflowId(input.tenantId)).signal(
      sampleTestReportSignal,
      report,
    );
  } catch {
    // no sweep running for this tenant: the report is still this workflow's result
  }
  return report;
}
