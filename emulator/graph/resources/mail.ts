/**
 * sendMail (user-sendmail.md) and the draft-then-send mailbox: create a draft, send it, find it again by a
 * single-value extended property, delete it. The latter is what activities' exactly-once email relies on.
 *  - POST /users/{id}/messages: https://learn.microsoft.com/graph/api/user-post-messages — creates a draft
 *    (Mail.ReadWrite), keeping internetMessageHeaders and singleValueExtendedProperties.
 *  - POST /users/{id}/messages/{id}/send: https://learn.microsoft.com/graph/api/message-send — 202; the draft
 *    moves to Sent Items under a new id (Outlook ids change when an item changes folder), so sending the old
 *    id again is 404 ErrorItemNotFound.
 *  - GET /users/{id}/messages?$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…'):
 *    https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get ("Get resource instances
 *    using a filter on a single-value extended property"); the only $filter this emulator accepts here.
 *  - DELETE /users/{id}/messages/{id}: https://learn.microsoft.com/graph/api/message-delete.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, GraphHttpError } from '../../errors';
import { applySelect, parseSelect, parseTop } from '../../odata';
import { objectBody, ok } from '../http';
import type { User } from '../../state';
import type { Ctx } from '../types';
import type { RouteDef } from '../types';
import { mailboxAccess } from './mailbox';

/** sendMail: 202 Accepted, no body; the message lands in the emulator's outbox. */

/** A message in a mailbox (Drafts or Sent Items), as the emulator stores it. */
export interface StoredMessage {
  id: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  sentDateTime?: string;
  isDraft: boolean;
  parentFolderId: 'drafts' | 'sentitems';
  subject?: string;
  body?: { contentType?: string; content?: string };
  toRecipients?: { emailAddress: { address: string; name?: string } }[];
  ccRecipients?: { emailAddress: { address: string; name?: string } }[];
  bccRecipients?: { emailAddress: { address: string; name?: string } }[];
  internetMessageHeaders?: { name: string; value: string }[];
  singleValueExtendedProperties?: { id: string; value: string }[];
}

const MESSAGE_PROPS = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'sentDateTime',
  'isDraft',
  'parentFolderId',
  'subject',
  'body',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'internetMessageHeaders',
] as const;

/** Outlook ids are long opaque base64url strings; a new one whenever an item moves folder. */
const outlookId = () => `AAMk${randomBytes(48).toString('base64url')}`;

function mailbox(c: Ctx, userId: string): StoredMessage[] {
  const key = `${c.caller.tenant.id}|${userId}`;
  let box = c.g.state.mailboxes.get(key) as StoredMessage[] | undefined;
  if (!box) {
    box = [];
    c.g.state.mailboxes.set(key, box);
  }
  return box;
}

const itemNotFound = () =>
  new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

/**
 * The mailbox the path names (after the access checks of `permissions`) and the index in it of the message
 * `/messages/{messageId}` names, when `match` also holds; 404 ErrorItemNotFound otherwise.
 */
function messageAt(
  c: Ctx,
  permissions: string[],
  match: (m: StoredMessage) => boolean = () => true,
): { user: User; box: StoredMessage[]; i: number } {
  const user = mailboxAccess(c, permissions);
  const box = mailbox(c, user.id);
  const i = box.findIndex((m) => m.id === c.params[1] && match(m));
  if (i < 0) throw itemNotFound();
  return { user, box, i };
}

/** A sent message, as the emulator's outbox records it (what the control API's outbox lists). */
function toOutbox(
  c: Ctx,
  from: User,
  sent: { sentDateTime: string; saveToSentItems: boolean; message: Record<string, unknown> },
): void {
  c.g.state.outbox.push({
    id: randomUUID(),
    tenantId: c.caller.tenant.id,
    appId: c.caller.claims.appid,
    from: { id: from.id, userPrincipalName: from.userPrincipalName },
    sentDateTime: sent.sentDateTime,
    saveToSentItems: sent.saveToSentItems,
    message: sent.message as never,
  });
}

function checkRecipients(message: Record<string, unknown>): void {
  const to = [message.toRecipients, message.ccRecipients, message.bccRecipients].flatMap((r) =>
    Array.isArray(r) ? r : [],
  );
  if (to.length === 0)
    throw badRequest('At least one recipient is required, but none were found.', 'ErrorInvalidRecipients');
  for (const r of to) {
    const addr = (r as { emailAddress?: { address?: unknown } })?.emailAddress?.address;
    if (typeof addr !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(addr))
      throw badRequest(
        `The recipient '${String(addr)}' is not a valid SMTP address.`,
        'ErrorInvalidRecipients',
      );
  }
}

/** The response shape of a message: extended properties only when $expand asks for them (as in Graph). */
function view(m: StoredMessage, select: string[] | undefined): Record<string, unknown> {
  const { singleValueExtendedProperties: _ext, ...rest } = m;
  return applySelect(rest as Record<string, unknown>, select, { alwaysId: true });
}

/** `singleValueExtendedProperties/Any(ep: ep/id eq '<id>' and ep/value eq '<value>')` → [id, value]. */
function parseExtendedPropertyFilter(filter: string): [string, string] {
  const m =
    /^singleValueExtendedProperties\/Any\((\w+):\s*\1\/id eq '((?:[^']|'')*)' and \1\/value eq '((?:[^']|'')*)'\)$/i.exec(
      filter.trim(),
    );
  if (!m)
    throw badRequest(
      `The emulator supports only $filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…') on messages.`,
      'ErrorInvalidUrlQueryFilter',
    );
  return [m[2]!.replace(/''/g, "'"), m[3]!.replace(/''/g, "'")];
}

export const routes: RouteDef[] = [
  {
    id: 'sendMail',
    method: 'POST',
    path: '/users/{id}/sendMail',
    handler: (c) => {
      const user = mailboxAccess(c, ['Mail.Send']);
      const body = objectBody(c);
      const message = body.message as Record<string, unknown> | undefined;
      if (!message || typeof message !== 'object')
        throw badRequest("The 'message' property is required.", 'ErrorInvalidRequest');
      checkRecipients(message);
      toOutbox(c, user, {
        sentDateTime: new Date().toISOString(),
        saveToSentItems: body.saveToSentItems !== false,
        message,
      });
      return { status: 202, headers: {} };
    },
    mailboxParam: 0,
  },
  {
    id: 'createMessage',
    method: 'POST',
    path: '/users/{id}/messages',
    handler: (c) => {
      // Same grant as reading/writing a mailbox: Entra Mail.ReadWrite, or Exchange RBAC "Application
      // Mail.ReadWrite" scoped to the sender (mirrors sendMail's Mail.Send check).
      const user = mailboxAccess(c, ['Mail.ReadWrite']);
      const body = objectBody(c);
      const headers = body.internetMessageHeaders;
      if (headers !== undefined) {
        if (!Array.isArray(headers)) throw badRequest("'internetMessageHeaders' must be an array.");
        for (const h of headers as { name?: unknown }[]) {
          // Graph accepts only custom headers, which must start with x- (user-post-messages, "Request body").
          if (typeof h?.name !== 'string' || !/^x-/i.test(h.name))
            throw badRequest(
              `The internet message header name '${String(h?.name)}' should start with 'x-' or 'X-'.`,
              'InvalidInternetMessageHeader',
            );
        }
      }
      const now = new Date(c.g.state.now()).toISOString();
      const m: StoredMessage = {
        id: outlookId(),
        createdDateTime: now,
        lastModifiedDateTime: now,
        isDraft: true,
        parentFolderId: 'drafts',
        ...(body as Partial<StoredMessage>),
      };
      m.isDraft = true;
      m.parentFolderId = 'drafts';
      mailbox(c, user.id).push(m);
      return ok(view(m, undefined), 201);
    },
    mailboxParam: 0,
  },
  {
    id: 'listMessages',
    method: 'GET',
    path: '/users/{id}/messages',
    handler: (c) => {
      const user = mailboxAccess(c, ['Mail.ReadWrite', 'Mail.Read']);
      const select = parseSelect(c.req.query, MESSAGE_PROPS, 'message');
      const top = parseTop(c.req.query, 10, 1000);
      const filter = c.req.query.get('$filter');
      let rows = mailbox(c, user.id);
      if (filter !== null) {
        const [propId, value] = parseExtendedPropertyFilter(filter);
        rows = rows.filter((m) =>
          (m.singleValueExtendedProperties ?? []).some(
            (p) => p.id.toLowerCase() === propId.toLowerCase() && p.value === value,
          ),
        );
      }
      return ok({ value: rows.slice(0, top).map((m) => view(m, select)) });
    },
    mailboxParam: 0,
  },
  {
    id: 'sendDraft',
    method: 'POST',
    path: '/users/{id}/messages/{messageId}/send',
    handler: (c) => {
      const { user, box, i } = messageAt(c, ['Mail.Send'], (m) => m.isDraft);
      const draft = box[i]!;
      checkRecipients(draft as unknown as Record<string, unknown>);
      const now = new Date(c.g.state.now()).toISOString();
      const sent: StoredMessage = {
        ...draft,
        id: outlookId(),
        isDraft: false,
        parentFolderId: 'sentitems',
        sentDateTime: now,
        lastModifiedDateTime: now,
      };
      box.splice(i, 1, sent);
      toOutbox(c, user, {
        sentDateTime: now,
        saveToSentItems: true,
        message: {
          subject: sent.subject,
          body: sent.body,
          toRecipients: sent.toRecipients,
          ccRecipients: sent.ccRecipients,
          internetMessageHeaders: sent.internetMessageHeaders,
        },
      });
      return { status: 202, headers: {} };
    },
    mailboxParam: 0,
  },
  {
    id: 'deleteMessage',
    method: 'DELETE',
    path: '/users/{id}/messages/{messageId}',
    handler: (c) => {
      const { box, i } = messageAt(c, ['Mail.ReadWrite']);
      box.splice(i, 1);
      return { status: 204, headers: {} };
    },
    mailboxParam: 0,
  },
];
