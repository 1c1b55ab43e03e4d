// LeadsPedia's seller side (`ping.do`, `post.do`), translated onto Gavel's ping, post and direct post.
//
// What the public sources say (docs/api.md "Compatible inbound" lists them):
// - LeadsPedia-generated posting specs (ll.media/windows_posting/, /solar_posting/, /mortgage_purchase_posting/):
//   "POST or GET are supported"; `lp_campaign_id`, `lp_campaign_key`, `lp_s1`…`lp_s5`, `lp_test` "1 for Test Post",
//   `lp_response` "XML or JSON", `lp_ping_id` "Returned Ping ID from the Ping Post"; lead fields `zip_code`,
//   `state`, `ip_address`, `first_name`, `last_name`, `phone_home`, `email_address`, `trusted_form_token`,
//   `universal_lead_id`, `tcpa_text`;
// - a re-hosted LeadsPedia direct-post spec (nationalinjurybureau.leadspediatrack.com/post.do): "The default response
//   is in XML format; You can request the response to be JSON if you pass json in lp_response"; success
//   `<response><result>success</result><lead_id>…</lead_id><price>15.00</price><redirect_url>…</redirect_url>
//   <msg>Lead Accepted</msg></response>`; failure `<result>failed</result>…<msg>Lead Rejected</msg>
//   <errors><error>No Match</error></errors>`; a test lead by `lp_test=1` or "test" in the first or last name;
//   `jornaya_lead_id` OR `trusted_form_cert_id`;
// - public sellers' code reading `result`, `ping_id`, `price`, `msg` from the ping and posting `lp_ping_id`.
// Silent, and decided here: the ping's `msg` text (Gavel: "Ping Accepted"); the JSON form of `errors` (Gavel:
// `[{"error": "…"}]`, what public clients read as `errors[].error`); a post.do without `lp_ping_id` is a direct post
// (the direct-post spec above posts to post.do with no ping). `redirect_url` is sent when the buyer that bought the
// lead gave one.
import { type Static, Type } from "@sinclair/typebox";
import { XMLBuilder } from "fast-xml-parser";
import { GavelError } from "../errors.ts";
import type { PlatformFieldMap } from "./inbound-lead.ts";
import {
  dollars,
  type InboundProtocol,
  type InboundReply,
  type InboundRequest,
  type InboundRoute,
  inboundRequest,
  type ReplyShape,
  textOf,
} from "./inbound-protocol.ts";

const ENVELOPE = new Set([
  "lp_campaign_id",
  "lp_campaign_key",
  "lp_s1",
  "lp_s2",
  "lp_s3",
  "lp_s4",
  "lp_s5",
  "lp_test",
  "lp_response",
  "lp_ping_id",
  // Shared-campaign options: accepted and ignored (Gavel's campaigns decide how often a lead sells).
  "lp_return_dd_matches",
  "lp_return_dd_hash_parameter",
  "lp_return_dd_hash_type",
  "lp_num_sold",
]);

/** LeadsPedia's common lead-field names, as its generated specs spell them. */
export const LEADSPEDIA_FIELDS: PlatformFieldMap = {
  zip_code: "zip",
  phone_home: "phone",
  email_address: "email",
  address: "street_address",
  ip_address: "context.ip_address",
  user_agent: "context.user_agent",
  landing_page: "context.landing_page_url",
  landing_page_url: "context.landing_page_url",
  xxTrustedFormPingUrl: "context.trustedform_ping_url",
  trusted_form_cert_id: "consent.trustedform_cert_url",
  trusted_form_cert_url: "consent.trustedform_cert_url",
  trusted_form_token: "consent.trustedform_cert_url",
  jornaya_lead_id: "consent.jornaya_leadid",
  universal_lead_id: "consent.jornaya_leadid",
  tcpa_text: "consent.tcpa_text",
  // Ping-time flags that only say whether a certificate exists: the post carries the proof itself.
  trusted_form_Y_N: null,
  jornaya_Y_N: null,
};

const xmlWriter = new XMLBuilder({ ignoreAttributes: true });

/** LeadsPedia's reply, declared once: typed here, described in the OpenAPI. */
export const LeadsPediaReply = Type.Object(
  {
    result: Type.Union([Type.Literal("success"), Type.Literal("failed")]),
    ping_id: Type.Optional(Type.String({ description: "Post it back as lp_ping_id" })),
    lead_id: Type.Optional(Type.String()),
    price: Type.Optional(Type.String({ description: "Dollars, two decimals", examples: ["24.00"] })),
    redirect_url: Type.Optional(
      Type.String({ description: "Where the buyer wants the consumer sent next, when it said" }),
    ),
    msg: Type.String({ examples: ["Lead Accepted", "Lead Rejected"] }),
    code: Type.Optional(
      Type.String({ description: "Gavel's stable error code", examples: ["GAVEL_VALIDATION"] }),
    ),
    field: Type.Optional(Type.String({ description: "The field at fault, by the seller's name" })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          error: Type.String(),
          code: Type.Optional(Type.String()),
          field: Type.Optional(Type.String()),
        }),
      ),
    ),
  },
  { description: "JSON with lp_response=JSON; XML by default: the same inside <response>, <errors><error>…" },
);
type ReplyBody = Static<typeof LeadsPediaReply>;

export const leadspedia: InboundProtocol = {
  name: "leadspedia",
  fieldMap: LEADSPEDIA_FIELDS,
  envelopeNames: {
    ping_id: "lp_ping_id",
    sub_id: "lp_s1",
    vertical: "lp_campaign_id",
    key: "lp_campaign_key",
  },
  replySchema: LeadsPediaReply,

  replyShape(fields) {
    return { json: textOf(fields.lp_response)?.toLowerCase() === "json" };
  },

  parse(fields, route: InboundRoute): InboundRequest {
    const key = textOf(fields.lp_campaign_key);
    if (!key) throw new GavelError("GAVEL_UNAUTHORIZED", "lp_campaign_key is required", "lp_campaign_key");
    const campaign = textOf(fields.lp_campaign_id);
    if (!campaign) throw new GavelError("GAVEL_VALIDATION", "lp_campaign_id is required", "lp_campaign_id");
    const pingId = textOf(fields.lp_ping_id);
    const call = route.call === "ping" ? "ping" : pingId ? "post" : "direct";
    return inboundRequest(fields, ENVELOPE, {
      call,
      key,
      campaign,
      pingId,
      subId: textOf(fields.lp_s1),
      test: textOf(fields.lp_test) === "1" || namedTest(fields),
    });
  },

  answerPing(answer, shape) {
    return answer.status === "bid"
      ? reply(shape, {
          result: "success",
          ping_id: answer.ping_id,
          price: dollars(answer.price),
          msg: "Ping Accepted",
        })
      : reply(shape, {
          result: "failed",
          ping_id: answer.ping_id,
          price: dollars(0),
          msg: "Lead Rejected",
          errors: [{ error: noMatchText(answer.reason) }],
        });
  },

  answerPost(answer, shape) {
    return answer.status === "sold"
      ? reply(shape, {
          result: "success",
          lead_id: answer.lead_id,
          price: dollars(answer.price),
          ...(answer.redirect_url ? { redirect_url: answer.redirect_url } : {}),
          msg: "Lead Accepted",
        })
      : reply(shape, {
          result: "failed",
          lead_id: answer.lead_id,
          price: dollars(0),
          msg: "Lead Rejected",
          errors: [{ error: noMatchText(answer.reason) }],
        });
  },

  answerError(error, sellerField, shape) {
    // The code and field sit beside the errors too, so the XML reply (one text per <error>) carries them.
    return reply(shape, {
      result: "failed",
      msg: "Lead Rejected",
      code: error.code,
      ...(sellerField ? { field: sellerField } : {}),
      errors: [{ error: error.message, code: error.code, ...(sellerField ? { field: sellerField } : {}) }],
    });
  },
};

/** "test" as the first or last name marks a test lead, as LeadsPedia's specs say. */
function namedTest(fields: Readonly<Record<string, unknown>>): boolean {
  return [fields.first_name, fields.last_name].some((name) => textOf(name)?.toLowerCase() === "test");
}

/** LeadsPedia says "No Match" when nobody buys; Gavel's own reasons say why. */
function noMatchText(reason: string | undefined): string {
  return reason === undefined || reason === "no_bids" || reason === "no_eligible_buyers"
    ? "No Match"
    : `No Match (${reason})`;
}

function reply(shape: ReplyShape, response: ReplyBody): InboundReply {
  if (shape.json) return { contentType: "application/json; charset=utf-8", body: JSON.stringify(response) };
  // XML repeats <error> inside one <errors>, as the spec's failure reply shows.
  const { errors, ...rest } = response;
  const xml = Array.isArray(errors) ? { ...rest, errors: { error: errors.map((e) => e.error) } } : rest;
  return {
    contentType: "application/xml; charset=utf-8",
    body: `<?xml version="1.0" encoding="UTF-8"?>${xmlWriter.build({ response: xml })}`,
  };
}
