/**
 * sampleTest: sample users (one activity, its result is in history, so a restarted run keeps the same
 * users), then probe them in chunks — one activity per chunk, `parallelism` chunks in flight, each with a
 * heartbeat timeout so a crashed worker is noticed and the chunk resumes from its heartbeat details — and
 * judge the result (see verdict.ts). Progress is queryable and, for an onboarding, signalled to it.
 */
import { getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { GraphActivities, SampledUser, UserProbeResult } from '../contracts/activities';
import {
  sampleTestProgressQuery,
  sampleTestProgressSignal,
  type SampleTestInput,
  type SampleTestProgress,
  type SampleTestReport,
} from '../contracts/messages';
import { isPermanent, messageOf, PERMANENT_FAILURES } from './shared';
import { probeTeamsLinks } from './teams-probe';
import { reachableMailboxes } from '../contracts/teams';
import { buildReport, failedReport } from '../contracts/verdict';

const { sampleUsers } = proxyActivities<GraphActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
});

export const SAMPLE_TEST_DEFAULTS = {
  chunkSize: 100,
  parallelism: 1,
  // undefined: every $batch of the chunk in flight (the probe's default; see activities/config.ts)
  probeConcurrency: undefined as number | undefined,
  heartbeatTimeoutSeconds: 30,
} as const;

export async function sampleTest(input: SampleTestInput): Promise<SampleTestReport> {
  const info = workflowInfo();
  const startedAtMs = Date.now();
  const startedAt = new Date(startedAtMs).toISOString();
  const chunkSize = input.chunkSize ?? SAMPLE_TEST_DEFAULTS.chunkSize;
  const parallelism = Math.max(1, input.parallelism ?? SAMPLE_TEST_DEFAULTS.parallelism);
  const progress: SampleTestProgress = { total: 0, probed: 0, accessible: 0 };
  setHandler(sampleTestProgressQuery, () => progress);
  const parent = input.progressTo ? getExternalWorkflowHandle(input.progressTo) : undefined;
  const tell = async () => {
    if (!parent) return;
    try {
      await parent.signal(sampleTestProgressSignal, { ...progress });
    } catch {
      // the onboarding may be gone (e.g. terminated); progress is best effort
    }
  };

  let users: SampledUser[];
  let graphRequests = 0;
  try {
    const sample = await sampleUsers({
      tenant: input.tenant,
      size: input.size,
      source: input.source ?? { kind: 'all' },
      seed: input.seed ?? info.workflowId,
    });
    users = sample.users;
    graphRequests += sample.graphRequests;
  } catch (err) {
    return failedReport({
      tenantId: input.tenant.tenantId,
      startedAt,
      durationMs: Date.now() - startedAtMs,
      permanent: isPermanent(err),
      message: messageOf(err),
    });
  }
  progress.total = users.length;
  await tell();

  const { probeCalendars } = proxyActivities<GraphActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: `${input.heartbeatTimeoutSeconds ?? SAMPLE_TEST_DEFAULTS.heartbeatTimeoutSeconds} seconds`,
    retry: { maximumAttempts: 5, initialInterval: '2 seconds', nonRetryableErrorTypes: PERMANENT_FAILURES },
  });
  const chunks: SampledUser[][] = [];
  for (let i = 0; i < users.length; i += chunkSize) chunks.push(users.slice(i, i + chunkSize));
  const results: UserProbeResult[][] = new Array(chunks.length);
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const i = next++;
      const chunk = chunks[i]!;
      try {
        const r = await probeCalendars({
          tenant: input.tenant,
          users: chunk,
          options: { concurrency: input.probeConcurrency ?? SAMPLE_TEST_DEFAULTS.probeConcurrency },
        });
        results[i] = r.results;
        graphRequests += r.graphRequests;
      } catch (err) {
        // The chunk could not be probed at all: its users count as not checked (never as unreachable
        // for a transient failure; a permanent one, e.g. consent revoked, as access denied).
        const permanent = isPermanent(err);
        results[i] = chunk.map((u) => ({
          userId: u.id,
          userPrincipalName: u.userPrincipalName,
          reason: permanent ? ('accessDenied' as const) : ('error' as const),
          code: permanent ? 'ProbeRejected' : 'ProbeFailed',
        }));
      }
      progress.probed += chunk.length;
      progress.accessible += results[i]!.filter((r) => r.reason === 'ok').length;
      await tell();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, chunks.length) }, lane));

  // Opt-in (the tenant's teamsProbe setting): only then a new activity, so recorded histories replay unchanged.
  const teams = input.teamsProbe
    ? await probeTeamsLinks(input.tenant, { candidates: reachableMailboxes(results.flat()) })
    : undefined;
  const report = buildReport({
    tenantId: input.tenant.tenantId,
    users,
    results: results.flat(),
    threshold: input.threshold,
    startedAt,
    durationMs: Date.now() - startedAtMs,
    graphRequests,
    ...(input.scoped ? { scoped: true } : {}),
  });
  return teams ? { ...report, teams } : report;
}
