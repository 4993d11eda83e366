/**
 * Graph's dateTimeTimeZone → an instant. Graph accepts IANA and Windows time zone names; the emulator
 * knows UTC, every IANA zone (through Intl) and the common Windows names below. Anything else → null (400).
 */
const WINDOWS_ZONES: Record<string, string> = {
  utc: 'UTC',
  'coordinated universal time': 'UTC',
  'gmt standard time': 'Europe/London',
  'greenwich standard time': 'Atlantic/Reykjavik',
  'w. europe standard time': 'Europe/Berlin',
  'romance standard time': 'Europe/Paris',
  'central europe standard time': 'Europe/Budapest',
  'central european standard time': 'Europe/Warsaw',
  'e. europe standard time': 'Europe/Chisinau',
  'fle standard time': 'Europe/Kyiv',
  'eastern standard time': 'America/New_York',
  'central standard time': 'America/Chicago',
  'mountain standard time': 'America/Denver',
  'pacific standard time': 'America/Los_Angeles',
  'india standard time': 'Asia/Kolkata',
  'china standard time': 'Asia/Shanghai',
  'tokyo standard time': 'Asia/Tokyo',
  'singapore standard time': 'Asia/Singapore',
  'aus eastern standard time': 'Australia/Sydney',
  'e. south america standard time': 'America/Sao_Paulo',
};

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;

function ianaZone(tz: string): string | undefined {
  const mapped = WINDOWS_ZONES[tz.toLowerCase()];
  if (mapped) return mapped;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

/** Offset (ms) of `zone` at the instant `utcMs`. */
function offsetAt(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

export function parseDateTimeTimeZone(dateTime: string, timeZone: string): Date | null {
  // An explicit offset or Z wins over timeZone.
  if (/(Z|[+-]\d{2}:\d{2})$/.test(dateTime)) {
    const t = Date.parse(dateTime);
    return Number.isNaN(t) ? null : new Date(t);
  }
  const m = LOCAL.exec(dateTime);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  if (Number.isNaN(naive) || new Date(naive).getUTCDate() !== Number(d) || Number(mo) > 12) return null;
  const zone = ianaZone(timeZone);
  if (!zone) return null;
  if (zone === 'UTC') return new Date(naive);
  // Two passes settle the offset across DST transitions.
  let utc = naive - offsetAt(zone, naive);
  utc = naive - offsetAt(zone, utc);
  return new Date(utc);
}

/** An instant as Graph's dateTimeTimeZone in `timeZone` (for `Prefer: outlook.timezone`); undefined if unknown. */
export function formatInTimeZone(
  utc: Date,
  timeZone: string,
): { dateTime: string; timeZone: string } | undefined {
  const zone = ianaZone(timeZone);
  if (!zone) return undefined;
  const local = new Date(utc.getTime() + (zone === 'UTC' ? 0 : offsetAt(zone, utc.getTime())));
  return {
    dateTime: local
      .toISOString()
      .replace('Z', '')
      .replace(/\.(\d{3})$/, '.$10000'),
    timeZone,
  };
}

/** The zone named by a `Prefer: outlook.timezone="…"` header, if any. */
export function preferredTimeZone(prefer: string | undefined): string | undefined {
  return /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(prefer ?? '')?.[1];
}
