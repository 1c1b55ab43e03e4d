// boberdoo's pingPostLead and LeadsPedia's ping.do/post.do as those platforms send them to a buyer's endpoint: the
// same request specs a seller posts to them (src/inbound/ reads their envelopes and field names, and is reused here),
// answered the way the platforms' own buyer endpoints answer (docs/bidder.md cites the specs):
//   boberdoo   <response><status>Matched</status><lead_id>…</lead_id><price>…</price></response>, Unmatched with
//              <unmatched_reason>, Error with <error>; JSON `{"response":{…}}` when Format=JSON;
//   LeadsPedia {"result":"success","ping_id":…,"price":…,"msg":…} / {"result":"failed","msg":"Lead Rejected",
//              "errors":[{"error":"No Match"}]}; XML <response> unless lp_response=JSON.
// Always HTTP 200: the outcome is in the body.
import { XMLBuilder } from "fast-xml-parser";
import { buildPingPayload, type Vertical } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import { BOBERDOO_FIELDS, boberdoo, boberdooJsonFields } from "../inbound/boberdoo.ts";
import { mapInboundLead } from "../inbound/inbound-lead.ts";
import { dollars, type InboundRoute, textOf } from "../inbound/inbound-protocol.ts";
import { LEAD_PROSPER_FIELDS, leadProsper } from "../inbound/lead-prosper.ts";
import { LEADSPEDIA_FIELDS, leadspedia } from "../inbound/leadspedia.ts";
import type { Bidder, BidderPingAnswer, BidderPostAnswer } from "./bidder.ts";
import type { BidderExchange } from "./bidder-config.ts";
import { verticalById } from "./bidder-config.ts";
import {
  parsePx,
  pxErrorResult,
  pxFieldMap,
  pxNameOf,
  pxPingResult,
  pxPostResult,
  pxReply,
} from "./px-shape.ts";

export type PlatformName = "boberdoo" | "leadspedia" | "lead_prosper" | "px";
/** The platforms whose seller side src/inbound/ already reads: their buyer side is the same request. */
type TranslatedPlatform = Exclude<PlatformName, "px">;
/** Which of the platform's paths was called: boberdoo's one api.php, or a ping, post or direct post path. */
export type PlatformRoute = "api" | "ping" | "post" | "direct";
type Route = PlatformRoute;

export interface PlatformReply {
  contentType: string;
  body: string;
}

const PLATFORMS = {
  boberdoo: { protocol: boberdoo, fields: BOBERDOO_FIELDS },
  leadspedia: { protocol: leadspedia, fields: LEADSPEDIA_FIELDS },
  lead_prosper: { protocol: leadProsper, fields: LEAD_PROSPER_FIELDS },
} as const;

const xmlWriter = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false });

function inboundRoute(platform: TranslatedPlatform, route: Route): InboundRoute {
  if (route === "ping") return { call: "ping" };
  // LeadsPedia's post.do is a post with lp_ping_id, a direct post without; Lead Prosper has a path for each.
  if (route === "post") return { call: platform === "leadspedia" ? "post_or_direct" : "post" };
  if (route === "direct") return { call: "direct" };
  return {};
}

function jsonReply(
  platform: TranslatedPlatform,
  fields: Readonly<Record<string, unknown>>,
  route: Route,
): boolean {
  // Lead Prosper answers JSON only.
  if (platform === "lead_prosper") return true;
  return PLATFORMS[platform].protocol.replyShape(fields, inboundRoute(platform, route)).json === true;
}

/** One platform request: parsed, decided by the bidder, answered in the platform's shape. Throws GavelError. */
export function platformCall(
  bidder: Bidder,
  exchange: BidderExchange,
  platform: PlatformName,
  route: Route,
  rawFields: Readonly<Record<string, unknown>>,
  arrivedAt: number,
  checkKey: (key: string, field: string) => void,
  xml = false,
): PlatformReply {
  if (platform === "px") return pxCall(bidder, exchange, route, rawFields, arrivedAt, checkKey, xml);
  const fields = platform === "boberdoo" ? boberdooJsonFields({ ...rawFields }) : rawFields;
  const { protocol, fields: fieldMap } = PLATFORMS[platform];
  const request = protocol.parse(fields, inboundRoute(platform, route));
  checkKey(request.key, protocol.envelopeNames.key ?? "key");
  const vertical = mappedVertical(exchange, request.campaign, protocol.envelopeNames.vertical);
  // Consent evidence rides along on a post; the buyer keeps the lead fields.
  const { lead } = mapInboundLead(request.leadFields, vertical, fieldMap, exchange.inbound);
  const json = jsonReply(platform, fields, route);
  const source =
    platform === "boberdoo"
      ? textOf(fields.SRC)
      : platform === "lead_prosper"
        ? textOf(fields.lp_supplier_id)
        : undefined;
  const decided = decide(bidder, exchange, request.call, vertical, lead, {
    ...(source ? { source } : {}),
    ...(request.subId ? { subId: request.subId } : {}),
    ...(request.pingId ? { bidId: request.pingId } : {}),
    test: request.test,
    arrivedAt,
  });
  return decided.call === "ping"
    ? answerPing(platform, decided.answer, json)
    : answerPost(platform, decided.answer, json, decided.priceCents);
}

/** PX: its lead document read, decided, answered as PX's result (src/bidder/px-shape.ts). */
function pxCall(
  bidder: Bidder,
  exchange: BidderExchange,
  route: Route,
  rawFields: Readonly<Record<string, unknown>>,
  arrivedAt: number,
  checkKey: (key: string, field: string) => void,
  xml: boolean,
): PlatformReply {
  const request = parsePx(rawFields, route === "post" ? "post" : route === "direct" ? "direct" : "ping");
  checkKey(request.key, "ApiToken");
  const vertical = mappedVertical(exchange, request.vertical, "Vertical");
  const { lead } = mapInboundLead(request.leadFields, vertical, pxFieldMap(vertical), exchange.inbound);
  const decided = decide(bidder, exchange, request.call, vertical, lead, {
    ...(request.source ? { source: request.source } : {}),
    ...(request.subId ? { subId: request.subId } : {}),
    ...(request.transactionId ? { bidId: request.transactionId } : {}),
    test: false,
    arrivedAt,
  });
  if (decided.call === "ping") return pxReply(pxPingResult(decided.answer), xml);
  return pxReply(pxPostResult(decided.bidId ?? "", decided.answer, decided.priceCents), xml);
}

function mappedVertical(exchange: BidderExchange, theirs: string, field: string | undefined): Vertical {
  const vertical = verticalById(exchange.inbound?.campaigns?.[theirs] ?? theirs);
  if (!vertical)
    throw new GavelError(
      "GAVEL_UNKNOWN_VERTICAL",
      `${theirs} is not a lead type this buyer takes (map it in the exchange's inbound.campaigns)`,
      field,
    );
  return vertical;
}

type Decided =
  | { call: "ping"; answer: BidderPingAnswer }
  | { call: "post"; answer: BidderPostAnswer; bidId?: string; priceCents?: number };

/** A ping, a post after a ping, or a full (direct) post: decided as a ping, then bought at once if the bid stands. */
function decide(
  bidder: Bidder,
  exchange: BidderExchange,
  call: "ping" | "post" | "direct",
  vertical: Vertical,
  lead: Record<string, unknown>,
  request: { source?: string; subId?: string; bidId?: string; test: boolean; arrivedAt: number },
): Decided {
  const ping = () =>
    bidder.ping({
      exchangeId: exchange.id,
      vertical: vertical.id,
      lead: buildPingPayload(vertical, lead),
      ...(request.source ? { source: request.source } : {}),
      ...(request.subId ? { subId: request.subId } : {}),
      // An exchange entry marked `test` (an integration's test leads) is priced but never spends.
      test: request.test || exchange.test === true,
      arrivedAt: request.arrivedAt,
    });
  if (call === "ping") return { call: "ping", answer: ping() };
  if (call === "post") {
    const bidId = request.bidId ?? "";
    return { call: "post", bidId, answer: bidder.post({ exchangeId: exchange.id, bidId, lead }) };
  }
  const bid = ping();
  if (!bid.bid) return { call: "post", answer: { accepted: false, reason: bid.reason } };
  return {
    call: "post",
    bidId: bid.bidId,
    answer: bidder.post({ exchangeId: exchange.id, bidId: bid.bidId, lead }),
    priceCents: bid.priceCents,
  };
}

export function answerPing(
  platform: TranslatedPlatform,
  answer: BidderPingAnswer,
  json: boolean,
): PlatformReply {
  if (platform === "lead_prosper")
    return leadProsperReply(
      answer.bid
        ? {
            status: "ACCEPTED",
            code: 0,
            message: "",
            ping_id: answer.bidId,
            payout: answer.priceCents / 100,
            bids: [{ bid_id: answer.bidId, payout: answer.priceCents / 100 }],
          }
        : { status: answer.reason === "duplicate" ? "DUPLICATED" : "ERROR", code: 0, message: answer.reason },
    );
  if (platform === "boberdoo")
    return boberdooReply(
      json,
      answer.bid
        ? { status: "Matched", lead_id: answer.bidId, price: dollars(answer.priceCents / 100) }
        : { status: "Unmatched", unmatched_reason: answer.reason },
    );
  return leadspediaReply(
    json,
    answer.bid
      ? {
          result: "success",
          ping_id: answer.bidId,
          price: dollars(answer.priceCents / 100),
          msg: "Ping Accepted",
        }
      : { result: "failed", msg: "Lead Rejected", errors: [{ error: noMatch(answer.reason) }] },
  );
}

export function answerPost(
  platform: TranslatedPlatform,
  answer: BidderPostAnswer,
  json: boolean,
  priceCents?: number,
): PlatformReply {
  const price = answer.accepted ? dollars((priceCents ?? answer.priceCents) / 100) : undefined;
  if (platform === "lead_prosper")
    return leadProsperReply(
      answer.accepted
        ? { status: "ACCEPTED", code: 0, message: "", lead_id: answer.leadId, payout: Number(price) }
        : { status: answer.duplicate ? "DUPLICATED" : "ERROR", code: 0, message: answer.reason, payout: 0 },
    );
  if (platform === "boberdoo")
    return boberdooReply(
      json,
      answer.accepted
        ? { status: "Matched", lead_id: answer.leadId, price: price! }
        : { status: "Unmatched", unmatched_reason: answer.reason },
    );
  return leadspediaReply(
    json,
    answer.accepted
      ? { result: "success", lead_id: answer.leadId, price: price!, msg: "Lead Accepted" }
      : {
          result: "failed",
          msg: "Lead Rejected",
          errors: [{ error: answer.duplicate ? "Duplicate" : noMatch(answer.reason) }],
        },
  );
}

/** Bad input answered in the platform's error shape, naming the field as the exchange sent it. */
export function answerPlatformError(
  platform: PlatformName,
  route: Route,
  rawFields: Readonly<Record<string, unknown>>,
  error: GavelError,
  xml = false,
): PlatformReply {
  if (platform === "px") {
    const field = error.field?.startsWith("lead.") ? error.field.slice(5) : error.field;
    return pxReply(pxErrorResult(error, field === undefined ? undefined : pxNameOf(field)), xml);
  }
  const fields = platform === "boberdoo" ? boberdooJsonFields({ ...rawFields }) : rawFields;
  const json = jsonReply(platform, fields, route);
  const field = error.field?.startsWith("lead.") ? error.field.slice(5) : error.field;
  const sentAs =
    field === undefined
      ? undefined
      : (Object.entries(PLATFORMS[platform].fields).find(([, to]) => to === field)?.[0] ?? field);
  if (platform === "lead_prosper")
    return leadProsperReply({
      status: "ERROR",
      // Lead Prosper's own code for a missing parameter; otherwise the HTTP status the native API gives.
      code: /\brequired\b/i.test(error.message) ? MISSING_PARAMETER : error.status,
      message: sentAs ? `${sentAs}: ${error.message}` : error.message,
      error_code: error.code,
      ...(sentAs ? { field: sentAs } : {}),
    });
  if (platform === "boberdoo")
    return boberdooReply(json, {
      status: "Error",
      error: sentAs ? `${sentAs}: ${error.message}` : error.message,
      code: error.code,
      ...(sentAs ? { field: sentAs } : {}),
    });
  return leadspediaReply(json, {
    result: "failed",
    msg: "Lead Rejected",
    code: error.code,
    ...(sentAs ? { field: sentAs } : {}),
    errors: [{ error: sentAs ? `${sentAs}: ${error.message}` : error.message }],
  });
}

function noMatch(reason: string): string {
  return reason === "duplicate" ? "Duplicate" : `No Match (${reason})`;
}

/** Lead Prosper's "Missing required parameter …" code (a public supplier client's sample error). */
const MISSING_PARAMETER = 1001;

function leadProsperReply(response: Record<string, unknown>): PlatformReply {
  return { contentType: "application/json; charset=utf-8", body: JSON.stringify(response) };
}

function boberdooReply(json: boolean, response: Record<string, string>): PlatformReply {
  return json
    ? { contentType: "application/json; charset=utf-8", body: JSON.stringify({ response }) }
    : {
        contentType: "application/xml; charset=utf-8",
        body: `<?xml version="1.0" encoding="UTF-8"?>${xmlWriter.build({ response })}`,
      };
}

function leadspediaReply(
  json: boolean,
  response: Record<string, string | { error: string }[]>,
): PlatformReply {
  if (json) return { contentType: "application/json; charset=utf-8", body: JSON.stringify(response) };
  const { errors, ...rest } = response;
  const xml = Array.isArray(errors) ? { ...rest, errors: { error: errors.map((e) => e.error) } } : rest;
  return {
    contentType: "application/xml; charset=utf-8",
    body: `<?xml version="1.0" encoding="UTF-8"?>${xmlWriter.build({ response: xml })}`,
  };
}
