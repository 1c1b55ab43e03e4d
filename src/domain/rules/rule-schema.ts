// The shape of a campaign's targeting rule, defined once: configuration validation, OpenAPI and the TypeScript
// types all come from this schema. What the rules mean, and the checks against a vertical, live in rule.ts.
import { type Static, Type } from "@sinclair/typebox";
import { WEEKDAYS } from "./local-time.ts";

/** Limits on one campaign's rule, so a rule stays cheap to run on every ping (checked by validateRule). */
export const RULE_LIMITS = {
  /** Levels of nesting, counting the leaf: {all: [{not: leaf}]} is 3. */
  maxDepth: 10,
  /** Nodes (leaves and combinations) in the whole rule. */
  maxNodes: 500,
  /** Values in all the in / not_in / zip_prefix_in lists together (a ZIP list may hold thousands). */
  maxListValues: 100_000,
} as const;

const Field = Type.String({ minLength: 1, maxLength: 64, description: "a non-PII field of the vertical" });
const Bound = Type.Union([Type.Number(), Type.String({ description: "YYYY-MM-DD, for date fields" })]);
const ListOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Array(item, { minItems: 1, maxItems: RULE_LIMITS.maxListValues });

const leaf = <Op extends string, Extra extends Parameters<typeof Type.Object>[0]>(
  ops: readonly Op[],
  extra: Extra,
  description: string,
) =>
  Type.Object(
    { field: Field, op: Type.Union(ops.map((op) => Type.Literal(op))), ...extra },
    { additionalProperties: false, description },
  );

export const FieldRuleSchema = Type.Union([
  leaf(
    ["eq", "neq"],
    { value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]) },
    'equals / differs from the value (strict: 7 is not "7"); neq passes when the field is missing',
  ),
  leaf(
    ["in", "not_in"],
    { value: ListOf(Type.Union([Type.String(), Type.Number()])) },
    "one of the values / none of them (ZIP and state lists); not_in passes when the field is missing",
  ),
  leaf(
    ["gt", "gte", "lt", "lte"],
    { value: Bound },
    "compares a number field with a number, or a date field with a YYYY-MM-DD date",
  ),
  leaf(["between"], { value: Type.Tuple([Bound, Bound]) }, "low <= value <= high, both inclusive"),
  leaf(
    ["contains"],
    { value: Type.String({ minLength: 1 }) },
    "a text field holds the text (case-sensitive), or a list value holds it",
  ),
  leaf(
    ["starts_with"],
    { value: Type.String({ minLength: 1 }) },
    'a text or ZIP field starts with, e.g. "902"',
  ),
  leaf(
    ["zip_prefix_in"],
    { value: ListOf(Type.String({ pattern: "^[0-9]{1,5}$" })) },
    'the ZIP starts with one of the prefixes, e.g. ["902", "100"]',
  ),
  leaf(
    ["exists", "not_exists"],
    {},
    "the field is present and not empty / absent or empty; every other operator fails on a missing field " +
      "except neq and not_in",
  ),
]);

const AgeRuleSchema = Type.Union(
  [
    Type.Object(
      {
        op: Type.Union([Type.Literal("gt"), Type.Literal("gte"), Type.Literal("lt"), Type.Literal("lte")]),
        value: Type.Number({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        op: Type.Literal("between"),
        value: Type.Tuple([Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })]),
      },
      { additionalProperties: false },
    ),
  ],
  { description: "minutes since the consumer submitted the form; fails when the form time is unknown" },
);

const Weekday = Type.Union(WEEKDAYS.map((day) => Type.Literal(day)));

export const RuleSchema = Type.Recursive(
  (This) =>
    Type.Union([
      ...FieldRuleSchema.anyOf,
      Type.Object(
        { all: Type.Array(This, { minItems: 1 }) },
        {
          additionalProperties: false,
          description: "every rule passes; the first that fails is the one reported",
        },
      ),
      Type.Object(
        { any: Type.Array(This, { minItems: 1 }) },
        { additionalProperties: false, description: "at least one rule passes" },
      ),
      Type.Object({ not: This }, { additionalProperties: false, description: "the rule fails" }),
      Type.Object({ lead_age_minutes: AgeRuleSchema }, { additionalProperties: false }),
      Type.Object(
        {
          time_of_day: Type.Object(
            {
              from: Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" }),
              to: Type.String({ pattern: "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$" }),
            },
            { additionalProperties: false },
          ),
        },
        {
          additionalProperties: false,
          description:
            "local time in the campaign's time zone is in [from, to); from after to wraps past midnight " +
            '(22:00 to 06:00); to may be "24:00"',
        },
      ),
      Type.Object(
        { day_of_week: Type.Array(Weekday, { minItems: 1, maxItems: 7, uniqueItems: true }) },
        {
          additionalProperties: false,
          description: "the local weekday in the campaign's time zone is one of",
        },
      ),
    ]),
  {
    $id: "Rule",
    description:
      "A targeting rule over the vertical's non-PII fields (rules run on the ping, which never carries PII). " +
      "A list of rules where one rule is expected means all of them.",
    examples: [
      {
        all: [
          { field: "state", op: "in", value: ["CA", "NV"] },
          {
            any: [
              { field: "zip", op: "zip_prefix_in", value: ["902", "100"] },
              { field: "injury_severity", op: "gte", value: 7 },
            ],
          },
          { not: { field: "liability", op: "eq", value: "disputed" } },
          { lead_age_minutes: { op: "lte", value: 15 } },
          { time_of_day: { from: "08:00", to: "20:00" } },
          { day_of_week: ["mon", "tue", "wed", "thu", "fri"] },
        ],
      },
    ],
  },
);

export type Rule = Static<typeof RuleSchema>;
export type FieldRule = Static<typeof FieldRuleSchema>;
export type FieldOperator = FieldRule["op"];
export type AgeRule = Static<typeof AgeRuleSchema>;
