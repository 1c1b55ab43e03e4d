// A TrustedForm Certificate API v4.0 client: one POST to the certificate that retains it and matches it to the
// lead's email/phone, and, for a campaign that asks, Verify's one-to-one consent check for the buyer's legal name
// (`verify: {advertiser_name}`, answered `verify.result.one_to_one`, as github.com/activeprospect/
// leadconduit-integration-trustedform @ fed87d2 lib/trustedform.js sends and reads it). Insights is a separately
// billed product, and a failed Insights operation fails the whole outcome, so it is asked only when configured. The
// retain `vendor` is the lead's source ("defaults to the lead source's name" in the same module). Earlier notes:
// the lead's email/phone (industry.md §4.4: header `Api-Version: 4.0`, operations `match_lead {email, phone}` and
// `retain {reference, vendor}`, outcome success/failure/error, failure reasons such as "The cert has expired" and
// "No matches found"). Where industry.md is silent we follow the documented v4 shapes as LeadConduit's own
// integration uses them: basic auth with the API key as the password, `insights: {properties: [...]}` to ask for
// created_at/page_url, and the answer's `match_lead.result`, `retain.result(s)` and `insights.properties`.

import type { BuyerHttpClient } from "../../buyers/buyer-http-client.ts";
import {
  askProvider,
  type CheckVerdict,
  createConsentHttp,
  field,
  maskPageUrl,
  normaliseEmail,
  normalisePhone,
  parseJsonObject,
  startCheck,
} from "./consent-http.ts";
import type { ConsentCheck, ConsentVerifier, ConsentVerifyInput } from "./consent-verifier.ts";

export const TRUSTEDFORM_PRODUCTION_URL = "https://cert.trustedform.com";

export interface TrustedFormClientConfig {
  apiKey: string;
  /** Where certificates are retained: production by default; a fake or staging service in tests and demos. */
  baseUrl?: string;
  /** Sent as `retain.vendor` when the lead's source is unknown (normally the source's name is sent). */
  vendor?: string;
  /**
   * Insights properties asked for with every check: a separately billed product, so none by default (e.g.
   * `created_at`, `page_url` to keep a certificate's creation time and page as evidence).
   */
  insightsProperties?: readonly string[];
  /** Cap on the answer's size; larger answers are an error. Default 64 KiB. */
  maxResponseBytes?: number;
}

export class TrustedFormClient implements ConsentVerifier {
  readonly provider = "trustedform" as const;
  readonly #config: TrustedFormClientConfig;
  readonly #baseUrl: URL;
  readonly #authorization: string;
  readonly #http: BuyerHttpClient;

  constructor(config: TrustedFormClientConfig) {
    this.#config = config;
    this.#baseUrl = new URL(config.baseUrl ?? TRUSTEDFORM_PRODUCTION_URL);
    this.#authorization = `Basic ${Buffer.from(`API:${config.apiKey}`).toString("base64")}`;
    this.#http = createConsentHttp(config.maxResponseBytes);
  }

  async verify(input: ConsentVerifyInput, options: { timeoutMs: number }): Promise<ConsentCheck> {
    const done = startCheck("trustedform");
    const certId = parseCertificateId(input.certUrl, this.#baseUrl);
    if (!certId) return done({ outcome: "invalid", detail: "not a TrustedForm certificate URL" });
    const email = normaliseEmail(input.email);
    const phone = normalisePhone(input.phone);
    // Retain requires something to match; without it the certificate cannot be tied to this consumer.
    if (!email && !phone)
      return done({ outcome: "no_match", detail: "the lead has no email or phone to match" });

    const answer = await askProvider(this.#http, {
      // Always our configured service, whatever host the source wrote: a lead must not make us call elsewhere.
      url: new URL(`${this.#baseUrl.pathname.replace(/\/$/, "")}/${certId}`, this.#baseUrl).href,
      contentType: "application/json",
      headers: { "api-version": "4.0", authorization: this.#authorization },
      body: JSON.stringify(this.#requestBody(input, email, phone)),
      timeoutMs: options.timeoutMs,
    });
    if (!("status" in answer)) return done(answer);
    const verdict = interpretAnswer(answer.status, answer.body, certId);
    return done(input.advertiserName ? oneToOne(verdict, answer.body, input.advertiserName) : verdict);
  }

  #requestBody(
    input: ConsentVerifyInput,
    email: string | undefined,
    phone: string | undefined,
  ): Record<string, unknown> {
    const vendor = input.vendor ?? this.#config.vendor;
    const body: Record<string, unknown> = {
      match_lead: { ...(email && { email }), ...(phone && { phone }) },
      retain: { reference: input.referenceId, ...(vendor && { vendor }) },
    };
    const properties = this.#config.insightsProperties ?? [];
    if (properties.length > 0) body["insights"] = { properties };
    if (input.advertiserName) body["verify"] = { advertiser_name: input.advertiserName };
    return body;
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}

const CERT_ID = /^[0-9a-f]{40}$/i;

/**
 * The 40-hex certificate id of https://cert.trustedform.com/<id> (or of a certificate on the configured service);
 * undefined for anything else, including masked ping URLs, which cannot be retained.
 */
export function parseCertificateId(certUrl: string | undefined, baseUrl: URL): string | undefined {
  if (!certUrl) return undefined;
  let url: URL;
  try {
    url = new URL(certUrl.trim());
  } catch {
    return undefined;
  }
  const production = url.protocol === "https:" && url.host === new URL(TRUSTEDFORM_PRODUCTION_URL).host;
  if (!production && url.origin !== baseUrl.origin) return undefined;
  const id = url.pathname.split("/").filter(Boolean).at(-1);
  return id && CERT_ID.test(id) ? id.toLowerCase() : undefined;
}

function interpretAnswer(status: number, text: string, certId: string): CheckVerdict {
  if (status === 401 || status === 403)
    return { outcome: "error", detail: `credentials rejected (${status})` };
  if (status === 404) return { outcome: "not_found", detail: "no such certificate" };
  if (status === 410) return { outcome: "expired", detail: "the certificate has expired" };
  if (status === 429 || status >= 500) return { outcome: "error", detail: `TrustedForm answered ${status}` };

  const answer = parseJsonObject(text);
  const outcome = field(answer, "outcome");
  const reason =
    typeof field(answer, "reason") === "string" ? (field(answer, "reason") as string) : undefined;
  if (!answer || typeof outcome !== "string")
    return { outcome: "error", detail: `unreadable answer (${status})` };
  const matchResult = field(field(answer, "match_lead"), "result");

  if (status === 200 && outcome === "success") {
    if (field(matchResult, "success") === false)
      return { outcome: "no_match", detail: reason ?? "no matches found" };
    return { outcome: "verified", evidence: evidence(answer, certId) };
  }
  if (outcome === "failure") {
    if (reason && /expired/i.test(reason)) return { outcome: "expired", detail: reason };
    if ((reason && /no match/i.test(reason)) || field(matchResult, "success") === false)
      return { outcome: "no_match", detail: reason ?? "no matches found" };
    // Claimed too many times, sandbox certificates, consent language not detected: refusals a retry won't change.
    return { outcome: "invalid", detail: reason ?? "TrustedForm refused the certificate" };
  }
  if (status >= 400 && status < 500 && outcome !== "error")
    return { outcome: "invalid", detail: reason ?? `TrustedForm answered ${status}` };
  return { outcome: "error", detail: reason ?? `TrustedForm answered ${status} with outcome ${outcome}` };
}

function evidence(answer: Record<string, unknown>, certId: string): Record<string, unknown> {
  const retain = field(answer, "retain");
  // The v4 answer has been seen with both `result` and `results` under retain.
  const retainResult = field(retain, "result") ?? field(retain, "results");
  const properties = field(field(answer, "insights"), "properties");
  const matchResult = field(field(answer, "match_lead"), "result");
  const collected: Record<string, unknown> = {
    cert_id: certId,
    created_at: field(properties, "created_at"),
    expires_at: field(retainResult, "expires_at") ?? field(properties, "expires_at"),
    page_url: maskPageUrl(field(properties, "page_url")),
    ip: field(properties, "ip"),
    is_masked: field(properties, "is_masked"),
    previously_retained: field(retainResult, "previously_retained"),
    email_match: field(matchResult, "email_match"),
    phone_match: field(matchResult, "phone_match"),
  };
  return Object.fromEntries(Object.entries(collected).filter(([, value]) => value !== undefined));
}

/**
 * A verified certificate passes a campaign's Verify check only when it shows one-to-one consent for the buyer's
 * name (`verify.result.one_to_one`); the language checks (`verify.result.success`) already shape the outcome.
 */
function oneToOne(verdict: CheckVerdict, text: string, advertiserName: string): CheckVerdict {
  if (verdict.outcome !== "verified") return verdict;
  const result = field(field(parseJsonObject(text), "verify"), "result");
  const oneToOneConsent = field(result, "one_to_one");
  if (oneToOneConsent === true)
    return {
      ...verdict,
      evidence: {
        ...verdict.evidence,
        one_to_one: true,
        advertiser_name: advertiserName,
        ...(typeof field(result, "language_approved") === "boolean"
          ? { language_approved: field(result, "language_approved") }
          : {}),
      },
    };
  if (oneToOneConsent === false)
    return { outcome: "invalid", detail: `no one-to-one consent for ${advertiserName} in the certificate` };
  return { outcome: "error", detail: "the answer does not say whether consent was one-to-one" };
}
