/**
 * notifyOwner and checkCredentialExpiry against the emulator: exactly one email per idempotency key under
 * retries (faults, a failing webhook, a worker restart), text/HTML content, signed webhook; credential expiry
 * grading of the app's real credentials.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../activities';
import type { Notification } from '../../../contracts/activities';
import { FailureTypes } from '../../../contracts/activities';
import { ids, startHarness, type Harness } from './setup';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h?.stop());

const incident: Notification = {
  idempotencyKey: `${ids.CONTOSO.tenantId}:inc-42:incidentOpened`,
  kind: 'incidentOpened',
  tenantId: ids.CONTOSO.tenantId,
  to: 'it-owner@contoso.com',
  since: '2026-11-25T07:00:00Z',
  summary: 'Together can no longer read calendars: consent was revoked',
  impact: 'Free/busy and Teams links for 200 mentoring pairs',
  fix: {
    consentUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=x',
    steps: ['Open the link as a Global Administrator', 'Accept'],
  },
};

/** A webhook receiver answering the statuses given in order, then 200. */
async function receiver(statuses: number[]) {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('notifyOwner', () => {
  it('exactly once under retries: Graph faults, a failing webhook, and a worker restart', async () => {
    const hook = await receiver([503]);
    try {
      const env = {
        TOGETHER_WEBHOOK_URL: hook.url,
        TOGETHER_WEBHOOK_SECRET: 'whsec-test-0123456789',
        TOGETHER_GRAPH_MAX_RETRIES: '0',
      };
      // Attempt 1: sending the draft (draft-then-send, the default) hits an injected 503 (no retries left)
      // → retryable failure, nothing sent; the tagged draft stays in the sender mailbox.
      await h.emu.control.setFaults([
        { route: 'sendDraft', kind: '503', rate: 1, count: 1, retryAfterSeconds: 0 },
      ]);
      const worker1 = h.activities({ env });
      await expect(worker1.notifyOwner(incident)).rejects.toMatchObject({
        type: FailureTypes.Transient,
        nonRetryable: false,
      });
      expect(await h.emu.control.outbox()).toHaveLength(0);
      // Attempt 2: the mail goes out, the webhook answers 503 → retryable failure.
      await expect(worker1.notifyOwner(incident)).rejects.toMatchObject({ type: FailureTypes.Transient });
      expect(await h.emu.control.outbox()).toHaveLength(1);
      // Attempt 3 on a restarted worker (new process state, same state dir): only the webhook is sent.
      const worker2 = h.activities({ env });
      const r3 = await worker2.notifyOwner(incident);
      expect(r3).toEqual({
        idempotencyKey: incident.idempotencyKey,
        sent: true,
        channels: ['email', 'webhook'],
      });
      // Attempt 4 (e.g. the workflow's activity retried after a timeout): nothing is sent again.
      const r4 = await h.activities({ env }).notifyOwner(incident);
      expect(r4).toEqual({
        idempotencyKey: incident.idempotencyKey,
        sent: false,
        channels: ['email', 'webhook'],
      });

      const outbox = await h.emu.control.outbox();
      expect(outbox).toHaveLength(1);
      expect(hook.got.filter((g) => g.headers['x-together-signature'])).toHaveLength(2); // the 503 and the success
      const last = hook.got.at(-1)!;
      expect(
        verifyWebhook(
          'whsec-test-0123456789',
          last.body,
          String(last.headers['x-together-signature']),
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
      expect(last.headers['idempotency-key']).toBe(incident.idempotencyKey);
      expect(JSON.parse(last.body)).toMatchObject({
        kind: 'incidentOpened',
        tenantId: ids.CONTOSO.tenantId,
        fix: incident.fix,
      });

      const mail = outbox[0]!;
      expect(mail.tenantId).toBe(ids.PUBLISHER.tenantId);
      expect(mail.from.userPrincipalName).toBe(ids.PUBLISHER.senderMailbox.userPrincipalName);
      const m = mail.message as {
        subject?: string;
        body?: { contentType?: string; content?: string };
        toRecipients?: unknown;
      };
      expect(m.subject).toContain('failing');
      expect(m.body?.contentType).toBe('HTML');
      expect(m.body?.content).toContain(incident.fix!.consentUrl!);
      expect(m.body?.content).toContain('2026-11-25 07:00 UTC');
      expect(m.toRecipients).toEqual([{ emailAddress: { address: 'it-owner@contoso.com' } }]);
    } finally {
      await hook.close();
    }
  });

  it('different incidents or kinds are different keys', async () => {
    const a = h.activities();
    await a.notifyOwner(incident);
    await a.notifyOwner({
      ...incident,
      idempotencyKey: `${ids.CONTOSO.tenantId}:inc-42:incidentResolved`,
      kind: 'incidentResolved',
    });
    await a.notifyOwner(incident);
    expect(await h.emu.control.outbox()).toHaveLength(2);
  });
});

describe('checkCredentialExpiry', () => {
  it('grades the app registration’s certificate and secrets: warning ≤ 30 days, urgent ≤ 14, expired', async () => {
    const a = h.activities();
    const r = await a.checkCredentialExpiry();
    expect(r.appId).toBe(ids.TOGETHER_APP.appId);
    const byKey = new Map(r.credentials.map((c) => [c.keyId, c]));
    expect(byKey.get(ids.TOGETHER_APP.expiredClientSecretKeyId)).toMatchObject({
      kind: 'secret',
      severity: 'expired',
    });
    expect(byKey.get(ids.TOGETHER_APP.certificateKeyId)).toMatchObject({
      kind: 'certificate',
      severity: 'ok',
    });
    expect(r.severity).toBe('expired');

    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000 + 3_600_000).toISOString();
    await h.emu.control.setCredentialEnd(
      ids.TOGETHER_APP.appId,
      ids.TOGETHER_APP.expiredClientSecretKeyId,
      inDays(400),
    );
    await h.emu.control.setCredentialEnd(
      ids.TOGETHER_APP.appId,
      ids.TOGETHER_APP.clientSecretKeyId,
      inDays(25),
    );
    expect((await a.checkCredentialExpiry()).severity).toBe('warning');
    await h.emu.control.setCredentialEnd(
      ids.TOGETHER_APP.appId,
      ids.TOGETHER_APP.certificateKeyId,
      inDays(10),
    );
    const urgent = await a.checkCredentialExpiry();
    expect(urgent.severity).toBe('urgent');
    expect(urgent.credentials[0]).toMatchObject({ kind: 'certificate', daysLeft: 10, severity: 'urgent' });
  });
});
