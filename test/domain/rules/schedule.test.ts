import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import {
  compileSchedule,
  isOpen,
  type Schedule,
  validateSchedule,
} from "../../../src/domain/rules/schedule.ts";
import { ScheduleSchema } from "../../../src/domain/rules/schedule-schema.ts";

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);
const open = (schedule: Schedule, iso: string) => isOpen(schedule, at(iso)).open;

/** The instants (as ISO strings) where the schedule opens or closes, scanning minute by minute. */
function changes(schedule: Schedule, fromIso: string, toIso: string): string[] {
  const check = compileSchedule(schedule);
  const found: string[] = [];
  let previous = check(at(fromIso)).open;
  for (let t = at(fromIso) + MINUTE; t < at(toIso); t += MINUTE) {
    const current = check(t).open;
    if (current !== previous)
      found.push(`${current ? "opens" : "closes"} ${new Date(t).toISOString().slice(0, 16)}`);
    previous = current;
  }
  return found;
}

const losAngeles: Schedule = {
  time_zone: "America/Los_Angeles",
  weekly: {
    mon: [["08:00", "18:00"]],
    sat: [
      ["08:00", "12:00"],
      ["13:00", "18:00"],
    ],
    sun: [["20:00", "24:00"]],
  },
};

describe("isOpen: weekly hours on the local clock", () => {
  test("several periods a day, open at the start and closed at the end", () => {
    // Saturday 21 November 2026, Los Angeles is UTC-8.
    assert.equal(open(losAngeles, "2026-11-21T15:59:00Z"), false, "07:59");
    assert.equal(open(losAngeles, "2026-11-21T16:00:00Z"), true, "08:00");
    assert.equal(open(losAngeles, "2026-11-21T19:59:59Z"), true, "11:59:59");
    assert.deepEqual(isOpen(losAngeles, at("2026-11-21T20:30:00Z")), {
      open: false,
      reason: "outside sat hours 08:00-12:00, 13:00-18:00 (America/Los_Angeles)",
    });
    assert.equal(open(losAngeles, "2026-11-21T21:00:00Z"), true, "13:00");
    assert.equal(open(losAngeles, "2026-11-22T02:00:00Z"), false, "18:00 is closed");
  });

  test("a day without an entry is closed; 24:00 closes at midnight", () => {
    assert.deepEqual(isOpen(losAngeles, at("2026-11-24T18:00:00Z")), {
      open: false,
      reason: "closed on tue (America/Los_Angeles)",
    });
    assert.deepEqual(changes(losAngeles, "2026-11-23T03:00:00Z", "2026-11-23T10:00:00Z"), [
      "opens 2026-11-23T04:00", // Sunday 20:00
      "closes 2026-11-23T08:00", // Monday 00:00
    ]);
  });

  test("the same instant is judged by the schedule's own zone", () => {
    const tokyo: Schedule = { ...losAngeles, time_zone: "Asia/Tokyo" };
    // 2026-11-21T16:00Z: Saturday 08:00 in Los Angeles, Sunday 01:00 in Tokyo.
    assert.equal(open(losAngeles, "2026-11-21T16:00:00Z"), true);
    assert.equal(open(tokyo, "2026-11-21T16:00:00Z"), false);
  });
});

describe("isOpen across DST changes", () => {
  const newYork = (weekly: Schedule["weekly"]): Schedule => ({ time_zone: "America/New_York", weekly });

  test("spring forward (New York, 8 March 2026): hours follow the wall clock", () => {
    const daytime = newYork({ sun: [["08:00", "18:00"]] });
    assert.deepEqual(changes(daytime, "2026-03-01T00:00:00Z", "2026-03-02T06:00:00Z"), [
      "opens 2026-03-01T13:00", // EST, UTC-5
      "closes 2026-03-01T23:00",
    ]);
    assert.deepEqual(changes(daytime, "2026-03-08T00:00:00Z", "2026-03-09T06:00:00Z"), [
      "opens 2026-03-08T12:00", // EDT, UTC-4
      "closes 2026-03-08T22:00",
    ]);
  });

  test("spring forward: 02:30 does not exist, so a period inside the skipped hour never opens", () => {
    const skipped = newYork({ sun: [["02:00", "02:45"]] });
    assert.deepEqual(changes(skipped, "2026-03-08T04:00:00Z", "2026-03-08T10:00:00Z"), []);
    assert.equal(open(skipped, "2026-03-01T07:30:00Z"), true, "the Sunday before, 02:30 EST exists");
    // A period spanning the gap opens at 01:00 EST and closes at 03:00 EDT: one real hour.
    const spanning = newYork({ sun: [["01:00", "03:00"]] });
    assert.deepEqual(changes(spanning, "2026-03-08T04:00:00Z", "2026-03-08T10:00:00Z"), [
      "opens 2026-03-08T06:00",
      "closes 2026-03-08T07:00",
    ]);
  });

  test("fall back (New York, 1 November 2026): the repeated hour is open both times", () => {
    const repeated = newYork({ sun: [["01:00", "02:00"]] });
    assert.deepEqual(changes(repeated, "2026-11-01T03:00:00Z", "2026-11-01T09:00:00Z"), [
      "opens 2026-11-01T05:00", // 01:00 EDT
      "closes 2026-11-01T07:00", // 02:00 EST, two real hours later
    ]);
    const daytime = newYork({ sun: [["08:00", "18:00"]] });
    assert.deepEqual(changes(daytime, "2026-11-01T09:00:00Z", "2026-11-02T06:00:00Z"), [
      "opens 2026-11-01T13:00", // EST again
      "closes 2026-11-01T23:00",
    ]);
  });

  test("southern hemisphere: Sydney springs forward in October, Auckland falls back in April", () => {
    const sydney: Schedule = { time_zone: "Australia/Sydney", weekly: { sun: [["08:00", "18:00"]] } };
    assert.deepEqual(changes(sydney, "2026-09-26T12:00:00Z", "2026-09-27T12:00:00Z"), [
      "opens 2026-09-26T22:00", // AEST, UTC+10
      "closes 2026-09-27T08:00",
    ]);
    assert.deepEqual(changes(sydney, "2026-10-03T12:00:00Z", "2026-10-04T12:00:00Z"), [
      "opens 2026-10-03T21:00", // AEDT, UTC+11 from 4 October
      "closes 2026-10-04T07:00",
    ]);
    const auckland: Schedule = { time_zone: "Pacific/Auckland", weekly: { sun: [["02:00", "03:00"]] } };
    // 5 April 2026: 03:00 NZDT becomes 02:00 NZST, so 02:00-03:00 happens twice.
    assert.deepEqual(changes(auckland, "2026-04-04T10:00:00Z", "2026-04-04T18:00:00Z"), [
      "opens 2026-04-04T13:00",
      "closes 2026-04-04T15:00",
    ]);
  });
});

describe("pauses", () => {
  const holiday: Schedule = {
    time_zone: "America/Los_Angeles",
    weekly: Object.fromEntries(
      ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => [day, [["00:00", "24:00"]]]),
    ),
    paused_from: "2026-12-24",
    resume_on: "2026-12-27",
  };

  test("closed from paused_from until resume_on, by local date", () => {
    assert.equal(open(holiday, "2026-12-24T07:59:00Z"), true, "23:59 on the 23rd in Los Angeles");
    assert.deepEqual(isOpen(holiday, at("2026-12-24T08:00:00Z")), {
      open: false,
      reason: "paused from 2026-12-24 until 2026-12-27",
    });
    assert.equal(open(holiday, "2026-12-27T07:59:00Z"), false, "still the 26th locally");
    assert.equal(open(holiday, "2026-12-27T08:00:00Z"), true);
  });

  test("an open-ended pause, and a pause until a date", () => {
    const { resume_on: _, ...pausedOnly } = holiday;
    assert.deepEqual(isOpen(pausedOnly, at("2027-06-01T12:00:00Z")), {
      open: false,
      reason: "paused from 2026-12-24",
    });
    assert.equal(open(pausedOnly, "2026-12-01T12:00:00Z"), true);
    const { paused_from: __, ...resumeOnly } = holiday;
    assert.deepEqual(isOpen(resumeOnly, at("2026-12-01T12:00:00Z")), {
      open: false,
      reason: "paused until 2026-12-27",
    });
    assert.equal(open(resumeOnly, "2026-12-28T12:00:00Z"), true);
  });
});

describe("validateSchedule", () => {
  const valid: Schedule = {
    time_zone: "America/Los_Angeles",
    weekly: {
      mon: [
        ["08:00", "12:00"],
        ["13:00", "18:00"],
      ],
      sat: [["10:00", "24:00"]],
      sun: [],
    },
    paused_from: "2026-12-24",
    resume_on: "2026-12-27",
  };
  const problem = (changes: Record<string, unknown>) => validateSchedule({ ...valid, ...changes });

  test("accepts a good schedule, which the schema accepts too", () => {
    assert.equal(validateSchedule(valid), undefined);
    assert.equal(Value.Check(ScheduleSchema, valid), true);
    assert.equal(validateSchedule({ time_zone: "UTC", weekly: {} }), undefined);
  });

  test("refuses with the path to the problem", () => {
    assert.deepEqual(problem({ time_zone: "America/Springfield" }), {
      path: "schedule.time_zone",
      message: '"America/Springfield" is not a known time zone (use an IANA name such as America/New_York)',
    });
    assert.equal(problem({ weekly: { monday: [] } })?.path, "schedule.weekly.monday");
    assert.equal(problem({ weekly: { mon: [["8:00", "12:00"]] } })?.path, "schedule.weekly.mon[0][0]");
    assert.equal(problem({ weekly: { mon: [["24:00", "24:00"]] } })?.path, "schedule.weekly.mon[0][0]");
    assert.equal(problem({ weekly: { mon: [["08:00", "24:01"]] } })?.path, "schedule.weekly.mon[0][1]");
    assert.equal(problem({ weekly: { mon: [["08:00"]] } })?.path, "schedule.weekly.mon[0]");
    const overnight = problem({ weekly: { fri: [["22:00", "06:00"]] } });
    assert.equal(overnight?.path, "schedule.weekly.fri[0]");
    assert.match(overnight?.message ?? "", /two periods/);
    assert.deepEqual(
      problem({
        weekly: {
          tue: [
            ["13:00", "18:00"],
            ["08:00", "13:30"],
          ],
        },
      }),
      {
        path: "schedule.weekly.tue[1]",
        message: "overlaps schedule.weekly.tue[0]; merge them into one period",
      },
    );
    assert.equal(problem({ paused_from: "2026-02-30" })?.path, "schedule.paused_from");
    assert.equal(problem({ resume_on: "2026-12-24" })?.path, "schedule.resume_on");
    assert.equal(problem({ hours: {} })?.path, "schedule.hours");
    assert.equal(validateSchedule("always")?.path, "schedule");
    assert.equal(
      validateSchedule({ time_zone: "UTC" }, "campaigns[3].schedule")?.path,
      "campaigns[3].schedule.weekly",
    );
  });

  test("the schema refuses malformed times", () => {
    assert.equal(Value.Check(ScheduleSchema, { ...valid, weekly: { mon: [["8:00", "12:00"]] } }), false);
    assert.equal(Value.Check(ScheduleSchema, { ...valid, weekly: { mon: [["24:00", "24:00"]] } }), false);
    assert.equal(Value.Check(ScheduleSchema, { ...valid, weekly: { funday: [] } }), false);
  });
});
