/** calendar/getSchedule: free/busy for up to 20 mailboxes. */
import { badRequest, type GraphResponse } from '../../errors';
import type { Row } from '../../odata';
import type { CalendarEvent, User } from '../../state';
import { ctxUrl, dtz, objectBody, ok } from '../http';
import type { Ctx, RouteDef } from '../types';
import { inZone, preferTz } from './eventShape';
import { mailboxAccess } from './mailbox';

/**
 * One scheduleItem (https://learn.microsoft.com/graph/api/resources/scheduleitem: subject and location are
 * "Optional"). Outlook reveals them only when the event is not private and the mailbox shares more than
 * availability: a private (or confidential) item shows status and times only, as Exchange's free/busy does
 * ("If the IsPrivate element is true, all other elements in CalendarEventDetails are not returned",
 * https://learn.microsoft.com/exchange/client-developer/web-service-reference/calendareventdetails); with
 * availability-only sharing no item has a subject or location.
 */
export function scheduleItem(
  e: CalendarEvent,
  sharing: User['freeBusySharing'],
  tz: string | undefined,
): Row {
  const hidden = e.sensitivity === 'private' || e.sensitivity === 'confidential';
  const item: Row = { isPrivate: e.sensitivity === 'private', status: e.showAs };
  if (!hidden && sharing === 'limitedDetails') {
    item.subject = e.subject;
    item.location = e.location.displayName;
  }
  item.start = inZone(e.start, tz);
  item.end = inZone(e.end, tz);
  return item;
}

/**
 * getSchedule (calendar-getschedule.md; outlook-get-free-busy-schedule.md): at most 20 schedules, a window
 * under 62 days, availabilityViewInterval 5–1440 (default 30). Per-schedule failures come back inside the
 * 200 as a freeBusyError {message, responseCode}.
 */
function getSchedule(c: Ctx): GraphResponse {
  mailboxAccess(c, ['Calendars.Read', 'Calendars.ReadWrite']);
  const body = objectBody(c);
  const schedules = body.schedules;
  if (!Array.isArray(schedules) || schedules.length === 0 || !schedules.every((s) => typeof s === 'string'))
    throw badRequest("'schedules' must be a non-empty array of SMTP addresses.", 'ErrorInvalidParameter');
  if (schedules.length > 20)
    throw badRequest(
      `The number of schedules (${schedules.length}) exceeds the limit of 20 per request.`,
      'ErrorInvalidParameter',
    );
  const start = dtz(body.startTime, 'startTime');
  const end = dtz(body.endTime, 'endTime');
  if (end.utc <= start.utc)
    throw badRequest('The start time must be before the end time.', 'ErrorInvalidParameter');
  if (end.utc.getTime() - start.utc.getTime() >= 62 * 86_400_000)
    throw badRequest('The requested time duration must be less than 62 days.', 'ErrorInvalidParameter');
  const interval = body.availabilityViewInterval ?? 30;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 5 || interval > 1440)
    throw badRequest(
      'availabilityViewInterval must be an integer between 5 and 1440 minutes.',
      'ErrorInvalidParameter',
    );

  const tenant = c.caller.tenant;
  const appId = c.caller.claims.appid;
  const entra = ['Calendars.Read', 'Calendars.ReadWrite'].some((p) => c.caller.roles.has(p));
  const slots = Math.ceil((end.utc.getTime() - start.utc.getTime()) / (interval * 60_000));
  const value = (schedules as string[]).map((address) => {
    const u = tenant.findUser(address);
    if (!u)
      return {
        scheduleId: address,
        error: {
          message: `Unable to resolve e-mail address ${address} to an Active Directory object.`,
          responseCode: '5009',
        },
      };
    if (u.mailbox !== 'exchangeOnline')
      return {
        scheduleId: address,
        error: {
          message: `The mailbox of ${address} is not hosted in Exchange Online.`,
          responseCode: 'ErrorMailRecipientNotFound',
        },
      };
    if (
      !entra &&
      tenant.exchangeScopeDecision(
        appId,
        ['Calendars.Read', 'Calendars.ReadWrite'],
        u.id,
        c.g.state.now(),
      ) !== 'inScope'
    )
      return {
        scheduleId: address,
        error: {
          message: 'Access is denied. Check credentials and try again.',
          responseCode: 'ErrorAccessDenied',
        },
      };
    const rank: Record<string, number> = {
      free: 0,
      tentative: 1,
      busy: 2,
      oof: 3,
      workingElsewhere: 4,
      unknown: 0,
    };
    const view = new Array<number>(slots).fill(0);
    const items: Row[] = [];
    for (const e of tenant.eventsBetween(u, start.utc.getTime(), end.utc.getTime())) {
      const es = Date.parse(e.start.dateTime + 'Z');
      const ee = Date.parse(e.end.dateTime + 'Z');
      if (ee <= start.utc.getTime() || es >= end.utc.getTime() || e.isCancelled) continue;
      items.push(scheduleItem(e, u.freeBusySharing, preferTz(c)));
      for (let i = 0; i < slots; i++) {
        const ss = start.utc.getTime() + i * interval * 60_000;
        const se = ss + interval * 60_000;
        if (es < se && ee > ss) view[i] = Math.max(view[i]!, rank[e.showAs] ?? 2);
      }
    }
    return {
      scheduleId: address,
      availabilityView: view.join(''),
      scheduleItems: items,
      workingHours: {
        daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        startTime: '08:00:00.0000000',
        endTime: '17:00:00.0000000',
        timeZone: { name: 'UTC' },
      },
    };
  });
  return ok({ '@odata.context': ctxUrl(c, 'Collection(microsoft.graph.scheduleInformation)'), value });
}

export const routes: RouteDef[] = [
  {
    id: 'getSchedule',
    method: 'POST',
    path: '/users/{id}/calendar/getSchedule',
    handler: getSchedule,
    mailboxParam: 0,
  },
];
