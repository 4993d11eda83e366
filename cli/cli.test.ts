import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../contracts/backend';
import { FAKE_TENANT, FakeBackend, fakeReport } from '../console/testing/fake-backend';
import type { OnboardTenantInput } from '../contracts/messages';
import type { ScheduleInfo, TogetherApi } from '../contracts/backend';
import type { TeamsLinks } from '../contracts/teams';
import { EXIT, toCliError } from './errors';
import { Command } from 'commander';
import { ConfigError, UnreachableError, UserInputError } from '../contracts/errors';
import { SettingsError, SETTINGS_LIMITS, settingsProblems } from '../contracts/settings';
import { addEmulatorOptions } from '../emulator/options';
import { createProgram, durationArg, runCli, thresholdArg, type CliDeps } from './program';
import type { DemoCommandOptions } from './context';
import { resolveOnboardInput } from './tenant-input';

const APP = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

class FakeApi extends FakeBackend implements TogetherApi {
  started: OnboardTenantInput[] = [];
  schedules = new Map<string, ScheduleInfo>();
  calls: string[] = [];
  async startOnboarding(input: OnboardTenantInput) {
    this.started.push(input);
    const exists = this.statuses.has(input.tenant.tenantId);
    if (!exists)
      this.addTenant(input.tenant.tenantId, { consentUrl: input.consentUrl, settings: input.settings });
    return { workflowId: `onboard-${input.tenant.tenantId}`, started: !exists };
  }
  async describeSchedule(tenantId: string) {
    return this.schedules.get(tenantId) ?? null;
  }
  async createSchedule(tenantId: string, intervalMinutes?: number) {
    const info = {
      scheduleId: `health-${tenantId}`,
      tenantId,
      paused: false,
      intervalMinutes: intervalMinutes ?? 360,
      recentRuns: [],
    };
    this.schedules.set(tenantId, info);
    return info;
  }
  async pauseSchedule(tenantId: string, note: string) {
    this.calls.push(`pause ${tenantId} ${note}`);
  }
  async unpauseSchedule(tenantId: string, note: string) {
    this.calls.push(`unpause ${tenantId} ${note}`);
  }
  async triggerSchedule(tenantId: string) {
    this.calls.push(`trigger ${tenantId}`);
  }
  shardsRunning = 2;
  async triggerAllSchedules() {
    this.calls.push('trigger --all');
    return { shards: this.shardsRunning };
  }
  async deleteSchedule(tenantId: string) {
    this.calls.push(`delete ${tenantId}`);
  }
  teams: TeamsLinks = { status: 'available', mailbox: 'adele@contoso.example' };
  async probeTeams(tenantId: string, mailbox?: string) {
    this.calls.push(`probeTeams ${tenantId} ${mailbox ?? '-'}`);
    return this.teams;
  }
  sweeps: { tenantId: string; consoleUrl: string; owner?: string }[] = [];
  async startConnectionsSweep(input: { tenantId: string; consoleUrl: string; owner?: string }) {
    const started = !this.sweeps.some((s) => s.tenantId === input.tenantId);
    if (started) this.sweeps.push(input);
    return { workflowId: `connections-${input.tenantId}`, started };
  }
  async close() {}
}

let api: FakeApi;
let out: string;
let err: string;
let env: NodeJS.ProcessEnv;

function deps(connect?: CliDeps['connect']): CliDeps {
  return { env, connect: connect ?? (async () => api) };
}
const run = (args: string[], d = deps()) => runCli(['node', 'together-o365', ...args], d);

beforeEach(() => {
  api = new FakeApi();
  out = '';
  err = '';
  env = {};
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('argument parsing', () => {
  it('bad flags and bad values exit 2 with a message', async () => {
    expect(await run(['status', '--bogus'])).toBe(EXIT.badInput);
    expect(err).toContain("unknown option '--bogus'");
    err = '';
    expect(await run(['status', '--tenant', 'not-a-guid'])).toBe(EXIT.badInput);
    expect(err).toContain('must be the tenant id, a GUID');
    expect(await run(['nonsense'])).toBe(EXIT.badInput);
    expect(await run(['onboard', '--tenant', FAKE_TENANT, '--sample-size', 'ten'])).toBe(EXIT.badInput);
  });
  it('--help and --version exit 0', async () => {
    expect(await run(['--help'])).toBe(0);
    expect(await run(['--version'])).toBe(0);
  });
  it('parses thresholds and durations', () => {
    expect(thresholdArg('0.9')).toBe(0.9);
    expect(thresholdArg('90%')).toBe(0.9);
    expect(thresholdArg('85')).toBe(0.85);
    expect(() => thresholdArg('150%')).toThrow();
    expect(durationArg('15m')).toBe(900);
    expect(durationArg('2h')).toBe(7200);
    expect(() => durationArg('soon')).toThrow();
  });
  it('maps error kinds to exit codes in one place: user and configuration 2, unreachable 3', () => {
    expect(toCliError(new UserInputError('bad flag')).exitCode).toBe(EXIT.badInput);
    expect(toCliError(new ConfigError('bad setting')).exitCode).toBe(EXIT.badInput);
    expect(toCliError(new UnreachableError('no Temporal')).exitCode).toBe(EXIT.unreachable);
    expect(toCliError(new SettingsError('bad threshold')).exitCode).toBe(EXIT.badInput);
    expect(toCliError(new BackendError('unreachable', 'down')).exitCode).toBe(EXIT.unreachable);
    expect(toCliError(new BackendError('notFound', 'no such tenant')).exitCode).toBe(EXIT.badInput);
    expect(toCliError(new Error('boom')).exitCode).toBe(EXIT.internal);
  });
  it('refuses a threshold of 0, as the settings do', () => {
    expect(() => thresholdArg('0')).toThrow(/more than 0/);
    expect(() => thresholdArg('0%')).toThrow(/more than 0/);
    expect(settingsProblems({ threshold: 0 }).join()).toMatch(/threshold/);
  });
  it('caps --sample-size at the settings maximum, not above', async () => {
    const max = SETTINGS_LIMITS.sampleSize.max;
    expect(await run(['onboard', '--tenant', FAKE_TENANT, '--sample-size', String(max + 1)])).toBe(
      EXIT.badInput,
    );
    expect(err).toMatch(new RegExp(`from 1 to ${max}`.replace(',', '')));
  });
  it('has one emulator option parser: the CLI command offers the flags of npm run emulator', () => {
    const cmd = createProgram({ env: {}, connect: () => Promise.reject(new Error('unused')) }).commands.find(
      (c) => c.name() === 'emulator',
    )!;
    const flags = cmd.options.map((o) => o.long);
    const standalone = addEmulatorOptions(new Command()).options.map((o) => o.long);
    expect(flags).toEqual(standalone);
    expect(flags).toContain('--fault');
  });
});

describe('demo', () => {
  it("--individual runs individual mode's act, with the demo's other options; without it, the main demo", async () => {
    const seen: DemoCommandOptions[] = [];
    const d: CliDeps = { ...deps(), runDemo: async (o) => (seen.push(o), EXIT.ok) };
    expect(await run(['demo', '--individual', '--keep-running', '--console-port', '3999'], d)).toBe(EXIT.ok);
    expect(await run(['demo'], d)).toBe(EXIT.ok);
    expect(seen[0]).toMatchObject({ individual: true, keepRunning: true, browser: true, consolePort: 3999 });
    expect(seen[1]!.individual).toBeUndefined();
  });
});

describe('onboard', () => {
  it('needs a tenant and an owner, saying how to give them', async () => {
    expect(await run(['onboard'])).toBe(EXIT.badInput);
    expect(err).toMatch(/--tenant.*--from tenant\.json.*TOGETHER_TENANT_ID/);
    err = '';
    expect(await run(['onboard', '--tenant', FAKE_TENANT, '--app-id', APP])).toBe(EXIT.badInput);
    expect(err).toContain('--owner');
  });

  it('reports every problem at once, the bad value typed first: --integration weird without an owner', async () => {
    expect(await run(['onboard', '--tenant', FAKE_TENANT, '--app-id', APP, '--integration', 'weird'])).toBe(
      EXIT.badInput,
    );
    expect(err).toContain('2 problems with the onboarding input');
    expect(err).toContain("--integration 'weird' must be one of domainWide | individual");
    expect(err).toContain('Who hears about failures? Pass --owner <email>');
    expect(err.indexOf("--integration 'weird'")).toBeLessThan(err.indexOf('--owner'));
    err = '';
    // Values from the environment are checked after commander's flag parsers: all three at once.
    env = { TOGETHER_TENANT_ID: 'nope', TOGETHER_CONSOLE_URL: 'ftp:x' };
    expect(await run(['onboard', '--owner', 'x', '--app-id', APP])).toBe(EXIT.badInput);
    expect(err).toContain('3 problems');
    for (const w of ["TOGETHER_TENANT_ID 'nope'", "--owner 'x'", "TOGETHER_CONSOLE_URL 'ftp:x'"])
      expect(err).toContain(w);
  });

  it('starts the workflow with a consent URL and prints the console link', async () => {
    expect(
      await run([
        'onboard',
        '--tenant',
        FAKE_TENANT,
        '--owner',
        'it@contoso.com',
        '--app-id',
        APP,
        '--sample-size',
        '20',
      ]),
    ).toBe(0);
    const input = api.started[0]!;
    const consent = new URL(input.consentUrl);
    expect(consent.origin + consent.pathname).toBe(
      `https://login.microsoftonline.com/${FAKE_TENANT}/v2.0/adminconsent`,
    );
    expect(consent.searchParams.get('client_id')).toBe(APP);
    expect(consent.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(consent.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:3000/consent/callback');
    expect(consent.searchParams.has('state')).toBe(false);
    expect(input.settings).toMatchObject({ owner: 'it@contoso.com', sampleSize: 20, threshold: 0.9 });
    expect(out).toContain(`http://127.0.0.1:3000/consent/start?tenant=${FAKE_TENANT}`);
  });

  it('takes values from the environment, and --json prints one object', async () => {
    env = {
      TOGETHER_TENANT_ID: FAKE_TENANT,
      TOGETHER_OWNER_EMAIL: 'it@contoso.com',
      TOGETHER_APP_ID: APP,
      TOGETHER_CONSOLE_URL: 'https://console.example.com',
    };
    expect(await run(['onboard', '--json'])).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({
      tenantId: FAKE_TENANT,
      started: true,
      consentLink: `https://console.example.com/consent/start?tenant=${FAKE_TENANT}`,
    });
    expect(new URL(json.adminConsentUrl).searchParams.get('redirect_uri')).toBe(
      'https://console.example.com/consent/callback',
    );
  });

  it('--wait follows the status to the report; a failing verdict exits 1', async () => {
    const d = deps();
    const origGet = api.getStatus.bind(api);
    let polls = 0;
    api.getStatus = async (t) => {
      const s = await origGet(t);
      if (s && ++polls === 2)
        Object.assign(s, { phase: 'failing', lastReport: fakeReport({ verdict: 'fail', accessible: 10 }) });
      return s;
    };
    expect(
      await run(
        [
          'onboard',
          '--tenant',
          FAKE_TENANT,
          '--owner',
          'it@contoso.com',
          '--app-id',
          APP,
          '--wait',
          '--timeout',
          '30s',
        ],
        d,
      ),
    ).toBe(EXIT.failing);
    expect(out).toContain('10 of 50 sampled users reachable');
    expect(out).toContain('verdict: FAIL');
  });
});

describe('--from tenant.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'from-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const good = {
    tenantId: FAKE_TENANT,
    appId: APP,
    integrationOwner: 'owner@contoso.com',
    adminConsentUrl: `https://login.microsoftonline.com/${FAKE_TENANT}/v2.0/adminconsent?client_id=${APP}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=https%3A%2F%2Ftogether.example%2Fconsent%2Fcallback`,
    redirectUri: 'https://together.example/consent/callback',
    servicePrincipalObjectId: 'sp-1',
    grantedPermissions: ['Calendars.ReadWrite', 'User.ReadBasic.All'],
    mailboxScope: 'tenant',
  };
  const write = (value: unknown) => {
    const f = path.join(dir, 'tenant.json');
    fs.writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
    return f;
  };

  it('uses the Pulumi output, flags win', () => {
    const f = write({ workerConfig: good });
    const input = resolveOnboardInput({ from: f, sampleSize: 10 }, {});
    expect(input.tenant.tenantId).toBe(FAKE_TENANT);
    expect(input.settings.owner).toBe('owner@contoso.com');
    expect(input.consentUrl).toBe(good.adminConsentUrl);
    expect(resolveOnboardInput({ from: f, owner: 'x@y.io' }, {}).settings.owner).toBe('x@y.io');
  });

  it('for a mailbox-scoped tenant, warns against the consent link instead of printing it', async () => {
    const f = write({ ...good, mailboxScope: 'group', scopeGroup: 'together-users@contoso.com' });
    const probe = ['--probe-mailbox', 'ines@contoso.com'];
    expect(await run(['onboard', '--from', f, ...probe])).toBe(0);
    expect(out).toContain('do NOT send the admin consent link');
    expect(out).not.toContain('/consent/start');
    out = '';
    expect(await run(['onboard', '--from', f, ...probe, '--json'])).toBe(0);
    const json = JSON.parse(out);
    expect(json.mailboxScoped).toBe(true);
    expect(json.consentLink).toBeUndefined();
  });

  it('a scoped tenant (workerConfig or flags) onboards with its scope and probe mailbox; missing pieces are exit 2', () => {
    const f = write({ ...good, mailboxScope: 'group', scopeGroup: 'together-users@contoso.com' });
    expect(resolveOnboardInput({ from: f, probeMailbox: 'ines@contoso.com' }, {}).mailboxScope).toEqual({
      kind: 'group',
      group: 'together-users@contoso.com',
      probeMailbox: 'ines@contoso.com',
    });
    expect(() => resolveOnboardInput({ from: f }, {})).toThrow(/--probe-mailbox/);
    const flags = { tenant: FAKE_TENANT, owner: 'o@contoso.com', appId: APP, mailboxScope: 'group' };
    expect(() => resolveOnboardInput({ ...flags, probeMailbox: 'i@contoso.com' }, {})).toThrow(
      /--scope-group/,
    );
    expect(
      resolveOnboardInput({ ...flags, scopeGroup: APP, probeMailbox: 'i@contoso.com' }, {}).mailboxScope
        ?.group,
    ).toBe(APP);
    expect(() => resolveOnboardInput({ ...flags, mailboxScope: 'groups' }, {})).toThrow(
      /'tenant' or 'group'/,
    );
  });

  it('a bad file says which file, field and why (exit 2)', async () => {
    expect(await run(['onboard', '--from', path.join(dir, 'missing.json')])).toBe(EXIT.badInput);
    expect(err).toContain('Cannot read');
    err = '';
    expect(await run(['onboard', '--from', write('{oops')])).toBe(EXIT.badInput);
    expect(err).toContain('not valid JSON');
    err = '';
    expect(await run(['onboard', '--from', write({ ...good, tenantId: 'contoso' })])).toBe(EXIT.badInput);
    expect(err).toMatch(/tenant\.json: field 'tenantId' must be a GUID/);
    err = '';
    const { integrationOwner: _omit, ...noOwner } = good;
    expect(await run(['onboard', '--from', write(noOwner)])).toBe(EXIT.badInput);
    expect(err).toContain("field 'integrationOwner'");
    err = '';
    expect(await run(['onboard', '--from', write({ mode: 'publisher', appId: APP })])).toBe(EXIT.badInput);
    expect(err).toContain('publisher');
  });
});

/** An individual-mode owner's view as the sweep's `individualState` query answers it. */
const INDIVIDUAL_STATE = {
  summary: {
    tenantId: FAKE_TENANT,
    invited: 5,
    connected: 3,
    broken: 2,
    brokenByKind: { revoked: 1, inactivity: 1 },
    pending: 0,
  },
  sweeps: 4,
  sweeping: false,
  nextSweepAt: '2026-12-01T09:00:00.000Z',
  lastSweep: { at: '2026-11-30T09:00:00.000Z', checked: 5, ok: 3, newlyBroken: 1, recovered: 0 },
};

describe('individual mode in status and onboard', () => {
  const withIndividual = (): CliDeps => ({ ...deps(), individualState: async () => INDIVIDUAL_STATE });

  it('status --tenant of an individual-only tenant prints "N of M connected; K broken (why)" and next sweep; --json has it', async () => {
    expect(await run(['status', '--tenant', FAKE_TENANT], withIndividual())).toBe(0);
    expect(out).toContain(
      'Individual connections: 3 of 5 invited users connected; 2 broken (1 revoked, 1 inactivity)',
    );
    expect(out).toContain('next sweep 2026-12-01T09:00:00.000Z');
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT, '--json'], withIndividual())).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      tenantId: FAKE_TENANT,
      integration: 'individual',
      individual: { summary: { connected: 3, invited: 5, broken: 2 } },
    });
  });

  it('status --tenant of a tenant with an onboarding appends the individual view (text and --json)', async () => {
    api.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport(), review: { state: 'accepted' } });
    expect(await run(['status', '--tenant', FAKE_TENANT], withIndividual())).toBe(0);
    expect(out).toContain('Individual connections: 3 of 5');
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT, '--json'], withIndividual())).toBe(0);
    expect(JSON.parse(out).individual.summary.brokenByKind).toEqual({ revoked: 1, inactivity: 1 });
  });

  it('onboard --integration individual starts the connections sweep, not an onboarding; again: already running', async () => {
    const args = ['onboard', '--tenant', FAKE_TENANT, '--owner', 'owner@contoso.com', '--app-id', APP];
    expect(await run([...args, '--integration', 'individual', '--json'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      integration: 'individual',
      workflowId: `connections-${FAKE_TENANT}`,
      started: true,
      connectLink: `http://127.0.0.1:3000/connect?tenant=${FAKE_TENANT}`,
    });
    expect(api.started).toEqual([]);
    expect(api.sweeps).toEqual([
      { tenantId: FAKE_TENANT, consoleUrl: 'http://127.0.0.1:3000', owner: 'owner@contoso.com' },
    ]);
    out = '';
    expect(await run([...args, '--integration', 'individual'])).toBe(0);
    expect(out).toContain('Connections sweep already running');
    expect(api.sweeps).toHaveLength(1);
    expect(await run([...args, '--integration', 'personal'])).toBe(EXIT.badInput);
    expect(err).toContain("--integration 'personal' must be one of domainWide | individual");
    expect(await run([...args, '--integration', 'individual', '--wait'])).toBe(EXIT.badInput);
    expect(err).toContain('individual mode has none');
  });
});

describe('status and test', () => {
  it('status --json prints the status; failing exits 1; unknown tenant exits 2', async () => {
    api.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    expect(await run(['status', '--tenant', FAKE_TENANT, '--json'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      tenantId: FAKE_TENANT,
      phase: 'active',
      lastReport: { accessible: 46 },
    });
    api.statuses.get(FAKE_TENANT)!.phase = 'failing';
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(EXIT.failing);
    expect(await run(['status', '--tenant', '99999999-8888-7777-6666-555555555555'])).toBe(EXIT.badInput);
    expect(err).toContain('No onboarding for tenant');
  });

  it('status shows the one derived state first: an active onboarding whose monitor is failing is Failing (exit 1)', async () => {
    api.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport(), review: { state: 'accepted' } });
    api.monitors.set(FAKE_TENANT, {
      tenantId: FAKE_TENANT,
      status: 'failing',
      since: '2026-11-26T00:00:00.000Z',
      incident: {
        id: 'inc-1',
        openedAt: '2026-11-26T00:00:00.000Z',
        reason: 'Admin consent is revoked.',
        notified: [],
      },
      history: [],
    });
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(EXIT.failing);
    const lines = out.split('\n');
    expect(lines[1]).toMatch(/State:\s+Failing/);
    expect(lines[2]).toContain('Admin consent is revoked.');
    expect(out).not.toMatch(/State:\s+Active/);
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT, '--json'])).toBe(EXIT.failing);
    expect(JSON.parse(out).state).toMatchObject({ state: 'failing', reason: 'Admin consent is revoked.' });
    out = '';
    expect(await run(['status'])).toBe(EXIT.failing);
    expect(out).toMatch(/Failing\s+46 of 50\s+Admin consent is revoked\./);
    // recovery: the monitor is active again → Active, exit 0
    api.monitors.get(FAKE_TENANT)!.status = 'recovered';
    api.monitors.get(FAKE_TENANT)!.incident = undefined;
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out.split('\n')[1]).toMatch(/State:\s+Active/);
    // a terminated onboarding is stopped (exit 1)
    api.workflowStatuses.set(FAKE_TENANT, 'TERMINATED');
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(EXIT.failing);
    expect(out.split('\n')[1]).toMatch(/State:\s+Stopped/);
  });

  it('status asks for the console consent flow, never the raw adminconsent URL', async () => {
    api.addTenant(FAKE_TENANT, {});
    env.TOGETHER_CONSOLE_URL = 'https://console.example.com';
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out).toContain(`https://console.example.com/consent/start?tenant=${FAKE_TENANT}`);
    expect(out).not.toContain('adminconsent');
  });

  it('status without a tenant lists tenants', async () => {
    api.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport() });
    expect(await run(['status'])).toBe(0);
    expect(out).toMatch(/TENANT\s+STATE/);
    expect(out).toContain('46 of 50');
    out = '';
    expect(await run(['status', '--json'])).toBe(0);
    expect(JSON.parse(out)).toHaveLength(1);
  });

  it('test prints the report with reasons and fixes; --json prints it as JSON', async () => {
    api.addTenant(FAKE_TENANT, { phase: 'active' });
    expect(await run(['test', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out).toContain('46 of 50 sampled users reachable (92%)');
    expect(out).toContain('On-premises mailbox');
    expect(out).toContain('How to fix:');
    out = '';
    expect(await run(['test', '--tenant', FAKE_TENANT, '--json'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ sampled: 50, verdict: 'pass' });
  });

  it('after the owner accepted the first report, status and test show what changed since (text and --json)', async () => {
    const review = {
      state: 'accepted' as const,
      acceptedAt: '2026-11-24T10:00:00.000Z',
      accepted: {
        sampled: 50,
        accessible: 48,
        verdict: 'pass' as const,
        unreachable: ['onprem@contoso.com', 'left@contoso.com'],
      },
    };
    api.addTenant(FAKE_TENANT, { phase: 'active', lastReport: fakeReport(), review });
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out).toContain('Since the accepted report (accepted 2026-11-24T10:00:00.000Z):');
    expect(out).toContain('Reachable: 48 of 50 → 46 of 50');
    expect(out).toMatch(/Verdict: pass → pass/);
    expect(out).toContain(
      'Newly unreachable (3): guest_fabrikam.com#EXT#@contoso.onmicrosoft.com, out@contoso.com, u4',
    );
    expect(out).toContain(
      'No longer unreachable (1; reachable now, or not in this sample): left@contoso.com',
    );
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT, '--json'])).toBe(0);
    expect(JSON.parse(out).sinceAccepted).toMatchObject({
      reachable: { before: 48, after: 46 },
      noLongerUnreachable: ['left@contoso.com'],
    });
    out = '';
    expect(await run(['test', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out).toContain('Reachable: 48 of 50 → 46 of 50');
    out = '';
    expect(await run(['test', '--tenant', FAKE_TENANT, '--json'])).toBe(0);
    expect(JSON.parse(out).sinceAccepted.verdict).toEqual({ before: 'pass', after: 'pass' });
    // Before the owner's Done there is nothing to compare with.
    api.statuses.get(FAKE_TENANT)!.review = { state: 'pending' };
    out = '';
    expect(await run(['status', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out).not.toContain('Since the accepted report');
  });

  it('test on an individual-mode tenant (a connections sweep, no onboarding) runs the individual sample test', async () => {
    const IND = '11111111-2222-3333-4444-555555555555';
    const ran: string[] = [];
    const d: CliDeps = {
      ...deps(),
      individualState: async (_env, t) =>
        t === IND
          ? {
              summary: {
                tenantId: t,
                invited: 3,
                connected: 2,
                broken: 1,
                brokenByKind: { revoked: 1 },
                pending: 0,
              },
              sweeps: 1,
              sweeping: false,
            }
          : null,
      individualSampleTest: async (_env, t) => {
        ran.push(t);
        return {
          ...fakeReport(),
          tenantId: t,
          mode: 'individual',
          sampled: 3,
          accessible: 2,
          tokenRequests: 3,
          graphRequests: 2,
          verdict: 'degraded',
          byReason: { ok: 2, connectionBroken: 1 },
          inaccessible: [
            {
              user: { id: 'u-alex', userPrincipalName: 'alex@contoso.example' },
              reason: 'connectionBroken',
              detail: 'revoked',
              code: 'AADSTS50173',
            },
          ],
        };
      },
    };
    expect(await run(['test', '--tenant', IND], d)).toBe(0);
    expect(ran).toEqual([IND]);
    expect(out).toContain('2 of 3 sampled users reachable');
    expect(out).toContain(
      'Individual mode: connected users, each probed with their own delegated token (3 token requests)',
    );
    expect(out).toMatch(/alex@contoso\.example\s+Connection broken: the sign-in sessions were revoked/);
    // A domain-wide tenant (an onboarding) still runs the onboarding's retest.
    api.addTenant(FAKE_TENANT, { phase: 'active' });
    out = '';
    expect(await run(['test', '--tenant', FAKE_TENANT], d)).toBe(0);
    expect(ran).toEqual([IND]);
    expect(out).toContain('46 of 50 sampled users reachable');
  });

  it('a rejected update exits 2 with its message', async () => {
    api.addTenant(FAKE_TENANT, { phase: 'awaitingConsent' });
    api.failNext = new BackendError('rejected', 'Tenant has not consented yet; retest runs after consent.');
    expect(await run(['test', '--tenant', FAKE_TENANT])).toBe(EXIT.badInput);
    expect(err).toContain('has not consented yet');
  });

  it('Temporal unreachable exits 3 and says how to fix it', async () => {
    const down = deps(async () => {
      throw new UnreachableError(
        'Could not reach Temporal at 127.0.0.1:7233: connection refused\nStart the embedded dev server with npm run temporal',
      );
    });
    expect(await run(['status', '--tenant', FAKE_TENANT], down)).toBe(EXIT.unreachable);
    expect(err).toContain('Start the embedded dev server');
  });
});

describe('probe --teams', () => {
  it('runs the Teams probe for the tenant and prints one line; available exits 0', async () => {
    expect(await run(['probe', '--teams', '--tenant', FAKE_TENANT])).toBe(EXIT.ok);
    expect(api.calls).toEqual([`probeTeams ${FAKE_TENANT} -`]);
    expect(out).toBe('Teams links: available (checked on adele@contoso.example)\n');
  });

  it('passes --mailbox on; "not available" prints why and exits 1; --json prints the object', async () => {
    api.teams = {
      status: 'notAvailable',
      mailbox: 'megan@contoso.example',
      why: 'Graph created the meeting without a Teams join URL',
      code: 'NoJoinUrl',
    };
    expect(
      await run([
        'probe',
        '--teams',
        '--tenant',
        FAKE_TENANT,
        '--mailbox',
        'megan@contoso.example',
        '--json',
      ]),
    ).toBe(EXIT.failing);
    expect(api.calls).toEqual([`probeTeams ${FAKE_TENANT} megan@contoso.example`]);
    expect(JSON.parse(out)).toEqual(api.teams);
    out = '';
    expect(await run(['probe', '--teams', '--tenant', FAKE_TENANT])).toBe(EXIT.failing);
    expect(out).toBe('Teams links: not available (Graph created the meeting without a Teams join URL)\n');
  });

  it('refuses a bad mailbox, a missing --teams and a missing tenant with exit 2, calling nothing', async () => {
    expect(await run(['probe', '--teams', '--tenant', FAKE_TENANT, '--mailbox', 'not a mailbox'])).toBe(
      EXIT.badInput,
    );
    expect(err).toMatch(/--mailbox.*must be a user principal name/);
    err = '';
    expect(await run(['probe', '--tenant', FAKE_TENANT])).toBe(EXIT.badInput);
    expect(err).toMatch(/Pass --teams/);
    err = '';
    expect(await run(['probe', '--teams'])).toBe(EXIT.badInput);
    expect(err).toMatch(/Which tenant\?/);
    expect(api.calls).toEqual([]);
  });
});

describe('schedule', () => {
  it('show/create/pause/trigger/delete', async () => {
    expect(await run(['schedule', 'show', '--tenant', FAKE_TENANT])).toBe(EXIT.badInput);
    expect(await run(['schedule', 'create', '--tenant', FAKE_TENANT, '--interval', '60', '--json'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ scheduleId: `health-${FAKE_TENANT}`, intervalMinutes: 60 });
    out = '';
    expect(await run(['schedule', 'show', '--tenant', FAKE_TENANT])).toBe(0);
    expect(out).toContain('Every:     60 minutes');
    expect(await run(['schedule', 'pause', '--tenant', FAKE_TENANT, '--note', 'maintenance'])).toBe(0);
    expect(await run(['schedule', 'pause', '--tenant', FAKE_TENANT, '--resume'])).toBe(0);
    expect(await run(['schedule', 'trigger', '--tenant', FAKE_TENANT])).toBe(0);
    expect(await run(['schedule', 'delete', '--tenant', FAKE_TENANT])).toBe(0);
    expect(api.calls).toEqual([
      `pause ${FAKE_TENANT} maintenance`,
      `unpause ${FAKE_TENANT} resumed with together-o365`,
      `trigger ${FAKE_TENANT}`,
      `delete ${FAKE_TENANT}`,
    ]);
    expect(await run(['schedule', 'trigger'])).toBe(EXIT.badInput);
  });

  it("trigger --all runs every tenant's check through the health shards, and refuses --tenant beside it", async () => {
    expect(await run(['schedule', 'trigger', '--all'])).toBe(0);
    expect(out).toContain("Triggered every tenant's health check (2 health shards)");
    expect(api.calls).toEqual(['trigger --all']);
    out = '';
    api.shardsRunning = 1;
    expect(await run(['schedule', 'trigger', '--all'])).toBe(0);
    expect(out).toContain("Triggered every tenant's health check (1 health shard);");
    out = '';
    api.shardsRunning = 0;
    expect(await run(['schedule', 'trigger', '--all'])).toBe(0);
    expect(out).toContain('No health checks run yet');
    err = '';
    expect(await run(['schedule', 'trigger', '--all', '--tenant', FAKE_TENANT])).toBe(EXIT.badInput);
    expect(err).toContain('either --tenant <id> or --all');
    expect(api.calls).toEqual(['trigger --all', 'trigger --all', 'trigger --all']); // not a fourth: refused
  });
});
