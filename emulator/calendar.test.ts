/**
 * Seeded calendars (state/calendar.ts, Tenant.calendar/writableCalendar): generated on read, never stored until
 * written, the same on every read and after a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FileStatePersistence } from './persistence';
import { makeEvent, seededCalendar, type Tenant, type User } from './state';
import { MAX_CACHED_SEEDED, MAX_CACHED_SEEDED_DAYS } from './state/calendar';
import { sortedEvents } from './graph/resources/eventShape';
import { GENERATED_TENANT, generatedTenantState } from '../test/helpers/generated-tenant';

const TENANT = GENERATED_TENANT;
const state = (count: number, seed = 'cal') => generatedTenantState(count, seed);

const events = (t: Tenant, u: User) => [...t.calendar(u).values()];

/** A one-off meeting organised by `u` on `date` (YYYY-MM-DD) from `from` to `to` (HH:MM, UTC), written to its calendar. */
function writeMeeting(t: Tenant, u: User, subject: string, date: string, from: string, to: string) {
  const ev = makeEvent({
    subject,
    start: { dateTime: `${date}T${from}:00.0000000`, timeZone: 'UTC' },
    end: { dateTime: `${date}T${to}:00.0000000`, timeZone: 'UTC' },
    organizer: { name: u.displayName, address: u.userPrincipalName },
  });
  t.writableCalendar(u).set(ev.id, ev);
  return ev;
}

/** A real collector: heapUsed after a full GC is what stays reachable (vitest does not start node with it). */
function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('seeded calendars', () => {
  it("a mailbox's seeded calendar is identical on two reads and after restart", () => {
    const s = state(20);
    const t = s.tenants.get(TENANT)!;
    const u = t.users[3]!;
    const first = events(t, u);
    expect(first.length).toBeGreaterThan(0);
    expect(events(t, u)).toEqual(first);
    // A restart builds the state again from the same fixture: the same ids, times and changeKeys.
    const again = state(20);
    const t2 = again.tenants.get(TENANT)!;
    expect(events(t2, t2.usersById.get(u.id)!)).toEqual(first);
    // Another fixture seed is another calendar.
    const other = [...seededCalendar('other', TENANT, u).keys()];
    expect(other).not.toEqual(first.map((e) => e.id));
  });

  it('keeps the events of the days two windows share across midnight (the window slides)', () => {
    const t = state(5).tenants.get(TENANT)!;
    const u = t.users[0]!;
    const now = Date.UTC(2026, 10, 30, 12);
    const today = [...seededCalendar('cal', t.id, u, now).values()];
    const tomorrow = new Map(
      [...seededCalendar('cal', t.id, u, now + 86_400_000).values()].map((e) => [e.id, e]),
    );
    const shared = today.filter((e) => e.start.dateTime >= '2026-11-24'); // 7 days before tomorrow
    expect(shared.length).toBeGreaterThan(0);
    for (const e of shared) expect(tomorrow.get(e.id)).toEqual(e);
  });

  it('looks like an Outlook calendar: opaque AAMk ids, past createdDateTime, UTC working-hours meetings', () => {
    const t = state(50).tenants.get(TENANT)!;
    const all = t.users.flatMap((u) => events(t, u));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    for (const e of all) {
      expect(e.id).toMatch(/^AAMkAG[A-Za-z0-9_-]{64}$/);
      expect(e.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008[0-9A-F]{48}$/);
      expect(Date.parse(e.createdDateTime)).toBeLessThan(Date.now());
      expect(e.start.dateTime.slice(11, 13) >= '08' && e.start.dateTime.slice(11, 13) <= '16').toBe(true);
    }
  });

  it("reading 10,000 mailboxes' calendars keeps the heap flat (no stored events; reads cache a bounded few)", () => {
    const collect = gc();
    const t = state(10_000).tenants.get(TENANT)!;
    collect();
    const before = process.memoryUsage().heapUsed;
    let n = 0;
    for (const u of t.users.slice(0, 5_000)) n += t.calendar(u).size;
    collect();
    const half = process.memoryUsage().heapUsed - before;
    for (const u of t.users.slice(5_000)) n += t.calendar(u).size;
    collect();
    const read = process.memoryUsage().heapUsed - before;
    expect(n).toBeGreaterThan(100_000); // ~30 events a mailbox were really generated
    expect(t.calendars.size).toBe(0);
    // Twice the mailboxes, the same heap: only the bounded read cache (MAX_CACHED_SEEDED calendars) stays.
    expect(Math.abs(read - half)).toBeLessThan(8 * 1024 * 1024);
    expect(read).toBeLessThan(MAX_CACHED_SEEDED * 48 * 1024);
    // The stored-calendar behaviour this replaced: the same reads, kept (proves the measurement can fail).
    for (const u of t.users.slice(0, 2_000)) t.writableCalendar(u);
    collect();
    const stored = process.memoryUsage().heapUsed - before;
    expect(t.calendars.size).toBe(2_000);
    expect(stored).toBeGreaterThan(read + 32 * 1024 * 1024);
  }, 120_000);

  it('the first write materialises the calendar and later reads include it', () => {
    const t = state(10).tenants.get(TENANT)!;
    const [u, other] = [t.users[1]!, t.users[2]!];
    const seeded = events(t, u);
    const ev = writeMeeting(t, u, 'Mentoring', '2026-12-01', '10:00', '10:30');
    expect([...t.calendars.keys()]).toEqual([u.id]);
    expect(events(t, u)).toEqual([...seeded, ev]);
    t.writableCalendar(u).delete(seeded[0]!.id);
    expect(events(t, u).map((e) => e.id)).toEqual([...seeded.slice(1), ev].map((e) => e.id));
    expect(t.calendars.has(other.id)).toBe(false);
  });

  it('persists written calendars and regenerates seeded ones after a restart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emucal-'));
    try {
      const p = new FileStatePersistence(dir);
      const s = state(10);
      const t = s.tenants.get(TENANT)!;
      const [written, seededOnly] = [t.users[0]!, t.users[1]!];
      writeMeeting(t, written, 'Kept', '2026-12-01', '10:00', '10:30');
      const seededEvents = events(t, seededOnly);
      p.save(s, 'h');
      const saved = JSON.parse(fs.readFileSync(p.file, 'utf8')) as {
        tenants: Record<string, { calendars: Record<string, unknown[]> }>;
      };
      expect(Object.keys(saved.tenants[TENANT]!.calendars)).toEqual([written.id]);

      const restarted = state(10);
      p.restore(restarted, 'h');
      const t2 = restarted.tenants.get(TENANT)!;
      expect(events(t2, t2.usersById.get(written.id)!)).toEqual(events(t, written));
      expect(events(t2, t2.usersById.get(seededOnly.id)!)).toEqual(seededEvents);
      expect(t2.calendars.size).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a window read generates only the days it covers and returns what filtering the whole calendar returns', () => {
    const t = state(30).tenants.get(TENANT)!;
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const windows: [number, number][] = [
      [Date.now(), Date.now() + day], // the probe's and the health check's getSchedule: the next 24 h
      [today - 10 * day, today + 30 * day], // wider than the seeded window
      [today + 2.5 * day, today + 4 * day], // starts mid-day, ends on a midnight
      [today - 30 * day, today - 20 * day], // before the seeded window: nothing
      [today + 9 * 3600_000, today + 9 * 3600_000 + 1], // one millisecond
    ];
    for (const u of t.users) {
      const all = sortedEvents(t.calendar(u));
      for (const [from, to] of windows) {
        const expected = all.filter(
          (e) => Date.parse(e.start.dateTime + 'Z') < to && Date.parse(e.end.dateTime + 'Z') > from,
        );
        expect(t.eventsBetween(u, from, to)).toEqual(expected);
      }
    }
  });

  it("the first n events are the calendar's first n in start order, for any n, seeded or written", () => {
    const t = state(10).tenants.get(TENANT)!;
    for (const u of t.users) {
      const all = sortedEvents(t.calendar(u));
      for (const n of [1, 2, 3, 11, all.length, all.length + 1])
        expect(t.firstEvents(u, n)).toEqual(all.slice(0, n));
    }
    const u = t.users.find((x) => x.mailbox === 'exchangeOnline')!;
    const early = writeMeeting(t, u, 'written', '2000-01-03', '09:00', '10:00');
    expect(t.firstEvents(u, 1)).toEqual([early]);
    expect(t.eventsBetween(u, Date.UTC(2000, 0, 3), Date.UTC(2000, 0, 4))).toEqual([early]);
  });

  it('window reads come from a bounded day cache; a calendar about to be written never shares its objects', () => {
    const t = state(5).tenants.get(TENANT)!;
    const u = t.users.find((x) => x.mailbox === 'exchangeOnline' && t.firstEvents(x, 1).length > 0)!;
    const [first] = t.firstEvents(u, 1);
    expect(t.firstEvents(u, 1)[0]).toBe(first); // the same day, from the cache
    const written = t.writableCalendar(u);
    expect(written.get(first!.id)).toEqual(first);
    expect(written.get(first!.id)).not.toBe(first);
    expect(MAX_CACHED_SEEDED_DAYS).toBeGreaterThan(0);
  });
});
