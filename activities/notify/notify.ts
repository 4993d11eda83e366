/**
 * notifyOwner: email from the configured sender mailbox in the publisher's own tenant — draft-then-send by default
 * (mailbox-once.ts: exactly once across replicas and crashes), plain sendMail with TOGETHER_MAIL_DEDUP=store — and
 * optionally a signed webhook (at least once, exactly once across replicas short of a crash right after the
 * receiver's 2xx). The per-channel record and lock live in the IdempotencyStore (store-factory.ts: the shared
 * Azure Table when configured, else per-host files).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Notification, NotifyResult } from '../../contracts/activities';
import { FailureTypes } from '../../contracts/activities';
import { failureForGraph, permanentFailure, redact, transientFailure } from '../graph/errors';
import { graphCallerFor, type ActivityDeps } from '../runtime';
import { renderNotification } from './render';
import { addressed, recipients } from './audience';
import { LockBusyError, type Channel, type IdempotencyStore, type NotificationRecord } from './store';
import { EMAIL } from '../../contracts/validation';
import { MailboxOnceError, sendMailOnce } from './mailbox-once';

export const SIGNATURE_HEADER = 'X-Together-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe-style: the timestamp is signed too). */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Receiver side (documented; used by tests): constant-time check with a tolerance window. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const got = Buffer.from(m[2]!);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** Stable, non-reversible reference to the key, carried in the X-Together-Idempotency-Key mail header. */
export function keyReference(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

export async function notifyOwner(
  deps: ActivityDeps,
  store: IdempotencyStore,
  input: Notification,
): Promise<NotifyResult> {
  const cfg = deps.config;
  if (!input?.idempotencyKey)
    throw permanentFailure(FailureTypes.Configuration, 'notification has no idempotencyKey');
  // Publisher-side problems go to the publisher's operators, never to the tenant's owner (audience.ts).
  const n = addressed(cfg, input);
  if (!recipients(n).length || !recipients(n).every((r) => EMAIL.test(r)))
    throw permanentFailure(FailureTypes.Configuration, `notification recipient is not an email address`);
  if (!cfg.senderMailbox || !cfg.publisherTenantId) {
    throw permanentFailure(
      FailureTypes.Configuration,
      'Notifications need TOGETHER_SENDER_MAILBOX and TOGETHER_PUBLISHER_TENANT_ID (the sender mailbox lives in the publisher tenant).',
    );
  }
  const wanted: Channel[] = cfg.webhookUrl ? ['email', 'webhook'] : ['email'];
  const now = () => deps.now?.() ?? new Date();

  try {
    return await store.withLock(n.idempotencyKey, async () => {
      const record: NotificationRecord = (await store.get(n.idempotencyKey)) ?? {
        key: n.idempotencyKey,
        createdAt: now().toISOString(),
        channels: {},
      };
      const sentNow: Channel[] = [];
      for (const channel of wanted) {
        if (record.channels[channel]?.state === 'sent') continue;
        if (record.channels[channel]?.state === 'pending') {
          deps.logger?.warn(
            { key: n.idempotencyKey, channel },
            'previous attempt died mid-send; sending again (same X-Together-Idempotency-Key / Idempotency-Key)',
          );
        }
        record.channels[channel] = { state: 'pending', at: now().toISOString() };
        await store.put(record);
        if (channel === 'email') await sendEmail(deps, n);
        else await sendWebhook(deps, n);
        record.channels[channel] = { state: 'sent', at: now().toISOString() };
        await store.put(record);
        sentNow.push(channel);
      }
      const delivered = wanted.filter((c) => record.channels[c]?.state === 'sent');
      deps.logger?.info(
        { key: n.idempotencyKey, kind: n.kind, tenantId: n.tenantId, sent: sentNow, delivered },
        'notification',
      );
      return { idempotencyKey: n.idempotencyKey, sent: sentNow.length > 0, channels: delivered };
    });
  } catch (err) {
    if (err instanceof LockBusyError) throw transientFailure(err.message);
    throw err;
  }
}

async function sendEmail(deps: ActivityDeps, n: Notification): Promise<void> {
  const cfg = deps.config;
  const graph = deps.clients!.forTenant({ tenantId: cfg.publisherTenantId!, credentialRef: 'default' });
  const caller = graphCallerFor(deps, graph);
  const msg = renderNotification(n, { consoleUrl: cfg.consoleUrl });
  if (cfg.mailDedup === 'mailbox') {
    const message = {
      subject: msg.subject,
      body: { contentType: 'HTML' as const, content: msg.html },
      toRecipients: recipients(n).map((address) => ({ emailAddress: { address } })),
      internetMessageHeaders: [
        { name: 'X-Together-Idempotency-Key', value: keyReference(n.idempotencyKey) },
        { name: 'X-Together-Kind', value: n.kind },
      ],
    };
    try {
      const outcome = await sendMailOnce(caller, cfg.senderMailbox!, keyReference(n.idempotencyKey), message);
      deps.logger?.info({ key: n.idempotencyKey, outcome }, 'email (draft-then-send)');
      return;
    } catch (err) {
      if (!(err instanceof MailboxOnceError)) throw err;
      if (err.status === 403 || err.status === 404) {
        throw permanentFailure(
          FailureTypes.Configuration,
          `Draft-then-send from ${cfg.senderMailbox} was refused (${err.status} ${err.code ?? ''}: ${err.message}): exactly-once email (TOGETHER_MAIL_DEDUP=mailbox, the default) needs Application Mail.ReadWrite and Application Mail.Send scoped to the sender mailbox in the publisher tenant (the publisher stack's exchangeScopingScript grants both); TOGETHER_MAIL_DEDUP=store opts out (exactly once per host only).`,
        );
      }
      throw transientFailure(`email: ${err.message} (${err.status} ${err.code ?? ''})`);
    }
  }
  const res = await caller.call({
    method: 'POST',
    url: `/users/${encodeURIComponent(cfg.senderMailbox!)}/sendMail`,
    mailboxes: [cfg.senderMailbox!],
    body: {
      message: {
        subject: msg.subject,
        body: { contentType: 'HTML', content: msg.html },
        toRecipients: recipients(n).map((address) => ({ emailAddress: { address } })),
        internetMessageHeaders: [
          { name: 'X-Together-Idempotency-Key', value: keyReference(n.idempotencyKey) },
          { name: 'X-Together-Kind', value: n.kind },
        ],
      },
      saveToSentItems: true,
    },
  });
  if (!res.ok) {
    if (res.failure.status === 403 || res.failure.status === 404) {
      throw permanentFailure(
        FailureTypes.Configuration,
        `sendMail from ${cfg.senderMailbox} was refused (${res.failure.status} ${res.failure.code ?? ''}): the app needs Mail.Send in the publisher tenant (scoped to the sender mailbox) and the mailbox must exist.`,
        { requestId: res.failure.requestId },
      );
    }
    throw failureForGraph(cfg.publisherTenantId!, 'sendMail', res.failure);
  }
}

async function sendWebhook(deps: ActivityDeps, n: Notification): Promise<void> {
  const cfg = deps.config;
  const msg = renderNotification(n, { consoleUrl: cfg.consoleUrl });
  const body = JSON.stringify({
    idempotencyKey: n.idempotencyKey,
    kind: n.kind,
    audience: n.audience ?? 'owner',
    tenantId: n.tenantId,
    since: n.since ?? null,
    summary: n.summary,
    impact: n.impact ?? null,
    fix: n.fix ?? null,
    facts: n.facts ?? null,
    subject: msg.subject,
    text: msg.text,
  });
  const t = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
  const doFetch = deps.fetch ?? fetch;
  let status: number;
  try {
    const res = await doFetch(cfg.webhookUrl!, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(cfg.webhookSecret!, body, t),
        [IDEMPOTENCY_HEADER]: n.idempotencyKey,
        'User-Agent': 'together-o365-notifier',
      },
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    throw transientFailure(
      `webhook unreachable: ${redact(err instanceof Error ? err.message : String(err))}`,
    );
  }
  if (status >= 200 && status < 300) return;
  if (status === 408 || status === 429 || status >= 500) throw transientFailure(`webhook answered ${status}`);
  throw permanentFailure(
    FailureTypes.Configuration,
    `webhook answered ${status}: check TOGETHER_WEBHOOK_URL and the receiver's signature check.`,
  );
}
