// A lead seller's LeadsPedia integration, written from LeadsPedia's public posting specs, not from Gavel's code:
// - ll.media/windows_posting/ and /solar_posting/ (specs LeadsPedia generates for its sellers): ping
//   `https://<account>.leadspediatrack.com/ping.do`, post `…/post.do`, "POST or GET are supported";
//   `lp_campaign_id`, `lp_campaign_key`, `lp_s1`…`lp_s5`, `lp_test` "1 for Test Post", `lp_response` "XML or JSON",
//   `lp_ping_id` "Returned Ping ID from the Ping Post"; fields `zip_code`, `state`, `first_name`, `phone_home`,
//   `email_address`, `ip_address`, `trusted_form_cert_id`, `jornaya_lead_id`, `tcpa_text`;
// - a LeadsPedia direct-post spec (nationalinjurybureau.leadspediatrack.com/post.do): "The default response is in XML
//   format"; `<response><result>success</result><lead_id>…</lead_id><price>15.00</price>…<msg>Lead Accepted</msg>`;
//   failure `<result>failed</result>…<errors><error>No Match</error></errors>`;
// - public sellers' code reading the ping's `result`, `ping_id`, `price`, `msg` and posting `lp_ping_id`.
import { XMLParser } from "fast-xml-parser";

export interface LeadsPediaResponse {
  result: "success" | "failed" | string;
  ping_id?: string;
  lead_id?: string;
  price?: string;
  msg?: string;
  /** The texts of `errors/error` (JSON: `errors[].error`). */
  errors: string[];
  /** The whole reply as parsed. */
  raw: Record<string, unknown>;
}

export interface LeadsPediaSellerOptions {
  baseUrl: string;
  campaignId: string;
  campaignKey: string;
  /** `lp_s1`, the sub-affiliate. */
  s1?: string;
  test?: boolean;
  /** JSON asks for `lp_response=JSON`; XML leaves the default. */
  response?: "XML" | "JSON";
  /** POST (the spec's recommendation) or GET with the query string. */
  method?: "POST" | "GET";
}

const xml = new XMLParser({ parseTagValue: false });

export class LeadsPediaSeller {
  readonly #options: LeadsPediaSellerOptions;

  constructor(options: LeadsPediaSellerOptions) {
    this.#options = options;
  }

  ping(fields: Record<string, string>): Promise<LeadsPediaResponse> {
    return this.#send("ping.do", fields);
  }

  post(pingId: string, fields: Record<string, string>): Promise<LeadsPediaResponse> {
    return this.#send("post.do", { lp_ping_id: pingId, ...fields });
  }

  /** A direct post: the same post.do, without a ping id. */
  directPost(fields: Record<string, string>): Promise<LeadsPediaResponse> {
    return this.#send("post.do", fields);
  }

  async #send(path: string, fields: Record<string, string>): Promise<LeadsPediaResponse> {
    const { baseUrl, campaignId, campaignKey, s1, test, response, method = "POST" } = this.#options;
    const params = new URLSearchParams({
      lp_campaign_id: campaignId,
      lp_campaign_key: campaignKey,
      ...(s1 ? { lp_s1: s1 } : {}),
      ...(test ? { lp_test: "1" } : {}),
      ...(response === "JSON" ? { lp_response: "JSON" } : {}),
      ...fields,
    });
    const reply =
      method === "GET"
        ? await fetch(`${baseUrl}/${path}?${params}`)
        : await fetch(`${baseUrl}/${path}`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: params.toString(),
          });
    if (reply.status !== 200) throw new Error(`LeadsPedia answered HTTP ${reply.status}`);
    const text = await reply.text();
    if (response === "JSON") {
      const body = JSON.parse(text);
      const errors = Array.isArray(body.errors) ? body.errors.map((e: { error: string }) => e.error) : [];
      return { ...body, errors, raw: body };
    }
    const body = xml.parse(text).response;
    if (!body) throw new Error(`no <response> in ${text}`);
    const listed = body.errors?.error;
    const errors = listed === undefined ? [] : Array.isArray(listed) ? listed : [listed];
    return { ...body, errors: errors.map(String), raw: body };
  }
}
