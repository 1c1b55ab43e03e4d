// Turning a seller's request into validated values: the lead against its vertical, and the consent proof.

import { isIP } from "node:net";
import type { LeadContextValues } from "../buyers/template.ts";
import { isHttpUrl } from "../domain/fields.ts";
import { type LeadValues, type Vertical, validateLead } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import { parseInstant } from "../instants.ts";

export function validated(vertical: Vertical, lead: unknown, phase: "ping" | "post"): LeadValues {
  const result = validateLead(vertical, lead, phase);
  if (!result.ok)
    throw new GavelError(
      "GAVEL_VALIDATION",
      `${result.issue.field} ${result.issue.message}`,
      result.issue.field,
    );
  return result.lead;
}

const MAX_CONSENT_KEYS = 20;
const MAX_CONSENT_VALUE = 2000;
const CONSENT_KEY = /^[A-Za-z0-9_]{1,64}$/;

/** Consent proof: a TrustedForm certificate URL and/or a Jornaya LeadiD, plus free-form evidence strings. */
export function validatedConsent(
  vertical: Vertical,
  consent: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const proof = consent ?? {};
  const entries = Object.entries(proof);
  if (entries.length > MAX_CONSENT_KEYS)
    throw new GavelError("GAVEL_VALIDATION", "consent has too many keys", "consent");
  for (const [key, value] of entries) {
    if (!CONSENT_KEY.test(key)) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        "consent keys are letters, digits and _ (up to 64)",
        "consent",
      );
    }
    if (typeof value !== "string" || value.length > MAX_CONSENT_VALUE || value.includes("\u0000")) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        `consent.${key} must be a string of at most ${MAX_CONSENT_VALUE} characters`,
        `consent.${key}`,
      );
    }
  }
  const cert = proof.trustedform_cert_url;
  if (typeof cert === "string" && !isHttpUrl(cert)) {
    throw new GavelError(
      "GAVEL_VALIDATION",
      "consent.trustedform_cert_url must be an http(s) URL",
      "consent.trustedform_cert_url",
    );
  }
  if (vertical.consent_required && !cert && !proof.jornaya_leadid) {
    throw new GavelError(
      "GAVEL_VALIDATION",
      `${vertical.id} leads need consent proof: consent.trustedform_cert_url or consent.jornaya_leadid`,
      "consent",
    );
  }
  return proof;
}

/** A form time a little ahead of our clock is the seller's clock drifting; further ahead is a mistake. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A form time (`form_submitted_at`, for lead-age rules; `form_started_at`, for validation's form-to-submit time) as
 * epoch ms; absent stays absent (lead-age rules then fail, and the timing checks are skipped).
 */
export function validatedFormTime(
  value: string | undefined,
  now: number,
  field: "form_submitted_at" | "form_started_at" = "form_submitted_at",
): number | undefined {
  if (value === undefined) return undefined;
  const at = parseInstant(value, field);
  if (at > now + MAX_CLOCK_SKEW_MS)
    throw new GavelError("GAVEL_VALIDATION", `${field} is in the future`, field);
  return at;
}

/** What a seller may send as the lead's context (docs/api.md "Lead context"). */
export interface SellerContext {
  ip_address?: string;
  user_agent?: string;
  landing_page_url?: string;
  /** The TrustedForm ping URL (the script's xxTrustedFormPingUrl), or a masked certificate URL: made for pings. */
  trustedform_ping_url?: string;
}

const CONTEXT_LIMITS = {
  ip_address: 45,
  user_agent: 1000,
  landing_page_url: 2000,
  trustedform_ping_url: 500,
} as const;

/** CONTEXT_LIMITS as a list, made once: every ping and post checks its context against it. */
const CONTEXT_FIELDS = Object.entries(CONTEXT_LIMITS) as [keyof SellerContext, number][];

/**
 * The seller's `context`, checked (the HTTP schema checks it too; the engine is also called directly), with the
 * request's sub-id and form time, as integrations see it.
 */
export function validatedContext(
  context: SellerContext | undefined,
  request: { sub_id?: string; form_submitted_at?: string },
): LeadContextValues {
  const out: LeadContextValues = {};
  // Most requests carry no context: nothing to walk.
  if (context) checkContext(context, out);
  if (request.sub_id !== undefined) out.sub_id = request.sub_id;
  if (request.form_submitted_at !== undefined) out.form_submitted_at = request.form_submitted_at;
  return out;
}

/** Copies each context field into `out` once checked; throws at the first that is not one or does not fit. */
function checkContext(context: SellerContext, out: LeadContextValues): void {
  for (const [name, limit] of CONTEXT_FIELDS) {
    const value: unknown = context[name];
    if (value === undefined) continue;
    const field = `context.${name}`;
    if (typeof value !== "string" || value.length === 0 || value.length > limit || value.includes("\u0000"))
      throw new GavelError("GAVEL_VALIDATION", `${field} must be text of 1 to ${limit} characters`, field);
    if (name === "ip_address" && isIP(value) === 0)
      throw new GavelError("GAVEL_VALIDATION", `${field} must be an IPv4 or IPv6 address`, field);
    if ((name === "landing_page_url" || name === "trustedform_ping_url") && !isHttpUrl(value))
      throw new GavelError("GAVEL_VALIDATION", `${field} must be an http(s) URL`, field);
    out[name] = value;
  }
  for (const name of Object.keys(context))
    if (!Object.hasOwn(CONTEXT_LIMITS, name))
      throw new GavelError(
        "GAVEL_VALIDATION",
        `context.${name} is not a lead context field`,
        `context.${name}`,
      );
}
