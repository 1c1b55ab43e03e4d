// Campaign targeting rules: a small language over a vertical's non-PII fields, evaluated on every ping for every
// campaign. Rules are compiled once into closures whose results (pass, or the description of the failing rule for the
// decision trace) are built at compile time, so evaluating allocates nothing. Pure: the clock and the time zone come
// from the context.
//
//   leaf         {field, op, value}: eq neq in not_in gt gte lt lte between contains starts_with zip_prefix_in,
//                {field, op: "exists" | "not_exists"}
//   combination  {all: [rule, ...]}  {any: [rule, ...]}  {not: rule}      a list of rules means all of them
//   lead age     {lead_age_minutes: {op: "lte", value: 15}}                minutes since the form was submitted
//   day-parting  {time_of_day: {from: "08:00", to: "20:00"}}  {day_of_week: ["mon", "fri"]}   local time
//
//   quality      {field: "quality_score", op: "gte", value: 70}             the lead's validation score (0-100), in
//                filters and rules alike, where the vertical validates leads (docs/privacy.md#lead-validation)
//
// A missing field fails every operator except neq, not_in and not_exists. Comparisons are strict (7 is not "7"):
// validateRule refuses a value the field can never hold, so a rule never silently matches nothing.
import type { Filter } from "../config-schema.ts";
import { coerceFieldValue, type FieldDefinition } from "../fields.ts";
import type { Vertical } from "../vertical.ts";
import { isIsoDate, localTime, parseClock, WEEKDAYS } from "./local-time.ts";
import { FIELD_OPERATORS, TEXT_TYPES } from "./operators.ts";
import { QUALITY_SCORE, QUALITY_SCORE_FIELD } from "./quality-score.ts";
import { type AgeRule, type FieldRule, RULE_LIMITS, type Rule } from "./rule-schema.ts";

export type { AgeRule, FieldOperator, FieldRule, Rule } from "./rule-schema.ts";
export { FieldRuleSchema, RULE_LIMITS, RuleSchema } from "./rule-schema.ts";

/** What a rule is evaluated against. */
export interface RuleContext {
  /** The lead's canonical non-PII values (as validateLead returns them). */
  lead: Record<string, unknown>;
  /** Epoch ms of the decision. */
  now: number;
  /** IANA zone for time_of_day and day_of_week: the campaign's. */
  timeZone: string;
  /** Epoch ms when the consumer submitted the form, when the source said. */
  formSubmittedAt?: number;
  /** The lead's quality score (0-100) when its vertical validates leads: `quality_score` reads it. */
  qualityScore?: number;
}

export type RuleResult = { pass: true } | { pass: false; failed: string };
export type CompiledRule = (ctx: RuleContext) => RuleResult;

export interface RuleProblem {
  /** Where in the configuration, e.g. `rules.all[2].value`. */
  path: string;
  message: string;
}

const PASS: RuleResult = Object.freeze({ pass: true });
const failure = (failed: string): RuleResult => Object.freeze({ pass: false, failed });
const MAX_DESCRIPTION = 200;
const MAX_LISTED = 10;

// ---------------------------------------------------------------------------------------------------------------
// Compiling and evaluating

/** Compiles a rule (or a list of rules, meaning all of them) into a function of the context. Validate it first. */
export function compileRule(rule: Rule | readonly Rule[]): CompiledRule {
  if (isRuleList(rule)) return rule.length === 1 ? compileNode(rule[0]!) : compileAll(rule);
  return compileNode(rule);
}

const compiledRules = new WeakMap<object, CompiledRule>();

/**
 * Evaluates a rule: `{pass: true}`, or `{pass: false, failed}` with a short description of the rule that failed,
 * for the decision trace. Compiles on first use and keeps the compiled form as long as the rule object lives
 * (configuration snapshots are immutable).
 */
export function evaluateRule(rule: Rule | readonly Rule[], ctx: RuleContext): RuleResult {
  let compiled = compiledRules.get(rule);
  if (!compiled) {
    compiled = compileRule(rule);
    compiledRules.set(rule, compiled);
  }
  return compiled(ctx);
}

/** Today's campaign `filters` (a list of field comparisons, all required) as a rule. */
export function filtersToRule(filters: readonly Filter[]): Rule {
  return { all: [...filters] };
}

function compileNode(rule: Rule): CompiledRule {
  if ("field" in rule) return compileFieldRule(rule);
  if ("all" in rule) return compileAll(rule.all);
  if ("any" in rule) {
    const children = rule.any.map(compileNode);
    const failed = failure(describeRule(rule));
    return (ctx) => {
      for (const child of children) if (child(ctx).pass) return PASS;
      return failed;
    };
  }
  if ("not" in rule) {
    const child = compileNode(rule.not);
    const failed = failure(describeRule(rule));
    return (ctx) => (child(ctx).pass ? failed : PASS);
  }
  if ("lead_age_minutes" in rule) return compileLeadAge(rule.lead_age_minutes);
  if ("time_of_day" in rule) {
    const from = parseClock(rule.time_of_day.from) ?? 0;
    const to = parseClock(rule.time_of_day.to, true) ?? 1440;
    const failed = failure(describeRule(rule));
    if (from < to)
      return (ctx) => {
        const minute = localTime(ctx.timeZone, ctx.now).minuteOfDay;
        return minute >= from && minute < to ? PASS : failed;
      };
    return (ctx) => {
      const minute = localTime(ctx.timeZone, ctx.now).minuteOfDay;
      return minute >= from || minute < to ? PASS : failed;
    };
  }
  if ("day_of_week" in rule) {
    const days = WEEKDAYS.map((day) => (rule.day_of_week as readonly string[]).includes(day));
    const failed = failure(describeRule(rule));
    return (ctx) => (days[localTime(ctx.timeZone, ctx.now).weekday] ? PASS : failed);
  }
  throw new TypeError(`not a rule: ${JSON.stringify(rule)}`);
}

function compileAll(rules: readonly Rule[]): CompiledRule {
  const children = rules.map(compileNode);
  return (ctx) => {
    for (const child of children) {
      const result = child(ctx);
      if (!result.pass) return result;
    }
    return PASS;
  };
}

function compileFieldRule(rule: FieldRule): CompiledRule {
  const field = rule.field;
  const failed = failure(describeRule(rule));
  const missing = failure(`${describeRule(rule)} (${field} missing)`);
  const fail = (value: unknown) => (value === undefined || value === null ? missing : failed);
  const read: (ctx: RuleContext) => unknown =
    field === QUALITY_SCORE ? (ctx) => ctx.qualityScore : (ctx) => ctx.lead[field];
  switch (rule.op) {
    case "eq": {
      const expected = rule.value;
      return (ctx) => {
        const value = read(ctx);
        return value === expected ? PASS : fail(value);
      };
    }
    case "neq": {
      const unwanted = rule.value;
      return (ctx) => (read(ctx) !== unwanted ? PASS : failed);
    }
    case "in": {
      const wanted = new Set<unknown>(rule.value);
      return (ctx) => {
        const value = read(ctx);
        return wanted.has(value) ? PASS : fail(value);
      };
    }
    case "not_in": {
      const unwanted = new Set<unknown>(rule.value);
      return (ctx) => (unwanted.has(read(ctx)) ? failed : PASS);
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte":
    case "between": {
      const test = rangeTest(rule.op, rule.value);
      return (ctx) => {
        const value = read(ctx);
        return test(value) ? PASS : fail(value);
      };
    }
    case "contains": {
      const needle = rule.value;
      return (ctx) => {
        const value = read(ctx);
        if (typeof value === "string") return value.includes(needle) ? PASS : failed;
        return Array.isArray(value) && value.includes(needle) ? PASS : fail(value);
      };
    }
    case "starts_with": {
      const prefix = rule.value;
      return (ctx) => {
        const value = read(ctx);
        return typeof value === "string" && value.startsWith(prefix) ? PASS : fail(value);
      };
    }
    case "zip_prefix_in": {
      const test = prefixTest(rule.value);
      return (ctx) => {
        const value = read(ctx);
        return typeof value === "string" && test(value) ? PASS : fail(value);
      };
    }
    case "exists":
      return (ctx) => (isPresent(read(ctx)) ? PASS : missing);
    case "not_exists":
      return (ctx) => (isPresent(read(ctx)) ? failed : PASS);
  }
}

function compileLeadAge(age: AgeRule): CompiledRule {
  const description = describeRule({ lead_age_minutes: age });
  const failed = failure(description);
  const unknown = failure(`${description} (form time unknown)`);
  const test = rangeTest(age.op, age.value);
  return (ctx) => {
    if (ctx.formSubmittedAt === undefined || !Number.isFinite(ctx.formSubmittedAt)) return unknown;
    // A form time slightly ahead of our clock (the source's clock drifts) is a fresh lead, not a negative age.
    const minutes = Math.max(0, (ctx.now - ctx.formSubmittedAt) / 60_000);
    return test(minutes) ? PASS : failed;
  };
}

type Bound = number | string;

/**
 * A range test over numbers, or over YYYY-MM-DD dates (which compare correctly as text). A value of another kind
 * than the bounds fails.
 */
function rangeTest(
  op: "gt" | "gte" | "lt" | "lte" | "between",
  bounds: Bound | readonly Bound[],
): (v: unknown) => boolean {
  const [low, high] = Array.isArray(bounds) ? bounds : [bounds, bounds];
  const kind = typeof low;
  // Typed as numbers for the comparison operators; the same comparisons hold for ISO date strings.
  const lo = low as number;
  const hi = high as number;
  switch (op) {
    case "gt":
      return (value) => typeof value === kind && (value as number) > lo;
    case "gte":
      return (value) => typeof value === kind && (value as number) >= lo;
    case "lt":
      return (value) => typeof value === kind && (value as number) < hi;
    case "lte":
      return (value) => typeof value === kind && (value as number) <= hi;
    case "between":
      return (value) => typeof value === kind && (value as number) >= lo && (value as number) <= hi;
  }
}

/** ZIP prefix matching: a scan for a few prefixes, a set per prefix length for long lists. */
function prefixTest(prefixes: readonly string[]): (zip: string) => boolean {
  if (prefixes.length <= 16)
    return (zip) => {
      for (const prefix of prefixes) if (zip.startsWith(prefix)) return true;
      return false;
    };
  const byLength = new Map<number, Set<string>>();
  for (const prefix of prefixes) {
    const set = byLength.get(prefix.length) ?? new Set<string>();
    set.add(prefix);
    byLength.set(prefix.length, set);
  }
  const groups = [...byLength.entries()];
  return (zip) => {
    for (const [length, set] of groups)
      if (zip.length >= length && set.has(zip.slice(0, length))) return true;
    return false;
  };
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

function isRuleList(rule: Rule | readonly Rule[]): rule is readonly Rule[] {
  return Array.isArray(rule);
}

// ---------------------------------------------------------------------------------------------------------------
// Describing (for decision traces)

/** A short human description of a rule, e.g. `state in ["CA","NV"]`, `not(liability eq "disputed")`. */
export function describeRule(rule: Rule | readonly Rule[]): string {
  return shorten(describe(rule));
}

function describe(rule: Rule | readonly Rule[]): string {
  if (isRuleList(rule)) return `all(${rule.map(describe).join(", ")})`;
  if ("field" in rule)
    return "value" in rule ? `${rule.field} ${rule.op} ${show(rule.value)}` : `${rule.field} ${rule.op}`;
  if ("all" in rule) return `all(${rule.all.map(describe).join(", ")})`;
  if ("any" in rule) return `any(${rule.any.map(describe).join(", ")})`;
  if ("not" in rule) return `not(${describe(rule.not)})`;
  if ("lead_age_minutes" in rule)
    return `lead_age_minutes ${rule.lead_age_minutes.op} ${show(rule.lead_age_minutes.value)}`;
  if ("time_of_day" in rule) return `time_of_day ${rule.time_of_day.from}-${rule.time_of_day.to}`;
  if ("day_of_week" in rule) return `day_of_week ${show(rule.day_of_week)}`;
  return JSON.stringify(rule);
}

/** JSON, with long lists cut: `["90210","90211",... 998 more]`. */
function show(value: unknown): string {
  if (!Array.isArray(value) || value.length <= MAX_LISTED) return JSON.stringify(value);
  const shown = value.slice(0, MAX_LISTED).map((item) => JSON.stringify(item));
  return `[${shown.join(",")},... ${value.length - MAX_LISTED} more]`;
}

function shorten(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 3)}...`;
}

// ---------------------------------------------------------------------------------------------------------------
// Validating (when a campaign is saved)

const RANGE_OPERATORS = new Set(["gt", "gte", "lt", "lte", "between"]);
const AGE_OPERATORS = ["gt", "gte", "lt", "lte", "between"];
const COMBINATIONS = ["all", "any", "not", "lead_age_minutes", "time_of_day", "day_of_week"];
const ZIP_PREFIX = /^\d{1,5}$/;
const RULE_SHAPES =
  "a rule is {field, op, value}, {field, op: exists|not_exists}, {all: [...]}, {any: [...]}, {not: rule}, " +
  "{lead_age_minutes: {op, value}}, {time_of_day: {from, to}} or {day_of_week: [...]}";

interface Budget {
  nodes: number;
  listValues: number;
  /** Whether the vertical validates leads (so quality_score has a value). */
  validates: boolean;
}

/**
 * Checks a rule (or a list of rules, meaning all of them) against a vertical when a campaign is saved: known non-PII
 * fields, operators that fit the field's type, values the field can hold, well-formed times and weekdays, and the
 * size limits in RULE_LIMITS. Returns the first problem with its path, e.g. `rules.all[2].value`.
 */
export function validateRule(rule: unknown, vertical: Vertical, at = "rules"): RuleProblem | undefined {
  const fields = new Map<string, FieldDefinition>(vertical.fields.map((field) => [field.name, field]));
  const budget: Budget = { nodes: 0, listValues: 0, validates: vertical.validation !== undefined };
  if (Array.isArray(rule)) {
    for (const [index, item] of rule.entries()) {
      const problem = checkNode(item, `${at}[${index}]`, 1, fields, vertical.id, budget);
      if (problem) return problem;
    }
    return undefined;
  }
  return checkNode(rule, at, 1, fields, vertical.id, budget);
}

function checkNode(
  node: unknown,
  at: string,
  depth: number,
  fields: Map<string, FieldDefinition>,
  verticalId: string,
  budget: Budget,
): RuleProblem | undefined {
  if (depth > RULE_LIMITS.maxDepth)
    return { path: at, message: `rules nest too deeply (at most ${RULE_LIMITS.maxDepth} levels)` };
  if (++budget.nodes > RULE_LIMITS.maxNodes)
    return { path: at, message: `the rule is too large (at most ${RULE_LIMITS.maxNodes} rules in all)` };
  if (!isRecord(node)) return { path: at, message: RULE_SHAPES };
  if ("field" in node || "op" in node) return checkFieldRule(node, at, fields, verticalId, budget);
  const keys = Object.keys(node);
  const kind = keys[0];
  if (keys.length !== 1 || kind === undefined || !COMBINATIONS.includes(kind))
    return { path: at, message: RULE_SHAPES };
  const body = node[kind];
  const inner = `${at}.${kind}`;
  switch (kind) {
    case "all":
    case "any": {
      if (!Array.isArray(body) || body.length === 0)
        return { path: inner, message: `${kind} needs a non-empty list of rules` };
      for (const [index, child] of body.entries()) {
        const problem = checkNode(child, `${inner}[${index}]`, depth + 1, fields, verticalId, budget);
        if (problem) return problem;
      }
      return undefined;
    }
    case "not":
      return checkNode(body, inner, depth + 1, fields, verticalId, budget);
    case "lead_age_minutes":
      return checkLeadAge(body, inner);
    case "time_of_day":
      return checkTimeOfDay(body, inner);
    default:
      return checkDayOfWeek(body, inner);
  }
}

function checkFieldRule(
  node: Record<string, unknown>,
  at: string,
  fields: Map<string, FieldDefinition>,
  verticalId: string,
  budget: Budget,
): RuleProblem | undefined {
  for (const key of Object.keys(node)) {
    if (key !== "field" && key !== "op" && key !== "value")
      return { path: `${at}.${key}`, message: "is not part of a field rule (field, op, value)" };
  }
  const name = node["field"];
  if (typeof name !== "string") return { path: `${at}.field`, message: "must name a field of the vertical" };
  if (name === QUALITY_SCORE && !budget.validates)
    return {
      path: `${at}.field`,
      message: `quality_score is known only where the vertical validates leads; ${verticalId} has no validation`,
    };
  const field = name === QUALITY_SCORE ? QUALITY_SCORE_FIELD : fields.get(name);
  if (!field) return { path: `${at}.field`, message: `${name} is not a field of ${verticalId}` };
  if (field.pii)
    return {
      path: `${at}.field`,
      message: `${name} is personal data, which a ping never carries; rules can only use non-PII fields`,
    };
  const op = node["op"];
  if (typeof op !== "string" || !(FIELD_OPERATORS as readonly string[]).includes(op))
    return {
      path: `${at}.op`,
      message: `${JSON.stringify(op)} is not an operator (${FIELD_OPERATORS.join(", ")})`,
    };

  const numeric = field.type === "integer" || field.type === "number";
  const text = TEXT_TYPES.has(field.type);
  const mismatch = (needs: string) => ({
    path: `${at}.op`,
    message: `${op} needs ${needs}; ${name} is ${field.type}`,
  });
  if (RANGE_OPERATORS.has(op) && !numeric && field.type !== "date") return mismatch("a number or date field");
  if ((op === "contains" || op === "starts_with") && !text) return mismatch("a text field");
  if (op === "zip_prefix_in" && field.type !== "zip" && field.type !== "string")
    return mismatch("a ZIP field");

  const value = node["value"];
  const valueAt = `${at}.value`;
  if (op === "exists" || op === "not_exists")
    return "value" in node ? { path: valueAt, message: `${op} takes no value` } : undefined;
  if (value === undefined) return { path: valueAt, message: `${op} needs a value` };

  switch (op) {
    case "eq":
    case "neq":
      return checkFieldValue(field, value, valueAt);
    case "in":
    case "not_in":
    case "zip_prefix_in": {
      if (!Array.isArray(value) || value.length === 0)
        return { path: valueAt, message: `${op} needs a non-empty list of values` };
      budget.listValues += value.length;
      if (budget.listValues > RULE_LIMITS.maxListValues)
        return {
          path: valueAt,
          message: `too many list values (at most ${RULE_LIMITS.maxListValues} in one campaign's rule)`,
        };
      for (const [index, item] of value.entries()) {
        const problem =
          op === "zip_prefix_in"
            ? checkZipPrefix(item, `${valueAt}[${index}]`)
            : checkFieldValue(field, item, `${valueAt}[${index}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    case "between": {
      if (!Array.isArray(value) || value.length !== 2)
        return { path: valueAt, message: "between needs [low, high]" };
      const problem =
        checkBound(field, value[0], `${valueAt}[0]`) ?? checkBound(field, value[1], `${valueAt}[1]`);
      if (problem) return problem;
      return value[0] > value[1]
        ? {
            path: valueAt,
            message: `between needs [low, high]; ${show(value[0])} is above ${show(value[1])}`,
          }
        : undefined;
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return checkBound(field, value, valueAt);
    case "starts_with":
      if (typeof value !== "string" || value === "")
        return { path: valueAt, message: "starts_with needs a non-empty text" };
      return field.type === "zip" ? checkZipPrefix(value, valueAt) : undefined;
    default: // contains
      return typeof value === "string" && value !== ""
        ? undefined
        : { path: valueAt, message: "contains needs a non-empty text" };
  }
}

/** A value the field can never hold would make the rule silently never (or always) match. */
function checkFieldValue(field: FieldDefinition, value: unknown, at: string): RuleProblem | undefined {
  const checked = coerceFieldValue(field, value);
  if (checked.ok && checked.value === value) return undefined;
  const hint = checked.ok ? `write it as ${JSON.stringify(checked.value)}` : checked.problem;
  return { path: at, message: `${JSON.stringify(value)} is not a valid ${field.name}: ${hint}` };
}

/** Range bounds: any finite number for a number field (not held to its min/max), a real date for a date field. */
function checkBound(field: FieldDefinition, value: unknown, at: string): RuleProblem | undefined {
  if (field.type === "date")
    return isIsoDate(value) ? undefined : { path: at, message: `${show(value)} is not a date (YYYY-MM-DD)` };
  return typeof value === "number" && Number.isFinite(value)
    ? undefined
    : { path: at, message: `${show(value)} is not a number (${field.name} is ${field.type})` };
}

function checkZipPrefix(value: unknown, at: string): RuleProblem | undefined {
  return typeof value === "string" && ZIP_PREFIX.test(value)
    ? undefined
    : { path: at, message: `${show(value)} is not a ZIP prefix (1 to 5 digits, as text: "902")` };
}

function checkLeadAge(body: unknown, at: string): RuleProblem | undefined {
  if (!isRecord(body)) return { path: at, message: 'must be {op, value}, e.g. {"op": "lte", "value": 15}' };
  for (const key of Object.keys(body)) {
    if (key !== "op" && key !== "value")
      return { path: `${at}.${key}`, message: "is not part of a lead age rule (op, value)" };
  }
  const op = body["op"];
  if (typeof op !== "string" || !AGE_OPERATORS.includes(op))
    return {
      path: `${at}.op`,
      message: `${JSON.stringify(op)} is not a lead age operator (${AGE_OPERATORS.join(", ")})`,
    };
  const value = body["value"];
  const minutes = (item: unknown, itemAt: string) =>
    typeof item === "number" && Number.isFinite(item) && item >= 0
      ? undefined
      : { path: itemAt, message: `${show(item)} is not a number of minutes (0 or more)` };
  if (op !== "between") return minutes(value, `${at}.value`);
  if (!Array.isArray(value) || value.length !== 2)
    return { path: `${at}.value`, message: "between needs [low, high]" };
  const problem = minutes(value[0], `${at}.value[0]`) ?? minutes(value[1], `${at}.value[1]`);
  if (problem) return problem;
  return value[0] > value[1]
    ? { path: `${at}.value`, message: `between needs [low, high]; ${value[0]} is above ${value[1]}` }
    : undefined;
}

function checkTimeOfDay(body: unknown, at: string): RuleProblem | undefined {
  if (!isRecord(body))
    return { path: at, message: 'must be {from, to}, e.g. {"from": "08:00", "to": "20:00"}' };
  for (const key of Object.keys(body)) {
    if (key !== "from" && key !== "to")
      return { path: `${at}.${key}`, message: "is not part of time_of_day (from, to)" };
  }
  const from = parseClock(body["from"]);
  if (from === undefined)
    return { path: `${at}.from`, message: `${show(body["from"])} is not a time (HH:MM, 00:00 to 23:59)` };
  const to = parseClock(body["to"], true);
  if (to === undefined)
    return { path: `${at}.to`, message: `${show(body["to"])} is not a time (HH:MM, 00:00 to 24:00)` };
  if (from === to % 1440)
    return { path: at, message: "from and to are the same time; leave the rule out to allow the whole day" };
  return undefined;
}

function checkDayOfWeek(body: unknown, at: string): RuleProblem | undefined {
  if (!Array.isArray(body) || body.length === 0)
    return { path: at, message: `must be a non-empty list of weekdays (${WEEKDAYS.join(", ")})` };
  for (const [index, day] of body.entries()) {
    if (!(WEEKDAYS as readonly unknown[]).includes(day))
      return { path: `${at}[${index}]`, message: `${show(day)} is not a weekday (${WEEKDAYS.join(", ")})` };
    if (body.indexOf(day) !== index) return { path: `${at}[${index}]`, message: `${day} is listed twice` };
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
