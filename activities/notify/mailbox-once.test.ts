/**
 * Issue 12 item 4: a worker that dies after Graph accepted the mail (before the activity completed) and a
 * second replica with its own state directory retrying the notification: exactly one email with draft-then-send
 * (the sender mailbox is the shared record); two with the per-host store alone (the defect).
 */
import { describe, expect, it } from 'vitest';
import type { Notification } from '../../contracts/activities';
import { parseGraphConfig } from '../config';
import type { GraphClientFactory } from '../graph/client';
import { fakeClient, graphError, type FakeHandler } from '../test-support/fake-graph';
import { IDEMPOTENCY_PROPERTY_ID } from './mailbox-once';
import { keyReference, notifyOwner } from './notify';
import { MemoryIdempotencyStore, type NotificationRecord } from './store';

const PUB = '87c8dd36-a0d8-416e-a226-0a80afaaa5a2';
const SENDER = 'notifications@togetherplatform.onmicrosoft.com';
const n: Notification = {
  idempotencyKey: 'tenant-1:incident-7:incidentOpened',
  kind: 'incidentOpened',
  tenantId: '489b6456-9a48-45dd-8b21-086d092d8c11',
  to: 'owner@contoso.com',
  summary: 'Calendar access fails',
};

/** The sender mailbox as Graph models it: drafts, Sent Items, extended-property lookup, sendMail. */
function fakeMailbox() {
  let seq = 0;
  const messages: { id: string; isDraft: boolean; createdDateTime: string; tag?: string; body: unknown }[] =
    [];
  const delivered: unknown[] = [];
  const base = `/users/${encodeURIComponent(SENDER)}`;
  const handler: FakeHandler = ({ method, url, body }) => {
    if (method === 'POST' && url === `${base}/sendMail`) {
      delivered.push(body);
      return { status: 202 };
    }
    if (method === 'POST' && url === `${base}/messages`) {
      const b = body as { singleValueExtendedProperties?: { id: string; value: string }[] };
      const tag = b.singleValueExtendedProperties?.find((p) => p.id === IDEMPOTENCY_PROPERTY_ID)?.value;
      const m = {
        id: `m${++seq}`,
        isDraft: true,
        createdDateTime: new Date(seq * 1000).toISOString(),
        tag,
        body,
      };
      messages.push(m);
      return { status: 201, body: { id: m.id, isDraft: true, createdDateTime: m.createdDateTime } };
    }
    const send = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/messages/([^/]+)/send$`).exec(
      url,
    );
    if (method === 'POST' && send) {
      const m = messages.find((x) => x.id === decodeURIComponent(send[1]!) && x.isDraft);
      if (!m) return graphError(404, 'ErrorItemNotFound');
      // Sending moves the draft to Sent Items under a new id.
      m.isDraft = false;
      m.id = `m${++seq}`;
      delivered.push(m.body);
      return { status: 202 };
    }
    if (method === 'GET' && url.startsWith(`${base}/messages?`)) {
      const filter = new URLSearchParams(url.split('?')[1]).get('$filter') ?? '';
      const value = /ep\/value eq '((?:[^']|'')*)'/.exec(filter)?.[1]?.replace(/''/g, "'");
      return {
        status: 200,
        body: {
          value: messages
            .filter((m) => m.tag === value)
            .map(({ id, isDraft, createdDateTime }) => ({ id, isDraft, createdDateTime })),
        },
      };
    }
    if (method === 'DELETE') {
      const id = decodeURIComponent(url.split('/').pop()!);
      const i = messages.findIndex((m) => m.id === id);
      if (i >= 0) messages.splice(i, 1);
      return { status: 204 };
    }
    return graphError(400, 'BadRequest');
  };
  return { handler, delivered, messages };
}

function replica(mailDedup: 'store' | 'mailbox', mailbox: ReturnType<typeof fakeMailbox>) {
  const client = fakeClient(mailbox.handler);
  const clients: GraphClientFactory = {
    forTenant: (t) => ({
      tenantId: t.tenantId,
      client,
      credential: { getToken: async () => null },
      token: async () => 'x.e30.x',
    }),
    invalidate() {},
  };
  const config = parseGraphConfig({
    appId: 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619',
    credentials: { default: { kind: 'secret', clientSecret: 'not-used-here-xxxx' } },
    senderMailbox: SENDER,
    publisherTenantId: PUB,
    stateDir: '/nonexistent',
    mailDedup,
    probe: { maxRetries: 1 },
  });
  return { deps: { config, clients }, store: new MemoryIdempotencyStore() };
}

/** A store whose write of "sent" never happens: the process was killed right after Graph accepted the mail. */
class KilledAfterSendStore extends MemoryIdempotencyStore {
  override async put(record: NotificationRecord): Promise<void> {
    if (record.channels.email?.state === 'sent') throw new Error('SIGKILL');
    return super.put(record);
  }
}

describe('exactly one email when a worker dies mid-send and another replica retries (issue 12 item 4)', () => {
  for (const mode of ['mailbox', 'store'] as const) {
    it(`${mode === 'mailbox' ? 'draft-then-send: one email' : 'per-host store only: the duplicate the issue reported'}`, async () => {
      const mailbox = fakeMailbox();
      const a = replica(mode, mailbox);
      await expect(notifyOwner(a.deps, new KilledAfterSendStore(), n)).rejects.toThrow('SIGKILL');
      const b = replica(mode, mailbox); // another worker, its own state directory
      await notifyOwner(b.deps, b.store, n);
      await notifyOwner(b.deps, b.store, n); // and a plain retry on it
      expect(mailbox.delivered).toHaveLength(mode === 'mailbox' ? 1 : 2);
    });
  }

  it('a draft left by an attempt that died before sending is sent, not duplicated', async () => {
    const mailbox = fakeMailbox();
    const a = replica('mailbox', mailbox);
    // the first attempt created its draft, then died
    await mailbox.handler({
      method: 'POST',
      url: `/users/${encodeURIComponent(SENDER)}/messages`,
      body: {
        singleValueExtendedProperties: [
          { id: IDEMPOTENCY_PROPERTY_ID, value: keyReference(n.idempotencyKey) },
        ],
      },
    });
    await notifyOwner(a.deps, a.store, n);
    expect(mailbox.delivered).toHaveLength(1);
    expect(mailbox.messages.filter((m) => m.isDraft)).toHaveLength(0);
  });
});
