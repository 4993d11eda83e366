/** Calendar items: ids, the deterministic seeded busy time of a mailbox, and the event factory. */
import { randomBytes } from 'node:crypto';
import { makeRng } from '../rng';
import type { CalendarEvent, DateTimeTimeZone, User } from './types';

export function newEventId(): string {
  // Outlook item ids are long opaque base64 strings starting with AAMk; shape only, no meaning.
  return `AAMkAG${randomBytes(48).toString('base64url')}`;
}

/**
 * Deterministic busy time for a mailbox, generated on first access (so a 100,000-user tenant costs nothing
 * until a calendar is read): working days from 7 days ago to 21 days ahead, 0–3 meetings a day.
 */
export function seedCalendar(tenantId: string, user: User): Map<string, CalendarEvent> {
  const cal = new Map<string, CalendarEvent>();
  if (user.mailbox !== 'exchangeOnline') return cal;
  const rng = makeRng(`${tenantId}:${user.id}:calendar`);
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const address = user.mail ?? user.userPrincipalName;
  for (let d = -7; d <= 21; d++) {
    const day = new Date(today.getTime() + d * 86_400_000);
    const dow = day.getUTCDay();
    if (dow === 0 || dow === 6) continue;
    const n = rng.int(0, 3);
    for (let i = 0; i < n; i++) {
      const startMin = rng.int(8 * 2, 16 * 2) * 30;
      const dur = rng.pick([30, 30, 60, 60, 90]);
      const start = new Date(day.getTime() + startMin * 60_000);
      const end = new Date(start.getTime() + dur * 60_000);
      const showAs = rng.pick(['busy', 'busy', 'busy', 'tentative', 'oof'] as const);
      const ev = makeEvent({
        subject: rng.pick(['1:1', 'Team sync', 'Customer call', 'Planning', 'Focus time', 'Interview']),
        start: { dateTime: isoLocal(start), timeZone: 'UTC' },
        end: { dateTime: isoLocal(end), timeZone: 'UTC' },
        showAs,
        organizer: { name: user.displayName, address },
      });
      cal.set(ev.id, ev);
    }
  }
  return cal;
}

/** Graph's dateTimeTimeZone.dateTime: local time without offset, 7 fractional digits. */
export function isoLocal(d: Date): string {
  return d
    .toISOString()
    .replace('Z', '')
    .replace(/\.(\d{3})$/, '.$10000');
}

export function makeEvent(input: {
  subject: string;
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  showAs?: CalendarEvent['showAs'];
  organizer: { name: string; address: string };
  body?: { contentType?: 'html' | 'text'; content?: string };
  isOnlineMeeting?: boolean;
  /** Whether an online meeting gets a Teams join URL (false: the organizer has no Teams; default true). */
  teamsAvailable?: boolean;
  location?: string;
  attendees?: CalendarEvent['attendees'];
  transactionId?: string | null;
  isAllDay?: boolean;
  sensitivity?: CalendarEvent['sensitivity'];
}): CalendarEvent {
  const now = new Date().toISOString();
  const id = newEventId();
  const online = input.isOnlineMeeting ?? false;
  const joinable = online && input.teamsAvailable !== false;
  const content = input.body?.content ?? '';
  return {
    id,
    createdDateTime: now,
    lastModifiedDateTime: now,
    changeKey: randomBytes(12).toString('base64'),
    iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString('hex').toUpperCase()}`,
    subject: input.subject,
    bodyPreview: content.replace(/<[^>]*>/g, '').slice(0, 255),
    body: { contentType: input.body?.contentType ?? 'html', content },
    start: input.start,
    end: input.end,
    isAllDay: input.isAllDay ?? false,
    showAs: input.showAs ?? 'busy',
    sensitivity: input.sensitivity ?? 'normal',
    importance: 'normal',
    isCancelled: false,
    isOrganizer: true,
    responseRequested: true,
    type: 'singleInstance',
    location: { displayName: input.location ?? (joinable ? 'Microsoft Teams Meeting' : '') },
    organizer: { emailAddress: input.organizer },
    attendees: input.attendees ?? [],
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    isOnlineMeeting: online,
    onlineMeetingProvider: online ? 'teamsForBusiness' : 'unknown',
    onlineMeeting: joinable ? { joinUrl: teamsJoinUrl() } : null,
    transactionId: input.transactionId ?? null,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
  };
}

/** Shape of a Teams meeting join link (https://teams.microsoft.com/l/meetup-join/19%3ameeting_…%40thread.v2/0?context=…). */
export function teamsJoinUrl(): string {
  const meeting = randomBytes(24).toString('base64url');
  return `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${meeting}%40thread.v2/0?context=%7b%22Tid%22%3a%22emulator%22%7d`;
}
