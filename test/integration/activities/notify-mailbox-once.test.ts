/**
 * Exactly-once email across worker processes and a crash (issue 12 item 4), against the emulator's mailbox
 * (draft-then-send, TOGETHER_MAIL_DEDUP=mailbox): worker A is SIGKILLed after Graph accepted the send and before
 * its activity completed; worker B, with its own state directory (another replica, nothing shared but the
 * mailbox), retries the same notification → one email in the outbox. The control run with the default
 * (TOGETHER_MAIL_DEDUP=store) sends it twice: the test can fail.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../../contracts/activities';
import { ids, startHarness, type Harness } from './setup';

const root = path.resolve(__dirname, '../../..');
const driver = path.join(__dirname, 'notify-once-driver.ts');

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h?.stop());

const incident: Notification = {
  idempotencyKey: `${ids.CONTOSO.tenantId}:inc-7:incidentOpened`,
  kind: 'incidentOpened',
  tenantId: ids.CONTOSO.tenantId,
  to: 'it-owner@contoso.com',
  since: '2026-11-25T07:00:00Z',
  summary: 'Together can no longer read calendars: consent was revoked',
  impact: 'Free/busy for 200 mentoring pairs',
  fix: { steps: ['Open the link as a Global Administrator', 'Accept'] },
};

/** Runs one worker process; with dieAfterSend, SIGKILLs it as soon as Graph has accepted the mail. */
function worker(env: Record<string, string>, dieAfterSend: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', driver, JSON.stringify(incident), ...(dieAfterSend ? ['--die-after-send'] : [])],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (dieAfterSend && out.includes('SENT')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(`${out}\n[exit ${code ?? signal}]`));
  });
}

async function killThenRetry(dedup: 'mailbox' | 'store'): Promise<number> {
  await h.emu.control.clearOutbox();
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-a-'));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-b-'));
  const base = { ...h.env, TOGETHER_MAIL_DEDUP: dedup };
  const a = await worker({ ...base, TOGETHER_STATE_DIR: dirA }, true);
  expect(a).toContain('SENT');
  expect(a).toContain('[exit SIGKILL]');
  const b = await worker({ ...base, TOGETHER_STATE_DIR: dirB }, false);
  expect(b).toContain('DONE');
  const outbox = await h.emu.control.outbox();
  fs.rmSync(dirA, { recursive: true, force: true });
  fs.rmSync(dirB, { recursive: true, force: true });
  return outbox.length;
}

describe('notifyOwner exactly once across a crash and two replicas', () => {
  it('draft-then-send (TOGETHER_MAIL_DEDUP=mailbox): a kill after Graph accepted the send → one email', async () => {
    expect(await killThenRetry('mailbox')).toBe(1);
    const [mail] = await h.emu.control.outbox();
    expect(mail!.message.subject).toBeTruthy();
    expect(JSON.stringify(mail!.message)).toContain('X-Together-Idempotency-Key');
  }, 180_000);

  it('control: the local store alone (TOGETHER_MAIL_DEDUP=store, separate state dirs) sends it twice', async () => {
    expect(await killThenRetry('store')).toBe(2);
  }, 180_000);
});
