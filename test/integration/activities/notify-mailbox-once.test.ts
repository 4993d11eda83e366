/**
 * Exactly-once notifications across worker processes and a crash (issue 12 item 4), against the emulator's
 * mailbox: worker A is SIGKILLed after Graph accepted the send and before its activity completed; worker B, with
 * its own state directory (another replica), retries the same notification.
 *  - default (draft-then-send, TOGETHER_MAIL_DEDUP unset → mailbox): one email in the outbox;
 *  - with a webhook and the shared Azure Table (Azurite) as idempotency store: one email and one webhook delivery;
 *  - control (TOGETHER_MAIL_DEDUP=store, the per-host opt-out): the email is sent twice — the test can fail;
 *  - a kill after the webhook receiver answered: the webhook is at-least-once (delivered again with the same
 *    Idempotency-Key for the receiver to drop), while the email still goes out once;
 *  - a kill after everything was sent and recorded but before the activity completed: with the shared table the
 *    other replica's retry sends nothing; with per-host stores (control) it sends the webhook again.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../../contracts/activities';
import { startAzuriteTable, type RunningAzurite } from '../../helpers/azurite';
import { ids, startHarness, type Harness } from './setup';

const root = path.resolve(__dirname, '../../..');
const driver = path.join(__dirname, 'notify-once-driver.ts');

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h?.stop());
let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzuriteTable();
}, 60_000);
afterAll(async () => azurite?.stop());

/** A webhook receiver on loopback recording each delivery's Idempotency-Key. */
async function receiver(): Promise<{ url: string; keys: string[]; close(): Promise<void> }> {
  const keys: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keys.push(String(req.headers['idempotency-key']));
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, keys, close: () => new Promise<void>((r) => server.close(() => r())) };
}

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

type Kill = 'after-send' | 'after-webhook' | 'before-complete';
const MARKER: Record<Kill, string> = {
  'after-send': 'SENT',
  'after-webhook': 'HOOKED',
  'before-complete': 'RECORDED',
};

/** Runs one worker process; with `kill`, SIGKILLs it as soon as Graph accepted the mail / the webhook answered. */
function worker(env: Record<string, string>, kill?: Kill): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', driver, JSON.stringify(incident), ...(kill ? [`--die-${kill}`] : [])],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
    );
    let out = '';
    const marker = kill ? MARKER[kill] : 'DONE';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (kill && out.includes(marker)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(`${out}\n[exit ${code ?? signal}]`));
  });
}

/** Worker A is killed mid-send, then worker B (own state dir) retries; returns the emails in the outbox. */
async function killThenRetry(extra: Record<string, string>, kill: Kill = 'after-send'): Promise<number> {
  await h.emu.control.clearOutbox();
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-a-'));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-b-'));
  const base = { ...h.env, TEST_NOTIFY_LOCK_STALE_MS: '1000', ...extra };
  const a = await worker({ ...base, TOGETHER_STATE_DIR: dirA }, kill);
  expect(a).toContain(MARKER[kill]);
  expect(a).toContain('[exit SIGKILL]');
  // Temporal retries a killed attempt after notifyOwner's start-to-close timeout, by when its lock is stale.
  await new Promise((r) => setTimeout(r, 1500));
  const b = await worker({ ...base, TOGETHER_STATE_DIR: dirB });
  expect(b).toContain('DONE');
  const outbox = await h.emu.control.outbox();
  fs.rmSync(dirA, { recursive: true, force: true });
  fs.rmSync(dirB, { recursive: true, force: true });
  return outbox.length;
}

describe('notifyOwner exactly once across a crash and two replicas', () => {
  it('default (draft-then-send): a kill after Graph accepted the send → one email', async () => {
    expect(h.env.TOGETHER_MAIL_DEDUP).toBeUndefined();
    expect(await killThenRetry({})).toBe(1);
    const [mail] = await h.emu.control.outbox();
    expect(mail!.message.subject).toBeTruthy();
    expect(JSON.stringify(mail!.message)).toContain('X-Together-Idempotency-Key');
  }, 180_000);

  it('email + webhook, replicas sharing the Azure Table (Azurite): a kill mid-send → one email, one webhook delivery', async () => {
    const hook = await receiver();
    try {
      const n = await killThenRetry({
        TOGETHER_WEBHOOK_URL: hook.url,
        TOGETHER_WEBHOOK_SECRET: 'whsec-test-0123456789',
        TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: azurite.connectionString,
        TOGETHER_NOTIFY_TABLE: 'notifyonce1',
      });
      expect(n).toBe(1);
      expect(hook.keys).toEqual([incident.idempotencyKey]);
    } finally {
      await hook.close();
    }
  }, 180_000);

  it('a kill after the webhook receiver answered: the webhook is at-least-once (same Idempotency-Key), the email once', async () => {
    const hook = await receiver();
    try {
      const n = await killThenRetry(
        {
          TOGETHER_WEBHOOK_URL: hook.url,
          TOGETHER_WEBHOOK_SECRET: 'whsec-test-0123456789',
          TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: azurite.connectionString,
          TOGETHER_NOTIFY_TABLE: 'notifyonce2',
        },
        'after-webhook',
      );
      expect(n).toBe(1);
      expect(hook.keys).toEqual([incident.idempotencyKey, incident.idempotencyKey]);
    } finally {
      await hook.close();
    }
  }, 180_000);

  for (const shared of [true, false]) {
    it(
      shared
        ? 'a kill after everything was sent and recorded, before the activity completed: the shared table → the retry on the other replica sends nothing'
        : 'control: the same kill with per-host stores (separate state dirs) → the retry sends the webhook again',
      async () => {
        const hook = await receiver();
        try {
          const n = await killThenRetry(
            {
              TOGETHER_WEBHOOK_URL: hook.url,
              TOGETHER_WEBHOOK_SECRET: 'whsec-test-0123456789',
              ...(shared
                ? {
                    TOGETHER_NOTIFY_TABLE_CONNECTION_STRING: azurite.connectionString,
                    TOGETHER_NOTIFY_TABLE: 'notifyonce3',
                  }
                : {}),
            },
            'before-complete',
          );
          expect(n).toBe(1); // the mailbox dedups the email either way
          expect(hook.keys).toHaveLength(shared ? 1 : 2);
        } finally {
          await hook.close();
        }
      },
      180_000,
    );
  }

  it('control: the local store alone (TOGETHER_MAIL_DEDUP=store, separate state dirs) sends it twice', async () => {
    expect(await killThenRetry({ TOGETHER_MAIL_DEDUP: 'store' })).toBe(2);
  }, 180_000);
});
