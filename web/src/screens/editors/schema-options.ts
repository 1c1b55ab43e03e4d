// The option lists the editors offer, each checked by the compiler against the server's schema types
// (src/domain/config-schema.ts, src/domain/rules/*): a value the server adds or drops fails the web typecheck here.
import type { Campaign, Caps, Filter, Integration, Payout } from "../../../../src/domain/config-schema.ts";
import { FIELD_TYPES, type FieldDefinition, type FieldType } from "../../../../src/domain/fields.ts";
import {
  PRESET_PARAMS as ALL_PRESET_PARAMS,
  PRESET_NAMES,
  type PresetName,
  type PresetParam,
} from "../../../../src/domain/preset-params.ts";
import { ROUTING_MODES, type RoutingMode } from "../../../../src/domain/routing.ts";
import { FIELD_OPERATORS, TEXT_TYPES } from "../../../../src/domain/rules/operators.ts";
import { CAP_PERIODS, type CapPeriod } from "../../../../src/domain/rules/periods.ts";
import type { FieldOperator } from "../../../../src/domain/rules/rule-schema.ts";
import type { Schedule } from "../../../../src/domain/rules/schedule-schema.ts";

export type { FieldRule, Rule } from "../../../../src/domain/rules/rule-schema.ts";
export type {
  Campaign,
  Caps,
  FieldDefinition,
  FieldOperator,
  FieldType,
  Filter,
  Integration,
  Payout,
  Schedule,
};

/** The list names every member of the union T (a missing one is a compile error naming it). */
const every =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : never)) =>
    list;

export type Pricing = Campaign["pricing"];
export type PricingType = Pricing["type"];
export const PRICING_TYPES = every<PricingType>()(["fixed", "realtime"]);

export type PayoutModel = Payout["model"];
export const PAYOUT_MODELS = every<PayoutModel>()(["revenue_share", "margin", "margin_table", "fixed"]);

export type CapUnit = Exclude<keyof Caps, "time_zone">;
export const CAP_UNITS = every<CapUnit>()(["leads", "spend"]);
/** The exchange's own list of periods (the configuration schema is built from it). */
export { CAP_PERIODS, type CapPeriod };

export type Weekday = keyof Schedule["weekly"];
export const WEEKDAYS = every<Weekday>()(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

/** A vertical field's types: the exchange's own list. */
export const FIELD_TYPE_OPTIONS: readonly FieldType[] = FIELD_TYPES;

/** The operators of the campaign's `filters` (a subset of the rule language's). */
export const FILTER_OPS = every<Filter["op"]>()(["eq", "neq", "in", "not_in", "gte", "lte", "between"]);
/** The rule language's operators: the exchange's own list (it names every FieldOperator, or this does not compile). */
export const RULE_OPS = every<FieldOperator>()(FIELD_OPERATORS);
/** The field types contains and starts_with apply to. */
export { TEXT_TYPES };

/** Local clock times as the schedule and time_of_day take them (src/domain/rules/*-schema.ts): opens / closes. */
export const OPENS_AT = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
export const CLOSES_AT = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

/** The presets, from the exchange's own list (src/domain/preset-params.ts) the configuration schema is built from. */
export { PRESET_NAMES, type PresetName };
/**
 * Each preset's required parameters and what each is. Optional ones (Lead Prosper's tcpa_text) and a preset's
 * field_map are edited as JSON.
 */
export const PRESET_PARAMS = Object.fromEntries(
  PRESET_NAMES.map((preset) => [
    preset,
    Object.fromEntries(
      Object.entries(ALL_PRESET_PARAMS[preset] as Readonly<Record<string, PresetParam>>)
        .filter(([, param]) => !param.optional)
        .map(([name, param]) => [name, param.about]),
    ),
  ]),
) as Readonly<Record<PresetName, Readonly<Record<string, string>>>>;

/** The routing modes, from the exchange's own list (src/domain/routing.ts). */
export { ROUTING_MODES, type RoutingMode };
