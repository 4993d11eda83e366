/**
 * Seeded calendars (issue 15, target 4: the emulator hosting a 10,000-tenant fleet ran out of heap): heap and
 * CPU for reading N mailboxes' calendars, ours (generated on each read, nothing stored until written) vs the
 * stored-calendar baseline it replaced (seeded once on first touch with crypto ids per event, then kept).
 * Each side runs in its own child process with --expose-gc, so one side's heap does not pollute the other.
 *
 *   node --import tsx bench/seeded-calendars.bench.ts [N]   # standalone: prints the rows as JSON
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeRng } from '../emulator/rng';
import { isoLocal, type CalendarEvent, type Tenant, type User } from '../emulator/state';
import { GENERATED_TENANT, generatedTenantState } from '../test/helpers/generated-tenant';
import { load } from './load';
import type { BenchRow } from './types';

const run = promisify(execFile);
const CHILD_FLAG = '--seeded-calendars-child';

function tenantOf(count: number): Tenant {
  return generatedTenantState(count, 'bench').tenants.get(GENERATED_TENANT)!;
}

/** The code this replaced (state/calendar.ts before): pure-rand + sha256 seed, crypto randomBytes per event. */
function storedSeed(tenantId: string, user: User): Map<string, CalendarEvent> {
  const cal = new Map<string, CalendarEvent>();
  const rng = makeRng(`${tenantId}:${user.id}:calendar`);
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  for (let d = -7; d <= 21; d++) {
    const day = new Date(today.getTime() + d * 86_400_000);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
    const n = rng.int(0, 3);
    for (let i = 0; i < n; i++) {
      const start = new Date(day.getTime() + rng.int(16, 32) * 30 * 60_000);
      const end = new Date(start.getTime() + rng.pick([30, 30, 60, 60, 90]) * 60_000);
      const showAs = rng.pick(['busy', 'busy', 'busy', 'tentative', 'oof'] as const);
      const subject = rng.pick(['1:1', 'Team sync', 'Customer call', 'Planning', 'Focus time', 'Interview']);
      const id = `AAMkAG${randomBytes(48).toString('base64url')}`;
      const now = new Date().toISOString();
      cal.set(id, {
        id,
        createdDateTime: now,
        lastModifiedDateTime: now,
        changeKey: randomBytes(12).toString('base64'),
        iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(24).toString('hex').toUpperCase()}`,
        subject,
        bodyPreview: '',
        body: { contentType: 'html', content: '' },
        start: { dateTime: isoLocal(start), timeZone: 'UTC' },
        end: { dateTime: isoLocal(end), timeZone: 'UTC' },
        isAllDay: false,
        showAs,
        sensitivity: 'normal',
        importance: 'normal',
        isCancelled: false,
        isOrganizer: true,
        responseRequested: true,
        type: 'singleInstance',
        location: { displayName: '' },
        organizer: { emailAddress: { name: user.displayName, address: user.userPrincipalName } },
        attendees: [],
        responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
        isOnlineMeeting: false,
        onlineMeetingProvider: 'unknown',
        onlineMeeting: null,
        transactionId: null,
        webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
      });
    }
  }
  return cal;
}

interface Side {
  heapMB: number;
  firstMs: number;
  againMs: number;
  events: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Runs in a child: read every mailbox's calendar twice (as two health checks would), report heap and CPU. */
function child(mode: 'ours' | 'stored', count: number): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const t = tenantOf(count);
  const store = new Map<string, Map<string, CalendarEvent>>();
  const read =
    mode === 'ours'
      ? (u: User) => t.calendar(u)
      : (u: User) => {
          let cal = store.get(u.id);
          if (!cal) store.set(u.id, (cal = storedSeed(t.id, u)));
          return cal;
        };
  gc();
  const before = process.memoryUsage().heapUsed;
  let events = 0;
  let c = process.cpuUsage();
  for (const u of t.users) events += [...read(u).values()].filter((e) => e.showAs !== 'free').length;
  const firstMs = cpuMs(process.cpuUsage(c));
  c = process.cpuUsage();
  for (const u of t.users) events += [...read(u).values()].filter((e) => e.showAs !== 'free').length;
  const againMs = cpuMs(process.cpuUsage(c));
  gc();
  const heapMB = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  if (store.size + t.calendars.size === 0 && mode === 'stored') throw new Error('baseline stored nothing');
  process.stdout.write(
    JSON.stringify({ heapMB, firstMs, againMs, events: events / 2 } satisfies Side) + '\n',
  );
}

async function side(mode: 'ours' | 'stored', count: number): Promise<Side> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', __filename, CHILD_FLAG, mode, String(count)],
    { cwd: path.join(__dirname, '..'), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Side;
}

export default async function seededCalendarsBench(count = 10_000): Promise<BenchRow[]> {
  const ours = await side('ours', count);
  const stored = await side('stored', count);
  const n = count.toLocaleString('en-US');
  const note = `${Math.round(ours.events / count)} events a mailbox; each side in its own child with --expose-gc`;
  return [
    {
      name: `seeded calendars, ${n} mailboxes read: heap kept`,
      value: ours.heapMB,
      unit: 'MB',
      baseline: stored.heapMB,
      baselineLabel: 'stored-calendar baseline',
      ratio: `${(stored.heapMB - ours.heapMB).toFixed(0)} MB less`,
      note,
      load: load(),
    },
    {
      name: `seeded calendars, ${n} mailboxes: CPU of the first read of each`,
      value: ours.firstMs,
      unit: 'ms',
      baseline: stored.firstMs,
      baselineLabel: 'stored-calendar baseline (seeds on first touch)',
      ratio: `${(stored.firstMs / ours.firstMs).toFixed(2)}× less`,
      load: load(),
    },
    {
      name: `seeded calendars, ${n} mailboxes: CPU of a second read of each`,
      value: ours.againMs,
      unit: 'ms',
      baseline: stored.againMs,
      baselineLabel: 'stored-calendar baseline (map lookup)',
      ratio: `${(ours.againMs / stored.againMs).toFixed(1)}× more (regenerated on every read)`,
      load: load(),
    },
  ];
}

if (process.argv[2] === CHILD_FLAG) {
  child(process.argv[3] as 'ours' | 'stored', Number(process.argv[4]));
} else if (require.main === module) {
  void seededCalendarsBench(Number(process.argv[2] ?? 10_000)).then((rows) =>
    console.log(JSON.stringify(rows, null, 2)),
  );
}
