/** sendMail (user-sendmail.md). */
import { randomUUID } from 'node:crypto';
import { badRequest } from '../../errors';
import { objectBody } from '../http';
import type { RouteDef } from '../types';
import { mailboxAccess } from './mailbox';

/** sendMail: 202 Accepted, no body; the message lands in the emulator's outbox. */

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
      const to = [message.toRecipients, message.ccRecipients, message.bccRecipients].flatMap((r) =>
        Array.isArray(r) ? r : [],
      );
      if (to.length === 0)
        throw badRequest(
          'At least one recipient is required, but none were found.',
          'ErrorInvalidRecipients',
        );
      for (const r of to) {
        const addr = (r as { emailAddress?: { address?: unknown } })?.emailAddress?.address;
        if (typeof addr !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(addr))
          throw badRequest(
            `The recipient '${String(addr)}' is not a valid SMTP address.`,
            'ErrorInvalidRecipients',
          );
      }
      c.g.state.outbox.push({
        id: randomUUID(),
        tenantId: c.caller.tenant.id,
        appId: c.caller.claims.appid,
        from: { id: user.id, userPrincipalName: user.userPrincipalName },
        sentDateTime: new Date().toISOString(),
        saveToSentItems: body.saveToSentItems !== false,
        message: message as never,
      });
      return { status: 202, headers: {} };
    },
    mailboxParam: 0,
  },
];
