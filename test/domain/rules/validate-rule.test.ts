import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RULE_LIMITS, type Rule, validateRule } from "../../../src/domain/rules/rule.ts";
import type { Vertical } from "../../../src/domain/vertical.ts";
import { personalInjury } from "../../../src/domain/verticals/personal-injury.ts";

const vertical: Vertical = {
  ...personalInjury,
  fields: [
    ...personalInjury.fields,
    { name: "accident_date", type: "date", pii: false, required: false },
    { name: "policy_months", type: "number", pii: false, required: false },
  ],
};
const problem = (rule: unknown) => validateRule(rule, vertical);
const at = (rule: unknown) => problem(rule)?.path;

describe("validateRule accepts", () => {
  test("every operator on a field of a fitting type", () => {
    const rule: Rule = {
      all: [
        { field: "state", op: "in", value: ["CA", "NV"] },
        { field: "state", op: "neq", value: "TX" },
        { field: "zip", op: "zip_prefix_in", value: ["902", "1"] },
        { field: "zip", op: "starts_with", value: "902" },
        { field: "zip", op: "not_in", value: ["90210", "10001-1234"] },
        { field: "city", op: "contains", value: "Beach" },
        { field: "city", op: "starts_with", value: "San " },
        { field: "injury_type", op: "eq", value: "fracture" },
        { field: "injury_severity", op: "gt", value: 4.5 },
        { field: "injury_severity", op: "between", value: [3, 3] },
        { field: "policy_months", op: "lte", value: 0.5 },
        { field: "accident_date", op: "gte", value: "2026-01-01" },
        { field: "accident_date", op: "between", value: ["2026-01-01", "2026-12-31"] },
        { field: "insured", op: "eq", value: true },
        { field: "other_party_insured", op: "not_exists" },
        {
          any: [
            { not: { field: "liability", op: "eq", value: "disputed" } },
            { field: "city", op: "exists" },
          ],
        },
        { lead_age_minutes: { op: "between", value: [0, 15] } },
        { time_of_day: { from: "22:00", to: "06:00" } },
        { time_of_day: { from: "08:00", to: "24:00" } },
        { day_of_week: ["mon", "sun"] },
      ],
    };
    assert.equal(problem(rule), undefined);
  });

  test("today's filters list, with paths under the prefix given", () => {
    const filters = [
      { field: "state", op: "in", value: ["CA"] },
      { field: "injury_severity", op: "gte", value: 5 },
    ];
    assert.equal(problem(filters), undefined);
    assert.equal(problem([]), undefined);
    assert.deepEqual(validateRule([...filters, { field: "ssn", op: "exists" }], vertical, "filters"), {
      path: "filters[2].field",
      message: "ssn is not a field of personal_injury",
    });
  });
});

describe("validateRule refuses, with the path to the problem", () => {
  test("unknown and PII fields", () => {
    assert.deepEqual(
      problem({
        all: [
          { field: "state", op: "exists" },
          { field: "nope", op: "exists" },
        ],
      }),
      {
        path: "rules.all[1].field",
        message: "nope is not a field of personal_injury",
      },
    );
    const pii = problem({ any: [{ not: { field: "email", op: "contains", value: "@gmail.com" } }] });
    assert.equal(pii?.path, "rules.any[0].not.field");
    assert.match(pii?.message ?? "", /personal data/);
  });

  test("operators that do not fit the field's type", () => {
    assert.deepEqual(problem({ field: "state", op: "gte", value: 5 }), {
      path: "rules.op",
      message: "gte needs a number or date field; state is state",
    });
    assert.equal(at({ field: "injury_severity", op: "starts_with", value: "1" }), "rules.op");
    assert.equal(at({ field: "insured", op: "contains", value: "t" }), "rules.op");
    assert.equal(at({ field: "state", op: "zip_prefix_in", value: ["9"] }), "rules.op");
    assert.equal(at({ field: "state", op: "like", value: "C%" }), "rules.op");
  });

  test("values the field can never hold", () => {
    assert.deepEqual(problem({ field: "injury_severity", op: "eq", value: "7" }), {
      path: "rules.value",
      message: '"7" is not a valid injury_severity: must be a number',
    });
    assert.match(
      problem({ field: "injury_type", op: "in", value: ["fracture", "papercut"] })?.message ?? "",
      /one of/,
    );
    assert.equal(at({ field: "injury_type", op: "in", value: ["fracture", "papercut"] }), "rules.value[1]");
    assert.deepEqual(problem({ field: "state", op: "in", value: ["CA", "nv"] }), {
      path: "rules.value[1]",
      message: '"nv" is not a valid state: write it as "NV"',
    });
    assert.equal(at({ field: "injury_severity", op: "eq", value: 7.5 }), "rules.value");
    assert.equal(at({ field: "zip", op: "eq", value: "9021" }), "rules.value");
    assert.equal(at({ field: "insured", op: "eq", value: 1 }), "rules.value");
    assert.equal(at({ field: "injury_severity", op: "gt", value: "5" }), "rules.value");
    assert.equal(at({ field: "accident_date", op: "gt", value: "2026-02-30" }), "rules.value");
    assert.equal(at({ field: "zip", op: "zip_prefix_in", value: ["902", "90-"] }), "rules.value[1]");
    assert.equal(at({ field: "zip", op: "starts_with", value: "9a" }), "rules.value");
    assert.equal(at({ field: "city", op: "contains", value: "" }), "rules.value");
    assert.equal(at({ field: "state", op: "in", value: [] }), "rules.value");
  });

  test("values that do not belong", () => {
    assert.deepEqual(problem({ field: "state", op: "exists", value: "CA" }), {
      path: "rules.value",
      message: "exists takes no value",
    });
    assert.equal(at({ field: "state", op: "eq" }), "rules.value");
    assert.equal(at({ field: "state", op: "eq", value: "CA", note: "x" }), "rules.note");
  });

  test("between with low above high", () => {
    assert.deepEqual(problem({ all: [{ field: "injury_severity", op: "between", value: [8, 3] }] }), {
      path: "rules.all[0].value",
      message: "between needs [low, high]; 8 is above 3",
    });
    assert.equal(
      at({ field: "accident_date", op: "between", value: ["2026-12-31", "2026-01-01"] }),
      "rules.value",
    );
    assert.equal(
      at({ lead_age_minutes: { op: "between", value: [30, 10] } }),
      "rules.lead_age_minutes.value",
    );
    assert.equal(at({ field: "injury_severity", op: "between", value: [1] }), "rules.value");
  });

  test("lead age, times and weekdays", () => {
    assert.equal(at({ lead_age_minutes: { op: "eq", value: 5 } }), "rules.lead_age_minutes.op");
    assert.equal(at({ lead_age_minutes: { op: "lte", value: -1 } }), "rules.lead_age_minutes.value");
    assert.deepEqual(problem({ time_of_day: { from: "8:00", to: "20:00" } }), {
      path: "rules.time_of_day.from",
      message: '"8:00" is not a time (HH:MM, 00:00 to 23:59)',
    });
    assert.equal(at({ time_of_day: { from: "24:00", to: "20:00" } }), "rules.time_of_day.from");
    assert.equal(at({ time_of_day: { from: "08:00", to: "20:60" } }), "rules.time_of_day.to");
    assert.equal(at({ time_of_day: { from: "08:00", to: "08:00" } }), "rules.time_of_day");
    assert.equal(at({ time_of_day: { from: "00:00", to: "24:00" } }), "rules.time_of_day");
    assert.deepEqual(problem({ not: { day_of_week: ["mon", "monday"] } }), {
      path: "rules.not.day_of_week[1]",
      message: '"monday" is not a weekday (mon, tue, wed, thu, fri, sat, sun)',
    });
    assert.equal(at({ day_of_week: ["mon", "mon"] }), "rules.day_of_week[1]");
    assert.equal(at({ day_of_week: [] }), "rules.day_of_week");
  });

  test("malformed shapes", () => {
    assert.equal(at("state = CA"), "rules");
    assert.equal(at({ all: [], any: [] }), "rules");
    assert.equal(at({ all: [] }), "rules.all");
    assert.equal(at({ any: [[{ field: "state", op: "exists" }]] }), "rules.any[0]");
    assert.equal(at({ maybe: [] }), "rules");
  });

  test("rules nested too deep", () => {
    let rule: Rule = { field: "state", op: "exists" };
    for (let depth = 1; depth < RULE_LIMITS.maxDepth; depth++) rule = { not: rule };
    assert.equal(problem(rule), undefined, "exactly the limit");
    const deeper = problem({ all: [rule] });
    assert.equal(deeper?.path, `rules.all[0]${".not".repeat(RULE_LIMITS.maxDepth - 1)}`);
    assert.match(deeper?.message ?? "", /too deeply/);
  });

  test("rules too large", () => {
    const many = Array.from({ length: RULE_LIMITS.maxNodes }, () => ({ field: "state", op: "exists" }));
    assert.equal(problem({ all: many })?.path, `rules.all[${RULE_LIMITS.maxNodes - 1}]`);
    const zips = Array.from({ length: 60_000 }, (_, i) => String(i).padStart(5, "0"));
    assert.equal(problem({ field: "zip", op: "in", value: zips }), undefined);
    const tooMany = problem({
      all: [
        { field: "zip", op: "in", value: zips },
        { field: "zip", op: "not_in", value: zips },
      ],
    });
    assert.equal(tooMany?.path, "rules.all[1].value");
    assert.match(tooMany?.message ?? "", /too many list values/);
  });
});
