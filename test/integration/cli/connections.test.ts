/**
 * Issue 16 items 2 and 4, the installed command (bin/together-o365.js) in individual mode against a real
 * Temporal dev server, the emulator's code flow and a worker running the real individual activities:
 * `onboard --from` an individual workerConfig starts the tenant's connections sweep once (a second onboard
 * neither fails nor duplicates it); `connections invite` counts a user; `connections sweep` pokes the sweep;
 * `connections --json` and `status --tenant` (text and --json) say "N of M invited users connected";
 * bad input and a tenant without a sweep exit 2 with what to do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphConfig, MemoryIdempotencyStore } from '../../../activities';
import { createIndividual } from '../../../activities/individual';
import type { IndividualSweepState } from '../../../contracts/individual';
import { startDevServer, type DevServer } from '../../../dev/temporal-dev-server';
import { cli } from '../../e2e/helpers';
import { allowUserConnections, connectThroughCodeFlow } from '../../helpers/delegated';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { eventually, uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';

const { CONTOSO, TOGETHER_APP } = ids;
const T = CONTOSO.tenantId;
const OTHER = '99999999-8888-7777-6666-555555555555';
const noStack = (s: string) => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

let emu: RunningEmulator;
let server: DevServer;
let dir: string;
let env: NodeJS.ProcessEnv;
let client: Client;
let worker: Worker;
let workerRun: Promise<void>;
let ind: ReturnType<typeof createIndividual>;

beforeAll(async () => {
  emu = await startTestEmulator();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-connections-'));
  await allowUserConnections(emu, T);
  server = await startDevServer({
    port: 0,
    headless: true,
    dbFile: null,
    logFile: path.join(dir, 'temporal.log'),
  });
  const taskQueue = uniqueTaskQueue('cli-connections');
  const graphEnv = graphEnvFor(emu, dir);
  env = { ...process.env, ...graphEnv, TEMPORAL_ADDRESS: server.address, TOGETHER_TASK_QUEUE: taskQueue };
  delete env.TEMPORAL_PROFILE;
  // The worker shares the CLI's token store (files under TOGETHER_STATE_DIR, same key file).
  ind = createIndividual({
    config: loadGraphConfig(graphEnv),
    env: { TOGETHER_STATE_DIR: dir },
    idempotencyStore: new MemoryIdempotencyStore(),
  });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: ind.activities,
  });
  workerRun = worker.run();
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await workerRun?.catch(() => undefined);
  await client?.connection.close();
  await server?.stop();
  await emu?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Adele connects her calendar (the console's code exchange, without a browser). */
async function connectAdele(): Promise<void> {
  await connectThroughCodeFlow(ind, T, CONTOSO.users.inScope.userPrincipalName);
}

const workerConfig = {
  tenantId: T,
  appId: TOGETHER_APP.appId,
  integrationOwner: 'owner@contoso.com',
  // Unused in individual mode (no admin consent of application permissions), but part of the schema.
  adminConsentUrl: `https://login.microsoftonline.com/${T}/v2.0/adminconsent?client_id=${TOGETHER_APP.appId}`,
  redirectUri: 'https://together.example/consent/callback',
  servicePrincipalObjectId: 'sp',
  grantedPermissions: [],
  mailboxScope: 'tenant',
  integration: 'individual',
  delegatedConsent: 'admin',
  delegatedPermissions: ['Calendars.ReadWrite', 'User.Read', 'offline_access', 'openid', 'profile'],
};

describe('together-o365 connections (installed command, individual mode)', () => {
  it('onboard --from an individual workerConfig starts connections-<tenant> once; a second onboard neither fails nor duplicates', async () => {
    const file = path.join(dir, 'tenant.json');
    fs.writeFileSync(file, JSON.stringify({ workerConfig }));
    const args = ['onboard', '--from', file, '--console-url', 'http://127.0.0.1:3000', '--json'];
    const first = await cli(args, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      tenantId: T,
      integration: 'individual',
      workflowId: `connections-${T}`,
      started: true,
      connectLink: `http://127.0.0.1:3000/connect?tenant=${T}`,
    });
    const second = await cli(args, env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ started: false, workflowId: `connections-${T}` });
    const text = await cli(args.slice(0, -1), env);
    expect(text.stdout).toContain('Connections sweep already running');
    expect(text.stdout).toContain(`/connect?tenant=${T}`);
    // One execution, no onboarding workflow (individual mode has no admin consent to wait for).
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = 'connections-${T}'` }))
      runs.push(wf.status.name);
    expect(runs).toEqual(['RUNNING']);
    for await (const wf of client.workflow.list({ query: `WorkflowId = 'onboard-${T}'` }))
      throw new Error(`unexpected onboarding ${wf.workflowId}`);
  }, 120_000);

  it('invite + a connected user + `connections sweep` → `connections --json` says 1 of 2 connected', async () => {
    const invite = await cli(
      ['connections', 'invite', '--tenant', T, '--email', CONTOSO.users.outsideScope.userPrincipalName],
      env,
    );
    expect(invite.code).toBe(0);
    expect(invite.stderr).toContain(`Invited ${CONTOSO.users.outsideScope.userPrincipalName}`);
    await connectAdele();
    const sweep = await cli(
      ['connections', 'sweep', '--tenant', T, '--console-url', 'http://127.0.0.1:3000'],
      env,
    );
    expect(sweep.code).toBe(0);
    expect(sweep.stderr).toContain(`connections-${T} is sweeping`);
    const state = await eventually(
      async () => {
        const r = await cli(['connections', '--tenant', T, '--json'], env);
        if (r.code !== 0) return null;
        const s = JSON.parse(r.stdout) as IndividualSweepState;
        return s.summary.invited === 2 && !s.sweeping ? s : null;
      },
      'the sweep to count the invited and the connected user',
      90_000,
    );
    expect(state.summary).toMatchObject({ invited: 2, connected: 1, broken: 0, pending: 1 });
    expect(state.lastSweep).toMatchObject({ checked: 1, ok: 1 });
    const text = await cli(['connections', '--tenant', T], env);
    expect(text.stdout).toContain('Individual connections: 1 of 2 invited users connected; 0 broken');
  }, 180_000);

  it('status --tenant (text and --json) includes the owner’s view', async () => {
    const text = await cli(['status', '--tenant', T], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Individual connections: 1 of 2 invited users connected; 0 broken');
    expect(text.stdout).toMatch(/next sweep \d{4}-/);
    const json = await cli(['status', '--tenant', T, '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      tenantId: T,
      integration: 'individual',
      individual: { summary: { invited: 2, connected: 1, broken: 0 } },
    });
  }, 60_000);

  it('bad input and a tenant without a sweep exit 2 with what to do, never a stack trace', async () => {
    const badEmail = await cli(['connections', 'invite', '--tenant', T, '--email', 'adele'], env);
    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toContain('--email must be an email address (got "adele")');
    noStack(badEmail.stderr);
    const none = await cli(['connections', '--tenant', OTHER, '--json'], env);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`Tenant ${OTHER} has no connections sweep`);
    expect(none.stderr).toContain(`together-o365 connections sweep --tenant ${OTHER}`);
    noStack(none.stderr);
    const badUrl = await cli(['connections', 'sweep', '--tenant', T, '--console-url', 'console'], env);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--console-url must start with https://');
  }, 60_000);
});
