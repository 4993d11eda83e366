/**
 * Issue 12 item 8: a table of bad inputs to the real `together-o365` process (node --import tsx cli/main.ts),
 * each with the exit code it must give and words its message must contain. Exit codes: 2 bad input or
 * configuration, 3 unreachable dependency, never 1 (a failing verdict) and never a stack trace. No case needs a
 * Temporal server: Temporal is pointed at a closed port, so a case that got past validation would say
 * "unreachable" (3) instead of the expected 2. The table only grows.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../../dev/temporal-dev-server';

const root = path.resolve(__dirname, '../../..');
const T = '11111111-2222-3333-4444-555555555555';
const APP = '22222222-3333-4444-5555-666666666666';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-'));
const file = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const workerConfig = {
  tenantId: T,
  appId: APP,
  integrationOwner: 'owner@contoso.com',
  adminConsentUrl: `https://login.microsoftonline.com/${T}/v2.0/adminconsent?client_id=${APP}`,
  redirectUri: 'https://together.example/consent/callback',
  servicePrincipalObjectId: 'sp',
  grantedPermissions: ['User.ReadBasic.All'],
  mailboxScope: 'tenant',
};
/** Graph settings a worker needs besides its credential (the emulator's app id is enough: nothing connects). */
const GRAPH = { TOGETHER_APP_ID: APP };
/** A syntactically PEM certificate block without a key (the check reads markers, not the DER inside). */
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ONB = ['onboard', '--tenant', T, '--owner', 'owner@contoso.com', '--app-id', APP];

interface Case {
  args: string[];
  env?: Record<string, string>;
  code: number;
  words: string[];
}

const CASES: Case[] = [
  // ---- commander-level: unknown things, missing values
  { args: ['frobnicate'], code: 2, words: ['unknown command'] },
  { args: ['status', '--bogus'], code: 2, words: ['unknown option'] },
  { args: ['onboard', '--tenant'], code: 2, words: ['argument missing'] },
  { args: ['status', '--tenant', 'nope'], code: 2, words: ['GUID'] },
  { args: ['status', '--tenant', ''], code: 2, words: ['GUID'] },
  { args: ['status', '--tenant', '11111111-2222-3333-4444-55555555555'], code: 2, words: ['GUID'] },
  { args: ['status', '--tenant', 'contoso.onmicrosoft.com'], code: 2, words: ['GUID'] },
  { args: ['test', '--tenant', 'x'], code: 2, words: ['GUID'] },
  { args: ['schedule', 'show', '--tenant', 'x'], code: 2, words: ['GUID'] },
  { args: ['schedule', 'pause', '--tenant', 'x'], code: 2, words: ['GUID'] },
  { args: ['schedule', 'create', '--tenant', T, '--interval', 'often'], code: 2, words: ['whole number'] },
  { args: ['schedule', 'create', '--tenant', T, '--interval', '0'], code: 2, words: ['must be from'] },
  { args: ['schedule', 'create', '--tenant', T, '--interval', '-5'], code: 2, words: ['whole number'] },
  { args: ['schedule', 'frob'], code: 2, words: ['unknown command'] },
  // ---- onboard: tenant, owner, app, urls
  { args: ['onboard'], code: 2, words: ['Which tenant', '--tenant'] },
  { args: ['onboard', '--tenant', T], code: 2, words: ['--owner'] },
  { args: ['onboard', '--tenant', T, '--owner', 'nobody'], code: 2, words: ['email'] },
  { args: ['onboard', '--tenant', T, '--owner', 'ops<ops>@contoso.example'], code: 2, words: ['email'] },
  { args: ['onboard', '--tenant', T, '--owner', 'a@b'], code: 2, words: ['email'] },
  { args: ['onboard', '--tenant', T, '--owner', 'owner@contoso.com'], code: 2, words: ['--app-id'] },
  {
    args: ['onboard', '--tenant', T, '--owner', 'o@contoso.com', '--app-id', 'x'],
    code: 2,
    words: ['--app-id', 'GUID'],
  },
  { args: [...ONB, '--redirect-uri', 'not a url'], code: 2, words: ['--redirect-uri', 'URL'] },
  { args: [...ONB, '--redirect-uri', 'ftp://x.example/cb'], code: 2, words: ['http(s) URL'] },
  { args: [...ONB, '--console-url', 'javascript:alert(1)'], code: 2, words: ['--console-url', 'URL'] },
  {
    args: [...ONB, '--authority-host', 'http://login.example'],
    code: 2,
    words: ['--authority-host', 'https'],
  },
  { args: [...ONB, '--authority-host', 'nope'], code: 2, words: ['--authority-host'] },
  { args: [...ONB, '--sample-size', '0'], code: 2, words: ['--sample-size'] },
  { args: [...ONB, '--sample-size', 'ten'], code: 2, words: ['whole number'] },
  { args: [...ONB, '--sample-size', '1e3'], code: 2, words: ['whole number'] },
  { args: [...ONB, '--sample-size', '999999'], code: 2, words: ['must be from'] },
  { args: [...ONB, '--threshold', '0'], code: 2, words: ['more than 0'] },
  { args: [...ONB, '--threshold', '150%'], code: 2, words: ['at most 100%'] },
  { args: [...ONB, '--threshold', 'high'], code: 2, words: ['percentage'] },
  { args: [...ONB, '--interval', '0'], code: 2, words: ['--interval'] },
  { args: [...ONB, '--consent-wait-days', '0'], code: 2, words: ['must be from 1 to 90'] },
  { args: [...ONB, '--consent-wait-days', '365'], code: 2, words: ['must be from 1 to 90'] },
  { args: [...ONB, '--timeout', 'soon'], code: 2, words: ['duration'] },
  { args: [...ONB, '--mailbox-scope', 'groups'], code: 2, words: ["'tenant' or 'group'"] },
  { args: [...ONB, '--mailbox-scope', 'group'], code: 2, words: ['--scope-group'] },
  {
    args: [...ONB, '--mailbox-scope', 'group', '--scope-group', 'x'],
    code: 2,
    words: ['--scope-group', 'GUID'],
  },
  { args: [...ONB, '--mailbox-scope', 'group', '--scope-group', APP], code: 2, words: ['--probe-mailbox'] },
  {
    args: [...ONB, '--mailbox-scope', 'group', '--scope-group', APP, '--probe-mailbox', 'ines'],
    code: 2,
    words: ['--probe-mailbox', 'user principal name'],
  },
  { args: [...ONB, '--probe-mailbox', 'i@contoso.com'], code: 2, words: ['--mailbox-scope group'] },
  // ---- onboard --from
  { args: ['onboard', '--from', path.join(tmp, 'missing.json')], code: 2, words: ['Cannot read', 'ENOENT'] },
  { args: ['onboard', '--from', tmp], code: 2, words: ['Cannot read'] },
  { args: ['onboard', '--from', file('bad.json', '{oops')], code: 2, words: ['not valid JSON'] },
  { args: ['onboard', '--from', file('empty.json', '')], code: 2, words: ['not valid JSON'] },
  { args: ['onboard', '--from', file('arr.json', '[]')], code: 2, words: ['field'] },
  {
    args: ['onboard', '--from', file('pub.json', JSON.stringify({ mode: 'publisher' }))],
    code: 2,
    words: ['publisher'],
  },
  {
    args: ['onboard', '--from', file('t1.json', JSON.stringify({ ...workerConfig, tenantId: 'x' }))],
    code: 2,
    words: ["field 'tenantId'", 'GUID'],
  },
  {
    args: [
      'onboard',
      '--from',
      file('t2.json', JSON.stringify({ ...workerConfig, integrationOwner: 'a<b>@c.d' })),
    ],
    code: 2,
    words: ["field 'integrationOwner'", 'email'],
  },
  {
    args: [
      'onboard',
      '--from',
      file('t3.json', JSON.stringify({ ...workerConfig, mailboxScope: 'everyone' })),
    ],
    code: 2,
    words: ["field 'mailboxScope'"],
  },
  {
    args: [
      'onboard',
      '--from',
      file('t4.json', JSON.stringify({ ...workerConfig, adminConsentUrl: 'file:///x' })),
    ],
    code: 2,
    words: ["field 'adminConsentUrl'", 'http(s) URL'],
  },
  {
    args: [
      'onboard',
      '--from',
      file(
        't5.json',
        JSON.stringify({ ...workerConfig, mailboxScope: 'group', scopeGroup: 'g@contoso.com' }),
      ),
    ],
    code: 2,
    words: ['--probe-mailbox'],
  },
  // ---- environment
  { args: ['onboard'], env: { TOGETHER_TENANT_ID: 'nope' }, code: 2, words: ['TOGETHER_TENANT_ID', 'GUID'] },
  {
    args: ['onboard', '--tenant', T],
    env: { TOGETHER_OWNER_EMAIL: 'x' },
    code: 2,
    words: ['TOGETHER_OWNER_EMAIL', 'email'],
  },
  { args: ['status'], env: { TOGETHER_TENANT_ID: 'nope' }, code: 2, words: ['TOGETHER_TENANT_ID', 'GUID'] },
  {
    args: ['status'],
    env: { TEMPORAL_ADDRESS: '127.0.0.1:99999' },
    code: 2,
    words: ['TEMPORAL_ADDRESS', '65535'],
  },
  {
    args: ['status'],
    env: { TEMPORAL_ADDRESS: '127.0.0.1:0' },
    code: 2,
    words: ['TEMPORAL_ADDRESS', 'port'],
  },
  {
    args: ['status'],
    env: { TEMPORAL_ADDRESS: 'http://x:7233' },
    code: 2,
    words: ['TEMPORAL_ADDRESS', 'host:port'],
  },
  { args: ['status'], env: { TEMPORAL_ADDRESS: 'a b' }, code: 2, words: ['TEMPORAL_ADDRESS'] },
  { args: ['--temporal-address', 'x:70000', 'status'], code: 2, words: ['TEMPORAL_ADDRESS', '65535'] },
  {
    args: ['console'],
    env: { TOGETHER_CONSOLE_DATA_DIR: '/proc/together' },
    code: 2,
    words: ['/proc', 'pseudo filesystem'],
  },
  {
    args: ['console'],
    env: { TOGETHER_CONSOLE_DATA_DIR: path.join(file('plain-file', 'x'), 'sub') },
    code: 2,
    words: ['is a file, not a directory'],
  },
  // ---- the worker fails fast at start (before connecting to Temporal) on what it can check
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_CLIENT_CERTIFICATE_PATH: path.join(tmp, 'no-such-cert.pem') },
    code: 2,
    words: ['TOGETHER_CLIENT_CERTIFICATE_PATH', 'cannot be read', 'ENOENT'],
  },
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_CLIENT_CERTIFICATE_PATH: file('cert.der', 'binary junk') },
    code: 2,
    words: ['TOGETHER_CLIENT_CERTIFICATE_PATH', 'not a PEM file'],
  },
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_CLIENT_CERTIFICATE_PATH: file('cert-only.pem', PEM_CERT) },
    code: 2,
    words: ['TOGETHER_CLIENT_CERTIFICATE_PATH', 'private key'],
  },
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_FEDERATED_TOKEN_FILE: path.join(tmp, 'no-token') },
    code: 2,
    words: ['TOGETHER_FEDERATED_TOKEN_FILE', 'cannot be read'],
  },
  {
    args: ['worker'],
    env: { TOGETHER_MAX_CONCURRENT_ACTIVITIES: 'lots' },
    code: 2,
    words: ['TOGETHER_MAX_CONCURRENT_ACTIVITIES', 'invalid'],
  },
  {
    args: ['worker'],
    env: {
      TOGETHER_MAX_CONCURRENT_ACTIVITIES: 'lots',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(tmp, 'no-ca-2.pem'),
    },
    code: 2,
    words: [
      '2 configuration problems',
      'TOGETHER_MAX_CONCURRENT_ACTIVITIES',
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    ],
  },
  {
    args: ['worker'],
    env: { TOGETHER_MAX_CACHED_WORKFLOWS: '1e9x' },
    code: 2,
    words: ['TOGETHER_MAX_CACHED_WORKFLOWS', 'invalid'],
  },
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_CLIENT_SECRET: 's', TOGETHER_PROBE_CONCURRENCY: 'many' },
    code: 2,
    words: ['TOGETHER_PROBE_CONCURRENCY'],
  },
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_CLIENT_SECRET: 's', TOGETHER_GRAPH_MAX_RETRIES: 'x' },
    code: 2,
    words: ['TOGETHER_GRAPH_MAX_RETRIES'],
  },
  {
    args: ['worker'],
    env: { ...GRAPH, TOGETHER_CLIENT_SECRET: 's', TOGETHER_GRAPH_REQUESTS_PER_10S: '10k' },
    code: 2,
    words: ['TOGETHER_GRAPH_REQUESTS_PER_10S'],
  },
  {
    args: ['status'],
    env: { TOGETHER_QUERY_TIMEOUT_MS: 'soon' },
    code: 2,
    words: ['TOGETHER_QUERY_TIMEOUT_MS'],
  },
  {
    args: ['console'],
    env: { TOGETHER_CONSOLE_PORT: 'http' },
    code: 2,
    words: ['TOGETHER_CONSOLE_PORT', 'port'],
  },
  {
    args: ['console'],
    env: { TOGETHER_CONSOLE_PORT: '70000' },
    code: 2,
    words: ['TOGETHER_CONSOLE_PORT', '65535'],
  },
  // ---- Temporal TLS files: a clear message naming the variable, not advice about the dev server
  {
    args: ['status'],
    env: {
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('tls.crt', 'not pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('tls.key', 'x'),
    },
    code: 2,
    words: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'not a PEM file'],
  },
  {
    args: ['status'],
    env: {
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('tls2.crt', PEM_CERT),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('tls2.key', 'x'),
    },
    code: 2,
    words: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'not a PEM file'],
  },
  {
    args: ['status'],
    env: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(tmp, 'no-ca.pem') },
    code: 2,
    words: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'cannot be read'],
  },
  {
    args: ['worker'],
    env: {
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('tls3.crt', 'DER?'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('tls3.key', 'x'),
    },
    code: 2,
    words: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'PEM'],
  },
  // ---- individual mode: onboard --integration and the connections command
  {
    args: [...ONB, '--integration', 'personal'],
    code: 2,
    words: ['--integration', 'domainWide | individual'],
  },
  {
    args: ['onboard', '--tenant', T, '--integration', 'weird'],
    code: 2,
    words: ["--integration 'weird'", 'domainWide | individual', '--owner', '--app-id'],
  },
  { args: [...ONB, '--integration', 'individual', '--wait'], code: 2, words: ['individual mode has none'] },
  {
    args: ['connections', 'invite', '--tenant', T, '--email', 'adele'],
    code: 2,
    words: ['--email', 'email'],
  },
  { args: ['connections', 'invite', '--tenant', 'x', '--email', 'a@b.co'], code: 2, words: ['GUID'] },
  { args: ['connections', 'invite', '--tenant', T], code: 2, words: ['--email'] },
  { args: ['connections', 'sweep', '--tenant', T], code: 2, words: ['--console-url'] },
  {
    args: ['connections', 'sweep', '--tenant', T, '--console-url', 'console.example'],
    code: 2,
    words: ['--console-url', 'https://'],
  },
  {
    args: ['connections', 'sweep', '--tenant', T, '--console-url', 'https://c.example', '--owner', 'nobody'],
    code: 2,
    words: ['--owner', 'email'],
  },
  {
    args: [
      'connections',
      'sweep',
      '--tenant',
      T,
      '--console-url',
      'https://c.example',
      '--interval-minutes',
      '0',
    ],
    code: 2,
    words: ['--interval-minutes'],
  },
  { args: ['connections'], code: 2, words: ['Which tenant'] },
  // ---- unreachable Temporal is 3, with advice (not a configuration error)
  { args: ['status'], code: 3, words: ['Could not reach Temporal'] },
  { args: ['status', '--tenant', T], code: 3, words: ['Could not reach Temporal'] },
  { args: ['schedule', 'show', '--tenant', T], code: 3, words: ['Could not reach Temporal'] },
];

/** All cases in one real process (see bad-inputs-driver.ts); returns { code, text } per case. */
function runAll(
  cases: Case[],
  temporalAddress = '127.0.0.1:1',
): Promise<{ code: number | string; text: string }[]> {
  const casesFile = path.join(tmp, 'cases.json');
  const outFile = path.join(tmp, 'results.json');
  fs.writeFileSync(casesFile, JSON.stringify(cases));
  const baseEnv = {
    TEMPORAL_ADDRESS: temporalAddress,
    TOGETHER_CONSOLE_DATA_DIR: path.join(tmp, 'console'),
    TOGETHER_QUERY_TIMEOUT_MS: '1500',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, 'bad-inputs-driver.ts'),
        casesFile,
        outFile,
        JSON.stringify(baseEnv),
      ],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp }, stdio: 'inherit' },
    );
    child.on('close', () => {
      try {
        resolve(JSON.parse(fs.readFileSync(outFile, 'utf8')) as { code: number | string; text: string }[]);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Cases that need a Temporal server (one in-memory dev server, no worker): they count in the same table. */
const WITH_TEMPORAL: Case[] = [
  {
    args: ['schedule', 'pause', '--tenant', T],
    code: 2,
    words: [`no health checks for tenant ${T}`, 'onboard it first'],
  },
  {
    args: ['schedule', 'pause', '--tenant', T, '--resume'],
    code: 2,
    words: [`no health checks for tenant ${T}`, 'onboard it first'],
  },
  {
    args: ['schedule', 'show', '--tenant', T],
    code: 2,
    words: [`no health checks for tenant ${T}`, 'onboard it first'],
  },
  {
    args: ['schedule', 'delete', '--tenant', T],
    code: 2,
    words: [`no health checks for tenant ${T}`, 'onboard it first'],
  },
  {
    args: ['schedule', 'trigger', '--tenant', T],
    code: 2,
    words: [`no health checks for tenant ${T}`, 'onboard it first'],
  },
  {
    args: ['connections', '--tenant', T],
    code: 2,
    words: [`Tenant ${T} has no connections sweep`, 'connections sweep --tenant'],
  },
];

function failuresOf(cases: Case[], raw: { code: number | string; text: string }[]): string[] {
  return raw
    .map((r, i) => ({ c: cases[i]!, code: r.code, text: r.text }))
    .filter(
      ({ c, code, text }) =>
        code !== c.code ||
        !c.words.every((w) => text.toLowerCase().includes(w.toLowerCase())) ||
        /\n\s+at /.test(text),
    )
    .map(
      ({ c, code, text }) =>
        `${c.args.join(' ')} ${JSON.stringify(c.env ?? {})} → ${code} (want ${c.code}): ${text.slice(0, 300)}`,
    );
}

describe(`bad inputs with Temporal running: ${WITH_TEMPORAL.length} more cases`, () => {
  let server: DevServer | undefined;
  beforeAll(async () => {
    server = await startDevServer({
      port: 0,
      headless: true,
      dbFile: null,
      logFile: path.join(tmp, 'temporal.log'),
    });
  }, 120_000);
  afterAll(async () => server?.stop());

  it('schedule pause/trigger for a tenant without health checks: exit 2, "onboard it first"', async () => {
    expect(failuresOf(WITH_TEMPORAL, await runAll(WITH_TEMPORAL, server!.address))).toEqual([]);
  }, 300_000);
});

describe(`bad inputs: ${CASES.length} cases, each a clear error with the right exit code`, () => {
  it('has at least 60 cases', () => expect(CASES.length + WITH_TEMPORAL.length).toBeGreaterThanOrEqual(60));

  it('every case exits with its code, names what is wrong, and prints no stack trace', async () => {
    const raw = await runAll(CASES);
    const results = raw.map((r, i) => ({ c: CASES[i]!, code: r.code, text: r.text }));
    const failures = results.filter(
      ({ c, code, text }) =>
        code !== c.code ||
        !c.words.every((w) => text.toLowerCase().includes(w.toLowerCase())) ||
        /\n\s+at /.test(text),
    );
    const show = failures.map(
      ({ c, code, text }) =>
        `${c.args.join(' ')} ${JSON.stringify(c.env ?? {})} → ${code} (want ${c.code}): ${text.slice(0, 300)}`,
    );
    expect(show).toEqual([]);
  }, 300_000);
});
