// Lead Prosper's supplier side (`/ping`, `/post`, `/direct_post`), translated onto Gavel's ping, post and direct post.
//
// What the public sources say (docs/api.md "Compatible inbound" lists them):
// - example.leadprosper.tech/leadprosper-ping-post (a generated supplier spec): `lp_campaign_id`, `lp_supplier_id`,
//   `lp_key`, `lp_action` "Send test for testing", `lp_ping_id` "ping_id value retrieved from PING response",
//   `lp_subid1`, `lp_subid2`; `ip_address`, `user_agent`, `landing_page`, `tcpa_text`, `jornaya_lead_id`,
//   `trusted_form_cert_url`; "fields are case sensitive";
// - support.leadprosper.io/article/77 (exclusive: the highest bid; shared: all bids, the supplier posts `lp_ping_id`
//   and the chosen bids) and /article/530 (FORM or JSON posts; "sample Accepted, Duplicate, and Error responses");
// - public suppliers' code: endpoints `https://api.leadprosper.io/ping`, `/post`, `/direct_post`; ping reply
//   `{status, code, message, ping_id, bids: [{bid_id, payout}]}`, post reply `{status: "ACCEPTED", lead_id, payout}`;
//   statuses `ACCEPTED | DUPLICATED | ERROR`; an error `{"status": "ERROR", "code": 1001, "message": "Missing
//   required parameter lp_ping_id", …}`.
// Silent, and decided here: the reply of a ping nobody bids on (Gavel: `ERROR`, "No buyers available", as Lead
// Prosper's lead log words that status); numeric codes other than 1001 (Gavel: 0 when accepted, 1001 for a missing
// parameter, otherwise the HTTP status Gavel's native API gives the same error); shared bids (Gavel quotes one price
// per ping, so `bids` holds one bid whose `bid_id` is the ping id, and a `bid_id` posted back is ignored).
import { type Static, Type } from "@sinclair/typebox";
import type { PingAnswer, PostAnswer } from "../engine/exchange.ts";
import { GavelError } from "../errors.ts";
import type { PlatformFieldMap } from "./inbound-lead.ts";
import {
  type InboundProtocol,
  type InboundReply,
  type InboundRequest,
  type InboundRoute,
  inboundRequest,
  textOf,
} from "./inbound-protocol.ts";

const ENVELOPE = new Set([
  "lp_campaign_id",
  "lp_supplier_id",
  "lp_key",
  "lp_subid1",
  "lp_subid2",
  "lp_action",
  "lp_ping_id",
  "bid_id",
  "bid_ids",
]);

/** Lead Prosper's common lead-field names, as its generated supplier specs and public suppliers spell them. */
export const LEAD_PROSPER_FIELDS: PlatformFieldMap = {
  zip_code: "zip",
  address: "street_address",
  ip_address: "context.ip_address",
  user_agent: "context.user_agent",
  landing_page: "context.landing_page_url",
  landing_page_url: "context.landing_page_url",
  xxTrustedFormPingUrl: "context.trustedform_ping_url",
  tcpa_text: "consent.tcpa_text",
  trusted_form_cert_url: "consent.trustedform_cert_url",
  trustedform_cert_url: "consent.trustedform_cert_url",
  jornaya_lead_id: "consent.jornaya_leadid",
  jornaya_leadid: "consent.jornaya_leadid",
};

/** Lead Prosper's reply, declared once: typed here, described in the OpenAPI. */
export const LeadProsperReply = Type.Object({
  status: Type.Union([Type.Literal("ACCEPTED"), Type.Literal("DUPLICATED"), Type.Literal("ERROR")]),
  code: Type.Integer({
    description: "0 when accepted; 1001 a missing parameter; else the native API's HTTP status",
  }),
  message: Type.String(),
  ping_id: Type.Optional(Type.String({ description: "Post it back as lp_ping_id" })),
  bids: Type.Optional(Type.Array(Type.Object({ bid_id: Type.String(), payout: Type.Number() }))),
  lead_id: Type.Optional(Type.String()),
  payout: Type.Optional(Type.Number({ description: "Dollars" })),
  error_code: Type.Optional(
    Type.String({ description: "Gavel's stable error code", examples: ["GAVEL_VALIDATION"] }),
  ),
  field: Type.Optional(Type.String({ description: "The field at fault, by the supplier's name" })),
});
type ReplyBody = Static<typeof LeadProsperReply>;

/** The one numeric code a public source shows: a missing required parameter. */
const MISSING_PARAMETER = 1001;

export const leadProsper: InboundProtocol = {
  name: "lead_prosper",
  fieldMap: LEAD_PROSPER_FIELDS,
  envelopeNames: { ping_id: "lp_ping_id", sub_id: "lp_subid1", vertical: "lp_campaign_id", key: "lp_key" },
  replySchema: LeadProsperReply,

  replyShape() {
    return {};
  },

  parse(fields, route: InboundRoute): InboundRequest {
    const key = textOf(fields.lp_key);
    if (!key) throw new GavelError("GAVEL_UNAUTHORIZED", "Missing required parameter lp_key", "lp_key");
    const campaign = textOf(fields.lp_campaign_id);
    if (!campaign) {
      throw new GavelError("GAVEL_VALIDATION", "Missing required parameter lp_campaign_id", "lp_campaign_id");
    }
    const call = route.call === "post" ? "post" : route.call === "ping" ? "ping" : "direct";
    const pingId = textOf(fields.lp_ping_id);
    if (call === "post" && !pingId) {
      throw new GavelError("GAVEL_VALIDATION", "Missing required parameter lp_ping_id", "lp_ping_id");
    }
    return inboundRequest(fields, ENVELOPE, {
      call,
      key,
      campaign,
      pingId,
      subId: textOf(fields.lp_subid1),
      test: textOf(fields.lp_action)?.toLowerCase() === "test",
    });
  },

  answerPing(answer: PingAnswer) {
    if (answer.status === "bid") {
      return reply({
        status: "ACCEPTED",
        code: 0,
        message: "",
        ping_id: answer.ping_id,
        payout: answer.price,
        bids: [{ bid_id: answer.ping_id, payout: answer.price }],
      });
    }
    return reply({
      status: answer.reason === "duplicate" ? "DUPLICATED" : "ERROR",
      code: 0,
      message: noBuyerText(answer.reason),
      ping_id: answer.ping_id,
      bids: [],
    });
  },

  answerPost(answer: PostAnswer) {
    return answer.status === "sold"
      ? reply({ status: "ACCEPTED", code: 0, message: "", lead_id: answer.lead_id, payout: answer.price })
      : reply({
          status: answer.reason === "duplicate" ? "DUPLICATED" : "ERROR",
          code: 0,
          message: noBuyerText(answer.reason),
          lead_id: answer.lead_id,
          payout: 0,
        });
  },

  answerError(error, sellerField) {
    const missing = /\brequired\b/i.test(error.message);
    return reply({
      status: error.code === "GAVEL_DUPLICATE" ? "DUPLICATED" : "ERROR",
      code: missing ? MISSING_PARAMETER : error.status,
      message: error.message,
      error_code: error.code,
      ...(sellerField ? { field: sellerField } : {}),
    });
  },
};

function noBuyerText(reason: string | undefined): string {
  if (reason === "duplicate") return "Duplicate lead";
  if (reason === "suppressed") return "No buyers available (suppressed)";
  return "No buyers available";
}

function reply(body: ReplyBody): InboundReply {
  return { contentType: "application/json; charset=utf-8", body: JSON.stringify(body) };
}
