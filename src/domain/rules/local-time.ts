// Wall-clock time in an IANA time zone, through Intl only. Pure (no I/O), but cached: an Intl.DateTimeFormat is
// expensive to create and formatToParts allocates, so formatters are kept per zone and the local time of the
// current minute is kept per zone. Every ping in the same minute then reads the same object.

/** Weekday keys, Monday first (ISO 8601): index 0 is Monday. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A moment as read on a wall clock in one time zone. Shared from a cache: never mutate it. */
export interface LocalTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  /** 1-31 */
  readonly day: number;
  /** 0-23 */
  readonly hour: number;
  /** 0-59 */
  readonly minute: number;
  /** 0 (Monday) to 6 (Sunday). */
  readonly weekday: number;
  /** hour * 60 + minute */
  readonly minuteOfDay: number;
  /** YYYY-MM-DD */
  readonly date: string;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The cached formatter for a zone; throws a RangeError for a zone Intl does not know. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows the IANA zone (or alias, such as "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone === "") return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** The local time of `now` in the zone, without the cache. */
export function computeLocalTime(timeZone: string, now: number): LocalTime {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatterFor(timeZone).formatToParts(now)) parts[part.type] = part.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  return {
    year,
    month,
    day,
    hour,
    minute,
    weekday: WEEKDAY_INDEX[parts.weekday ?? ""] ?? 0,
    minuteOfDay: hour * 60 + minute,
    date: formatDate(year, month, day),
  };
}

/** What is kept per zone: the last minute asked for, its local time, and what was derived from it. */
export interface MinuteEntry {
  minute: number;
  local: LocalTime;
  /** Filled lazily by periods.ts: period keys and ends for this minute. */
  derived: Record<string, string | number>;
}

const lastMinute = new Map<string, MinuteEntry>();

/**
 * The cache entry for the minute holding `now` in the zone. Offsets are whole minutes in every zone in use today,
 * so everything read on a wall clock to the minute is the same for the whole UTC minute.
 */
export function minuteEntry(timeZone: string, now: number): MinuteEntry {
  const minute = Math.floor(now / MINUTE_MS);
  let entry = lastMinute.get(timeZone);
  if (entry === undefined || entry.minute !== minute) {
    entry = { minute, local: computeLocalTime(timeZone, now), derived: {} };
    lastMinute.set(timeZone, entry);
  }
  return entry;
}

/** The local time of `now` in the zone (cached per zone for the current minute). */
export function localTime(timeZone: string, now: number): LocalTime {
  return minuteEntry(timeZone, now).local;
}

/** The wall-clock reading of `now` as if it were UTC, to the minute (what a local clock shows, as a number). */
function wallMs(timeZone: string, now: number): number {
  const local = computeLocalTime(timeZone, now);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
}

/**
 * The earliest instant at which the zone's wall clock reads `year-month-day hour:minute` or later.
 * On a fall-back day a repeated wall time maps to its first occurrence; in a spring-forward gap (02:30 does not
 * exist in New York on that day) it maps to the instant the clock jumps over it. Month and day may overflow
 * (day 32 is the first of the next month), as with Date.UTC.
 */
export function wallTimeToEpoch(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset a day before and a day after: no zone has changed its offset twice within two days.
  const offsetBefore = wallMs(timeZone, wall - DAY_MS) - Math.floor((wall - DAY_MS) / MINUTE_MS) * MINUTE_MS;
  const offsetAfter = wallMs(timeZone, wall + DAY_MS) - Math.floor((wall + DAY_MS) / MINUTE_MS) * MINUTE_MS;
  const first = Math.min(wall - offsetBefore, wall - offsetAfter);
  const second = Math.max(wall - offsetBefore, wall - offsetAfter);
  if (wallMs(timeZone, first) === wall) return first;
  if (wallMs(timeZone, second) === wall) return second;
  // A gap: the wall clock is before `wall` at `first` and past it at `second`; find the jump to the minute.
  let low = first;
  let high = second;
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallMs(timeZone, middle) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

export function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

export function formatDate(year: number, month: number, day: number): string {
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

const CLOCK = /^(\d{2}):(\d{2})$/;

/**
 * Minutes since midnight for "HH:MM" (00:00 to 23:59, and "24:00" when `allowEndOfDay`), or undefined when the
 * text is not such a time.
 */
export function parseClock(text: unknown, allowEndOfDay = false): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = CLOCK.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours === 24 && minutes === 0 && allowEndOfDay) return 1440;
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: unknown): text is string {
  if (typeof text !== "string") return false;
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
