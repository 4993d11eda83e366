/**
 * Namespace readiness against a real dev server started WITHOUT the TenantId search attribute: starting an
 * onboarding says the attribute is missing and how to fix it (exit 2); an unknown namespace is a
 * configuration error (exit 2), not "Unexpected error"; `setup-namespace` registers the attribute (and
 * prints the Temporal Cloud command), after which the same onboarding starts.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { TOGETHER_APP } from '../../../emulator/fixtures/ids';
import { createLocalTestEnv } from '../../helpers/temporal';

const root = path.resolve(__dirname, '..', '..', '..');
const TENANT = '489b6456-9a48-45dd-8b21-086d092d8c11';

/** The real command in its own process (as `npm run cli --` runs it). */
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), ...args],
      { cwd: root, env },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('Temporal namespace readiness', () => {
  let server: TestWorkflowEnvironment;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await createLocalTestEnv({ namespace: 'bare', searchAttributes: [] });
    env = { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'bare' };
  });
  afterAll(async () => {
    await server?.teardown();
  });

  const onboard = (e: NodeJS.ProcessEnv) =>
    cli(
      [
        'onboard',
        '--tenant',
        TENANT,
        '--owner',
        'owner@contoso.onmicrosoft.com',
        '--app-id',
        TOGETHER_APP.appId,
      ],
      e,
    );

  it('an unknown namespace is a configuration error (exit 2) that names it and the fix', async () => {
    const r = await onboard({ ...env, TEMPORAL_NAMESPACE: 'no-such-namespace' });
    expect(r.out).not.toMatch(/Unexpected error/);
    expect(r.out).toMatch(/namespace 'no-such-namespace' does not exist/i);
    expect(r.out).toMatch(/TEMPORAL_NAMESPACE/);
    expect(r.code).toBe(2);
  });

  it('onboarding on a namespace without TenantId says so and how to register it (exit 2)', async () => {
    const r = await onboard(env);
    expect(r.out).not.toMatch(/Unexpected error/);
    expect(r.out).toMatch(/no 'TenantId' search attribute/);
    expect(r.out).toMatch(/together-o365 setup-namespace --namespace bare/);
    expect(r.out).toMatch(
      /tcld namespace search-attributes add --namespace bare --search-attribute "TenantId=Keyword"/,
    );
    expect(r.code).toBe(2);
  });

  it('setup-namespace registers TenantId, prints the Cloud command, is idempotent, and onboarding then starts', async () => {
    const first = await cli(['setup-namespace'], env);
    expect(first.out).toMatch(/Registered search attribute TenantId \(Keyword\) on namespace 'bare'/);
    expect(first.out).toMatch(/tcld namespace search-attributes add --namespace bare/);
    expect(first.code).toBe(0);
    const again = await cli(['setup-namespace'], env);
    expect(again.out).toMatch(/already has search attribute TenantId/);
    expect(again.code).toBe(0);
    // The server's visibility picks the new attribute up asynchronously; retry the start for a while.
    let r = await onboard(env);
    for (let i = 0; i < 20 && /no 'TenantId' search attribute/.test(r.out); i++) {
      await new Promise((res) => setTimeout(res, 500));
      r = await onboard(env);
    }
    expect(r.out).not.toMatch(/search attribute/);
    expect(r.code).toBe(0);
  });

  it('setup-namespace on an unknown namespace is a configuration error (exit 2)', async () => {
    const r = await cli(['setup-namespace'], { ...env, TEMPORAL_NAMESPACE: 'no-such-namespace' });
    expect(r.out).toMatch(/does not exist/);
    expect(r.code).toBe(2);
  });
});
