// The shape of a campaign's hours of operation, defined once: configuration validation, OpenAPI and the
// TypeScript type all come from this schema. Meaning and checks beyond the shape live in schedule.ts.
import { type Static, Type } from "@sinclair/typebox";

const OpensAt = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", description: "HH:MM, local time" });
const ClosesAt = Type.String({
  pattern: "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
  description: "HH:MM, local time; 24:00 is the end of the day",
});
const OpenPeriod = Type.Tuple([OpensAt, ClosesAt], {
  description:
    "[opens, closes): open from the first time up to (not including) the second, on the local clock",
});
const DayPeriods = Type.Array(OpenPeriod, { maxItems: 24 });
const localDate = (description: string) => Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", description });

export const ScheduleSchema = Type.Object(
  {
    time_zone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "IANA time zone the hours are read in, e.g. America/Los_Angeles",
    }),
    weekly: Type.Object(
      {
        mon: Type.Optional(DayPeriods),
        tue: Type.Optional(DayPeriods),
        wed: Type.Optional(DayPeriods),
        thu: Type.Optional(DayPeriods),
        fri: Type.Optional(DayPeriods),
        sat: Type.Optional(DayPeriods),
        sun: Type.Optional(DayPeriods),
      },
      {
        additionalProperties: false,
        description: "open periods per weekday; a day without an entry is closed",
      },
    ),
    paused_from: Type.Optional(localDate("closed from this local date (YYYY-MM-DD, inclusive)")),
    resume_on: Type.Optional(localDate("open again from this local date (YYYY-MM-DD); closed until then")),
  },
  {
    additionalProperties: false,
    description:
      "Weekly hours of operation in the campaign's time zone, read on the local wall clock (DST included), " +
      "with an optional pause",
    examples: [
      {
        time_zone: "America/Los_Angeles",
        weekly: {
          mon: [
            ["08:00", "12:00"],
            ["13:00", "18:00"],
          ],
          tue: [["08:00", "18:00"]],
          sat: [["10:00", "24:00"]],
        },
        paused_from: "2026-12-24",
        resume_on: "2026-12-27",
      },
    ],
  },
);

export type Schedule = Static<typeof ScheduleSchema>;
