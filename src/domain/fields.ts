// Typed lead fields and their validation. Pure: no I/O.

export const FIELD_TYPES = [
  "string",
  "integer",
  "number",
  "boolean",
  "enum",
  "zip",
  "state",
  "phone",
  "email",
  "url",
  "date",
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldDefinition {
  name: string;
  type: FieldType;
  /** PII fields are never sent in a ping (DESIGN rule 1: the ping payload is an allowlist of non-PII fields). */
  pii: boolean;
  /** A required non-PII field must be on the ping; a required PII field must be on the post. */
  required: boolean;
  label?: string;
  /** Allowed values for `enum`. */
  values?: string[];
  /** Inclusive bounds for `integer` and `number`. */
  min?: number;
  max?: number;
  /** Upper bound on string length (defaults to 1000). */
  max_length?: number;
}

export const US_STATES = new Set(
  (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK " +
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP"
  ).split(" "),
);

const ZIP = /^\d{5}(-\d{4})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DEFAULT_MAX_LENGTH = 1000;

/** Normalises a US phone number to its 10 digits, or returns undefined when it is not one. */
export function normalizeUsPhone(value: string): string | undefined {
  let digits = value.replace(/\D/g, "");
  if (digits.length === 11 && digits.startsWith("1")) digits = digits.slice(1);
  // NANP: area code and exchange start with 2-9.
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(digits) ? digits : undefined;
}

/**
 * Checks one value against its field definition.
 * Returns the value in canonical form (phone as 10 digits, state upper-case, email lower-case),
 * or a string describing the problem.
 */
export function coerceFieldValue(
  field: FieldDefinition,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  const coerced = canonicalFieldValue(field, value);
  return coerced instanceof FieldProblem
    ? { ok: false, problem: coerced.problem }
    : { ok: true, value: coerced };
}

/** Why a value does not fit its field (a class, so no value a lead can hold is mistaken for one). */
export class FieldProblem {
  readonly problem: string;
  constructor(problem: string) {
    this.problem = problem;
  }
}

/**
 * `coerceFieldValue` without a result object per value: the canonical value, or a FieldProblem. For validating a
 * whole lead, where every field of every ping goes through it.
 */
export function canonicalFieldValue(field: FieldDefinition, value: unknown): unknown {
  switch (field.type) {
    case "boolean":
      return typeof value === "boolean" ? value : fail("must be true or false");
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return fail("must be a number");
      if (field.type === "integer" && !Number.isInteger(value)) return fail("must be a whole number");
      if (field.min !== undefined && value < field.min) return fail(`must be at least ${field.min}`);
      if (field.max !== undefined && value > field.max) return fail(`must be at most ${field.max}`);
      return value;
    }
    default:
      break;
  }
  if (typeof value !== "string") return fail("must be a string");
  if (value.length > (field.max_length ?? DEFAULT_MAX_LENGTH)) return fail("is too long");
  // No text store takes NUL (PostgreSQL refuses it), and no form field legitimately holds one.
  if (value.includes("\u0000")) return fail("must not contain NUL characters");
  switch (field.type) {
    case "string":
      return value.trim() === "" && field.required ? fail("must not be empty") : value;
    case "enum":
      return field.values?.includes(value) ? value : fail(`must be one of: ${field.values?.join(", ")}`);
    case "zip":
      return ZIP.test(value) ? value : fail("must be a US ZIP code (12345 or 12345-6789)");
    case "state": {
      const state = value.toUpperCase();
      return US_STATES.has(state) ? state : fail("must be a two-letter US state code");
    }
    case "phone": {
      const phone = normalizeUsPhone(value);
      return phone ? phone : fail("must be a 10-digit US phone number");
    }
    case "email":
      return EMAIL.test(value) ? value.trim().toLowerCase() : fail("must be an e-mail address");
    case "url":
      return isHttpUrl(value) ? value : fail("must be an http(s) URL");
    case "date":
      // Round-trip through Date: Date.parse alone rolls 2024-02-30 over to March 1st.
      return ISO_DATE.test(value) &&
        !Number.isNaN(Date.parse(value)) &&
        new Date(value).toISOString().startsWith(value)
        ? value
        : fail("must be a date as YYYY-MM-DD");
  }
}

function fail(problem: string): FieldProblem {
  return new FieldProblem(problem);
}

export function isHttpUrl(value: string): boolean {
  // Parsed once (canParse, then new URL, parsed it twice): a post's consent certificate URL comes through here.
  const protocol = URL.parse(value)?.protocol;
  return protocol === "https:" || protocol === "http:";
}
