// A vertical is a kind of lead (personal injury, auto insurance...) with its typed fields.

import { canonicalFieldValue, type FieldDefinition, FieldProblem } from "./fields.ts";
import type { RefusableCheck } from "./lead-quality.ts";
import type { RoutingMode } from "./routing.ts";

export interface Vertical {
  id: string;
  name: string;
  fields: FieldDefinition[];
  /** When true, a post must carry a TrustedForm certificate URL or a Jornaya LeadiD. */
  consent_required?: boolean;
  /** Lowest price (dollars) at which a lead of this vertical may be sold. */
  floor?: number;
  /** A bid above this (dollars) is treated as a typo and dropped. */
  ceiling?: number;
  /** System-wide duplicate check: a consumer sold within `lookback_days`, matched on these identities. */
  dedupe?: { lookback_days: number; match: ("email" | "phone")[] };
  /** What a fallback bid must cover after the winner refuses the post (absent: strict; a source's own rule wins). */
  fallback_margin?: "strict" | "honour_quote";
  /** How bids are ordered into the winner and its fallbacks (absent: highest_bid). */
  routing?: { mode: RoutingMode; max_buyers?: number };
  /** How long PII is kept, in days after a sale or after an unsold lead arrived (docs/privacy.md). */
  retention?: { sold_days?: number; unsold_days?: number };
  /**
   * Lead validation beyond syntax (ZIP and state, phone line, disposable e-mail; docs/privacy.md): present turns it on;
   * a hard issue refuses the lead, and so does a quality score below `min_quality_score`.
   */
  validation?: {
    min_quality_score?: number;
    min_form_seconds?: number;
    max_lead_age_seconds?: number;
    velocity?: { max: number; window_seconds: number };
    check_mx?: boolean;
    refuse?: RefusableCheck[];
  };
}

export interface ValidationIssue {
  field: string;
  message: string;
}

export type LeadValues = Record<string, unknown>;

/**
 * Validates a lead against its vertical.
 * `ping` checks only the non-PII fields (and refuses PII: a seller must never send it on a ping);
 * `post` checks every field. Unknown fields are refused, so a typo never silently drops data.
 * Returns the lead in canonical form, or the first issue found.
 */
export function validateLead(
  vertical: Vertical,
  lead: unknown,
  phase: "ping" | "post",
): { ok: true; lead: LeadValues } | { ok: false; issue: ValidationIssue } {
  if (typeof lead !== "object" || lead === null || Array.isArray(lead)) {
    return { ok: false, issue: { field: "lead", message: "lead must be an object" } };
  }
  const canonical = canonicalLead(leadShape(vertical, phase), lead as LeadValues);
  return canonical
    ? { ok: true, lead: canonical }
    : validateFieldByField(vertical, lead as LeadValues, phase);
}

/**
 * The lead in canonical form when it is plainly valid: every key one of the phase's fields, every required one there,
 * every value fitting. Undefined for anything else (an issue, or an odd input such as a key set to undefined), which
 * `validateFieldByField` then settles, so the answer and the first issue are always that walk's.
 *
 * Every ping goes through here, so it does one pass over the phase's fields and no lookup per key: it counts the
 * lead's keys and the fields it found, and a count that differs means a key that is not one of the phase's fields.
 * (The counts assume a lead is data, as JSON makes it: a field held in a non-enumerable property, which only code can
 * make, would be found without being counted, and could hide one unknown key.)
 */
function canonicalLead(shape: LeadShape, input: LeadValues): LeadValues | undefined {
  let keys = 0;
  for (const _ in input) keys++;
  const { names, fields } = shape;
  const canonical: LeadValues = {};
  let found = 0;
  for (let i = 0; i < names.length; i++) {
    const value = input[names[i]!];
    if (value === undefined || value === null) {
      if (fields[i]!.required) return undefined;
      if (value === null) found++;
      continue;
    }
    found++;
    const coerced = canonicalFieldValue(fields[i]!, value);
    if (coerced instanceof FieldProblem) return undefined;
    canonical[names[i]!] = coerced;
  }
  return found === keys ? canonical : undefined;
}

/** The field-by-field validation: every key looked up, the first issue in the lead's key order, then field order. */
function validateFieldByField(
  vertical: Vertical,
  input: LeadValues,
  phase: "ping" | "post",
): { ok: true; lead: LeadValues } | { ok: false; issue: ValidationIssue } {
  const byName = fieldIndex(vertical);
  for (const name of Object.keys(input)) {
    const field = byName.get(name);
    if (!field)
      return { ok: false, issue: { field: `lead.${name}`, message: `is not a field of ${vertical.id}` } };
    if (phase === "ping" && field.pii) {
      return {
        ok: false,
        issue: { field: `lead.${name}`, message: "is personal data and must not be sent on a ping" },
      };
    }
  }
  const canonical: LeadValues = {};
  for (const field of vertical.fields) {
    if (phase === "ping" && field.pii) continue;
    const value = input[field.name];
    if (value === undefined || value === null) {
      if (field.required)
        return { ok: false, issue: { field: `lead.${field.name}`, message: "is required" } };
      continue;
    }
    const coerced = canonicalFieldValue(field, value);
    if (coerced instanceof FieldProblem)
      return { ok: false, issue: { field: `lead.${field.name}`, message: coerced.problem } };
    canonical[field.name] = coerced;
  }
  return { ok: true, lead: canonical };
}

/**
 * The ping payload for buyers: an allowlist of the vertical's non-PII fields (DESIGN rule 1).
 * Built from the field list, never by deleting PII keys, so a new PII field can never leak by default.
 */
export function buildPingPayload(vertical: Vertical, lead: LeadValues): LeadValues {
  const payload: LeadValues = {};
  for (const field of vertical.fields) {
    if (!field.pii && lead[field.name] !== undefined) payload[field.name] = lead[field.name];
  }
  return payload;
}

/** The non-PII fields whose posted values differ from the pinged ones (DESIGN rule 4). */
export function pingMismatches(vertical: Vertical, pinged: LeadValues, posted: LeadValues): string[] {
  const mismatched: string[] = [];
  for (const field of vertical.fields) {
    if (!field.pii && pinged[field.name] !== posted[field.name]) mismatched.push(field.name);
  }
  return mismatched;
}

const indexes = new WeakMap<Vertical, Map<string, FieldDefinition>>();
function fieldIndex(vertical: Vertical): Map<string, FieldDefinition> {
  let index = indexes.get(vertical);
  if (!index) {
    index = new Map(vertical.fields.map((field) => [field.name, field]));
    indexes.set(vertical, index);
  }
  return index;
}

/** A phase's fields in the vertical's order, with their names as the property keys `canonicalLead` reads and writes. */
interface LeadShape {
  names: string[];
  fields: FieldDefinition[];
}

const shapes = new WeakMap<Vertical, { ping: LeadShape; post: LeadShape }>();
function leadShape(vertical: Vertical, phase: "ping" | "post"): LeadShape {
  let both = shapes.get(vertical);
  if (!both) {
    const shapeOf = (fields: FieldDefinition[]): LeadShape => ({
      names: fields.map((field) => propertyKey(field.name)),
      fields,
    });
    both = { ping: shapeOf(vertical.fields.filter((field) => !field.pii)), post: shapeOf(vertical.fields) };
    shapes.set(vertical, both);
  }
  return both[phase];
}

/**
 * The name as V8 keeps property keys (an internalized string). A configuration read from JSON holds its longer
 * strings as plain copies, and a plain string used as a key is looked up in V8's string table on every access.
 */
function propertyKey(name: string): string {
  return Object.keys({ [name]: true })[0]!;
}
