/**
 * The production package as the App Service runs it: `npm run build`, dist/ copied into an empty folder,
 * `npm ci --omit=dev` there (no tsx, no devDependencies, no TypeScript sources), then the worker and the
 * console started with plain `node` against a Temporal dev server and the emulator — and Contoso onboarded
 * to active through the console's consent routes, accepted over plain HTTP as the demo's --no-browser path.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentOverHttp } from '../../../cli/demo';
import { adminConsentUrl } from '../../../cli/tenant-input';
import { createTemporalApi } from '../../../client/api';
import type { TogetherApi } from '../../../contracts/backend';
import { DEFAULT_SETTINGS, type OnboardingStatus } from '../../../contracts/messages';
import { freePort } from '../../../dev/port';
import { startDevServer, type DevServer } from '../../../dev/temporal-dev-server';
import { CONTOSO, PUBLISHER, TOGETHER_APP } from '../../../emulator/fixtures/ids';
import { startTestEmulator, type RunningEmulator } from '../../helpers/emulator';

const root = path.resolve(__dirname, '..', '..', '..');
const node = process.execPath;
const npm = 'npm'; // from PATH (the pinned node package ships no npm of its own)

function sh(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CI: 'true' } });
}

interface Proc {
  child: ChildProcess;
  output: () => string;
}
function start(args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  let output = '';
  const child = spawn(node, args, { cwd, env });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}
async function until<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
async function stop(p: Proc | undefined): Promise<number | null> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return p?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
  p.child.kill('SIGTERM');
  return exited;
}

describe('the built package (npm run build → npm ci --omit=dev → plain node)', () => {
  let pkgDir: string;
  let temporal: DevServer;
  let emu: RunningEmulator;
  let worker: Proc | undefined;
  let consoleProc: Proc | undefined;
  let api: TogetherApi | undefined;
  let consolePort: number;

  beforeAll(async () => {
    // Built straight into an empty folder of its own: dist/ stays untouched for tests running beside this one.
    pkgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-o365-pkg-'));
    sh(npm, ['run', 'build', '--', '--out', pkgDir], root);
    // Offline when the npm cache holds every tarball; otherwise the registry fills the gaps.
    try {
      sh(npm, ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], pkgDir);
    } catch {
      sh(npm, ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], pkgDir);
    }
    temporal = await startDevServer({ port: 0, dbFile: null, headless: true, install: false });
    // The fixture's redirect URI names the console's port, so this test's console gets a fixture of its own.
    consolePort = await freePort();
    const fixture = JSON.parse(
      fs.readFileSync(path.join(root, 'emulator', 'fixtures', 'contoso.json'), 'utf8'),
    ) as unknown;
    const patched = JSON.stringify(fixture).replace(
      /http:\/\/127\.0\.0\.1:3000\/consent\/callback/g,
      `http://127.0.0.1:${consolePort}/consent/callback`,
    );
    const fixtureFile = path.join(pkgDir, 'contoso-test.json');
    fs.writeFileSync(fixtureFile, patched);
    emu = await startTestEmulator({ fixture: fixtureFile });
  }, 900_000);

  afterAll(async () => {
    await api?.close().catch(() => undefined);
    await stop(consoleProc);
    await stop(worker);
    await emu?.stop();
    await temporal?.stop();
    // Hundreds of MB of node_modules: removing them takes a while on a loaded machine.
    if (pkgDir) await fs.promises.rm(pkgDir, { recursive: true, force: true });
  }, 300_000);

  it('contains compiled JavaScript only, and installs neither tsx, TypeScript nor the Pulumi SDKs', () => {
    expect(fs.existsSync(path.join(pkgDir, 'cli', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'worker', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'workflow-bundle.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'console', 'templates', 'layout.njk'))).toBe(true);
    const sources = fs
      .readdirSync(pkgDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => !f.startsWith('node_modules') && /\.ts$/.test(f));
    expect(sources).toEqual([]);
    for (const dep of ['tsx', 'typescript', 'vitest', '@pulumi/pulumi', '@pulumi/azure-native']) {
      expect(fs.existsSync(path.join(pkgDir, 'node_modules', dep)), dep).toBe(false);
    }
  });

  it('runs the worker and the console with plain node and onboards Contoso to active', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      NODE_EXTRA_CA_CERTS: emu.caCertPath,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TOGETHER_TASK_QUEUE: 'built-package',
      TOGETHER_APP_ID: TOGETHER_APP.appId,
      TOGETHER_CLIENT_CERTIFICATE_PATH: emu.appCertificatePath,
      TOGETHER_AUTHORITY_HOST: emu.loginUrl,
      TOGETHER_DISABLE_INSTANCE_DISCOVERY: 'true',
      TOGETHER_GRAPH_BASE_URL: emu.graphUrl,
      TOGETHER_PUBLISHER_TENANT_ID: PUBLISHER.tenantId,
      TOGETHER_SENDER_MAILBOX: PUBLISHER.senderMailbox.userPrincipalName,
      TOGETHER_WORKER_HEALTH: String(await freePort()),
      TOGETHER_CONSOLE_DATA_DIR: path.join(pkgDir, '.data', 'console'),
    };
    worker = start(['worker/main.js'], pkgDir, env);
    consoleProc = start(
      ['cli/main.js', 'console', '--port', String(consolePort), '--host', '127.0.0.1'],
      pkgDir,
      env,
    );
    const healthz = `http://127.0.0.1:${env.TOGETHER_WORKER_HEALTH}/healthz`;
    await until(
      async () => (await fetch(healthz)).status === 200 || undefined,
      90_000,
      `worker ready: ${worker.output()}`,
    );
    expect(worker.output()).toContain('workflow-bundle.js'); // the pre-built bundle, not bundled at start-up
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    await until(
      async () => (await fetch(`${consoleUrl}/healthz`)).status < 500 || undefined,
      60_000,
      `console: ${consoleProc.output()}`,
    );

    api = await createTemporalApi({ ...env, TOGETHER_TASK_QUEUE: 'built-package' });
    await api.startOnboarding({
      tenant: { tenantId: CONTOSO.tenantId },
      consentUrl: adminConsentUrl({
        authorityHost: emu.loginUrl,
        tenantId: CONTOSO.tenantId,
        appId: TOGETHER_APP.appId,
        redirectUri: `${consoleUrl}/consent/callback`,
      }),
      settings: { ...DEFAULT_SETTINGS, owner: CONTOSO.privilegedAdmin.userPrincipalName, sampleSize: 10 },
      consentPollSeconds: [5, 10, 30, 60],
      sampleTest: { chunkSize: 10 },
    });
    const outcome = await consentOverHttp(
      consoleUrl,
      CONTOSO.tenantId,
      CONTOSO.privilegedAdmin.userPrincipalName,
    );
    expect(outcome.resultHeading).toMatch(/consent received/i);
    const final = await until<OnboardingStatus>(
      async () => {
        const s = await api!.getStatus(CONTOSO.tenantId);
        return s && (s.phase === 'active' || s.phase === 'failing' || s.phase === 'expired') && s.lastReport
          ? s
          : undefined;
      },
      120_000,
      `Contoso active; worker said: ${worker.output().slice(-2000)}`,
    );
    expect(final.phase).toBe('active');
    // The sample is random: Contoso's fixture has mailboxes Graph cannot reach, so a sample may be 'degraded'
    // while the tenant is active (above the threshold); what must not happen is a failing verdict.
    expect(['pass', 'degraded']).toContain(final.lastReport?.verdict);

    expect(await stop(worker)).toBe(0);
    expect(worker.output()).toContain('worker stopped');
    expect(await stop(consoleProc)).toBe(0);
  });
});
