// boberdoo's seller side (`pingPostLead`), translated onto Gavel's ping, post and direct post.
//
// What the public sources say (docs/api.md "Compatible inbound" lists them):
// - example.leadprosper.tech/boberdoo-ping-post (a pingPostLead spec): `Key`, `API_Action=pingPostLead`,
//   `Mode` ping|post|full, `Lead_ID` "received in response of ping mode" on the post, `Format` JSON|XML (default XML),
//   `Cost` (ping only), `Allowed_Times_Sold`;
// - yieldmarketing.leadportal.com/new_api/index.php (a boberdoo portal's API notes): `new_api/api.php` (form),
//   `apiXML.php`, `apiJSON.php`; "All field names in the request are case sensitive"; every reply wrapped in
//   `response`; `status` Matched/Unmatched/Success/Error with HTTP 200; `Test_Lead=1` on the URL, in XML or JSON;
//   errors such as `Insert Error #8: Required value for field "X" missing`;
// - boberdoo.com/ping-post-lead-log (a ping reply `<response><status>Matched</status><lead_id>…</lead_id>
//   <price>6.66</price></response>`); boberdoo.com/lead-posting-responses (`status`, `lead_id`, `error`);
//   public sellers' code sending `Return_Best_Price=1` and reading `response.price`.
// Silent, and decided here: whether `price` is left out without `Return_Best_Price` (Gavel always includes it);
// the exact Unmatched reply of a post (Gavel answers `Unmatched` with `lead_id`, price 0 and the reason).
import { type Static, Type } from "@sinclair/typebox";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { PingAnswer, PostAnswer } from "../engine/exchange.ts";
import { GavelError } from "../errors.ts";
import type { PlatformFieldMap } from "./inbound-lead.ts";
import {
  dollars,
  type InboundProtocol,
  type InboundReply,
  type InboundRequest,
  type InboundRoute,
  inboundRequest,
  own,
  type ReplyShape,
  type SellerCall,
  textOf,
} from "./inbound-protocol.ts";

/** boberdoo's envelope: consumed here, never taken for lead fields. */
const ENVELOPE = new Set([
  "Key",
  "API_Action",
  "Mode",
  "TYPE",
  "SRC",
  "Sub_ID",
  "Pub_ID",
  "Test_Lead",
  "Return_Best_Price",
  "Lead_ID",
  "Format",
  // Accepted and ignored: Gavel prices from its buyers' bids and the source's payout, and sells as campaigns say.
  "Cost",
  "Allowed_Times_Sold",
  "Matches",
  "Match_With_Partner_Hashes",
]);

/**
 * boberdoo's common lead-field names (case-sensitive, per lead type; the wire-formats reference §2.1 lists those
 * seen in public specs and clients). Contact and consent names only: a vertical's own fields pass by their names.
 */
export const BOBERDOO_FIELDS: PlatformFieldMap = {
  Zip: "zip",
  State: "state",
  City: "city",
  First_Name: "first_name",
  Last_Name: "last_name",
  Primary_Phone: "phone",
  Email: "email",
  Address: "street_address",
  Trusted_Form_URL: "consent.trustedform_cert_url",
  xxTrustedFormCertUrl: "consent.trustedform_cert_url",
  LeadiD_Token: "consent.jornaya_leadid",
  Universal_LeadiD: "consent.jornaya_leadid",
  TCPA_Language: "consent.tcpa_text",
  Disclaimer: "consent.tcpa_text",
  TCPA_Consent: "consent.tcpa_consent",
  IP_Address: "context.ip_address",
  User_Agent: "context.user_agent",
  Landing_Page: "context.landing_page_url",
  xxTrustedFormPingUrl: "context.trustedform_ping_url",
};

/** boberdoo's reply, declared once: typed here, described in the OpenAPI. */
export const BoberdooReply = Type.Object(
  {
    response: Type.Object({
      status: Type.Union([Type.Literal("Matched"), Type.Literal("Unmatched"), Type.Literal("Error")]),
      lead_id: Type.Optional(
        Type.String({ description: "The ping's id (post it back as Lead_ID), or the lead's" }),
      ),
      price: Type.Optional(Type.String({ description: "Dollars, two decimals", examples: ["24.00"] })),
      unmatched_reason: Type.Optional(Type.String()),
      error: Type.Optional(Type.String({ description: "What is wrong, naming the seller's field" })),
      code: Type.Optional(
        Type.String({ description: "Gavel's stable error code", examples: ["GAVEL_VALIDATION"] }),
      ),
      field: Type.Optional(
        Type.String({ description: "The field at fault, by the seller's name", examples: ["Zip"] }),
      ),
    }),
  },
  {
    description:
      "JSON with Format=JSON or on apiJSON.php; otherwise the same elements as XML inside <response>",
  },
);
type BoberdooResponse = Static<typeof BoberdooReply>["response"];

const MODES: Record<string, SellerCall> = { ping: "ping", post: "post", full: "direct" };

const xmlReader = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
const xmlWriter = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false });

/** An apiXML.php body: `<Request><Key>…</Key>…</Request>` (any root) → its fields. */
export function boberdooXmlFields(xml: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = xmlReader.parse(xml, true);
  } catch {
    throw new GavelError("GAVEL_VALIDATION", "The request body is not well-formed XML", "body");
  }
  const roots = Object.entries((parsed ?? {}) as Record<string, unknown>).filter(([name]) => name !== "?xml");
  const [root] = roots;
  if (roots.length !== 1 || typeof root?.[1] !== "object" || root[1] === null) {
    throw new GavelError("GAVEL_VALIDATION", "The XML body must be one element holding the fields", "body");
  }
  return root[1] as Record<string, unknown>;
}

/** An apiJSON.php body is `{"Request": {…}}`; a flat object is taken as is. */
export function boberdooJsonFields(body: Record<string, unknown>): Record<string, unknown> {
  const request = body.Request;
  return Object.keys(body).length === 1 && typeof request === "object" && request !== null
    ? (request as Record<string, unknown>)
    : body;
}

export const boberdoo: InboundProtocol = {
  name: "boberdoo",
  fieldMap: BOBERDOO_FIELDS,
  envelopeNames: { ping_id: "Lead_ID", sub_id: "Sub_ID", vertical: "TYPE", key: "Key" },
  replySchema: BoberdooReply,

  replyShape(fields, route) {
    const format = textOf(fields.Format)?.toLowerCase();
    return { json: format === "json" || (format !== "xml" && route.format === "json") };
  },

  parse(fields, _route: InboundRoute): InboundRequest {
    const key = textOf(fields.Key);
    if (!key) throw new GavelError("GAVEL_UNAUTHORIZED", "Key is required", "Key");
    const action = textOf(fields.API_Action);
    if (action !== "pingPostLead") {
      throw new GavelError(
        "GAVEL_VALIDATION",
        action === undefined
          ? "API_Action is required (pingPostLead)"
          : `API_Action ${action} is not supported here; use pingPostLead`,
        "API_Action",
      );
    }
    const mode = textOf(fields.Mode)?.toLowerCase();
    const call = mode === undefined ? undefined : own(MODES, mode);
    if (!call) throw new GavelError("GAVEL_VALIDATION", "Mode must be ping, post or full", "Mode");
    const campaign = textOf(fields.TYPE);
    if (!campaign) throw new GavelError("GAVEL_VALIDATION", "TYPE (the lead type) is required", "TYPE");
    const pingId = textOf(fields.Lead_ID);
    if (call === "post" && !pingId) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        "Lead_ID (from the ping's reply) is required in post mode",
        "Lead_ID",
      );
    }
    return inboundRequest(fields, ENVELOPE, {
      call,
      key,
      campaign,
      pingId,
      subId: textOf(fields.Sub_ID),
      test: textOf(fields.Test_Lead) === "1",
    });
  },

  answerPing(answer: PingAnswer, shape) {
    return reply(shape, {
      status: answer.status === "bid" ? "Matched" : "Unmatched",
      lead_id: answer.ping_id,
      price: dollars(answer.price),
      ...(answer.reason ? { unmatched_reason: answer.reason } : {}),
    });
  },

  answerPost(answer: PostAnswer, shape) {
    return reply(shape, {
      status: answer.status === "sold" ? "Matched" : "Unmatched",
      lead_id: answer.lead_id,
      price: dollars(answer.price),
      ...(answer.status === "unsold" && answer.reason ? { unmatched_reason: answer.reason } : {}),
    });
  },

  answerError(error, sellerField, shape) {
    return reply(shape, {
      status: "Error",
      error: error.message,
      code: error.code,
      ...(sellerField ? { field: sellerField } : {}),
    });
  },
};

function reply(shape: ReplyShape, response: BoberdooResponse): InboundReply {
  return shape.json
    ? { contentType: "application/json; charset=utf-8", body: JSON.stringify({ response }) }
    : {
        contentType: "application/xml; charset=utf-8",
        body: `<?xml version="1.0" encoding="UTF-8"?>${xmlWriter.build({ response })}`,
      };
}
