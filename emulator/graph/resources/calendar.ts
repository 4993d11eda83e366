/**
 * The user's default calendar (GET /users/{id}/calendar, user-get-calendar.md; calendar resource): the product
 * reads allowedOnlineMeetingProviders and defaultOnlineMeetingProvider to explain a meeting without a join URL
 * (learn.microsoft.com/graph/outlook-calendar-online-meetings, "Calendars and online meeting providers").
 */
import type { GraphResponse } from '../../errors';
import { parseSelect, type Row } from '../../odata';
import type { User } from '../../state';
import { ctxUrl, ok } from '../http';
import type { Ctx, RouteDef } from '../types';
import { CAL_READ, mailboxAccess } from './mailbox';

const CALENDAR_PROPS = [
  'id',
  'name',
  'color',
  'hexColor',
  'changeKey',
  'canEdit',
  'canShare',
  'canViewPrivateItems',
  'isDefaultCalendar',
  'isRemovable',
  'isTallyingResponses',
  'allowedOnlineMeetingProviders',
  'defaultOnlineMeetingProvider',
  'owner',
] as const;

function calendarRow(user: User): Row {
  const allowed = user.allowedOnlineMeetingProviders;
  return {
    // A stable, opaque id per mailbox (Outlook's are base64 item ids).
    id: Buffer.from(`calendar:${user.id}`).toString('base64url'),
    name: 'Calendar',
    color: 'auto',
    hexColor: '',
    changeKey: Buffer.from(`ck:${user.id}`).toString('base64'),
    canEdit: true,
    canShare: true,
    canViewPrivateItems: true,
    isDefaultCalendar: true,
    isRemovable: false,
    isTallyingResponses: true,
    allowedOnlineMeetingProviders: [...allowed],
    // "unknown" when the calendar allows none (onlineMeetingProviderType).
    defaultOnlineMeetingProvider: allowed.includes('teamsForBusiness')
      ? 'teamsForBusiness'
      : (allowed[0] ?? 'unknown'),
    owner: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
  };
}

function getCalendar(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, CALENDAR_PROPS, 'calendar');
  const row = calendarRow(user);
  const out: Row = select ? Object.fromEntries(select.map((k) => [k, row[k]])) : row;
  return ok({
    '@odata.context': ctxUrl(
      c,
      `users('${encodeURIComponent(c.params[0]!)}')/calendar${select ? `(${select.join(',')})` : ''}/$entity`,
    ),
    ...out,
  });
}

export const routes: RouteDef[] = [
  { id: 'getCalendar', method: 'GET', path: '/users/{id}/calendar', handler: getCalendar, mailboxParam: 0 },
];
