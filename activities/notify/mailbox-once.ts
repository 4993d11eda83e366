/**
 * Exactly-once email through the sender mailbox itself (draft-then-send). The idempotency store alone cannot
 * tell "Graph accepted the mail, then the worker died" from "never sent", and a store on one host's disk is not
 * shared by other worker replicas. The sender mailbox is shared by all of them and survives any crash, so:
 *
 *   1. look for a message tagged with the notification's key (a single-value extended property, searched
 *      across the whole mailbox: Drafts and Sent Items) — found and sent → done, nothing is sent again;
 *   2. found as a draft → send that draft (a previous attempt died between creating and sending it);
 *   3. none → create the draft with the tag, re-read the tags (two replicas racing both create one: the oldest
 *      draft wins, the others are deleted), and send the winner.
 *
 * Graph: POST /users/{id}/messages (create draft), POST /users/{id}/messages/{id}/send, and
 * $filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…') on /users/{id}/messages
 * ("Get singleValueLegacyExtendedProperty", learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get;
 * sending a draft moves it to Sent Items and keeps its extended properties). Needs Mail.ReadWrite on the sender
 * mailbox in addition to Mail.Send (scope both to that mailbox with an application access policy / RBAC).
 */
import type { GraphCaller } from '../graph/caller';

/** A named MAPI string property in the PS_PUBLIC_STRINGS namespace: `String {guid} Name <name>`. */
export const IDEMPOTENCY_PROPERTY_ID =
  'String {00020329-0000-0000-C000-000000000046} Name X-Together-Idempotency-Key';

export interface TaggedMessage {
  id: string;
  isDraft?: boolean;
  createdDateTime?: string;
}

export interface OutgoingMessage {
  subject: string;
  body: { contentType: 'HTML' | 'Text'; content: string };
  toRecipients: { emailAddress: { address: string } }[];
  internetMessageHeaders?: { name: string; value: string }[];
}

export type MailboxOnceResult = 'sent' | 'alreadySent' | 'sentExistingDraft';

const quote = (s: string) => s.replace(/'/g, "''");

export function findTaggedUrl(sender: string, keyRef: string): string {
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${quote(IDEMPOTENCY_PROPERTY_ID)}' and ep/value eq '${quote(keyRef)}')`;
  return `/users/${encodeURIComponent(sender)}/messages?$filter=${encodeURIComponent(filter)}&$select=id,isDraft,createdDateTime&$top=10`;
}

export class MailboxOnceError extends Error {
  override name = 'MailboxOnceError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

async function findTagged(caller: GraphCaller, sender: string, keyRef: string): Promise<TaggedMessage[]> {
  const r = await caller.call<{ value?: TaggedMessage[] }>({
    method: 'GET',
    url: findTaggedUrl(sender, keyRef),
    mailboxes: [sender],
  });
  if (!r.ok)
    throw new MailboxOnceError('looking up earlier attempts failed', r.failure.status, r.failure.code);
  return [...(r.value.value ?? [])].sort(
    (a, b) => (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? '') || a.id.localeCompare(b.id),
  );
}

/** False when the draft is gone: a racing replica sent it (sending moves it to Sent Items under a new id). */
async function send(caller: GraphCaller, sender: string, id: string): Promise<boolean> {
  const r = await caller.call({
    method: 'POST',
    url: `/users/${encodeURIComponent(sender)}/messages/${encodeURIComponent(id)}/send`,
    mailboxes: [sender],
  });
  if (!r.ok && r.failure.status === 404) return false;
  if (!r.ok) throw new MailboxOnceError('sending the draft failed', r.failure.status, r.failure.code);
  return true;
}

/** Sends `message` from `sender` at most once per `keyRef`, across attempts, crashes and worker replicas. */
export async function sendMailOnce(
  caller: GraphCaller,
  sender: string,
  keyRef: string,
  message: OutgoingMessage,
): Promise<MailboxOnceResult> {
  const earlier = await findTagged(caller, sender, keyRef);
  if (earlier.some((m) => m.isDraft === false)) return 'alreadySent';
  if (earlier[0]) {
    return (await send(caller, sender, earlier[0].id)) ? 'sentExistingDraft' : 'alreadySent';
  }
  const created = await caller.call<TaggedMessage>({
    method: 'POST',
    url: `/users/${encodeURIComponent(sender)}/messages`,
    mailboxes: [sender],
    body: {
      ...message,
      singleValueExtendedProperties: [{ id: IDEMPOTENCY_PROPERTY_ID, value: keyRef }],
    },
  });
  if (!created.ok)
    throw new MailboxOnceError('creating the draft failed', created.failure.status, created.failure.code);
  // A replica racing us may have created its own draft: the oldest one wins, ours is deleted if it lost.
  const all = await findTagged(caller, sender, keyRef);
  if (all.some((m) => m.isDraft === false)) {
    await caller.call({
      method: 'DELETE',
      url: `/users/${encodeURIComponent(sender)}/messages/${encodeURIComponent(created.value.id)}`,
      mailboxes: [sender],
    });
    return 'alreadySent';
  }
  const winner = all[0] ?? created.value;
  if (winner.id !== created.value.id) {
    await caller.call({
      method: 'DELETE',
      url: `/users/${encodeURIComponent(sender)}/messages/${encodeURIComponent(created.value.id)}`,
      mailboxes: [sender],
    });
  }
  return (await send(caller, sender, winner.id)) ? 'sent' : 'alreadySent';
}
