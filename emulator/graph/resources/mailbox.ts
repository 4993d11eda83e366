/** Mailbox routes (calendar, mail): who may reach which mailbox, as Exchange Online decides it. */
import { GraphHttpError } from '../../errors';
import { EXCHANGE_APP_ROLES } from '../../permissions';
import type { User } from '../../state';
import type { Ctx } from '../types';

// ------------------------------------------------------------------ mailbox routes

export const CAL_READ = ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic.All'];
export const CAL_WRITE = ['Calendars.ReadWrite'];

/**
 * Resolve the mailbox of a calendar/mail route and decide access, in the order Outlook answers:
 * 1. no Entra role and no Exchange scoped grant at all → 403 ErrorAccessDenied;
 * 2. unknown user → 404 ErrorInvalidUser (graph-docs-contrib #5460);
 * 3. no Exchange Online mailbox (unlicensed, guest, on-premises) → 404 MailboxNotEnabledForRESTAPI;
 * 4. tenant-wide Entra role → allowed; else an Exchange RBAC scope must contain the mailbox → else 403
 *    ErrorAccessDenied. The two add up: a tenant-wide role makes the scope irrelevant (application-rbac FAQ).
 */
export function mailboxAccess(c: Ctx, permissions: string[]): User {
  const tenant = c.caller.tenant;
  const appId = c.caller.claims.appid;
  const entra = permissions.some((p) => c.caller.roles.has(p));
  // Exchange RBAC for Applications scopes app-only access; a delegated token's reach is the user's own.
  const scopedAny =
    !entra &&
    !c.caller.userId &&
    [...tenant.activeExchangeScopes(c.g.state.now())].some(
      (s) => s.appId === appId.toLowerCase() && permissions.includes(EXCHANGE_APP_ROLES[s.role] ?? ''),
    );
  if (!entra && !scopedAny)
    throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  const key = c.params[0]!;
  const user = tenant.findUser(key);
  if (!user) throw new GraphHttpError(404, 'ErrorInvalidUser', `The requested user '${key}' is invalid.`);
  c.mailbox = user.userPrincipalName;
  if (user.mailbox !== 'exchangeOnline')
    throw new GraphHttpError(
      404,
      'MailboxNotEnabledForRESTAPI',
      user.mailbox === 'onPremises'
        ? 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.'
        : 'REST API is not yet supported for this mailbox.',
    );
  if (!entra && tenant.exchangeScopeDecision(appId, permissions, user.id, c.g.state.now()) !== 'inScope')
    throw new GraphHttpError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  return user;
}
