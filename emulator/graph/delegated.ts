/**
 * What a delegated (user) token may reach. Graph evaluates a delegated call as the intersection of the app's
 * scopes and the signed-in user's own rights (https://learn.microsoft.com/graph/permissions-overview,
 * "Delegated permissions"): with Calendars.ReadWrite and User.Read a user reaches their own profile and
 * calendar — `/me/…` or `/users/{their id or UPN}/…` — and nobody else's (403 ErrorAccessDenied on another
 * mailbox; 403 Authorization_RequestDenied on directory routes). App-only tokens are not affected.
 * getSchedule is the exception Outlook makes on purpose: it answers free/busy of colleagues (per their
 * sharing), so only the path's mailbox must be the caller's.
 */
import { GraphHttpError } from '../errors';
import type { RouteDef, Ctx } from './types';

/** Routes a delegated token may call, and on whose behalf. */
const SELF_ROUTES = new Set([
  'getUser',
  'listEvents',
  'calendarView',
  'createEvent',
  'getEvent',
  'updateEvent',
  'deleteEvent',
  'getSchedule',
  'sendMail',
  'revokeSignInSessions',
]);

/** `/me` and `/me/…` address the signed-in user: route them as `/users/me…` and resolve `me` after auth. */
export function rewriteMe(path: string): string {
  return /^\/me(\/|$)/i.test(path) ? `/users/me${path.slice(3)}` : path;
}

/** Throws unless the delegated caller may call this route on this target; replaces `me` by the user's id. */
export function delegatedGate(c: Ctx, route: RouteDef): void {
  const userId = c.caller.userId;
  const usesMe = route.path.startsWith('/users/{') && c.params[0]?.toLowerCase() === 'me';
  if (!userId) {
    // Graph: "/me request is only valid with delegated authentication flow." (400 BadRequest).
    if (usesMe)
      throw new GraphHttpError(
        400,
        'BadRequest',
        '/me request is only valid with delegated authentication flow.',
      );
    return;
  }
  if (usesMe) c.params[0] = userId;
  if (!SELF_ROUTES.has(route.id))
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  const target = c.caller.tenant.findUser(c.params[0] ?? '');
  if (!target || target.id !== userId) {
    if (route.mailboxParam !== undefined)
      throw new GraphHttpError(
        403,
        'ErrorAccessDenied',
        'Access is denied. Check credentials and try again.',
      );
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
}
