/**
 * State from fixtures (validation with file/field/reason, the big-tenant generator), persistence across
 * restarts, and the `npm run emulator` command (one JSON line when ready, clean stop on SIGTERM/SIGINT).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FixtureError, startEmulator, trustEmulatorCa, type FixtureObject } from '../../../emulator';
import {
  graphClient,
  ids,
  secretCredential,
  startTestEmulator,
  type RunningEmulator,
} from '../../helpers/emulator';

const REPO = path.resolve(__dirname, '../../..');
const TSX = path.join(REPO, 'node_modules', '.bin', 'tsx');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'emu-test-'));

const bigTenant = (count: number): FixtureObject => ({
  tenants: [
    {
      id: '11111111-1111-4111-8111-111111111111',
      domain: 'big.onmicrosoft.com',
      displayName: 'Big',
      generate: { count, seed: 'big' },
    },
  ],
  apps: [
    {
      appId: '22222222-2222-4222-8222-222222222222',
      id: '33333333-3333-4333-8333-333333333333',
      displayName: 'Reader',
      homeTenantId: '11111111-1111-4111-8111-111111111111',
      requiredPermissions: ['User.Read.All'],
      passwordCredentials: [
        {
          keyId: '44444444-4444-4444-8444-444444444444',
          secretText: 'big-tenant-reader-secret',
          endDateTime: '2030-01-01T00:00:00Z',
        },
      ],
    },
  ],
});

describe('fixtures', () => {
  const started: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.stop()));
  });

  it('refuses a broken fixture file at start with file, field and reason', async () => {
    const file = path.join(tmp(), 'broken.json');
    const fx = JSON.parse(fs.readFileSync(path.join(REPO, 'emulator/fixtures/contoso.json'), 'utf8'));
    fx.tenants[0].users[3].mailbox = 'exchange';
    fs.writeFileSync(file, JSON.stringify(fx));
    const err = (await startEmulator({ port: 0, fixture: file }).catch((e: unknown) => e)) as FixtureError;
    expect(err).toBeInstanceOf(FixtureError);
    expect(err.file).toBe(file);
    expect(err.field).toBe('tenants[0].users[3].mailbox');
    expect(err.reason).toMatch(/exchangeOnline/);
  });

  it('refuses a group member that does not exist, naming the member', async () => {
    const fx = bigTenant(0);
    fx.tenants[0]!.groups = [
      {
        id: '55555555-5555-4555-8555-555555555555',
        displayName: 'G',
        mailNickname: 'g',
        mailEnabled: false,
        securityEnabled: true,
        members: ['nobody@big.onmicrosoft.com'],
      },
    ];
    await expect(startEmulator({ port: 0, fixture: fx })).rejects.toMatchObject({
      field: 'tenants[0].groups[0].members[0]',
      reason: expect.stringContaining('nobody@big.onmicrosoft.com'),
    });
  });

  it('generates 100,000 users deterministically from a seed and pages through them', async () => {
    const a = await startTestEmulator({ fixture: bigTenant(100_000) });
    started.push(a);
    await a.control.grantConsent({
      tenantId: '11111111-1111-4111-8111-111111111111',
      appId: '22222222-2222-4222-8222-222222222222',
    });
    const g = graphClient(
      a,
      secretCredential(
        a,
        '11111111-1111-4111-8111-111111111111',
        '22222222-2222-4222-8222-222222222222',
        'big-tenant-reader-secret',
      ),
    );
    const first = await g.api('/users').select('id,userPrincipalName').top(999).get();
    expect(first.value).toHaveLength(999);
    const b = await startTestEmulator({ fixture: bigTenant(100_000) });
    started.push(b);
    await b.control.grantConsent({
      tenantId: '11111111-1111-4111-8111-111111111111',
      appId: '22222222-2222-4222-8222-222222222222',
    });
    const g2 = graphClient(
      b,
      secretCredential(
        b,
        '11111111-1111-4111-8111-111111111111',
        '22222222-2222-4222-8222-222222222222',
        'big-tenant-reader-secret',
      ),
    );
    const again = await g2.api('/users').select('id,userPrincipalName').top(999).get();
    expect(again.value).toEqual(first.value);
  });

  it('keeps consent and created events across a restart with a persist directory', async () => {
    const dir = tmp();
    const one = await startTestEmulator({ persistDir: dir });
    await one.control.grantConsent({ tenantId: ids.CONTOSO.tenantId, appId: ids.TOGETHER_APP.appId });
    const created = await graphClient(one, secretCredential(one, ids.CONTOSO.tenantId))
      .api(`/users/${ids.CONTOSO.probeMailbox.id}/events`)
      .post({
        subject: 'kept',
        start: { dateTime: '2026-12-01T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2026-12-01T11:00:00', timeZone: 'UTC' },
      });
    await one.stop();
    const two = await startTestEmulator({ persistDir: dir });
    started.push(two);
    const ev = await graphClient(two, secretCredential(two, ids.CONTOSO.tenantId))
      .api(`/users/${ids.CONTOSO.probeMailbox.id}/events/${created.id}`)
      .get();
    expect(ev.subject).toBe('kept');
  });
});

describe('npm run emulator', () => {
  function launch(args: string[]) {
    const child = spawn(TSX, ['emulator/main.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = new Promise<Record<string, string>>((resolve, reject) => {
      child.stdout.on('data', () => {
        const line = out.split('\n')[0];
        if (out.includes('\n')) resolve(JSON.parse(line!));
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    return { child, ready, exited, output: () => ({ out, err }) };
  }

  it('prints one JSON line {loginUrl, graphUrl, caCertPath, controlToken} when ready and stops cleanly on SIGTERM', async () => {
    const p = launch(['--port', '0', '--latency-ms', '5']);
    const info = await p.ready;
    expect(Object.keys(info)).toEqual(
      expect.arrayContaining(['loginUrl', 'graphUrl', 'caCertPath', 'controlToken']),
    );
    expect(info.loginUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    trustEmulatorCa(info.caCertPath!);
    const health = await fetch(`${info.loginUrl}/_emulator/health`, {
      headers: { authorization: `Bearer ${info.controlToken}` },
    });
    expect(health.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output().out.trim().split('\n')).toHaveLength(1);
  });

  it('injects faults given with --fault ROUTE:KIND[:RATE[:COUNT]] from the start', async () => {
    const p = launch(['--port', '0', '--fault', 'listUsers:503:1:1']);
    const info = await p.ready;
    trustEmulatorCa(info.caCertPath!);
    const faults = await fetch(`${info.loginUrl}/_emulator/faults`, {
      headers: { authorization: `Bearer ${info.controlToken}` },
    });
    expect(await faults.json()).toEqual([
      expect.objectContaining({ route: 'listUsers', kind: '503', rate: 1, count: 1 }),
    ]);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('stops cleanly on SIGINT', async () => {
    const p = launch(['--port', '0']);
    await p.ready;
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('exits 2 with file, field and reason for a broken fixture', async () => {
    const file = path.join(tmp(), 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ tenants: [{ id: 'nope', domain: 'x.onmicrosoft.com', displayName: 'X' }] }),
    );
    const p = launch(['--port', '0', '--fixture', file]);
    p.ready.catch(() => undefined);
    expect(await p.exited).toBe(2);
    expect(JSON.parse(p.output().err.split('\n')[0]!)).toEqual({
      error: 'invalid_fixture',
      file,
      field: 'tenants[0].id',
      reason: expect.stringContaining('GUID'),
    });
  });
});
