import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGraphConfig } from '../config';
import type { Notification } from '../../contracts/activities';
import type { GraphClientFactory } from '../graph/client';
import { fakeClient, graphError } from '../test-support/fake-graph';
import { notifyOwner, signWebhook, verifyWebhook } from './notify';
import { renderNotification } from './render';
import { FileIdempotencyStore } from './store';

const PUB = '87c8dd36-a0d8-416e-a226-0a80afaaa5a2';
const n: Notification = {
  idempotencyKey: 'tenant-1:incident-7:incidentOpened',
  kind: 'incidentOpened',
  tenantId: '489b6456-9a48-45dd-8b21-086d092d8c11',
  to: 'owner@contoso.com',
  since: '2026-11-25T08:00:00Z',
  summary: 'Calendar access fails for 20 of 200 users <script>',
  impact: 'Mentoring sessions cannot be booked for them',
  fix: {
    consentUrl: 'https://login.microsoftonline.com/x/v2.0/adminconsent?client_id=y&a=b',
    steps: ['Re-grant consent'],
  },
  facts: { reachable: 180, sampled: 200 },
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(opts: { webhook?: boolean; mail?: Parameters<typeof fakeClient>[0]; hook?: () => Response }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notify-'));
  dirs.push(dir);
  const client = fakeClient(opts.mail ?? (() => ({ status: 202 })));
  const clients: GraphClientFactory = {
    forTenant: (t) => ({
      tenantId: t.tenantId,
      client,
      credential: { getToken: async () => null },
      token: async () => 'x.e30.x',
    }),
    invalidate() {},
  };
  const hooks: { headers: Headers; body: string }[] = [];
  const config = parseGraphConfig({
    appId: 'd8f05fd0-69d0-4d7e-b9b9-893d02a3f619',
    credentials: { default: { kind: 'secret', clientSecret: 'not-used-here-xxxx' } },
    senderMailbox: 'notifications@togetherplatform.onmicrosoft.com',
    publisherTenantId: PUB,
    stateDir: dir,
    // These cases are about the idempotency record (per channel, per attempt); draft-then-send, the default,
    // is proven in mailbox-once.test.ts and test/integration/activities/notify-mailbox-once.test.ts.
    mailDedup: 'store',
    ...(opts.webhook
      ? { webhookUrl: 'https://hooks.example.com/together', webhookSecret: 'whsec-0123456789abcdef' }
      : {}),
    probe: { maxRetries: 1 },
  });
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    hooks.push({ headers: new Headers(init.headers), body: String(init.body) });
    return opts.hook ? opts.hook() : new Response('ok', { status: 200 });
  }) as unknown as typeof fetch;
  const deps = { config, clients, fetch: fetchImpl };
  return { deps, client, hooks, dir, store: () => new FileIdempotencyStore(dir) };
}

describe('renderNotification', () => {
  it('has text and HTML with what, since, impact, fix; HTML is escaped', () => {
    const r = renderNotification(n);
    expect(r.subject).toContain('failing');
    expect(r.text).toContain('Calendar access fails for 20 of 200 users');
    expect(r.text).toContain('2026-11-25 08:00 UTC');
    expect(r.text).toContain(n.fix!.consentUrl!);
    expect(r.html).toContain('&lt;script&gt;');
    expect(r.html).not.toContain('<script>');
    expect(r.html).toContain('client_id=y&amp;a=b');
    expect(r.text).toContain('reachable: 180');
  });
});

describe('webhook signature', () => {
  it('verifies what it signs, rejects tampering and stale timestamps', () => {
    const h = signWebhook('secret-0123456789', '{"a":1}', 1000);
    expect(verifyWebhook('secret-0123456789', '{"a":1}', h, 1010)).toBe(true);
    expect(verifyWebhook('secret-0123456789', '{"a":2}', h, 1010)).toBe(false);
    expect(verifyWebhook('other-secret-xxxx', '{"a":1}', h, 1010)).toBe(false);
    expect(verifyWebhook('secret-0123456789', '{"a":1}', h, 5000)).toBe(false);
  });
});

describe('notifyOwner idempotency', () => {
  it('sends once; a retry with the same key sends nothing, even from a new worker (new store instance)', async () => {
    const s = setup({});
    const first = await notifyOwner(s.deps, s.store(), n);
    expect(first).toEqual({ idempotencyKey: n.idempotencyKey, sent: true, channels: ['email'] });
    const again = await notifyOwner(s.deps, s.store(), n);
    expect(again).toEqual({ idempotencyKey: n.idempotencyKey, sent: false, channels: ['email'] });
    expect(s.client.calls.filter((c) => c.url.endsWith('/sendMail'))).toHaveLength(1);
    const msg = (
      s.client.calls[0]!.body as { message: { body: { contentType: string }; toRecipients: unknown[] } }
    ).message;
    expect(msg.body.contentType).toBe('HTML');
    expect(msg.toRecipients).toEqual([{ emailAddress: { address: 'owner@contoso.com' } }]);
  });

  it('email sent, webhook fails: the retry sends only the webhook', async () => {
    let fail = true;
    const s = setup({ webhook: true, hook: () => new Response('down', { status: fail ? 503 : 200 }) });
    await expect(notifyOwner(s.deps, s.store(), n)).rejects.toMatchObject({
      type: 'TransientGraphError',
      nonRetryable: false,
    });
    fail = false;
    const r = await notifyOwner(s.deps, s.store(), n);
    expect(r).toEqual({ idempotencyKey: n.idempotencyKey, sent: true, channels: ['email', 'webhook'] });
    expect(s.client.calls).toHaveLength(1);
    expect(s.hooks).toHaveLength(2);
    const h = s.hooks[1]!;
    expect(h.headers.get('Idempotency-Key')).toBe(n.idempotencyKey);
    expect(
      verifyWebhook(
        'whsec-0123456789abcdef',
        h.body,
        h.headers.get('X-Together-Signature')!,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    expect(h.body).not.toContain('whsec');
  });

  it('sendMail throttled then failing: nothing recorded as sent, the retry sends', async () => {
    let down = true;
    const s = setup({
      mail: () => (down ? graphError(503, 'serviceNotAvailable', { 'Retry-After': '0' }) : { status: 202 }),
    });
    await expect(notifyOwner(s.deps, s.store(), n)).rejects.toMatchObject({ nonRetryable: false });
    down = false;
    expect((await notifyOwner(s.deps, s.store(), n)).sent).toBe(true);
    expect((await notifyOwner(s.deps, s.store(), n)).sent).toBe(false);
  });

  it('concurrent attempts with one key send once', async () => {
    const s = setup({});
    const store = s.store();
    const rs = await Promise.all([
      notifyOwner(s.deps, store, n),
      notifyOwner(s.deps, store, n),
      notifyOwner(s.deps, store, n),
    ]);
    expect(rs.filter((r) => r.sent)).toHaveLength(1);
    expect(s.client.calls).toHaveLength(1);
  });

  it('missing sender configuration is a permanent configuration failure', async () => {
    const s = setup({});
    const deps = { ...s.deps, config: { ...s.deps.config, senderMailbox: undefined } };
    await expect(notifyOwner(deps, s.store(), n)).rejects.toMatchObject({
      type: 'ConfigurationError',
      nonRetryable: true,
    });
  });
});
