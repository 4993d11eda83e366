/** How an event looks on the wire: selectable properties, time zones, ordering. Shared by events and getSchedule. */
import { badRequest } from '../../errors';
import { applySelect, type Row } from '../../odata';
import { byStart, type CalendarEvent, type DateTimeTimeZone } from '../../state';
import { formatInTimeZone, preferredTimeZone } from '../../time';
import type { Ctx } from '../types';

export const EVENT_PROPS = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'iCalUId',
  'subject',
  'bodyPreview',
  'body',
  'start',
  'end',
  'isAllDay',
  'showAs',
  'sensitivity',
  'importance',
  'isCancelled',
  'isOrganizer',
  'responseRequested',
  'type',
  'location',
  'organizer',
  'attendees',
  'responseStatus',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'onlineMeeting',
  'transactionId',
  'webLink',
] as const;

/** Times are stored in UTC; `Prefer: outlook.timezone="…"` returns them in that zone (user-list-events.md). */
export function inZone(d: DateTimeTimeZone, tz: string | undefined): DateTimeTimeZone {
  if (!tz) return d;
  return formatInTimeZone(new Date(d.dateTime.replace(/(\.\d{3})\d*$/, '$1') + 'Z'), tz) ?? d;
}

export function eventRow(e: CalendarEvent, select: string[] | undefined, tz?: string): Row {
  const row = applySelect(e as unknown as Row, select, { alwaysId: true });
  if (row.start) row.start = inZone(e.start, tz);
  if (row.end) row.end = inZone(e.end, tz);
  row['@odata.etag'] = `W/"${e.changeKey}"`;
  return row;
}

export function preferTz(c: Ctx): string | undefined {
  return preferredTimeZone(c.req.headers.prefer);
}

export function sortedEvents(cal: ReadonlyMap<string, CalendarEvent>): CalendarEvent[] {
  return [...cal.values()].sort(byStart);
}

/** $orderby on events: start/dateTime, end/dateTime, createdDateTime, lastModifiedDateTime, subject (asc|desc). */
export function orderEvents(c: Ctx, events: CalendarEvent[]): CalendarEvent[] {
  const raw = c.req.query.get('$orderby');
  if (raw === null) return events;
  const m =
    /^\s*(start\/dateTime|end\/dateTime|createdDateTime|lastModifiedDateTime|subject)(?:\s+(asc|desc))?\s*$/i.exec(
      raw,
    );
  if (!m)
    throw badRequest(`The $orderby expression '${raw}' is not supported on events.`, 'ErrorInvalidProperty');
  const key = m[1]!.toLowerCase();
  const get = (e: CalendarEvent) =>
    key === 'start/datetime'
      ? e.start.dateTime
      : key === 'end/datetime'
        ? e.end.dateTime
        : key === 'subject'
          ? e.subject
          : key === 'createddatetime'
            ? e.createdDateTime
            : e.lastModifiedDateTime;
  const dir = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
  return [...events].sort((a, b) => dir * get(a).localeCompare(get(b)));
}
