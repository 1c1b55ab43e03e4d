// The rule language's field operators, and the field types its text operators apply to: the one list the exchange
// validates rules against (rule.ts) and the console's rule editor offers (web/src/screens/editors/schema-options.ts).
// Type imports only, so the browser bundles this file as it is.
import type { FieldType } from "../fields.ts";

export const FIELD_OPERATORS = [
  "eq",
  "neq",
  "in",
  "not_in",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "contains",
  "starts_with",
  "zip_prefix_in",
  "exists",
  "not_exists",
] as const;

/** The field types `contains` and `starts_with` apply to. */
export const TEXT_TYPES: ReadonlySet<FieldType> = new Set<FieldType>([
  "string",
  "enum",
  "zip",
  "state",
  "phone",
  "email",
  "url",
  "date",
]);
