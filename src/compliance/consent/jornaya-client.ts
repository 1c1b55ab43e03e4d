// A Jornaya LeadiD check: an authenticate/audit lookup of the LeadiD token the source captured on its form.
// industry.md records only the credential names (§4.5, §5.7: account code `lac`, API key `lak`, campaign key `lpc`,
// and the token) and that the answer says whether the token is authentic and whether the lead's data matches what
// was captured ("data integrity"). Where it is silent we use the closest documented shape and say so here:
// - request: POST, form-encoded `lac`, `lak`, `lpc?`, `id` (the token), `email?`, `phone?`, `format=json`; the
//   credentials go in the body, not the query string, so they never land in access logs along the way;
// - answer: 200 `{audit: {token, authentic: 1|0, data_integrity: 1|0|null, created_at, age_seconds, page_url?,
//   ip?}}`; 404 for an unknown token; 401/403 for rejected credentials.
// Point `endpoint` at the URL your Jornaya contract names (docs.jornaya.com/docs/authentication-api).

import type { BuyerHttpClient } from "../../buyers/buyer-http-client.ts";
import {
  type CheckVerdict,
  createConsentHttp,
  field,
  maskPageUrl,
  normaliseEmail,
  normalisePhone,
  parseJsonObject,
  postToProvider,
  startCheck,
} from "./consent-http.ts";
import type { ConsentCheck, ConsentVerifier, ConsentVerifyInput } from "./consent-verifier.ts";

export const JORNAYA_PRODUCTION_URL = "https://api.leadid.com/Authenticate";

export interface JornayaClientConfig {
  /** LeadiD account code (`lac`). */
  accountCode: string;
  /** LeadiD API key (`lak`). */
  apiKey: string;
  /** LeadiD campaign key (`lpc`), when the account audits per campaign. */
  campaignKey?: string;
  /** The lookup URL: production by default; a fake or staging service in tests and demos. */
  endpoint?: string;
  /**
   * Gavel's own rule, not the provider's: a token older than this is "expired" (the consumer filled the form too long
   * ago to call it consent for this sale). Default 90 days, TrustedForm's unretained lifetime.
   */
  maxTokenAgeSeconds?: number;
  /** Cap on the answer's size; larger answers are an error. Default 64 KiB. */
  maxResponseBytes?: number;
}

/** A LeadiD token is a UUID, usually upper case. */
const LEADID_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isLeadIdToken(token: string | undefined): token is string {
  return token !== undefined && LEADID_TOKEN.test(token.trim());
}

export class JornayaClient implements ConsentVerifier {
  readonly provider = "jornaya" as const;
  readonly #config: JornayaClientConfig;
  readonly #endpoint: URL;
  readonly #http: BuyerHttpClient;

  constructor(config: JornayaClientConfig) {
    this.#config = config;
    this.#endpoint = new URL(config.endpoint ?? JORNAYA_PRODUCTION_URL);
    this.#http = createConsentHttp(config.maxResponseBytes);
  }

  async verify(input: ConsentVerifyInput, options: { timeoutMs: number }): Promise<ConsentCheck> {
    const done = startCheck("jornaya");
    if (!isLeadIdToken(input.leadId)) return done({ outcome: "invalid", detail: "not a LeadiD token" });
    const token = input.leadId.trim().toUpperCase();

    const form = new URLSearchParams({ lac: this.#config.accountCode, lak: this.#config.apiKey, id: token });
    if (this.#config.campaignKey) form.set("lpc", this.#config.campaignKey);
    const email = normaliseEmail(input.email);
    const phone = normalisePhone(input.phone);
    if (email) form.set("email", email);
    if (phone) form.set("phone", phone);
    form.set("format", "json");

    const answer = await postToProvider(this.#http, {
      url: this.#endpoint.href,
      contentType: "application/x-www-form-urlencoded",
      headers: { accept: "application/json" },
      body: form.toString(),
      timeoutMs: options.timeoutMs,
    });
    return done("status" in answer ? this.#interpret(answer.status, answer.body, token) : answer);
  }

  #interpret(status: number, text: string, token: string): CheckVerdict {
    if (status === 401 || status === 403)
      return { outcome: "error", detail: `credentials rejected (${status})` };
    if (status === 404) return { outcome: "not_found", detail: "no such LeadiD token" };
    if (status !== 200) return { outcome: "error", detail: `Jornaya answered ${status}` };
    const audit = field(parseJsonObject(text), "audit");
    if (!audit || typeof audit !== "object") return { outcome: "error", detail: "unreadable answer" };

    const authentic = field(audit, "authentic");
    if (authentic !== 1 && authentic !== true) {
      if (authentic === 0 || authentic === false)
        return { outcome: "invalid", detail: "the token is not authentic" };
      return { outcome: "error", detail: "the answer does not say whether the token is authentic" };
    }
    const ageSeconds = field(audit, "age_seconds");
    const maxAge = this.#config.maxTokenAgeSeconds ?? 90 * 24 * 3600;
    if (typeof ageSeconds === "number" && ageSeconds > maxAge)
      return {
        outcome: "expired",
        detail: `the token is ${Math.round(ageSeconds)} s old (limit ${maxAge} s)`,
      };
    const integrity = field(audit, "data_integrity");
    if (integrity === 0 || integrity === false)
      return { outcome: "no_match", detail: "the lead's email/phone do not match what the form captured" };

    const collected: Record<string, unknown> = {
      lead_id: token,
      authentic: true,
      data_integrity: integrity === 1 || integrity === true ? true : null,
      created_at: field(audit, "created_at"),
      age_seconds: ageSeconds,
      page_url: maskPageUrl(field(audit, "page_url")),
      ip: field(audit, "ip"),
    };
    return {
      outcome: "verified",
      evidence: Object.fromEntries(Object.entries(collected).filter(([, value]) => value !== undefined)),
    };
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
