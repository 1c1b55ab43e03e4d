// Exchanges as boberdoo and LeadsPedia send pings and posts to their buyers, written from the platforms' public specs
// (not from our code): a boberdoo portal's pingPostLead (form fields `Key`, `API_Action=pingPostLead`, `Mode`
// ping|post, `TYPE`, `SRC`, `Test_Lead`, `Lead_ID` "received in response of ping mode", case-sensitive lead fields
// `Zip`, `State`, `First_Name`, `Primary_Phone`, `Email`, `Trusted_Form_URL`; the reply
// `<response><status>Matched</status><lead_id>…</lead_id><price>6.66</price></response>`, always HTTP 200:
// example.leadprosper.tech/boberdoo-ping-post, boberdoo.com/ping-post-lead-log, yieldmarketing.leadportal.com
// /new_api/index.php) and LeadsPedia's ping.do / post.do (`lp_campaign_id`, `lp_campaign_key`, `lp_s1`, `lp_test`,
// `lp_response=JSON`, `lp_ping_id` "Returned Ping ID from the Ping Post", `zip_code`, `phone_home`,
// `email_address`; replies `{"result":"success","ping_id":…,"price":…}` / `{"result":"failed","msg":"Lead
// Rejected","errors":[{"error":"No Match"}]}`: ll.media/windows_posting/ and a re-hosted LeadsPedia spec).
import { XMLParser } from "fast-xml-parser";

const xml = new XMLParser({ parseTagValue: false });

export interface PlatformAnswer {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: the platform's reply as parsed
  body: any;
}

async function form(url: string, fields: Record<string, string>): Promise<PlatformAnswer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    contentType,
    body: contentType.includes("json") ? JSON.parse(text) : xml.parse(text),
  };
}

/** The personal-injury case fields a lead type carries, as a boberdoo or LeadsPedia lead type would name them. */
export const CASE_FIELDS = {
  injury_type: "fracture",
  injury_severity: "8",
  crash_type: "rear_end",
  liability: "clear",
  insured: "Yes",
  days_since_accident: "12",
  consent_verified: "Yes",
};

export class BoberdooSender {
  readonly url: string;
  readonly key: string;
  readonly leadType: string;

  constructor(url: string, key: string, leadType: string) {
    this.url = url;
    this.key = key;
    this.leadType = leadType;
  }

  ping(src: string, extra: Record<string, string> = {}) {
    return form(this.url, {
      Key: this.key,
      API_Action: "pingPostLead",
      Mode: "ping",
      TYPE: this.leadType,
      SRC: src,
      Test_Lead: "0",
      Return_Best_Price: "1",
      Zip: "90210",
      State: "CA",
      ...CASE_FIELDS,
      ...extra,
    });
  }

  post(
    src: string,
    leadId: string,
    contact: { phone: string; email: string },
    extra: Record<string, string> = {},
  ) {
    return form(this.url, {
      Key: this.key,
      API_Action: "pingPostLead",
      Mode: "post",
      TYPE: this.leadType,
      SRC: src,
      Lead_ID: leadId,
      Zip: "90210",
      State: "CA",
      ...CASE_FIELDS,
      First_Name: "Jordan",
      Last_Name: "Rivera",
      Primary_Phone: contact.phone,
      Email: contact.email,
      Trusted_Form_URL: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
      ...extra,
    });
  }
}

export class LeadsPediaSender {
  readonly baseUrl: string;
  readonly campaignId: string;
  readonly campaignKey: string;

  constructor(baseUrl: string, campaignId: string, campaignKey: string) {
    this.baseUrl = baseUrl;
    this.campaignId = campaignId;
    this.campaignKey = campaignKey;
  }

  ping(subId: string) {
    return form(`${this.baseUrl}/ping.do`, {
      lp_campaign_id: this.campaignId,
      lp_campaign_key: this.campaignKey,
      lp_s1: subId,
      lp_response: "JSON",
      zip_code: "90210",
      state: "CA",
      ...CASE_FIELDS,
    });
  }

  post(subId: string, pingId: string, contact: { phone: string; email: string }) {
    return form(`${this.baseUrl}/post.do`, {
      lp_campaign_id: this.campaignId,
      lp_campaign_key: this.campaignKey,
      lp_s1: subId,
      lp_response: "JSON",
      lp_ping_id: pingId,
      zip_code: "90210",
      state: "CA",
      ...CASE_FIELDS,
      first_name: "Jordan",
      last_name: "Rivera",
      phone_home: contact.phone,
      email_address: contact.email,
      trusted_form_cert_id: "0123456789abcdef0123456789abcdef01234567",
    });
  }
}

/**
 * Lead Prosper's ping post exchange as it sends to a buyer (public sources: example.leadprosper.tech/leadprosper-
 * ping-post — `lp_campaign_id`, `lp_supplier_id`, `lp_key`, `lp_subid1`, `lp_ping_id` "ping_id value retrieved
 * from PING response", `zip_code`, `ip_address`, `user_agent`, `landing_page`, `tcpa_text`,
 * `trusted_form_cert_url`; public clients: `/ping`, `/post`; ping reply `{status, code, message, ping_id,
 * bids:[{bid_id, payout}]}`, post reply `{status:"ACCEPTED", lead_id, payout}`, statuses ACCEPTED|DUPLICATED|ERROR).
 */
export class LeadProsperSender {
  readonly baseUrl: string;
  readonly campaignId: string;
  readonly key: string;

  constructor(baseUrl: string, campaignId: string, key: string) {
    this.baseUrl = baseUrl;
    this.campaignId = campaignId;
    this.key = key;
  }

  async #json(path: string, body: Record<string, unknown>): Promise<PlatformAnswer> {
    const response = await fetch(`${this.baseUrl}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      body: await response.json(),
    };
  }

  #envelope(supplier: string) {
    return {
      lp_campaign_id: this.campaignId,
      lp_supplier_id: supplier,
      lp_key: this.key,
      lp_subid1: "sub-1",
      zip_code: "90210",
      state: "CA",
      ip_address: "203.0.113.7",
      user_agent: "Mozilla/5.0",
      landing_page: "https://example.com/accident",
      tcpa_text: "By submitting you agree to be contacted.",
      ...CASE_FIELDS,
    };
  }

  ping(supplier: string) {
    return this.#json("ping", this.#envelope(supplier));
  }

  post(supplier: string, pingId: string, contact: { phone: string; email: string }) {
    return this.#json("post", {
      ...this.#envelope(supplier),
      lp_ping_id: pingId,
      first_name: "Jordan",
      last_name: "Rivera",
      phone: contact.phone,
      email: contact.email,
      trusted_form_cert_url: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
    });
  }
}
