/**
 * Consent verified: the first sample test (re-run after a delay while inconclusive), then the health
 * schedule, the monitor's first result and the `onboarded` notice. The owner then reviews the report (review.ts).
 */
import { sleep } from '@temporalio/workflow';
import { reportToMonitor } from './activities';
import { notificationKey, notify, setPhase, type Onboarding } from './context';
import { onboardedNotice } from './notices';
import { reportToHealthResult } from './report';
import { runSampleTest, upsertSchedule } from './sample';

const INCONCLUSIVE_RETRIES = 2;
const INCONCLUSIVE_RETRY_DELAY = '10 minutes';

export async function connect(o: Onboarding): Promise<void> {
  const { s } = o;
  setPhase(o, 'verifying');
  setPhase(o, 'testing');
  let report = await runSampleTest(o);
  for (let i = 0; i < INCONCLUSIVE_RETRIES && report.verdict === 'inconclusive'; i++) {
    await sleep(INCONCLUSIVE_RETRY_DELAY);
    report = await runSampleTest(o);
  }
  s.lastReport = report;
  s.review = { state: 'pending' }; // the owner reviews the first report and confirms it (acceptReport)
  setPhase(o, report.verdict === 'fail' ? 'failing' : 'active');
  await upsertSchedule(o);
  await reportToMonitor({
    result: reportToHealthResult(report, {
      owner: s.settings.owner,
      consentUrl: o.input.consentUrl,
      checkId: `onboard/${o.info.workflowId}/${o.info.firstExecutionRunId}`,
    }),
    taskQueue: o.healthTaskQueue,
  });
  await notify(
    o,
    onboardedNotice({
      idempotencyKey: notificationKey(o, 'onboarded'),
      since: s.consentedAt,
      report,
      settings: s.settings,
    }),
  );
}
