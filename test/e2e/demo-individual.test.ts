/**
 * `npm run demo -- --individual` as a user runs it: two Contoso users connect their calendars in headless
 * Chromium, one user's sessions are revoked, the sweep breaks that connection, the reconnect email reaches the
 * user exactly once (a second sweep sends none) and the owner's digest counts it. And without Chromium, the
 * act says how to install it and exits 2 before starting anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTOSO } from '../../emulator/fixtures/ids';
import { RESULTS_DIR, run } from './helpers';

const ALEX = CONTOSO.users.outsideScope.userPrincipalName;

describe('npm run demo -- --individual', () => {
  it('connects two users in Chromium, breaks one by revocation, emails them once and counts it for the owner', async () => {
    const r = await run('npm', ['run', '--silent', 'demo', '--', '--individual'], { timeoutMs: 170_000 });
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'demo-individual-output.txt'), r.stdout);
    expect(r.stderr).not.toMatch(/Error:|at .*\.ts:\d+/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Owner's view: 0 of 2 invited users connected; 0 broken");
    expect(r.stdout).toContain('[3/6] Two users connect their Outlook calendars in headless Chromium');
    expect(r.stdout).toMatch(
      /Adele Vance <adele\.vance@contoso\.onmicrosoft\.com>: .*"Permissions requested/,
    );
    expect(r.stdout).toMatch(/Alex Wilber <alex\.wilber@contoso\.onmicrosoft\.com>: .* Accept/);
    expect(r.stdout.match(/"Connected: Together reached your calendar\."/g)).toHaveLength(2);
    expect(r.stdout).toContain("Owner's view: 2 of 2 invited users connected; 0 broken");
    expect(r.stdout).toMatch(/Sweep \d+ \(signal sweepNow\): 1 of 2 refreshed, 1 newly broken/);
    expect(r.stdout).toContain('Alex Wilber: broken — revoked (AADSTS50173)');
    expect(r.stdout).toContain("Owner's view: 1 of 2 invited users connected; 1 broken (1 revoked)");
    expect(r.stdout).toMatch(
      new RegExp(
        `To ${ALEX.replace(/\./g, '\\.')}: "Reconnect your Outlook calendar.*reconnect link http://127\\.0\\.0\\.1:\\d+/connect\\?tenant=${CONTOSO.tenantId}`,
      ),
    );
    expect(r.stdout).toMatch(/\(owner's digest\): ".*": 1 of 2 invited users connected; 1 broken\./);
    expect(r.stdout).toContain(`0 newly broken; reconnect emails to ${ALEX} so far: 1`);
    expect(r.stdout).toMatch(/Done in \d+ s/);
  });

  it('without Chromium it says how to install it and exits 2 without a stack trace', async () => {
    const r = await run('npm', ['run', '--silent', 'demo', '--', '--individual'], {
      timeoutMs: 60_000,
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Chromium was not found at /nonexistent/chromium');
    expect(r.stderr).toContain('apt-get install chromium');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toContain('[1/6]');
  });
});
