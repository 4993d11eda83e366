/**
 * Sample tests of a connected tenant: the `retest` update, and the re-verification a re-consent starts.
 * Either report becomes the phase and is handed to the monitor.
 */
import { log, setHandler } from '@temporalio/workflow';
import type { HealthConsent } from '../../contracts/health';
import { retestUpdate, type ConsentReverification, type SampleTestReport } from '../../contracts/messages';
import { reportToMonitor } from './activities';
import { check } from './consent-check';
import { setPhase, type Onboarding } from './context';
import { reportToHealthResult } from './report';
import { runSampleTest } from './sample';

/** A sample test whose report becomes the phase and is handed to the monitor (re-test, re-consent). */
export async function retestAndReport(
  o: Onboarding,
  kind: string,
  consentSeen: HealthConsent,
): Promise<SampleTestReport> {
  const { s } = o;
  const report = await runSampleTest(o);
  s.lastReport = report;
  setPhase(o, report.verdict === 'fail' ? 'failing' : report.verdict === 'inconclusive' ? s.phase : 'active');
  if (s.scheduleId) {
    await reportToMonitor({
      result: reportToHealthResult(report, {
        owner: s.settings.owner,
        consentUrl: o.input.consentUrl,
        checkId: `${kind}/${o.info.workflowId}/${report.startedAt}`,
        consent: consentSeen,
      }),
      taskQueue: o.healthTaskQueue,
    });
  }
  return report;
}

/**
 * Re-consent while connected: check consent now; when it holds, a fresh sample test starts (not awaited,
 * so the admin's page answers in seconds) and its report goes to the monitor, which closes a consent
 * incident. Propagating or missing consent is answered as such; the health loop keeps checking.
 */
export async function reverify(o: Onboarding): Promise<ConsentReverification> {
  const { s } = o;
  s.callbackAtMs = Date.now(); // a fresh grant may still be propagating: the check allows the grace period
  await check(o);
  const outcome = s.lastCheck?.outcome ?? 'error';
  if (outcome !== 'consented') {
    return { consent: outcome, retest: 'notStarted', ...(s.lastCheck?.fix ? { fix: s.lastCheck.fix } : {}) };
  }
  if (s.testRunning) return { consent: outcome, retest: 'alreadyRunning' };
  s.reverifying = true;
  void retestAndReport(o, 'reconsent', 'consented')
    .catch((err) => log.error('re-consent test failed', { tenantId: o.tenantId, error: String(err) }))
    .finally(() => {
      s.reverifying = false;
    });
  return { consent: outcome, retest: 'started' };
}

/** The `retest` update: only for a connected tenant, one test at a time. */
export function handleRetest(o: Onboarding): void {
  setHandler(retestUpdate, async () => retestAndReport(o, 'retest', 'unknown'), {
    validator: () => {
      const { phase } = o.s;
      if (phase !== 'active' && phase !== 'failing') {
        throw new Error(
          `Cannot re-test tenant ${o.tenantId} while it is ${phase}: a re-test needs consent and a finished first test.`,
        );
      }
      if (o.s.testRunning) throw new Error(`A sample test of tenant ${o.tenantId} is already running.`);
    },
  });
}
