import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import type { Filter } from "../../../src/domain/config-schema.ts";
import {
  compileRule,
  describeRule,
  evaluateRule,
  filtersToRule,
  type Rule,
  type RuleContext,
  RuleSchema,
} from "../../../src/domain/rules/rule.ts";

// Saturday 21 November 2026, 14:30 in Los Angeles (22:30 UTC).
const now = Date.parse("2026-11-21T22:30:00Z");
const lead = {
  state: "CA",
  zip: "90210",
  city: "Beverly Hills",
  injury_type: "fracture",
  injury_severity: 7,
  insured: true,
  accident_date: "2026-10-01",
  tags: ["urgent", "spanish"],
  empty: "",
};
const ctx = (overrides: Partial<RuleContext> = {}): RuleContext => ({
  lead,
  now,
  timeZone: "America/Los_Angeles",
  formSubmittedAt: now - 5 * 60_000,
  ...overrides,
});
const passes = (rule: Rule | Rule[], context = ctx()) => evaluateRule(rule, context).pass;
const failed = (rule: Rule | Rule[], context = ctx()) => {
  const result = evaluateRule(rule, context);
  return result.pass ? undefined : result.failed;
};

describe("field operators", () => {
  test("eq / neq are strict and neq passes on a missing field", () => {
    assert.equal(passes({ field: "state", op: "eq", value: "CA" }), true);
    assert.equal(passes({ field: "state", op: "eq", value: "NV" }), false);
    assert.equal(passes({ field: "injury_severity", op: "eq", value: "7" }), false, "no type coercion");
    assert.equal(passes({ field: "insured", op: "eq", value: true }), true);
    assert.equal(passes({ field: "insured", op: "eq", value: "true" }), false);
    assert.equal(passes({ field: "state", op: "neq", value: "NV" }), true);
    assert.equal(passes({ field: "state", op: "neq", value: "CA" }), false);
    assert.equal(passes({ field: "missing", op: "neq", value: "CA" }), true);
    assert.equal(passes({ field: "missing", op: "eq", value: "CA" }), false);
  });

  test("in / not_in, small and large lists", () => {
    assert.equal(passes({ field: "state", op: "in", value: ["NV", "CA"] }), true);
    assert.equal(passes({ field: "state", op: "in", value: ["NV", "AZ"] }), false);
    assert.equal(passes({ field: "injury_severity", op: "in", value: [6, 7] }), true);
    assert.equal(passes({ field: "injury_severity", op: "in", value: ["7"] }), false);
    assert.equal(passes({ field: "state", op: "not_in", value: ["NV"] }), true);
    assert.equal(passes({ field: "state", op: "not_in", value: ["CA"] }), false);
    assert.equal(passes({ field: "missing", op: "not_in", value: ["CA"] }), true);
    const zips = Array.from({ length: 5000 }, (_, i) => String(90000 + i * 2));
    assert.equal(passes({ field: "zip", op: "in", value: zips }), true, "90210 is even");
    assert.equal(passes({ field: "zip", op: "in", value: zips }, ctx({ lead: { zip: "90211" } })), false);
  });

  test("gt / gte / lt / lte / between on numbers, bounds inclusive where they say so", () => {
    assert.equal(passes({ field: "injury_severity", op: "gt", value: 6 }), true);
    assert.equal(passes({ field: "injury_severity", op: "gt", value: 7 }), false);
    assert.equal(passes({ field: "injury_severity", op: "gte", value: 7 }), true);
    assert.equal(passes({ field: "injury_severity", op: "lt", value: 7 }), false);
    assert.equal(passes({ field: "injury_severity", op: "lt", value: 8 }), true);
    assert.equal(passes({ field: "injury_severity", op: "lte", value: 7 }), true);
    assert.equal(passes({ field: "injury_severity", op: "between", value: [7, 9] }), true);
    assert.equal(passes({ field: "injury_severity", op: "between", value: [5, 7] }), true);
    assert.equal(passes({ field: "injury_severity", op: "between", value: [8, 9] }), false);
  });

  test("range operators fail on a value of another kind or a missing one", () => {
    assert.equal(passes({ field: "state", op: "gt", value: 1 }), false);
    assert.equal(passes({ field: "missing", op: "lte", value: 100 }), false);
    assert.equal(passes({ field: "x", op: "gte", value: 0 }, ctx({ lead: { x: "5" } })), false);
    assert.equal(passes({ field: "x", op: "gte", value: 0 }, ctx({ lead: { x: Number.NaN } })), false);
  });

  test("ranges on dates compare YYYY-MM-DD", () => {
    assert.equal(passes({ field: "accident_date", op: "gte", value: "2026-09-30" }), true);
    assert.equal(passes({ field: "accident_date", op: "lt", value: "2026-10-01" }), false);
    assert.equal(
      passes({ field: "accident_date", op: "between", value: ["2026-01-01", "2026-12-31"] }),
      true,
    );
    assert.equal(
      passes({ field: "injury_severity", op: "gte", value: "2026-01-01" }),
      false,
      "number vs date",
    );
  });

  test("contains: text (case-sensitive) and lists", () => {
    assert.equal(passes({ field: "city", op: "contains", value: "Hills" }), true);
    assert.equal(passes({ field: "city", op: "contains", value: "hills" }), false);
    assert.equal(passes({ field: "tags", op: "contains", value: "spanish" }), true);
    assert.equal(
      passes({ field: "tags", op: "contains", value: "span" }),
      false,
      "a list holds whole values",
    );
    assert.equal(passes({ field: "injury_severity", op: "contains", value: "7" }), false);
    assert.equal(passes({ field: "missing", op: "contains", value: "a" }), false);
  });

  test("starts_with and zip_prefix_in", () => {
    assert.equal(passes({ field: "zip", op: "starts_with", value: "902" }), true);
    assert.equal(passes({ field: "zip", op: "starts_with", value: "100" }), false);
    assert.equal(passes({ field: "zip", op: "zip_prefix_in", value: ["100", "902"] }), true);
    assert.equal(passes({ field: "zip", op: "zip_prefix_in", value: ["100", "9021"] }), true);
    assert.equal(passes({ field: "zip", op: "zip_prefix_in", value: ["100", "903"] }), false);
    assert.equal(
      passes({ field: "zip", op: "zip_prefix_in", value: ["902"] }, ctx({ lead: { zip: 90210 } })),
      false,
    );
    // A long list is matched by prefix length; mixed lengths and ZIP+4 still work.
    const prefixes = Array.from({ length: 300 }, (_, i) => String(100 + i));
    prefixes.push("9021");
    assert.equal(passes({ field: "zip", op: "zip_prefix_in", value: prefixes }), true);
    assert.equal(
      passes({ field: "zip", op: "zip_prefix_in", value: prefixes }, ctx({ lead: { zip: "90310-1234" } })),
      false,
    );
    assert.equal(
      passes({ field: "zip", op: "zip_prefix_in", value: prefixes }, ctx({ lead: { zip: "39999-1234" } })),
      true,
    );
  });

  test("exists / not_exists treat null and the empty string as missing", () => {
    assert.equal(passes({ field: "state", op: "exists" }), true);
    assert.equal(passes({ field: "missing", op: "exists" }), false);
    assert.equal(passes({ field: "empty", op: "exists" }), false);
    assert.equal(passes({ field: "x", op: "exists" }, ctx({ lead: { x: null } })), false);
    assert.equal(passes({ field: "insured", op: "exists" }, ctx({ lead: { insured: false } })), true);
    assert.equal(passes({ field: "missing", op: "not_exists" }), true);
    assert.equal(passes({ field: "state", op: "not_exists" }), false);
  });
});

describe("combinations", () => {
  const yes: Rule = { field: "state", op: "eq", value: "CA" };
  const no: Rule = { field: "state", op: "eq", value: "NV" };

  test("all, any, not", () => {
    assert.equal(passes({ all: [yes, yes] }), true);
    assert.equal(passes({ all: [yes, no] }), false);
    assert.equal(passes({ any: [no, yes] }), true);
    assert.equal(passes({ any: [no, no] }), false);
    assert.equal(passes({ not: no }), true);
    assert.equal(passes({ not: yes }), false);
    assert.equal(passes({ not: { not: yes } }), true);
    assert.equal(passes({ any: [{ all: [yes, no] }, { not: { any: [no] } }] }), true);
  });

  test("a list is an implicit all; an empty list passes", () => {
    assert.equal(passes([yes, yes]), true);
    assert.equal(passes([yes, no]), false);
    assert.equal(passes([]), true);
  });

  test("all stops at the first failure and any at the first pass", () => {
    // A lead whose getter counts reads shows which leaves ran.
    const reads: string[] = [];
    const counting = new Proxy(lead, {
      get(target, key) {
        reads.push(String(key));
        return Reflect.get(target, key);
      },
    });
    const rule: Rule = {
      all: [
        {
          any: [
            { field: "state", op: "eq", value: "CA" },
            { field: "zip", op: "exists" },
          ],
        },
        { field: "injury_type", op: "eq", value: "burn" },
        { field: "city", op: "exists" },
      ],
    };
    assert.equal(compileRule(rule)(ctx({ lead: counting })).pass, false);
    assert.deepEqual(reads, ["state", "injury_type"]);
  });
});

describe("lead age and day-parting", () => {
  test("lead_age_minutes measures from the form time and fails when it is unknown", () => {
    assert.equal(passes({ lead_age_minutes: { op: "lte", value: 15 } }), true);
    assert.equal(passes({ lead_age_minutes: { op: "lte", value: 4 } }), false);
    assert.equal(passes({ lead_age_minutes: { op: "gt", value: 4 } }), true);
    assert.equal(passes({ lead_age_minutes: { op: "between", value: [5, 10] } }), true);
    assert.equal(
      passes({ lead_age_minutes: { op: "lte", value: 15 } }, ctx({ formSubmittedAt: undefined })),
      false,
    );
    assert.equal(
      passes({ lead_age_minutes: { op: "lte", value: 0 } }, ctx({ formSubmittedAt: now + 30_000 })),
      true,
    );
    assert.equal(
      failed({ lead_age_minutes: { op: "lte", value: 15 } }, ctx({ formSubmittedAt: undefined })),
      "lead_age_minutes lte 15 (form time unknown)",
    );
  });

  test("time_of_day reads the local clock in the context's zone, [from, to)", () => {
    // 14:30 in Los Angeles, 17:30 in New York, 22:30 UTC.
    assert.equal(passes({ time_of_day: { from: "08:00", to: "20:00" } }), true);
    assert.equal(passes({ time_of_day: { from: "08:00", to: "14:30" } }), false);
    assert.equal(passes({ time_of_day: { from: "14:30", to: "15:00" } }), true);
    assert.equal(
      passes({ time_of_day: { from: "08:00", to: "17:00" } }, ctx({ timeZone: "America/New_York" })),
      false,
    );
    assert.equal(passes({ time_of_day: { from: "20:00", to: "24:00" } }, ctx({ timeZone: "UTC" })), true);
  });

  test("time_of_day from after to wraps past midnight", () => {
    const night: Rule = { time_of_day: { from: "22:00", to: "06:00" } };
    assert.equal(passes(night), false);
    assert.equal(passes(night, ctx({ timeZone: "UTC" })), true, "22:30 UTC");
    assert.equal(passes(night, ctx({ timeZone: "Europe/Paris" })), true, "23:30 in Paris");
    assert.equal(passes(night, ctx({ timeZone: "Asia/Tokyo" })), false, "07:30 in Tokyo");
  });

  test("day_of_week reads the local weekday", () => {
    // Saturday in Los Angeles, already Sunday in Tokyo.
    assert.equal(passes({ day_of_week: ["sat", "sun"] }), true);
    assert.equal(passes({ day_of_week: ["mon", "tue", "wed", "thu", "fri"] }), false);
    assert.equal(passes({ day_of_week: ["sun"] }, ctx({ timeZone: "Asia/Tokyo" })), true);
    assert.equal(failed({ day_of_week: ["mon", "fri"] }), 'day_of_week ["mon","fri"]');
  });
});

describe("trace descriptions", () => {
  test("the failing leaf is named, with its value", () => {
    assert.equal(
      failed({
        all: [
          { field: "state", op: "exists" },
          { field: "state", op: "in", value: ["NV", "AZ"] },
        ],
      }),
      'state in ["NV","AZ"]',
    );
    assert.equal(
      failed({ field: "injury_severity", op: "between", value: [8, 10] }),
      "injury_severity between [8,10]",
    );
    assert.equal(failed({ field: "missing", op: "eq", value: "x" }), 'missing eq "x" (missing missing)');
    assert.equal(failed({ field: "state", op: "not_exists" }), "state not_exists");
    assert.equal(failed({ time_of_day: { from: "08:00", to: "09:00" } }), "time_of_day 08:00-09:00");
  });

  test("not and any describe the whole combination", () => {
    assert.equal(failed({ not: { field: "state", op: "eq", value: "CA" } }), 'not(state eq "CA")');
    assert.equal(
      failed({
        any: [
          { field: "state", op: "eq", value: "NV" },
          { field: "zip", op: "zip_prefix_in", value: ["100"] },
        ],
      }),
      'any(state eq "NV", zip zip_prefix_in ["100"])',
    );
  });

  test("long lists and long combinations are cut", () => {
    const zips = Array.from({ length: 1000 }, (_, i) => String(10000 + i));
    assert.equal(
      failed({ field: "zip", op: "in", value: zips }),
      'zip in ["10000","10001","10002","10003","10004","10005","10006","10007","10008","10009",... 990 more]',
    );
    const wide: Rule = {
      any: Array.from({ length: 50 }, (_, i) => ({ field: "state", op: "eq", value: `S${i}` })),
    };
    const description = failed(wide) ?? "";
    assert.equal(description.length, 200);
    assert.ok(description.endsWith("..."));
    assert.equal(describeRule([{ field: "a", op: "exists" }]), "all(a exists)");
  });

  test("a failing result is a shared object: evaluating allocates no new result", () => {
    const rule: Rule = { field: "state", op: "eq", value: "NV" };
    assert.equal(evaluateRule(rule, ctx()), evaluateRule(rule, ctx()));
  });
});

describe("compatibility with today's filters", () => {
  const filters: Filter[] = [
    { field: "state", op: "in", value: ["CA", "TX"] },
    { field: "injury_severity", op: "gte", value: 5 },
    { field: "injury_severity", op: "between", value: [1, 10] },
    { field: "insured", op: "eq", value: true },
  ];

  test("filtersToRule is an all of the same comparisons, and a filters list is a valid rule as-is", () => {
    const rule = filtersToRule(filters);
    assert.deepEqual(rule, { all: filters });
    assert.equal(passes(rule), true);
    assert.equal(passes(filters), true);
    assert.equal(failed([...filters, { field: "state", op: "eq", value: "TX" }]), 'state eq "TX"');
    for (const filter of filters) assert.equal(Value.Check(RuleSchema, filter), true);
    assert.equal(Value.Check(RuleSchema, rule), true);
  });
});

describe("schema", () => {
  test("accepts every shape and refuses mixed or unknown keys", () => {
    const rule: Rule = {
      all: [
        { field: "state", op: "in", value: ["CA", "NV"] },
        {
          any: [
            { field: "zip", op: "zip_prefix_in", value: ["902"] },
            { field: "x", op: "not_exists" },
          ],
        },
        { not: { field: "liability", op: "eq", value: "disputed" } },
        { lead_age_minutes: { op: "between", value: [0, 15] } },
        { time_of_day: { from: "08:00", to: "24:00" } },
        { day_of_week: ["mon", "fri"] },
      ],
    };
    assert.equal(Value.Check(RuleSchema, rule), true);
    assert.equal(Value.Check(RuleSchema, { all: [], any: [] }), false);
    assert.equal(Value.Check(RuleSchema, { field: "state", op: "exists", value: 1 }), false);
    assert.equal(Value.Check(RuleSchema, { field: "state", op: "like", value: "C%" }), false);
    assert.equal(Value.Check(RuleSchema, { time_of_day: { from: "8:00", to: "20:00" } }), false);
    assert.equal(Value.Check(RuleSchema, { day_of_week: ["monday"] }), false);
    assert.equal(Value.Check(RuleSchema, { field: "zip", op: "zip_prefix_in", value: ["9a"] }), false);
  });
});

describe("speed", () => {
  test("100,000 evaluations of a realistic rule take well under a second", () => {
    const rule: Rule = {
      all: [
        { field: "state", op: "in", value: ["CA", "NV", "AZ", "OR", "WA", "TX", "FL", "NY", "IL", "GA"] },
        { field: "zip", op: "zip_prefix_in", value: ["900", "902", "100", "606"] },
        { field: "injury_severity", op: "between", value: [3, 10] },
        { not: { field: "injury_type", op: "in", value: ["burn", "other"] } },
        { lead_age_minutes: { op: "lte", value: 30 } },
        { time_of_day: { from: "08:00", to: "20:00" } },
        { day_of_week: ["mon", "tue", "wed", "thu", "fri", "sat"] },
      ],
    };
    const check = compileRule(rule);
    const context = ctx();
    const started = performance.now();
    let passed = 0;
    for (let i = 0; i < 100_000; i++) {
      context.now = now + (i % 1000);
      if (check(context).pass) passed++;
    }
    const elapsed = performance.now() - started;
    assert.equal(passed, 100_000);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });
});
