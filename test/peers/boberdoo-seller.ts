// A lead seller's boberdoo integration, written from boberdoo's public pingPostLead material, not from Gavel's code:
// - example.leadprosper.tech/boberdoo-ping-post: `Key`, `API_Action=pingPostLead`, `Mode` ping|post|full, `Lead_ID`
//   "received in response of ping mode" on the post, `Format` JSON|XML (default XML);
// - yieldmarketing.leadportal.com/new_api/index.php notes: form POST to `new_api/api.php`, `{"Request": {…}}` to
//   `apiJSON.php`; replies wrapped in `response`, `status` Matched/Unmatched/Success/Error, HTTP 200; `Test_Lead=1`;
// - boberdoo.com/ping-post-lead-log: `<response><status>Matched</status><lead_id>…</lead_id><price>6.66</price>`;
//   public sellers send `Return_Best_Price=1` and read `response.price`.
// It sends exactly what such a seller sends (case-sensitive boberdoo field names, every value a string) to the host
// it is given, and reads the reply the way those sellers do: `response.status`, `lead_id`, `price`, `error`.
import { XMLParser } from "fast-xml-parser";

export interface BoberdooResponse {
  status: "Matched" | "Unmatched" | "Success" | "Error" | string;
  lead_id?: string;
  price?: string;
  error?: string;
  /** Every other element of the reply, as text. */
  [element: string]: string | undefined;
}

export interface BoberdooSellerOptions {
  /** The exchange's base URL: the seller's leadportal host, replaced. */
  baseUrl: string;
  key: string;
  /** The lead type id boberdoo gave the seller. */
  leadType: string;
  src?: string;
  subId?: string;
  test?: boolean;
}

const xml = new XMLParser({ parseTagValue: false });

export class BoberdooSeller {
  readonly #options: BoberdooSellerOptions;

  constructor(options: BoberdooSellerOptions) {
    this.#options = options;
  }

  /** Mode=ping with the lead type's "Ping Required" fields, form-encoded to new_api/api.php (XML reply). */
  ping(fields: Record<string, string>, transport: Transport = "form"): Promise<BoberdooResponse> {
    return this.#send({ Mode: "ping", ...fields }, transport);
  }

  /** Mode=post: the ping's Lead_ID plus the "Post Required" fields. */
  post(
    leadId: string,
    fields: Record<string, string>,
    transport: Transport = "form",
  ): Promise<BoberdooResponse> {
    return this.#send({ Mode: "post", Lead_ID: leadId, ...fields }, transport);
  }

  /** Mode=full: every field in one call. */
  full(fields: Record<string, string>, transport: Transport = "form"): Promise<BoberdooResponse> {
    return this.#send({ Mode: "full", ...fields }, transport);
  }

  /** Sends any fields as they are (for requests a careless seller makes). */
  raw(fields: Record<string, string>, transport: Transport = "form"): Promise<BoberdooResponse> {
    return this.#exchange(fields, transport);
  }

  #send(fields: Record<string, string>, transport: Transport): Promise<BoberdooResponse> {
    const { key, leadType, src, subId, test } = this.#options;
    return this.#exchange(
      {
        Key: key,
        API_Action: "pingPostLead",
        TYPE: leadType,
        ...(src ? { SRC: src } : {}),
        ...(subId ? { Sub_ID: subId } : {}),
        ...(test ? { Test_Lead: "1" } : {}),
        Return_Best_Price: "1",
        ...fields,
      },
      transport,
    );
  }

  async #exchange(fields: Record<string, string>, transport: Transport): Promise<BoberdooResponse> {
    const { baseUrl } = this.#options;
    const request =
      transport === "json"
        ? // apiJSON.php: the fields inside "Request", Format=JSON for a JSON reply.
          {
            url: `${baseUrl}/apiJSON.php`,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ Request: { ...fields, Format: "JSON" } }),
          }
        : {
            url: `${baseUrl}/new_api/api.php`,
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams(fields).toString(),
          };
    const reply = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body });
    // boberdoo answers 200 whatever happened; the status element says what.
    if (reply.status !== 200) throw new Error(`boberdoo answered HTTP ${reply.status}`);
    const text = await reply.text();
    const parsed = transport === "json" ? JSON.parse(text) : xml.parse(text);
    const response = parsed?.response;
    if (!response || typeof response.status !== "string") throw new Error(`no response/status in ${text}`);
    return response as BoberdooResponse;
  }
}

export type Transport = "form" | "json";
