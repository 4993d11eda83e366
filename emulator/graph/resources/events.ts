/** Calendar events: list, calendarView, create, get, update, delete (user-list-events.md, event resource). */
import { randomUUID } from 'node:crypto';
import { badRequest, GraphHttpError, type GraphResponse } from '../../errors';
import { decodeSkipToken, parseFilter, parseSelect, parseTop, type Row } from '../../odata';
import { isoLocal, makeEvent, teamsJoinUrl, type CalendarEvent, type User } from '../../state';
import { parseDateTimeTimeZone } from '../../time';
import { ctxUrl, dtz, objectBody, ok, page } from '../http';
import type { Ctx, RouteDef } from '../types';
import { EVENT_PROPS, eventRow, orderEvents, preferTz, sortedEvents } from './eventShape';
import { CAL_READ, CAL_WRITE, mailboxAccess } from './mailbox';

function listEvents(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, EVENT_PROPS, 'event');
  const filter = c.req.query.get('$filter');
  // A plain list (no $filter, no $orderby) pages in start order, so it needs only the events up to the end of
  // this page and one more (to know whether to link a next page): an unwritten mailbox generates just those days.
  let events =
    filter === null && c.req.query.get('$orderby') === null
      ? c.caller.tenant.firstEvents(user, decodeSkipToken(c.req.query) + parseTop(c.req.query, 10, 1000) + 1)
      : sortedEvents(c.caller.tenant.calendar(user));
  if (filter !== null) {
    const clause = parseFilter(filter, {
      properties: ['start/dateTime', 'end/dateTime', 'subject', 'showAs', 'isOnlineMeeting', 'transactionId'],
      advanced: true,
    });
    events = events.filter((e) => clause(e as unknown as Row));
  }
  // Outlook's default page size for events is 10.
  events = orderEvents(c, events);
  const tz = preferTz(c);
  return page(
    c,
    events,
    10,
    1000,
    (e) => eventRow(e, select, tz),
    `users('${encodeURIComponent(c.params[0]!)}')/calendar/events`,
  );
}

/** calendarView: events overlapping [startDateTime, endDateTime), both required (user-list-calendarview.md). */
function calendarView(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, EVENT_PROPS, 'event');
  const from = c.req.query.get('startDateTime');
  const to = c.req.query.get('endDateTime');
  if (!from || !to)
    throw badRequest(
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
      'ErrorInvalidParameter',
    );
  const s = parseDateTimeTimeZone(from, 'UTC');
  const e = parseDateTimeTimeZone(to, 'UTC');
  if (!s || !e)
    throw badRequest(`Cannot convert '${!s ? from : to}' to a date-time.`, 'ErrorInvalidParameter');
  // Ordering a window's events (stable sort) gives the same order as ordering all of them, then filtering.
  const events = orderEvents(c, c.caller.tenant.eventsBetween(user, s.getTime(), e.getTime()));
  const tz = preferTz(c);
  return page(
    c,
    events,
    10,
    1000,
    (ev) => eventRow(ev, select, tz),
    `users('${encodeURIComponent(c.params[0]!)}')/calendarView`,
  );
}

function createEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_WRITE);
  const body = objectBody(c);
  const start = dtz(body.start, 'start');
  const end = dtz(body.end, 'end');
  if (end.utc < start.utc)
    throw badRequest('The end time of the event must be after its start time.', 'ErrorInvalidRequest');
  const cal = c.caller.tenant.calendar(user);
  const transactionId = typeof body.transactionId === 'string' ? body.transactionId : null;
  if (transactionId) {
    // transactionId makes POST idempotent: a retried create returns the existing event (event resource docs).
    const existing = [...cal.values()].find((e) => e.transactionId === transactionId);
    if (existing)
      return ok({ '@odata.context': ctxUrl(c, 'events/$entity'), ...eventRow(existing, undefined) }, 201);
  }
  const online = body.isOnlineMeeting === true || body.onlineMeetingProvider === 'teamsForBusiness';
  const attendees = Array.isArray(body.attendees)
    ? (body.attendees as { emailAddress?: { address?: string; name?: string }; type?: string }[]).map(
        (a) => ({
          type: (a.type === 'optional' || a.type === 'resource' ? a.type : 'required') as
            'required' | 'optional' | 'resource',
          status: { response: 'none', time: '0001-01-01T00:00:00Z' },
          emailAddress: {
            name: a.emailAddress?.name ?? a.emailAddress?.address ?? '',
            address: a.emailAddress?.address ?? '',
          },
        }),
      )
    : [];
  const b = body.body as { contentType?: string; content?: string } | undefined;
  const ev = makeEvent({
    subject: typeof body.subject === 'string' ? body.subject : '',
    start: { dateTime: isoLocal(start.utc), timeZone: 'UTC' },
    end: { dateTime: isoLocal(end.utc), timeZone: 'UTC' },
    showAs: (body.showAs as CalendarEvent['showAs']) ?? 'busy',
    organizer: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
    body: b
      ? { contentType: b.contentType?.toLowerCase() === 'text' ? 'text' : 'html', content: b.content ?? '' }
      : undefined,
    isOnlineMeeting: online,
    teamsAvailable: teamsAvailable(user),
    location: (body.location as { displayName?: string } | undefined)?.displayName,
    attendees,
    transactionId,
    sensitivity: (body.sensitivity as CalendarEvent['sensitivity']) ?? 'normal',
  });
  // The first write copies the seeded events into the store (Tenant.writableCalendar); a retried create did not write.
  c.caller.tenant.writableCalendar(user).set(ev.id, ev);
  return ok(
    {
      '@odata.context': ctxUrl(c, `users('${encodeURIComponent(c.params[0]!)}')/events/$entity`),
      ...eventRow(ev, undefined),
    },
    201,
  );
}

/**
 * Whether an online meeting organized from this mailbox gets a Teams join URL: the organizer needs Teams (licence)
 * and the calendar must allow teamsForBusiness (calendar.allowedOnlineMeetingProviders; learn.microsoft.com/graph/
 * outlook-calendar-online-meetings). Otherwise Outlook still creates the event (201) with `onlineMeeting: null`;
 * the docs do not say what isOnlineMeeting then reads, so the emulator echoes what was asked.
 */
function teamsAvailable(user: User): boolean {
  return user.teams && user.allowedOnlineMeetingProviders.includes('teamsForBusiness');
}

function findEvent(c: Ctx, user: User): CalendarEvent {
  const ev = c.caller.tenant.calendar(user).get(c.params[1]!);
  if (!ev)
    throw new GraphHttpError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  return ev;
}

function getEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_READ);
  const select = parseSelect(c.req.query, EVENT_PROPS, 'event');
  return ok({
    '@odata.context': ctxUrl(c, 'events/$entity'),
    ...eventRow(findEvent(c, user), select, preferTz(c)),
  });
}

function updateEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_WRITE);
  const ev = findEvent(c, user);
  const body = objectBody(c);
  const next = { ...ev };
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case 'subject':
        if (typeof v !== 'string') throw badRequest("'subject' must be a string.", 'ErrorInvalidRequest');
        next.subject = v;
        break;
      case 'start':
      case 'end': {
        const d = dtz(v, k);
        next[k] = { dateTime: isoLocal(d.utc), timeZone: 'UTC' };
        break;
      }
      case 'body': {
        const b = v as { contentType?: string; content?: string };
        next.body = {
          contentType: b?.contentType?.toLowerCase() === 'text' ? 'text' : 'html',
          content: b?.content ?? '',
        };
        next.bodyPreview = next.body.content.replace(/<[^>]*>/g, '').slice(0, 255);
        break;
      }
      case 'showAs':
      case 'sensitivity':
      case 'importance':
        (next as Record<string, unknown>)[k] = v;
        break;
      case 'location':
        next.location = { displayName: (v as { displayName?: string })?.displayName ?? '' };
        break;
      case 'isOnlineMeeting':
        next.isOnlineMeeting = v === true;
        if (v === true && !next.onlineMeeting && teamsAvailable(user)) {
          next.onlineMeeting = { joinUrl: teamsJoinUrl() };
          next.onlineMeetingProvider = 'teamsForBusiness';
        }
        break;
      case 'onlineMeetingProvider':
        if (v === 'teamsForBusiness' && !next.onlineMeeting && teamsAvailable(user)) {
          next.isOnlineMeeting = true;
          next.onlineMeeting = { joinUrl: teamsJoinUrl() };
          next.onlineMeetingProvider = 'teamsForBusiness';
        }
        break;
      case 'attendees':
        if (!Array.isArray(v)) throw badRequest("'attendees' must be an array.", 'ErrorInvalidRequest');
        next.attendees = (v as { emailAddress?: { address?: string; name?: string }; type?: string }[]).map(
          (a) => ({
            type: a.type === 'optional' ? 'optional' : 'required',
            status: { response: 'none', time: '0001-01-01T00:00:00Z' },
            emailAddress: { name: a.emailAddress?.name ?? '', address: a.emailAddress?.address ?? '' },
          }),
        );
        break;
      default:
        throw badRequest(
          `The property '${k}' does not exist on type 'microsoft.graph.event' or cannot be updated.`,
          'ErrorInvalidProperty',
        );
    }
  }
  if (Date.parse(next.end.dateTime + 'Z') < Date.parse(next.start.dateTime + 'Z'))
    throw badRequest('The end time of the event must be after its start time.', 'ErrorInvalidRequest');
  next.lastModifiedDateTime = new Date().toISOString();
  next.changeKey = Buffer.from(randomUUID()).toString('base64').slice(0, 16);
  c.caller.tenant.writableCalendar(user).set(ev.id, next);
  return ok({ '@odata.context': ctxUrl(c, 'events/$entity'), ...eventRow(next, undefined) });
}

function deleteEvent(c: Ctx): GraphResponse {
  const user = mailboxAccess(c, CAL_WRITE);
  const ev = findEvent(c, user);
  c.caller.tenant.writableCalendar(user).delete(ev.id);
  return { status: 204, headers: {} };
}

export const routes: RouteDef[] = [
  {
    id: 'listEvents',
    method: 'GET',
    path: '/users/{id}/calendar/events',
    handler: listEvents,
    mailboxParam: 0,
  },
  { id: 'listEvents', method: 'GET', path: '/users/{id}/events', handler: listEvents, mailboxParam: 0 },
  {
    id: 'calendarView',
    method: 'GET',
    path: '/users/{id}/calendarView',
    handler: calendarView,
    mailboxParam: 0,
  },
  {
    id: 'calendarView',
    method: 'GET',
    path: '/users/{id}/calendar/calendarView',
    handler: calendarView,
    mailboxParam: 0,
  },
  {
    id: 'createEvent',
    method: 'POST',
    path: '/users/{id}/calendar/events',
    handler: createEvent,
    mailboxParam: 0,
  },
  { id: 'createEvent', method: 'POST', path: '/users/{id}/events', handler: createEvent, mailboxParam: 0 },
  { id: 'getEvent', method: 'GET', path: '/users/{id}/events/{eventId}', handler: getEvent, mailboxParam: 0 },
  {
    id: 'getEvent',
    method: 'GET',
    path: '/users/{id}/calendar/events/{eventId}',
    handler: getEvent,
    mailboxParam: 0,
  },
  {
    id: 'updateEvent',
    method: 'PATCH',
    path: '/users/{id}/events/{eventId}',
    handler: updateEvent,
    mailboxParam: 0,
  },
  {
    id: 'updateEvent',
    method: 'PATCH',
    path: '/users/{id}/calendar/events/{eventId}',
    handler: updateEvent,
    mailboxParam: 0,
  },
  {
    id: 'deleteEvent',
    method: 'DELETE',
    path: '/users/{id}/events/{eventId}',
    handler: deleteEvent,
    mailboxParam: 0,
  },
  {
    id: 'deleteEvent',
    method: 'DELETE',
    path: '/users/{id}/calendar/events/{eventId}',
    handler: deleteEvent,
    mailboxParam: 0,
  },
];
