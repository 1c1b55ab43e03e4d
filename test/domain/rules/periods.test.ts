import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CapsSchema } from "../../../src/domain/config-schema.ts";
import { localTime, wallTimeToEpoch } from "../../../src/domain/rules/local-time.ts";
import {
  CAP_PERIODS,
  CAP_SEED_LOOKBACK_MS,
  type CapPeriod,
  LONGEST_PERIOD_MS,
  periodEnd,
  periodKey,
  periodStart,
} from "../../../src/domain/rules/periods.ts";

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const keys = (timeZone: string, now: number) => CAP_PERIODS.map((period) => periodKey(period, timeZone, now));

describe("periodKey", () => {
  test("hour, day, ISO week and month in the zone", () => {
    // 22:30 UTC on Saturday 21 November 2026 is 14:30 in Los Angeles and already Sunday in Tokyo.
    const now = at("2026-11-21T22:30:00Z");
    assert.deepEqual(keys("America/Los_Angeles", now), [
      "2026-11-21T14",
      "2026-11-21",
      "2026-W47",
      "2026-11",
    ]);
    assert.deepEqual(keys("Asia/Tokyo", now), ["2026-11-22T07", "2026-11-22", "2026-W47", "2026-11"]);
    assert.deepEqual(keys("UTC", at("2026-11-23T00:00:00Z")), [
      "2026-11-23T00",
      "2026-11-23",
      "2026-W48",
      "2026-11",
    ]);
  });

  test("ISO weeks at the turn of the year belong to the year of their Thursday", () => {
    assert.equal(periodKey("week", "UTC", at("2027-01-01T12:00:00Z")), "2026-W53");
    assert.equal(periodKey("week", "UTC", at("2024-12-30T12:00:00Z")), "2025-W01");
    assert.equal(periodKey("week", "UTC", at("2021-01-03T12:00:00Z")), "2020-W53");
    assert.equal(periodKey("week", "UTC", at("2026-01-01T00:00:00Z")), "2026-W01");
  });

  test("the local month changes at local midnight", () => {
    assert.equal(periodKey("month", "America/New_York", at("2026-12-01T04:59:00Z")), "2026-11");
    assert.equal(periodKey("month", "America/New_York", at("2026-12-01T05:00:00Z")), "2026-12");
  });
});

describe("periodEnd: a day resets at local midnight, also on DST days", () => {
  const dayLength = (timeZone: string, isoInDay: string) => {
    const now = at(isoInDay);
    return (periodEnd("day", timeZone, now) - periodStart("day", timeZone, now)) / HOUR;
  };

  test("New York: 23 hours on spring-forward day, 25 on fall-back day", () => {
    assert.equal(
      iso(periodEnd("day", "America/New_York", at("2026-03-08T12:00:00Z"))),
      "2026-03-09T04:00:00.000Z",
    );
    assert.equal(dayLength("America/New_York", "2026-03-08T12:00:00Z"), 23);
    assert.equal(
      iso(periodEnd("day", "America/New_York", at("2026-11-01T12:00:00Z"))),
      "2026-11-02T05:00:00.000Z",
    );
    assert.equal(dayLength("America/New_York", "2026-11-01T12:00:00Z"), 25);
    assert.equal(dayLength("America/New_York", "2026-11-02T12:00:00Z"), 24);
  });

  test("southern hemisphere: Sydney and Auckland", () => {
    assert.equal(dayLength("Australia/Sydney", "2026-10-04T03:00:00Z"), 23);
    assert.equal(dayLength("Australia/Sydney", "2026-04-05T03:00:00Z"), 25);
    assert.equal(dayLength("Pacific/Auckland", "2026-09-27T03:00:00Z"), 23);
    assert.equal(dayLength("Pacific/Auckland", "2026-04-05T03:00:00Z"), 25);
    // Sydney's Sunday 4 October starts at 00:00 AEST (UTC+10) and ends at 00:00 AEDT (UTC+11).
    assert.equal(
      iso(periodStart("day", "Australia/Sydney", at("2026-10-04T03:00:00Z"))),
      "2026-10-03T14:00:00.000Z",
    );
    assert.equal(
      iso(periodEnd("day", "Australia/Sydney", at("2026-10-04T03:00:00Z"))),
      "2026-10-04T13:00:00.000Z",
    );
  });

  test("the daily key changes exactly at the end", () => {
    const now = at("2026-11-01T12:00:00Z");
    const end = periodEnd("day", "America/New_York", now);
    assert.equal(periodKey("day", "America/New_York", end - 1), "2026-11-01");
    assert.equal(periodKey("day", "America/New_York", end), "2026-11-02");
  });

  test("weeks end at Monday local midnight, months on the first", () => {
    const now = at("2026-11-21T22:30:00Z");
    assert.equal(iso(periodEnd("week", "America/Los_Angeles", now)), "2026-11-23T08:00:00.000Z");
    assert.equal(iso(periodEnd("month", "America/Los_Angeles", now)), "2026-12-01T08:00:00.000Z");
    assert.equal(iso(periodEnd("month", "UTC", at("2026-12-31T23:59:00Z"))), "2027-01-01T00:00:00.000Z");
    assert.equal(iso(periodEnd("week", "UTC", at("2026-11-23T00:00:00Z"))), "2026-11-30T00:00:00.000Z");
  });
});

describe("hours across DST", () => {
  test("spring forward: 01:xx is followed by 03:xx", () => {
    const zone = "America/New_York";
    assert.equal(periodKey("hour", zone, at("2026-03-08T06:59:00Z")), "2026-03-08T01");
    assert.equal(iso(periodEnd("hour", zone, at("2026-03-08T06:30:00Z"))), "2026-03-08T07:00:00.000Z");
    assert.equal(periodKey("hour", zone, at("2026-03-08T07:00:00Z")), "2026-03-08T03");
  });

  test("fall back: the repeated 01:xx is one period of two hours, key and end agree", () => {
    const zone = "America/New_York";
    const first = at("2026-11-01T05:30:00Z"); // 01:30 EDT
    const second = at("2026-11-01T06:30:00Z"); // 01:30 EST
    assert.equal(periodKey("hour", zone, first), "2026-11-01T01");
    assert.equal(periodKey("hour", zone, second), "2026-11-01T01");
    assert.equal(iso(periodEnd("hour", zone, first)), "2026-11-01T07:00:00.000Z");
    assert.equal(iso(periodEnd("hour", zone, second)), "2026-11-01T07:00:00.000Z");
    assert.equal(iso(periodStart("hour", zone, second)), "2026-11-01T05:00:00.000Z");
  });
});

describe("periods hold together in every kind of zone", () => {
  // DST in both hemispheres, DST at midnight (Santiago skips 00:00), half-hour DST (Lord Howe), odd offsets.
  const cases: Array<[string, string]> = [
    ["America/New_York", "2026-03-08T00:00:00Z"],
    ["America/New_York", "2026-11-01T00:00:00Z"],
    ["Pacific/Auckland", "2026-04-04T00:00:00Z"],
    ["Australia/Sydney", "2026-10-03T00:00:00Z"],
    ["America/Santiago", "2026-09-05T00:00:00Z"],
    ["America/Santiago", "2026-04-04T00:00:00Z"],
    ["Australia/Lord_Howe", "2026-10-03T00:00:00Z"],
    ["Asia/Kathmandu", "2026-06-01T00:00:00Z"],
  ];
  for (const [zone, fromIso] of cases) {
    test(`${zone} around ${fromIso.slice(0, 10)}`, () => {
      for (let now = at(fromIso); now < at(fromIso) + 3 * 24 * HOUR; now += 17 * 60_000) {
        for (const period of ["hour", "day"] satisfies CapPeriod[]) {
          const key = periodKey(period, zone, now);
          const start = periodStart(period, zone, now);
          const end = periodEnd(period, zone, now);
          const where = `${period} ${key} at ${iso(now)}`;
          assert.ok(start <= now && now < end, where);
          assert.equal(periodKey(period, zone, start), key, where);
          assert.equal(periodKey(period, zone, end - 1), key, where);
          assert.notEqual(periodKey(period, zone, end), key, where);
          assert.notEqual(periodKey(period, zone, start - 1), key, where);
        }
      }
    });
  }

  test("where DST skips midnight, the day starts when the clock jumps", () => {
    // Santiago: Saturday 5 September 2026 24:00 (UTC-4) becomes Sunday 01:00 (UTC-3).
    const end = periodEnd("day", "America/Santiago", at("2026-09-05T15:00:00Z"));
    assert.equal(iso(end), "2026-09-06T04:00:00.000Z");
    assert.equal(localTime("America/Santiago", end).hour, 1);
  });
});

describe("wallTimeToEpoch", () => {
  test("a skipped wall time maps to the jump, a repeated one to its first occurrence", () => {
    assert.equal(iso(wallTimeToEpoch("America/New_York", 2026, 3, 8, 2, 30)), "2026-03-08T07:00:00.000Z");
    assert.equal(iso(wallTimeToEpoch("America/New_York", 2026, 11, 1, 1, 30)), "2026-11-01T05:30:00.000Z");
    assert.equal(iso(wallTimeToEpoch("America/New_York", 2026, 11, 31)), "2026-12-01T05:00:00.000Z");
  });
});

describe("LONGEST_PERIOD_MS and CAP_SEED_LOOKBACK_MS", () => {
  test("no period of any kind lasts longer than its longest, so the cap seed reaches back to every current period's start", () => {
    const zones = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe"];
    for (const zone of zones) {
      // Every 7 hours over 2026: each DST change of these zones, each month end.
      for (let now = at("2026-01-01T00:00:00Z"); now < at("2027-01-01T00:00:00Z"); now += 7 * HOUR) {
        for (const period of CAP_PERIODS) {
          const start = periodStart(period, zone, now);
          const where = `${zone} ${period} at ${iso(now)}`;
          assert.ok(periodEnd(period, zone, now) - start <= LONGEST_PERIOD_MS[period], where);
          assert.ok(now - start <= CAP_SEED_LOOKBACK_MS, where);
        }
      }
    }
  });

  test("the configuration schema offers a cap limit for exactly the CAP_PERIODS", () => {
    const perPeriod = (CapsSchema.properties.leads as unknown as { properties: Record<string, unknown> })
      .properties;
    assert.deepEqual(Object.keys(perPeriod), [...CAP_PERIODS]);
    const spend = (CapsSchema.properties.spend as unknown as { properties: Record<string, unknown> })
      .properties;
    assert.deepEqual(Object.keys(spend), [...CAP_PERIODS]);
  });
});
