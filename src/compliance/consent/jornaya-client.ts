// A Jornaya LeadiD check, as Jornaya documents it. Two calls, chosen by `api`:
// - `authenticate` (default): the Authentication API. GET https://api.leadid.com/Authenticate?lac=<account code>&id=<token>
//   answers {"authenticate": {"authentic": 1|0, "token": "<token>"}} (or the same as XML). `authentic: 0` means "not a
//   token Jornaya created, or queried too many times". Sources: docs.jornaya.com/docs/authentication-api (also
//   marketing.verisk.com/docs/authentication-api-1), docs.jornaya.com/docs/how-to-check-the-authenticity-of-a-leadid-token.
//   The call carries no API key and says nothing about the lead's data, its age or its page.
// - `tcpa_guardian`: TCPA Guardian's SingleQuery (docs.jornaya.com/v1/docs/tcpa-guardian-3rd-party-api): GET with `lac`,
//   `lak` (audit key), `lpc` (the provider the lead came from), `id`, `data` ("Pipe | Separated Data with field data
//   labels delimited by semicolons", e.g. `email;joe@smith.com|phone1;5125550100`) and `format=json`; the answer's
//   `audit.authentic` says whether the token is authentic (public client code reads it: code-index id 28573187842).
//   The public pages we found do not spell out the data-integrity member; we read `audit.data_integrity` (1/0) when
//   present and otherwise report it unknown.
// Jornaya's own documents do not describe HTTP statuses for a bad account code or an unknown token; a 401/403 is
// read as rejected credentials and a 404 as an unknown token, and anything else not 200 as an error.
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

export const JORNAYA_AUTHENTICATE_URL = "https://api.leadid.com/Authenticate";
export const JORNAYA_SINGLE_QUERY_URL = "https://api.leadid.com/SingleQuery";

export type JornayaApi = "authenticate" | "tcpa_guardian";

export interface JornayaClientConfig {
  /** LeadiD account code (`lac`). */
  accountCode: string;
  /** Which documented call checks a token (default `authenticate`). */
  api?: JornayaApi;
  /** LeadiD audit key (`lak`): TCPA Guardian only. */
  apiKey?: string;
  /** The provider code (`lpc`): TCPA Guardian only. */
  campaignKey?: string;
  /** The lookup URL: the documented one for `api` by default; a fake or staging service in tests and demos. */
  endpoint?: string;
  /**
   * Gavel's own rule, not the provider's: a token older than this is "expired" (TCPA Guardian answers only; the
   * Authentication API says nothing of a token's age). Default 90 days.
   */
  maxTokenAgeSeconds?: number;
  /** Cap on the answer's size; larger answers are an error. Default 64 KiB. */
  maxResponseBytes?: number;
}

/** A LeadiD token: 36 characters, a UUID, usually upper case. */
const LEADID_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isLeadIdToken(token: string | undefined): token is string {
  return token !== undefined && LEADID_TOKEN.test(token.trim());
}

export class JornayaClient implements ConsentVerifier {
  readonly provider = "jornaya" as const;
  readonly #config: JornayaClientConfig;
  readonly #api: JornayaApi;
  readonly #endpoint: string;
  readonly #http: BuyerHttpClient;

  constructor(config: JornayaClientConfig) {
    this.#config = config;
    this.#api = config.api ?? "authenticate";
    if (this.#api === "tcpa_guardian" && !config.apiKey)
      throw new Error("Jornaya TCPA Guardian needs the audit key (lak)");
    this.#endpoint = new URL(
      config.endpoint ?? (this.#api === "authenticate" ? JORNAYA_AUTHENTICATE_URL : JORNAYA_SINGLE_QUERY_URL),
    ).href;
    this.#http = createConsentHttp(config.maxResponseBytes);
  }

  async verify(input: ConsentVerifyInput, options: { timeoutMs: number }): Promise<ConsentCheck> {
    const done = startCheck("jornaya");
    if (!isLeadIdToken(input.leadId)) return done({ outcome: "invalid", detail: "not a LeadiD token" });
    const token = input.leadId.trim().toUpperCase();
    const answer = await askProvider(this.#http, {
      method: "GET",
      url: this.#endpoint,
      query: this.#query(token, input).toString(),
      headers: { accept: "application/json" },
      timeoutMs: options.timeoutMs,
    });
    if (!("status" in answer)) return done(answer);
    const failure = statusFailure(answer.status);
    if (failure) return done(failure);
    return done(
      this.#api === "authenticate"
        ? readAuthenticate(answer.body, token)
        : this.#readSingleQuery(answer.body, token),
    );
  }

  #query(token: string, input: ConsentVerifyInput): URLSearchParams {
    const query = new URLSearchParams({ lac: this.#config.accountCode, id: token });
    if (this.#api === "authenticate") return query;
    query.set("lak", this.#config.apiKey ?? "");
    if (this.#config.campaignKey) query.set("lpc", this.#config.campaignKey);
    // The data-integrity check: contact data as label;value pairs joined by pipes.
    const data: string[] = [];
    const email = normaliseEmail(input.email);
    const phone = normalisePhone(input.phone);
    if (email) data.push(`email;${email}`);
    if (phone) data.push(`phone1;${phone}`);
    if (data.length > 0) query.set("data", data.join("|"));
    query.set("format", "json");
    return query;
  }

  #readSingleQuery(text: string, token: string): CheckVerdict {
    const audit = field(parseJsonObject(text), "audit");
    if (!audit || typeof audit !== "object") return { outcome: "error", detail: "unreadable answer" };
    const authentic = authenticity(field(audit, "authentic"));
    if (authentic !== true) return authentic;
    const ageSeconds = field(audit, "age_seconds");
    const maxAge = this.#config.maxTokenAgeSeconds ?? 90 * 24 * 3600;
    if (typeof ageSeconds === "number" && ageSeconds > maxAge)
      return {
        outcome: "expired",
        detail: `the token is ${Math.round(ageSeconds)} s old (limit ${maxAge} s)`,
      };
    const integrity = field(audit, "data_integrity");
    if (integrity === 0 || integrity === false || integrity === "0")
      return { outcome: "no_match", detail: "the lead's email/phone do not match what the form captured" };
    const collected: Record<string, unknown> = {
      lead_id: token,
      authentic: true,
      data_integrity: integrity === 1 || integrity === true || integrity === "1" ? true : null,
      created_at: field(audit, "created_at"),
      age_seconds: ageSeconds,
      page_url: maskPageUrl(field(audit, "page_url")),
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

function statusFailure(status: number): CheckVerdict | undefined {
  if (status === 401 || status === 403)
    return { outcome: "error", detail: `credentials rejected (${status})` };
  if (status === 404) return { outcome: "not_found", detail: "no such LeadiD token" };
  if (status !== 200) return { outcome: "error", detail: `Jornaya answered ${status}` };
  return undefined;
}

/** `{"authenticate": {"authentic": 1, "token": …}}`, or the documented XML `<authenticate><authentic>1</authentic>…`. */
function readAuthenticate(text: string, token: string): CheckVerdict {
  let authentic: unknown;
  if (text.trimStart().startsWith("<")) {
    const match = /<authenticate>[\s\S]*?<authentic>\s*([^<\s]*)\s*<\/authentic>/.exec(text);
    authentic = match ? match[1] : undefined;
  } else {
    const answer = field(parseJsonObject(text), "authenticate");
    if (!answer || typeof answer !== "object") return { outcome: "error", detail: "unreadable answer" };
    authentic = field(answer, "authentic");
  }
  const verdict = authenticity(authentic);
  if (verdict !== true) return verdict;
  return { outcome: "verified", evidence: { lead_id: token, authentic: true } };
}

function authenticity(value: unknown): true | CheckVerdict {
  if (value === 1 || value === true || value === "1") return true;
  if (value === 0 || value === false || value === "0")
    return {
      outcome: "invalid",
      detail: "the token is not authentic (not issued by Jornaya, or queried too many times)",
    };
  return { outcome: "error", detail: "the answer does not say whether the token is authentic" };
}
