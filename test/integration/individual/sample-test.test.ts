/**
 * The individual-mode sample test end to end: three Contoso users connect through the emulator's real
 * authorization-code flow (PKCE, msal-node), one has their sign-in sessions revoked, and the
 * `individualSampleTest` workflow runs on a real Temporal dev server with the real individual activities
 * (sealed MSAL cache, one delegated Graph request per user). The report has the domain-wide shape, marked
 * individual: 2 reachable, 1 unreachable because its connection was revoked — and history holds no token, no
 * email and no UPN of a reachable user.
 * With TOGETHER_RECORD_HISTORY=1 the first test also writes test/replay/histories/individual-sample-test.json
 * (its history is checked for tokens before it is written).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphConfig, MemoryIdempotencyStore } from '../../../activities';
import { createIndividual } from '../../../activities/individual';
import {
  getConnectionsState,
  pokeConnectionsSweep,
  runIndividualSampleTest,
} from '../../../client/individual';
import {
  individualSampleTestWorkflowId,
  individualSweepWorkflowId,
  type ConnectionRecord,
} from '../../../contracts/individual';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { allowUserConnections, connectThroughCodeFlow } from '../../helpers/delegated';
import { recordingHistories, writeReplayHistory } from '../../helpers/history';
import { createLocalTestEnv, eventually, uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';

const { CONTOSO } = ids;
const T = CONTOSO.tenantId;
const ADELE = CONTOSO.users.inScope.userPrincipalName;
const ALEX = CONTOSO.users.outsideScope.userPrincipalName;
const NESTOR = CONTOSO.users.nestedOnly.userPrincipalName;

let emu: RunningEmulator;
let env: TestWorkflowEnvironment;
let dir: string;
let ind: ReturnType<typeof createIndividual>;

const connect = (upn: string): Promise<ConnectionRecord> =>
  connectThroughCodeFlow(ind, T, upn, { state: 'sample-test' });

beforeAll(async () => {
  [emu, env] = await Promise.all([startTestEmulator(), createLocalTestEnv()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-sample-'));
  await allowUserConnections(emu, T);
  ind = createIndividual({
    config: loadGraphConfig(graphEnvFor(emu, dir)),
    env: { TOGETHER_STATE_DIR: dir },
    idempotencyStore: new MemoryIdempotencyStore(),
  });
  await workflowBundle();
}, 180_000);
afterAll(async () => {
  await env?.teardown();
  await emu?.stop();
});

describe('individual-mode sample test (emulator + Temporal dev server)', () => {
  it('probes 3 connected users with their own tokens: 2 reachable, 1 unreachable because revoked', async () => {
    const adele = await connect(ADELE);
    const alex = await connect(ALEX);
    const nestor = await connect(NESTOR);
    await emu.control.revokeSignInSessions(T, ALEX);
    // An invitation is not a connected user: never sampled.
    await ind.backend.inviteUser(T, 'pending@contoso.example');

    const taskQueue = uniqueTaskQueue('ind-sample');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: ind.activities,
    });
    const now = new Date();
    const report = await worker.runUntil(
      runIndividualSampleTest(env.client, { tenantId: T, size: 10, threshold: 0.9 }, { taskQueue, now }),
    );

    expect(report).toMatchObject({
      tenantId: T,
      mode: 'individual',
      sampled: 3,
      accessible: 2,
      byReason: { ok: 2, connectionBroken: 1 },
      graphRequests: 2, // one delegated request per reachable user; none for the revoked one
      tokenRequests: 3, // one silent refresh per sampled user
      verdict: 'degraded', // 2/3 under the 0.9 threshold, judged exactly as domain-wide (contracts/verdict.ts)
    });
    expect(report.inaccessible).toEqual([
      {
        user: { id: alex.connectionId, userPrincipalName: ALEX },
        reason: 'connectionBroken',
        detail: 'revoked',
        code: 'AADSTS50173',
      },
    ]);

    // History: connection ids, the unreachable user's UPN (as domain-wide) — no token, no reachable user's UPN.
    const workflowId = individualSampleTestWorkflowId(T, now.toISOString().replace(/[:.]/g, '-'));
    const fetched = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const raw = JSON.stringify(fetched.events);
    // Payloads are base64 JSON: read them decoded, as anyone with access to history would.
    const history = [...raw.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)]
      .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
      .join('\n');
    expect(history).toContain(adele.connectionId);
    expect(history).toContain(nestor.connectionId);
    expect(history).not.toContain(ADELE);
    expect(history).not.toContain(NESTOR);
    expect(history).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/); // no JWT
    const rt = Object.values(
      (
        JSON.parse(await ind.ind.store.getCache(adele.homeAccountId!)) as {
          RefreshToken: Record<string, { secret: string }>;
        }
      ).RefreshToken,
    )[0]!.secret;
    expect(history).not.toContain(rt);
    expect(history).not.toMatch(/refresh_token|client_secret|"secret"/i);
    // The replay test's history of individualSampleTest: one broken connection of three (record.ts format).
    if (recordingHistories()) writeReplayHistory('individual-sample-test', fetched);
  }, 240_000);

  it('hands the report to the tenant’s connections sweep, whose state (status) then shows it', async () => {
    const taskQueue = uniqueTaskQueue('ind-sample-status');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: ind.activities,
    });
    await worker.runUntil(async () => {
      await pokeConnectionsSweep(
        env.client,
        { tenantId: T, consoleUrl: 'https://together.example', intervalMinutes: 1440 },
        { taskQueue },
      );
      // Let the sweep's first pass finish first (both refresh the same users' tokens).
      await eventually(
        async () => ((await getConnectionsState(env.client, T))?.sweeps ?? 0) >= 1,
        'the first sweep',
        60_000,
      );
      const report = await runIndividualSampleTest(
        env.client,
        { tenantId: T, size: 10, threshold: 0.9 },
        { taskQueue },
      );
      expect(report.mode).toBe('individual');
      const state = await getConnectionsState(env.client, T);
      expect(state?.lastSampleTest).toMatchObject({ mode: 'individual', sampled: report.sampled });
      await env.client.workflow.getHandle(individualSweepWorkflowId(T)).terminate('test over');
    });
  }, 240_000);
});
