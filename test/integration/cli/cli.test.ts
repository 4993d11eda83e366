/**
 * The installed command as a user runs it (bin/together-o365.js on the project's Node 22): help, bad flags,
 * bad input files and an unreachable Temporal, with the documented exit codes and no stack traces.
 * (--json output against a running onboarding is covered in test/e2e/demo.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../dev/port';
import { startDevServer, type DevServer } from '../../../dev/temporal-dev-server';
import { cli } from '../../e2e/helpers';

const TENANT = '489b6456-9a48-45dd-8b21-086d092d8c11';
const APP = 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619';
const noStack = (s: string) => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('together-o365 (installed command)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
    // Nothing listens on this port: Temporal is "down".
    env = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    delete env.TEMPORAL_PROFILE;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help lists every command and exits 0', async () => {
    const r = await cli(['--help'], env);
    expect(r.code).toBe(0);
    for (const c of ['onboard', 'status', 'test', 'schedule', 'worker', 'console', 'emulator', 'demo'])
      expect(r.stdout).toContain(c);
    const sub = await cli(['schedule', '--help'], env);
    expect(sub.stdout).toMatch(/create[\s\S]*pause[\s\S]*trigger[\s\S]*delete/);
  });

  it('bad flags, values and commands exit 2 with what was wrong', async () => {
    const unknown = await cli(['status', '--colour'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--colour'");
    const badValue = await cli(['onboard', '--tenant', TENANT, '--threshold', 'most'], env);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('must be a share (0.9) or a percentage (90%)');
    const badCommand = await cli(['onbaord'], env);
    expect(badCommand.code).toBe(2);
    expect(badCommand.stderr).toContain('onboard'); // commander suggests it
  });

  it('a broken --from file exits 2 naming the file, field and reason', async () => {
    const file = path.join(dir, 'tenant.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ tenantId: TENANT, appId: APP, integrationOwner: 'not-an-email' }),
    );
    const r = await cli(['onboard', '--from', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: field 'integrationOwner' must be an email address.`);
    noStack(r.stderr);
  });

  it('an unreachable Temporal exits 3 and says how to fix it', async () => {
    const r = await cli(['status', '--tenant', TENANT, '--json'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Could not reach Temporal');
    expect(r.stderr).toMatch(/npm run temporal|TEMPORAL_ADDRESS/);
    noStack(r.stderr);
  });

  it('a malformed TEMPORAL_ADDRESS is a configuration error (exit 2)', async () => {
    const r = await cli(['status', '--tenant', TENANT], { ...env, TEMPORAL_ADDRESS: 'http://nope/' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not host:port');
  });

  describe('with Temporal up but no worker', () => {
    let server: DevServer;
    let up: NodeJS.ProcessEnv;
    beforeAll(async () => {
      server = await startDevServer({
        port: 0,
        headless: true,
        dbFile: null,
        logFile: path.join(dir, 'temporal.log'),
      });
      up = { ...env, TEMPORAL_ADDRESS: server.address, TOGETHER_QUERY_TIMEOUT_MS: '1500' };
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('onboard starts the workflow once; status says no worker answers (exit 3)', async () => {
      const args = ['onboard', '--tenant', TENANT, '--owner', 'it@contoso.com', '--app-id', APP, '--json'];
      const first = await cli(args, up);
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ started: true, workflowId: `onboard-${TENANT}` });
      const second = await cli(args, up);
      expect(JSON.parse(second.stdout)).toMatchObject({ started: false });
      const st = await cli(['status', '--tenant', TENANT], up);
      expect(st.code).toBe(3);
      expect(st.stderr).toContain("no worker seems to be polling task queue 'together-o365'");
      expect(st.stderr).toContain('together-o365 worker');
      noStack(st.stderr);
    });
  });
});
