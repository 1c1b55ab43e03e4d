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

/**
 * PX pinging and posting a buyer, as its API Builder is documented to do (support.px.com/hc/en-us/articles
 * /360005149374 "API configuration"; 115004728027 "Step 1: Create connection": POST, ping and post content types
 * application/json or application/xml, an API key; 115004895928 "Step 2: Map inputs": PX's own vertical fields placed
 * in the buyer's template; 115010302308 "Step 3: Map responses": Success, Payout on the ping, the Ping ID read from the
 * ping's answer and sent on the post, the Response ID ("Lead ID")). The fields are PX's own API 2.0 lead document
 * (api.px.com/v2/verticals/auto-warranty/ping-post-exclusive-auto-warranty, /aca/ping-post-full-shared-aca: `ApiToken`,
 * `Vertical`, `SubId`, `Source`, `UserAgent`, `OriginalUrl`, `SessionLength`, `TcpaText`, `JornayaLeadId`,
 * `TrustedForm`, `ContactData{ZipCode, State, IpAddress}` on the ping and `FirstName`, `LastName`, `PhoneNumber`,
 * `EmailAddress` with `TransactionId` on the post; XML as `<Lead>…</Lead>`), which is what a buyer gives PX's
 * integration team to map. Silent, and assumed: the Ping ID is the answer's `TransactionId` (mapped by a regular
 * expression on PX's side) and is sent back as `TransactionId`; a personal-injury lead's case fields go at the top
 * level under the buyer's names (PX has no public personal-injury specification).
 */
export class PxSender {
  readonly baseUrl: string;
  readonly apiToken: string;
  readonly vertical: string;

  constructor(baseUrl: string, apiToken: string, vertical: string) {
    this.baseUrl = baseUrl;
    this.apiToken = apiToken;
    this.vertical = vertical;
  }

  #document(source: string) {
    return {
      ApiToken: this.apiToken,
      Vertical: this.vertical,
      SubId: "FB1",
      Sub2Id: "",
      Source: source,
      UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
      OriginalUrl: "https://accident-help.example.com/",
      SessionLength: "38",
      TcpaText: "By clicking Submit I agree to be contacted by a law firm.",
      JornayaLeadId: "",
      TrustedForm: "",
      ...CASE_FIELDS,
    };
  }

  ping(source: string, contact: Record<string, string> = {}) {
    return this.#send("ping", {
      ...this.#document(source),
      ContactData: { ZipCode: "90210", State: "CA", IpAddress: "203.0.113.9", ...contact },
    });
  }

  post(source: string, transactionId: string, contact: { phone: string; email: string }) {
    return this.#send("post", {
      ...this.#document(source),
      TransactionId: transactionId,
      TrustedForm: "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
      ContactData: {
        ZipCode: "90210",
        State: "CA",
        IpAddress: "203.0.113.9",
        FirstName: "Jordan",
        LastName: "Rivera",
        PhoneNumber: contact.phone,
        EmailAddress: contact.email,
      },
    });
  }

  /** The same ping as PX's XML lead document, answered in XML. */
  async pingXml(source: string): Promise<PlatformAnswer> {
    const document = this.#document(source);
    const elements = Object.entries(document)
      .map(([name, value]) => `<${name}>${value}</${name}>`)
      .join("");
    const response = await fetch(`${this.baseUrl}/ping`, {
      method: "POST",
      headers: { "content-type": "application/xml", accept: "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?><Lead>${elements}<ContactData><ZipCode>90210</ZipCode><State>CA</State><IpAddress>203.0.113.9</IpAddress></ContactData></Lead>`,
    });
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      body: xml.parse(await response.text()),
    };
  }

  async #send(path: string, body: Record<string, unknown>): Promise<PlatformAnswer> {
    const response = await fetch(`${this.baseUrl}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "",
      body: await response.json(),
    };
  }
}
