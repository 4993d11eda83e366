/**
 * The console's connect pages end to end over HTTP against the emulator's authorization-code flow (the real
 * msal-node backend): connect → "your connection" → CSRF-checked disconnect; admin approval required when the
 * tenant forbids user consent; declined consent; a replayed state refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphConfig, MemoryIdempotencyStore } from '../../../activities';
import { createIndividual } from '../../../activities/individual';
import { createIndividualConsoleBackend } from '../../../activities/individual/console-backend';
import type { ConsoleBackend } from '../../../contracts/backend';
import { Csrf } from '../../../console/csrf';
import { startConsole, type RunningConsole } from '../../../console/server';
import { ConsentStateStore } from '../../../console/state-store';
import { graphEnvFor, ids, startTestEmulator, type RunningEmulator } from '../../helpers/emulator';
import { signInWithCode } from '../../helpers/delegated-signin';

const { CONTOSO, TOGETHER_APP } = ids;
const T = CONTOSO.tenantId;

let emu: RunningEmulator;
let web: RunningConsole;
let dir: string;

const unused = new Proxy(
  {},
  {
    get: () => async () => {
      throw new Error('not used by the connect pages');
    },
  },
) as ConsoleBackend;

beforeAll(async () => {
  emu = await startTestEmulator();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ind-console-'));
  const { ind } = createIndividual({
    config: loadGraphConfig(graphEnvFor(emu, dir)),
    env: { TOGETHER_STATE_DIR: dir },
    idempotencyStore: new MemoryIdempotencyStore(),
  });
  web = await startConsole({
    backend: unused,
    states: new ConsentStateStore({ file: path.join(dir, 'states.json'), ttlMs: 600_000 }),
    csrf: Csrf.fromFile(null),
    individual: createIndividualConsoleBackend(ind),
    port: 0,
  });
  await emu.control.addRedirectUris(TOGETHER_APP.appId, [`${web.url}/connect/callback`]);
});
afterAll(async () => {
  await web?.close();
  await emu?.stop();
});

async function startConnect(): Promise<string> {
  const res = await fetch(`${web.url}/connect/start?tenant=${T}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const url = res.headers.get('location')!;
  expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
  return url;
}

describe('connect pages', () => {
  it('shows what Together asks for', async () => {
    const html = await (await fetch(`${web.url}/connect?tenant=${T}`)).text();
    expect(html).toContain('Connect your Outlook calendar');
    expect(html).toContain('Calendars.ReadWrite');
  });

  it('connects, shows the connection, and disconnects only with a valid CSRF token', async () => {
    await emu.control.setUserConsent(T, 'all');
    const out = await signInWithCode(await startConnect(), CONTOSO.users.inScope.userPrincipalName);
    expect(out.redirect?.pathname).toBe('/connect/callback');
    const cb = await fetch(out.redirect!.toString(), { redirect: 'manual' });
    expect(cb.status).toBe(303);
    const session = cb.headers.get('set-cookie')!.split(';')[0]!;
    // The state was consumed: the same redirect again is refused.
    const replay = await fetch(out.redirect!.toString(), { redirect: 'manual' });
    expect(replay.status).toBe(400);

    const me = await fetch(`${web.url}/connect/me`, { headers: { cookie: session } });
    const html = await me.text();
    expect(html).toContain(CONTOSO.users.inScope.userPrincipalName);
    expect(html).toMatch(/data-status="connected"/);
    const csrfCookie = me.headers.get('set-cookie')!.split(';')[0]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const cookie = `${session}; ${csrfCookie}`;

    const forged = await fetch(`${web.url}/connect/disconnect`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=forged',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    const ok = await fetch(`${web.url}/connect/disconnect`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(token)}`,
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
    const after = await (await fetch(`${web.url}/connect/me`, { headers: { cookie: session } })).text();
    expect(after, after.slice(after.indexOf('<h1>'), after.indexOf('<h1>') + 600)).toContain(
      'id="no-connection"',
    );
  });

  it('explains admin approval when the tenant does not allow user consent', async () => {
    await emu.control.setUserConsent(T, 'none');
    const out = await signInWithCode(await startConnect(), CONTOSO.users.outsideScope.userPrincipalName);
    expect(
      out.redirect?.searchParams.get('error'),
      out.html?.slice(out.html.indexOf('<h1>'), out.html.indexOf('<h1>') + 1500),
    ).toBeTruthy();
    const page = await fetch(out.redirect!.toString(), { redirect: 'manual' });
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain('id="admin-approval"');
    expect(html).toContain('Grant admin consent');
    expect(html).toContain('admin consent workflow');
  });

  it('explains a declined consent', async () => {
    await emu.control.setUserConsent(T, 'all');
    const out = await signInWithCode(
      await startConnect(),
      CONTOSO.users.nestedOnly.userPrincipalName,
      'cancel',
    );
    const html = await (await fetch(out.redirect!.toString(), { redirect: 'manual' })).text();
    expect(html).toContain('id="declined"');
  });
});
