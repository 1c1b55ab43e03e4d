// Hours of operation: is a campaign open at a given moment? Read on the local wall clock of the schedule's time
// zone, so a campaign opening at 08:00 opens at 08:00 local time on both sides of a DST change. On a
// spring-forward day the skipped hour (02:00-03:00 in New York) never happens, so a period inside it never opens;
// on a fall-back day the repeated hour is open (or closed) both times. Pure; compiled once per schedule.
import { isIsoDate, isValidTimeZone, localTime, parseClock, WEEKDAYS } from "./local-time.ts";
import type { Schedule } from "./schedule-schema.ts";

export type { Schedule } from "./schedule-schema.ts";
export type ScheduleResult = { open: true } | { open: false; reason: string };

export interface ScheduleProblem {
  path: string;
  message: string;
}

const OPEN: ScheduleResult = Object.freeze({ open: true });

/** Prepares a schedule for repeated checks: per-weekday minute ranges and every closed reason built once. */
export function compileSchedule(schedule: Schedule): (now: number) => ScheduleResult {
  const zone = schedule.time_zone;
  // Per weekday (Monday first): [opens, closes, opens, closes, ...] in minutes since local midnight.
  const ranges: number[][] = [];
  const closed: ScheduleResult[] = [];
  for (const day of WEEKDAYS) {
    const periods = schedule.weekly[day] ?? [];
    const flat: number[] = [];
    for (const [opens, closes] of periods) flat.push(parseClock(opens) ?? 0, parseClock(closes, true) ?? 0);
    ranges.push(flat);
    const reason =
      periods.length === 0
        ? `closed on ${day} (${zone})`
        : `outside ${day} hours ${periods.map(([opens, closes]) => `${opens}-${closes}`).join(", ")} (${zone})`;
    closed.push(Object.freeze({ open: false, reason }));
  }
  const pausedFrom = schedule.paused_from;
  const resumeOn = schedule.resume_on;
  const pausable = pausedFrom !== undefined || resumeOn !== undefined;
  const paused: ScheduleResult = Object.freeze({
    open: false,
    reason:
      pausedFrom && resumeOn
        ? `paused from ${pausedFrom} until ${resumeOn}`
        : pausedFrom
          ? `paused from ${pausedFrom}`
          : `paused until ${resumeOn}`,
  });
  return (now) => {
    const local = localTime(zone, now);
    // YYYY-MM-DD compares correctly as text.
    if (
      pausable &&
      (pausedFrom === undefined || local.date >= pausedFrom) &&
      (resumeOn === undefined || local.date < resumeOn)
    )
      return paused;
    const dayRanges = ranges[local.weekday]!;
    const minute = local.minuteOfDay;
    for (let i = 0; i < dayRanges.length; i += 2) {
      if (minute >= dayRanges[i]! && minute < dayRanges[i + 1]!) return OPEN;
    }
    return closed[local.weekday]!;
  };
}

const compiled = new WeakMap<Schedule, (now: number) => ScheduleResult>();

/**
 * Whether the schedule is open at `now` (epoch ms), and if not why ("outside mon hours 08:00-12:00 (...)",
 * "closed on sun (...)", "paused from 2026-12-24 until 2026-12-27"). Compiles on first use and keeps the compiled
 * form for as long as the schedule object lives (configuration snapshots are immutable).
 */
export function isOpen(schedule: Schedule, now: number): ScheduleResult {
  let check = compiled.get(schedule);
  if (!check) {
    check = compileSchedule(schedule);
    compiled.set(schedule, check);
  }
  return check(now);
}

const SPLIT_HINT =
  'a period across midnight is two periods: ["22:00","24:00"] and the next day\'s ["00:00","06:00"]';

/**
 * Checks a schedule when a campaign is saved, beyond its JSON shape: a time zone Intl knows, real times, periods
 * that end after they start and do not overlap, real dates, and a resume date after the pause date.
 * Returns the first problem, with a path such as `schedule.weekly.mon[1][0]`.
 */
export function validateSchedule(schedule: unknown, at = "schedule"): ScheduleProblem | undefined {
  if (!isRecord(schedule)) return { path: at, message: "must be an object with time_zone and weekly" };
  for (const key of Object.keys(schedule)) {
    if (key !== "time_zone" && key !== "weekly" && key !== "paused_from" && key !== "resume_on")
      return {
        path: `${at}.${key}`,
        message: "is not a schedule setting (time_zone, weekly, paused_from, resume_on)",
      };
  }
  const zone = schedule["time_zone"];
  if (typeof zone !== "string" || !isValidTimeZone(zone))
    return {
      path: `${at}.time_zone`,
      message: `${JSON.stringify(zone)} is not a known time zone (use an IANA name such as America/New_York)`,
    };
  const weekly = schedule["weekly"];
  if (!isRecord(weekly))
    return {
      path: `${at}.weekly`,
      message: 'must be an object of weekdays, e.g. {"mon": [["08:00","18:00"]]}',
    };
  for (const [day, periods] of Object.entries(weekly)) {
    const dayAt = `${at}.weekly.${day}`;
    if (!(WEEKDAYS as readonly string[]).includes(day))
      return { path: dayAt, message: `${day} is not a weekday (use ${WEEKDAYS.join(", ")})` };
    if (!Array.isArray(periods))
      return { path: dayAt, message: 'must be a list of ["HH:MM","HH:MM"] periods' };
    const seen: Array<[number, number, number]> = [];
    for (const [index, period] of periods.entries()) {
      const periodAt = `${dayAt}[${index}]`;
      if (!Array.isArray(period) || period.length !== 2)
        return { path: periodAt, message: 'must be [opens, closes], e.g. ["08:00","18:00"]' };
      const opens = parseClock(period[0]);
      if (opens === undefined)
        return {
          path: `${periodAt}[0]`,
          message: `${JSON.stringify(period[0])} is not a time (HH:MM, 00:00 to 23:59)`,
        };
      const closes = parseClock(period[1], true);
      if (closes === undefined)
        return {
          path: `${periodAt}[1]`,
          message: `${JSON.stringify(period[1])} is not a time (HH:MM, 00:00 to 24:00)`,
        };
      if (closes <= opens) return { path: periodAt, message: `must close after it opens; ${SPLIT_HINT}` };
      const overlapping = seen.find(([from, to]) => opens < to && from < closes);
      if (overlapping)
        return {
          path: periodAt,
          message: `overlaps ${dayAt}[${overlapping[2]}]; merge them into one period`,
        };
      seen.push([opens, closes, index]);
    }
  }
  const pausedFrom = schedule["paused_from"];
  const resumeOn = schedule["resume_on"];
  if (pausedFrom !== undefined && !isIsoDate(pausedFrom))
    return { path: `${at}.paused_from`, message: `${JSON.stringify(pausedFrom)} is not a date (YYYY-MM-DD)` };
  if (resumeOn !== undefined && !isIsoDate(resumeOn))
    return { path: `${at}.resume_on`, message: `${JSON.stringify(resumeOn)} is not a date (YYYY-MM-DD)` };
  if (pausedFrom !== undefined && resumeOn !== undefined && resumeOn <= pausedFrom)
    return { path: `${at}.resume_on`, message: `must be after paused_from (${pausedFrom})` };
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
