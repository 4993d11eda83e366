/**
 * Records workflow histories from real runs and writes them to test/replay/histories/ (committed; the
 * replay test replays every file against the current workflow code, so an incompatible change without
 * `patched()` fails `npm test`).
 *
 *   tsx test/replay/record.ts            # records all scenarios (about a minute)
 *
 * Scenarios:
 *  - dev server + emulator (Contoso) + real Graph activities: onboarding with a consent callback, the
 *    sample test child, schedule creation, updateSettings and retest updates, scheduled health checks, the
 *    monitor through an incident (consent revoked) and its recovery;
 *  - time-skipping server + test doubles: an onboarding that expires after reminders, and a monitor with
 *    daily reminders (days of timers).
 * The individual-mode histories are recorded by their integration tests with TOGETHER_RECORD_HISTORY=1:
 * individual-sweep.json (test/integration/workflows/individual-sweep.test.ts) and individual-sample-test.json
 * (test/integration/individual/sample-test.test.ts, -t "probes 3 connected": one revoked connection of three).
 * Re-record after a deliberate, patched change and keep the old files: they are what running workflows
 * look like.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEmulatorWorker } from '../integration/workflows/emulator-helpers';
import {
  deliverConsentCallback,
  getMonitorState,
  getOnboardingStatus,
  hashConsentState,
  registerConsentState,
  retest,
  startOnboarding,
  updateSettings,
} from '../../client';
import { healthResultSignal, monitorWorkflowId, onboardingWorkflowId } from '../../contracts/messages';
import { fakeGraph, fakeTemporalActivities } from '../integration/workflows/fakes';
import { ids, startTestEmulator } from '../helpers/emulator';
import { HISTORIES_DIR, writeReplayHistory } from '../helpers/history';
import {
  createLocalTestEnv,
  createTimeSkippingTestEnv,
  eventually,
  uniqueTaskQueue,
  workflowBundle,
} from '../helpers/temporal';

const OUT = HISTORIES_DIR;

async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  writeReplayHistory(name, history);
  console.log(`recorded ${name} (${history.events?.length} events)`);
}

async function devServerScenario(): Promise<void> {
  const emu = await startTestEmulator({});
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-record-'));
  const env = await createLocalTestEnv();
  try {
    const client: Client = env.client;
    const taskQueue = uniqueTaskQueue('record');
    const worker = await createEmulatorWorker({ env, emu, stateDir, taskQueue });
    const tenantId = ids.CONTOSO.tenantId;
    await worker.runUntil(async () => {
      await startOnboarding(
        client,
        {
          tenant: { tenantId },
          consentUrl: `${emu.loginUrl}/organizations/v2.0/adminconsent?client_id=${ids.TOGETHER_APP.appId}`,
          settings: {
            owner: 'it-owner@contoso.onmicrosoft.com',
            sampleSize: 60,
            threshold: 0.9,
            scheduleIntervalMinutes: 360,
          },
          consentPollSeconds: [1, 2, 5],
        },
        { taskQueue },
      );
      await registerConsentState(client, tenantId, {
        stateHash: hashConsentState('recorded-state'),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      });
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState('forged'),
        adminConsent: true,
      });
      await emu.control.grantConsent({ tenantId, appId: ids.TOGETHER_APP.appId });
      await deliverConsentCallback(client, tenantId, {
        stateHash: hashConsentState('recorded-state'),
        tenant: tenantId,
        adminConsent: true,
      });
      await eventually(
        async () => (await getOnboardingStatus(client, tenantId))?.scheduleId,
        'onboarding',
        120_000,
      );
      await updateSettings(client, tenantId, { healthSampleSize: 5 });
      await retest(client, tenantId);

      // Health checks run as a loop in the monitor since issue 15; the healthCheck workflow (still used for
      // one-off checks and the benchmark) is recorded by starting it directly.
      const runHealth = async (n: number) => {
        const handle = await client.workflow.start('healthCheck', {
          taskQueue,
          workflowId: `health-${tenantId}-record-${n}`,
          args: [
            {
              tenant: { tenantId },
              owner: 'it-owner@contoso.onmicrosoft.com',
              consentUrl: 'https://consent.test',
              sampleSize: 5,
              threshold: 0.9,
              taskQueue,
            },
          ],
        });
        await handle.result();
        return handle;
      };
      await save('health-check-healthy', await runHealth(1));
      await emu.control.revokeConsent({ tenantId, appId: ids.TOGETHER_APP.appId });
      await save('health-check-revoked', await runHealth(2));
      await eventually(
        async () => (await getMonitorState(client, tenantId))?.status === 'failing',
        'failing',
      );
      await emu.control.grantConsent({ tenantId, appId: ids.TOGETHER_APP.appId });
      await runHealth(3);
      await eventually(
        async () => (await getMonitorState(client, tenantId))?.status === 'recovered',
        'recovered',
      );

      await save('onboard-tenant-contoso', client.workflow.getHandle(onboardingWorkflowId(tenantId)));
      await save('tenant-monitor-incident', client.workflow.getHandle(monitorWorkflowId(tenantId)));
      const children = client.workflow.list({ query: `WorkflowType = 'sampleTest'` });
      for await (const c of children) {
        await save('sample-test-contoso', client.workflow.getHandle(c.workflowId, c.runId));
        break;
      }
      await client.workflow.getHandle(onboardingWorkflowId(tenantId)).terminate('recorded');
      await client.workflow.getHandle(monitorWorkflowId(tenantId)).terminate('recorded');
    });
  } finally {
    await env.teardown();
    await emu.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function timeSkippingScenario(): Promise<void> {
  const env: TestWorkflowEnvironment = await createTimeSkippingTestEnv();
  try {
    const graph = fakeGraph({ consent: () => 'notConsented' });
    const taskQueue = uniqueTaskQueue('record-ts');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: { ...graph, ...fakeTemporalActivities() },
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('onboardTenant', {
        taskQueue,
        workflowId: onboardingWorkflowId('expiring'),
        args: [
          {
            tenant: { tenantId: 'expiring' },
            consentUrl: 'https://consent.test',
            settings: {
              owner: 'owner@contoso.test',
              sampleSize: 10,
              threshold: 0.9,
              scheduleIntervalMinutes: 360,
            },
          },
        ],
      });
      await handle.result();
      await save('onboard-tenant-expired', handle);

      const tenantId = 'reminders';
      const result = (checkId: string, verdict: 'pass' | 'fail') => ({
        tenantId,
        checkId,
        at: new Date().toISOString(),
        owner: 'owner@contoso.test',
        consentUrl: 'https://consent.test',
        consent: 'consented' as const,
        missingRoles: [],
        appEnabled: true,
        verdict,
        sampled: 10,
        accessible: verdict === 'pass' ? 10 : 1,
        examples: [],
        graphRequests: 2,
        durationMs: 10,
      });
      const send = (checkId: string, verdict: 'pass' | 'fail') =>
        env.client.workflow.signalWithStart('tenantMonitor', {
          taskQueue,
          workflowId: monitorWorkflowId(tenantId),
          args: [{ tenantId }],
          signal: healthResultSignal,
          signalArgs: [result(checkId, verdict)],
        });
      await send('c1', 'fail');
      await env.sleep('50 hours');
      await send('c2', 'pass');
      await env.sleep('1 hour');
      const monitor = env.client.workflow.getHandle(monitorWorkflowId(tenantId));
      await save('tenant-monitor-reminders', monitor);
      await monitor.terminate('recorded');
    });
  } finally {
    await env.teardown();
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const only = process.argv[2];
  if (!only || only === 'dev') await devServerScenario();
  if (!only || only === 'time') await timeSkippingScenario();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
