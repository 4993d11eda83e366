/** A sample test as a child workflow (with the scope proof for a scoped tenant), and the health schedule. */
import { executeChild, uuid4 } from '@temporalio/workflow';
import { sampleTestWorkflowIdPrefix, type SampleTestReport, type ScopeProof } from '../../contracts/messages';
import { sampleTest } from '../sample-test';
import { iso, tenantSearchAttributes } from '../shared';
import { proveMailboxScope, upsertHealthSchedule } from './activities';
import type { Onboarding } from './context';
import { unfinishedTestReport, withScopeProof } from './report';

/** Runs a sample test; one that does not finish is an inconclusive report, never an error. */
export async function runSampleTest(o: Onboarding): Promise<SampleTestReport> {
  const { input, s } = o;
  s.testRunning = true;
  s.progress = { total: 0, probed: 0, accessible: 0 };
  try {
    return await executeChild(sampleTest, {
      workflowId: `${sampleTestWorkflowIdPrefix(o.tenantId)}${uuid4()}`,
      typedSearchAttributes: tenantSearchAttributes(),
      args: [
        {
          tenant: input.tenant,
          size: s.settings.sampleSize,
          source: s.settings.sampleSource,
          threshold: s.settings.threshold,
          progressTo: o.info.workflowId,
          ...(s.settings.teamsProbe ? { teamsProbe: true } : {}),
          ...input.sampleTest,
          ...(input.mailboxScope ? { scoped: true } : {}),
        },
      ],
    }).then(async (report) => (input.mailboxScope ? withScopeProof(report, await scopeProof(o)) : report));
  } catch (err) {
    return unfinishedTestReport(o.tenantId, err, iso());
  } finally {
    s.testRunning = false;
  }
}

async function scopeProof(o: Onboarding): Promise<ScopeProof> {
  const scope = o.input.mailboxScope!;
  return proveMailboxScope({
    tenant: o.input.tenant,
    group: scope.group,
    probeMailbox: scope.probeMailbox,
    ...(scope.outsideSample !== undefined ? { outsideSample: scope.outsideSample } : {}),
  });
}

/** Creates or updates the tenant's health checks with the current settings. */
export async function upsertSchedule(o: Onboarding): Promise<void> {
  o.s.scheduleId = await upsertHealthSchedule({
    tenant: o.input.tenant,
    settings: o.s.settings,
    consentUrl: o.input.consentUrl,
    publisherMode: o.input.publisherMode,
    taskQueue: o.healthTaskQueue,
  });
}
