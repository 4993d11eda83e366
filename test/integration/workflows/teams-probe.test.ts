/**
 * The Teams-link probe end to end: `teamsProbe` and an opt-in sample test on the dev server, with the real Graph
 * activities against the emulator (Contoso): a meeting is created with a join URL and deleted again, nothing is
 * left behind, and a mailbox Graph cannot write to is "not checked" with Graph's code.
 * A mailbox without Teams (emulator `teams: false`, or a calendar whose allowedOnlineMeetingProviders lacks
 * teamsForBusiness) gets its meeting created without a join URL: "not available", with the cause named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTeamsProbe } from '../../../client/teams-probe';
import type { SampleTestReport } from '../../../contracts/messages';
import { createEmulatorWorker } from './emulator-helpers';
import { ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { createLocalTestEnv, uniqueTaskQueue } from '../../helpers/temporal';

const C = ids.CONTOSO;
const tenant = { tenantId: C.tenantId };

describe('Teams-link probe against the emulator', () => {
  let env: TestWorkflowEnvironment;
  let emu: RunningEmulator;
  let stateDir: string;
  beforeAll(async () => {
    [env, emu] = await Promise.all([createLocalTestEnv(), startTestEmulator({})]);
    await emu.control.grantConsent({ tenantId: C.tenantId, appId: ids.TOGETHER_APP.appId });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-teams-'));
  });
  afterAll(async () => {
    await env?.teardown();
    await emu?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('probe --teams: finds a reachable mailbox, gets a join URL, deletes the meeting; a mailbox-less user is not checked', async () => {
    const taskQueue = uniqueTaskQueue('teams');
    const worker = await createEmulatorWorker({ env, emu, stateDir, taskQueue });
    await worker.runUntil(async () => {
      const t = await runTeamsProbe(env.client, { tenant }, { taskQueue });
      expect(t.status).toBe('available');
      expect(t.mailbox).toMatch(/@/);
      let log = await emu.control.requests({ limit: 10_000 });
      const created = log.filter((e) => e.route === 'createEvent' && e.status === 201);
      const deleted = log.filter((e) => e.route === 'deleteEvent' && e.status === 204);
      expect(created).toHaveLength(1);
      expect(deleted).toHaveLength(1);
      expect(decodeURIComponent(created[0]!.path.split('/')[3]!)).toBe(t.mailbox);

      const none = await runTeamsProbe(
        env.client,
        { tenant, mailbox: C.users.unlicensed.userPrincipalName },
        { taskQueue },
      );
      expect(none).toMatchObject({ status: 'notChecked', code: 'MailboxNotEnabledForRESTAPI' });
      expect(none.why).toMatch(/no Exchange Online mailbox/);
      log = await emu.control.requests({ limit: 10_000 });
      expect(log.filter((e) => e.route === 'createEvent' && e.status === 201)).toHaveLength(1);
    });
  });

  it('a mailbox without Teams is "not available": no licence, or a calendar that does not allow Teams', async () => {
    const taskQueue = uniqueTaskQueue('teams-none');
    const worker = await createEmulatorWorker({ env, emu, stateDir, taskQueue });
    const mailbox = C.users.inScope.userPrincipalName;
    const before = (await emu.control.requests({ limit: 10_000 })).filter(
      (e) => e.route === 'deleteEvent' && e.status === 204,
    ).length;
    await worker.runUntil(async () => {
      await emu.control.setUser(C.tenantId, mailbox, { teams: false });
      try {
        const t = await runTeamsProbe(env.client, { tenant, mailbox }, { taskQueue });
        expect(t).toMatchObject({ status: 'notAvailable', code: 'NoJoinUrl', mailbox });
        expect(t.why).toMatch(/allows Teams: the mailbox most likely has no Teams licence/);
      } finally {
        await emu.control.setUser(C.tenantId, mailbox, { teams: true });
      }
      await emu.control.setUser(C.tenantId, mailbox, { allowedOnlineMeetingProviders: ['skypeForBusiness'] });
      try {
        const t = await runTeamsProbe(env.client, { tenant, mailbox }, { taskQueue });
        expect(t).toMatchObject({ status: 'notAvailable', code: 'NoJoinUrl' });
        expect(t.why).toMatch(
          /does not allow Teams meetings \(allowedOnlineMeetingProviders: skypeForBusiness\)/,
        );
      } finally {
        await emu.control.setUser(C.tenantId, mailbox, {
          allowedOnlineMeetingProviders: ['teamsForBusiness'],
        });
      }
    });
    // Both test meetings were deleted again.
    const log = await emu.control.requests({ limit: 10_000 });
    expect(log.filter((e) => e.route === 'deleteEvent' && e.status === 204).length - before).toBe(2);
    expect(log.filter((e) => e.route === 'getCalendar' && e.status === 200).length).toBeGreaterThanOrEqual(2);
  });

  it('a sample test with teamsProbe reports the Teams line; without it, no meeting is created', async () => {
    const taskQueue = uniqueTaskQueue('teams-sample');
    const worker = await createEmulatorWorker({ env, emu, stateDir, taskQueue });
    const earlier = await emu.control.requests({ limit: 10_000 });
    const before = earlier.filter((e) => e.route === 'createEvent').length;
    const deletedBefore = earlier.filter((e) => e.route === 'deleteEvent' && e.status === 204).length;
    await worker.runUntil(async () => {
      const run = (teamsProbe: boolean) =>
        env.client.workflow.execute('sampleTest', {
          workflowId: `sampletest-teams-${teamsProbe}-${taskQueue}`,
          taskQueue,
          args: [{ tenant, size: 10, threshold: 0.5, ...(teamsProbe ? { teamsProbe } : {}) }],
        }) as Promise<SampleTestReport>;
      const plain = await run(false);
      expect(plain.teams).toBeUndefined();
      const withTeams = await run(true);
      expect(withTeams.sampled).toBe(10);
      expect(withTeams.teams).toMatchObject({ status: 'available' });
    });
    const log = await emu.control.requests({ limit: 10_000 });
    const creates = log.filter((e) => e.route === 'createEvent');
    expect(creates.length - before).toBe(1);
    expect(log.filter((e) => e.route === 'deleteEvent' && e.status === 204).length - deletedBefore).toBe(1);
  });
});
