// A campaign's hours of operation: the time zone, the open periods of each weekday ([opens, closes) on the local
// clock; a day without one is closed), and an optional pause between two local dates.
import { CLOSES_AT, OPENS_AT, type Schedule, WEEKDAYS, type Weekday } from "./schema-options.ts";
import { defineEditor, hasOnlyKeys } from "./structured-editor.ts";
import { TimeZoneInput } from "./time-zone-input.tsx";

type Period = [string, string];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_PERIODS = 24;
/** A date input shows only a real YYYY-MM-DD. */
const isDate = (value: unknown) => typeof value === "string" && DATE.test(value);
const DEFAULT_PERIOD: Period = ["09:00", "17:00"];

/** What the editor holds while it is being filled in: the zone may still be empty. */
type Draft = Omit<Schedule, "time_zone"> & { time_zone?: string };

const isPeriods = (value: unknown) =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.length <= MAX_PERIODS &&
  value.every(
    (period) =>
      Array.isArray(period) && period.length === 2 && period.every((time) => typeof time === "string"),
  );

export const scheduleEditor = defineEditor<Draft>({
  fits: (value): value is Draft | undefined =>
    value === undefined ||
    (hasOnlyKeys(value, ["time_zone", "weekly", "paused_from", "resume_on"]) &&
      typeof value.time_zone === "string" &&
      hasOnlyKeys(value.weekly, WEEKDAYS) &&
      Object.values(value.weekly).every(isPeriods) &&
      ["paused_from", "resume_on"].every((key) => value[key] === undefined || isDate(value[key]))),
  check(schedule) {
    if (!schedule) return undefined;
    if (!schedule.time_zone) return "the schedule needs a time zone";
    for (const day of WEEKDAYS)
      for (const [opens, closes] of schedule.weekly[day] ?? []) {
        if (!OPENS_AT.test(opens)) return `${day}: opens at HH:MM (00:00 to 23:59), not "${opens}"`;
        if (!CLOSES_AT.test(closes)) return `${day}: closes at HH:MM (up to 24:00), not "${closes}"`;
        if (closes <= opens) return `${day}: ${opens} to ${closes} closes before it opens`;
      }
    for (const key of ["paused_from", "resume_on"] as const) {
      const date = schedule[key];
      if (date !== undefined && !DATE.test(date)) return `${key} must be a date (YYYY-MM-DD)`;
    }
    return undefined;
  },
  Inputs({ name, value, onChange }) {
    const schedule: Draft = value ?? { weekly: {} };
    const change = (next: Partial<Draft>) => {
      const merged: Draft = { ...schedule, ...next };
      for (const key of ["time_zone", "paused_from", "resume_on"] as const)
        if (merged[key] === undefined) delete merged[key];
      const empty = !merged.time_zone && Object.keys(merged.weekly).length === 0;
      onChange(empty && !merged.paused_from && !merged.resume_on ? undefined : merged);
    };
    const setDay = (day: Weekday, periods: Period[]) => {
      const weekly = { ...schedule.weekly };
      if (periods.length === 0) delete weekly[day];
      else weekly[day] = periods;
      // Keep the weekdays in their order, whatever order they were opened in.
      const ordered = Object.fromEntries(WEEKDAYS.filter((d) => weekly[d]).map((d) => [d, weekly[d]]));
      change({ weekly: ordered });
    };
    return (
      <div className="editor-rows">
        {value === undefined && (
          <p className="notice" data-testid={`${name}-always-open`}>
            No schedule: open around the clock, every day. Add hours to a day to open only then (a schedule
            closes the days without hours).
          </p>
        )}
        <div className="editor-row">
          <label htmlFor={`${name}.time_zone`}>time zone</label>
          <TimeZoneInput
            id={`${name}.time_zone`}
            name={`${name}.time_zone`}
            placeholder="America/New_York"
            value={schedule.time_zone}
            onChange={(time_zone) => change({ time_zone })}
          />
        </div>
        {WEEKDAYS.map((day) => {
          const periods = (schedule.weekly[day] ?? []) as Period[];
          const setPeriod = (index: number, period: Period) =>
            setDay(
              day,
              periods.map((old, i) => (i === index ? period : old)),
            );
          return (
            <div className="editor-row" key={day} data-testid={`${name}-${day}`}>
              <span className="weekday">{day}</span>
              {periods.length === 0 && (
                <span className="muted">{value === undefined ? "open around the clock" : "closed"}</span>
              )}
              {periods.map(([opens, closes], index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a period is its place in the day
                <span className="period" key={index}>
                  <input
                    name={`${name}.${day}.${index}.opens`}
                    aria-label={`${day} opens`}
                    size={5}
                    placeholder="09:00"
                    value={opens}
                    onChange={(event) => setPeriod(index, [event.target.value, closes])}
                  />
                  –
                  <input
                    name={`${name}.${day}.${index}.closes`}
                    aria-label={`${day} closes`}
                    size={5}
                    placeholder="17:00"
                    value={closes}
                    onChange={(event) => setPeriod(index, [opens, event.target.value])}
                  />
                  <button
                    type="button"
                    className="link"
                    aria-label={`remove ${day} ${opens}–${closes}`}
                    onClick={() =>
                      setDay(
                        day,
                        periods.filter((_, i) => i !== index),
                      )
                    }
                  >
                    ×
                  </button>
                </span>
              ))}
              {periods.length < MAX_PERIODS && (
                <button
                  type="button"
                  className="link"
                  data-testid={`${name}-${day}-add`}
                  onClick={() => setDay(day, [...periods, DEFAULT_PERIOD])}
                >
                  {periods.length === 0 ? "open" : "add hours"}
                </button>
              )}
            </div>
          );
        })}
        <div className="editor-row">
          <label htmlFor={`${name}.paused_from`}>paused from</label>
          <input
            type="date"
            id={`${name}.paused_from`}
            name={`${name}.paused_from`}
            value={schedule.paused_from ?? ""}
            onChange={(event) => change({ paused_from: event.target.value || undefined })}
          />
          <label htmlFor={`${name}.resume_on`}>resumes on</label>
          <input
            type="date"
            id={`${name}.resume_on`}
            name={`${name}.resume_on`}
            value={schedule.resume_on ?? ""}
            onChange={(event) => change({ resume_on: event.target.value || undefined })}
          />
        </div>
      </div>
    );
  },
});
