// Field and value maps for the compatible inbound endpoints: another platform's field names and value spellings
// (form fields are all strings) → a vertical's lead fields and Gavel's consent keys. Pure: no I/O.
//
// A name is looked up, in order, in the source's own map (`source.inbound.fields`), the platform's default map, and
// the vertical's field names. A name found nowhere is refused with that name, as the native API refuses an unknown
// field, so a typo never silently drops data; a source maps a field it wants dropped to null, or ignores every unknown
// name with `unknown_fields: "ignore"`.
import type { InboundMapping } from "../domain/config-schema.ts";
import type { FieldDefinition } from "../domain/fields.ts";
import type { Vertical } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import { own } from "./inbound-protocol.ts";

/** A platform's field name → a vertical field name, `consent.<key>`, `context.<key>`, or null (known, and ignored). */
export type PlatformFieldMap = Readonly<Record<string, string | null>>;

export interface InboundLead {
  lead: Record<string, unknown>;
  consent: Record<string, string>;
  /** The seller API's lead context (docs/api.md "Lead context"): the consumer's visit, for buyers' integrations. */
  context: Record<string, string>;
  /** Gavel's path (`lead.zip`, `context.ip_address`) → the name the seller sent it as, for error messages. */
  sentAs: ReadonlyMap<string, string>;
}

const CONSENT_PREFIX = "consent.";
const CONTEXT_PREFIX = "context.";
/**
 * The visit's context fields that are also consent evidence, kept with the lead (the context is not stored): under
 * the consent keys the inbound endpoints have always written them to.
 */
const CONTEXT_AS_EVIDENCE: Readonly<Record<string, string>> = {
  ip_address: "ip_address",
  user_agent: "user_agent",
  landing_page_url: "landing_page",
};
/** A bare TrustedForm certificate id (40 hex), as some specs' `*_cert_id` / `*_token` fields carry it. */
const TRUSTEDFORM_ID = /^[0-9a-f]{40}$/i;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const NUMERIC = /^-?\d+(\.\d+)?$/;
const TRUE_WORDS = new Set(["1", "true", "yes", "y"]);
const FALSE_WORDS = new Set(["0", "false", "no", "n"]);

/** Where a seller's field goes: the source's map, then the platform's, then the vertical's own name. */
export function fieldTarget(
  name: string,
  vertical: Vertical,
  platformMap: PlatformFieldMap,
  mapping: InboundMapping | undefined,
): string | null | undefined {
  const own = mapping?.fields;
  if (own && Object.hasOwn(own, name)) return own[name];
  if (Object.hasOwn(platformMap, name)) return platformMap[name];
  return vertical.fields.some((field) => field.name === name) ? name : undefined;
}

/**
 * The seller's lead fields as a Gavel lead and consent proof. Empty values count as absent (form posts send every
 * input, filled or not). Values are only re-spelled, never judged: the exchange validates the result as it validates
 * a native request, and its errors name the seller's field through `sentAs`.
 */
export function mapInboundLead(
  fields: Readonly<Record<string, unknown>>,
  vertical: Vertical,
  platformMap: PlatformFieldMap,
  mapping: InboundMapping | undefined,
): InboundLead {
  const lead: Record<string, unknown> = {};
  const consent: Record<string, string> = {};
  const context: Record<string, string> = {};
  const sentAs = new Map<string, string>();
  const byName = new Map(vertical.fields.map((field) => [field.name, field]));
  for (const [name, value] of Object.entries(fields)) {
    const target = fieldTarget(name, vertical, platformMap, mapping);
    if (target === undefined) {
      if (mapping?.unknown_fields === "ignore") continue;
      throw new GavelError(
        "GAVEL_VALIDATION",
        `${name} is not a field of ${vertical.id} (map it in the source's inbound.fields, or to null to ignore it)`,
        name,
      );
    }
    if (target === null || value === undefined || value === null || value === "") continue;
    if (target.startsWith(CONTEXT_PREFIX)) {
      const key = target.slice(CONTEXT_PREFIX.length);
      if (Object.hasOwn(context, key)) continue; // the first of several aliases wins
      // Checked by the exchange as the native API's context is (an error names the seller's field through sentAs).
      context[key] = typeof value === "string" ? value.trim() : String(value);
      sentAs.set(target, name);
      const evidence = CONTEXT_AS_EVIDENCE[key];
      if (evidence && !Object.hasOwn(consent, evidence)) consent[evidence] = context[key]!;
      // A vertical that has a field of that name (a buyer's spec wanting the IP as a lead field) gets it too.
      const field = byName.get(key);
      if (field && !Object.hasOwn(lead, key)) {
        lead[key] = inboundValue(field, value, own(mapping?.values, key));
        sentAs.set(`lead.${key}`, name);
      }
      continue;
    }
    if (target.startsWith(CONSENT_PREFIX)) {
      const key = target.slice(CONSENT_PREFIX.length);
      if (Object.hasOwn(consent, key)) continue; // the first of several aliases wins
      consent[key] = consentValue(key, value);
      sentAs.set(target, name);
      continue;
    }
    const field = byName.get(target);
    if (!field) {
      // A source's map naming a field the vertical lacks is a configuration mistake; say which.
      throw new GavelError(
        "GAVEL_VALIDATION",
        `${name} maps to ${target}, which is not a field of ${vertical.id}`,
        name,
      );
    }
    if (Object.hasOwn(lead, target)) continue;
    lead[target] = inboundValue(field, value, own(mapping?.values, target));
    sentAs.set(`lead.${target}`, name);
  }
  return { lead, consent, context, sentAs };
}

/** A form value in the field's own type: "Yes" → true, "7" → 7, "Rear End" → rear_end, 03/04/1980 → 1980-03-04. */
export function inboundValue(
  field: FieldDefinition,
  value: unknown,
  valueMap?: Readonly<Record<string, string | number | boolean>>,
): unknown {
  if (valueMap && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
    const key = String(value);
    if (Object.hasOwn(valueMap, key)) return valueMap[key];
  }
  if (typeof value !== "string") return value;
  const text = value.trim();
  switch (field.type) {
    case "boolean": {
      const word = text.toLowerCase();
      return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : value;
    }
    case "integer":
    case "number":
      return NUMERIC.test(text) ? Number(text) : value;
    case "enum": {
      if (field.values?.includes(text)) return text;
      const spelled = text.toLowerCase().replace(/[\s-]+/g, "_");
      return field.values?.find((allowed) => allowed.toLowerCase() === spelled) ?? value;
    }
    case "date": {
      const us = US_DATE.exec(text);
      if (!us) return text;
      const [, month, day, year] = us;
      return `${year}-${(month ?? "").padStart(2, "0")}-${(day ?? "").padStart(2, "0")}`;
    }
    default:
      return text;
  }
}

function consentValue(key: string, value: unknown): string {
  const text = typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") {
    throw new GavelError("GAVEL_VALIDATION", `consent.${key} must be text`, `consent.${key}`);
  }
  if (key === "trustedform_cert_url" && TRUSTEDFORM_ID.test(text)) {
    return `https://cert.trustedform.com/${text.toLowerCase()}`;
  }
  return text;
}

/**
 * The name a seller knows a field by: the name it sent, else the first name of its platform (or its own map) that
 * maps there, else Gavel's name without the `lead.` prefix.
 */
export function sellerFieldName(
  field: string | undefined,
  sentAs: ReadonlyMap<string, string> | undefined,
  platformMap: PlatformFieldMap,
  mapping: InboundMapping | undefined,
): string | undefined {
  if (field === undefined) return undefined;
  const sent = sentAs?.get(field);
  if (sent) return sent;
  const target = field.startsWith("lead.") ? field.slice(5) : field;
  for (const map of [mapping?.fields ?? {}, platformMap]) {
    for (const [name, to] of Object.entries(map)) if (to === target) return name;
  }
  return target;
}
