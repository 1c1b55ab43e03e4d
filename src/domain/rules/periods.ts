// Cap periods in a time zone: which period a moment falls in (its key, for counters) and when it ends (for TTLs).
// Periods follow the local wall clock: a day runs from local midnight to local midnight, so it lasts 23 or 25 hours
// on DST days; weeks start on Monday (ISO 8601). On a fall-back day the repeated hour (01:00 in New York) is one
// hourly period lasting two hours: its key and its end agree, and a cap is never overshot, only spread.
import { DAY_MS, minuteEntry, pad2, wallTimeToEpoch } from "./local-time.ts";

export const CAP_PERIODS = ["hour", "day", "week", "month"] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

const HOUR_MS = 3_600_000;
/**
 * The longest each period can last on a local wall clock: an hour repeated at a DST fall-back, a 25-hour day, a week
 * and a 31-day month holding one. A period added to CAP_PERIODS must say its own here (the type requires it).
 */
export const LONGEST_PERIOD_MS: Readonly<Record<CapPeriod, number>> = {
  hour: 2 * HOUR_MS,
  day: DAY_MS + HOUR_MS,
  week: 7 * DAY_MS + HOUR_MS,
  month: 31 * DAY_MS + HOUR_MS,
};

/**
 * How far back the sales that count against the current periods can lie (the current period of each kind started at
 * most its longest length ago): what cap counters, and a bidder's budgets, are re-seeded from.
 */
export const CAP_SEED_LOOKBACK_MS = Math.max(...CAP_PERIODS.map((period) => LONGEST_PERIOD_MS[period]));

/**
 * The id of the period holding `now` in the zone: "2026-11-21T14" (hour), "2026-11-21" (day), "2026-W47" (ISO
 * week), "2026-11" (month). Keys of one period kind sort in time order (within a year for weeks). Cached per zone
 * for the current minute. Throws a RangeError for an unknown zone (validate zones when saving configuration).
 */
export function periodKey(period: CapPeriod, timeZone: string, now: number): string {
  const entry = minuteEntry(timeZone, now);
  const cached = entry.derived[period];
  if (typeof cached === "string") return cached;
  const local = entry.local;
  let key: string;
  switch (period) {
    case "hour":
      key = `${local.date}T${pad2(local.hour)}`;
      break;
    case "day":
      key = local.date;
      break;
    case "week": {
      // The ISO week belongs to the year of its Thursday.
      const thursday = Date.UTC(local.year, local.month - 1, local.day) + (3 - local.weekday) * DAY_MS;
      const weekYear = new Date(thursday).getUTCFullYear();
      const week = Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / DAY_MS / 7) + 1;
      key = `${weekYear}-W${pad2(week)}`;
      break;
    }
    case "month":
      key = `${local.year}-${pad2(local.month)}`;
      break;
  }
  entry.derived[period] = key;
  return key;
}

/**
 * The epoch ms at which the period holding `now` ends: the first instant of the next local hour, day, week or
 * month. Where DST skips local midnight (some zones change at 00:00) the next day starts when the clock jumps.
 */
export function periodEnd(period: CapPeriod, timeZone: string, now: number): number {
  const entry = minuteEntry(timeZone, now);
  const slot = END_SLOT[period];
  const cached = entry.derived[slot];
  if (typeof cached === "number") return cached;
  const { year, month, day, hour, weekday } = entry.local;
  let end: number;
  switch (period) {
    case "hour":
      end = wallTimeToEpoch(timeZone, year, month, day, hour + 1);
      break;
    case "day":
      end = wallTimeToEpoch(timeZone, year, month, day + 1);
      break;
    case "week":
      end = wallTimeToEpoch(timeZone, year, month, day + 7 - weekday);
      break;
    case "month":
      end = wallTimeToEpoch(timeZone, year, month + 1, 1);
      break;
  }
  entry.derived[slot] = end;
  return end;
}

/**
 * Where periodEnd keeps each period's end in the minute's entry: constants, since a name made per call (every cap unit
 * of every ping asks) is a new string V8 must hash and look up before it can use it as a key.
 */
const END_SLOT: Readonly<Record<CapPeriod, string>> = {
  hour: "hour_end",
  day: "day_end",
  week: "week_end",
  month: "month_end",
};

/** The first instant of the period holding `now` (for reports and tests). */
export function periodStart(period: CapPeriod, timeZone: string, now: number): number {
  const { year, month, day, hour, weekday } = minuteEntry(timeZone, now).local;
  switch (period) {
    case "hour":
      return wallTimeToEpoch(timeZone, year, month, day, hour);
    case "day":
      return wallTimeToEpoch(timeZone, year, month, day);
    case "week":
      return wallTimeToEpoch(timeZone, year, month, day - weekday);
    case "month":
      return wallTimeToEpoch(timeZone, year, month, 1);
  }
}
