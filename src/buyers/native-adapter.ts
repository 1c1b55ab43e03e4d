// The native buyer protocol (DESIGN "Contracts"): pure translation between Gavel's auction and the buyer's JSON.
// No I/O here: the engine sends the requests and hands back the replies.
import { dollarsToCents } from "../domain/money.ts";
import type {
  BuyerAdapter,
  PingReply,
  PingRequestInput,
  PostReply,
  PostRequestInput,
} from "./buyer-adapter.ts";

export type { PingReply, PingRequestInput, PostReply, PostRequestInput };

/** The native protocol as a campaign's adapter: JSON to the campaign's ping and post URLs. */
export function nativeAdapter(endpoints: { ping?: { url: string }; post?: { url: string } }): BuyerAdapter {
  const headers = { "content-type": "application/json" };
  return {
    protocol: "native",
    buildPing: (input) => ({
      method: "POST",
      // A campaign without a ping endpoint is never pinged (the engine checks before asking).
      url: endpoints.ping?.url ?? endpoints.post?.url ?? "",
      headers,
      body: buildPingBody(input),
    }),
    parsePing: parsePingReply,
    // A campaign without a post endpoint takes its leads by delivery and is never posted to.
    buildPost: (input) => ({
      method: "POST",
      url: endpoints.post?.url ?? "",
      headers,
      body: buildPostBody(input),
    }),
    parsePost: parsePostReply,
  };
}

/**
 * The JSON of each auction's ping payload: every native campaign of the auction gets the same lead object, which was
 * serialised once per campaign (the largest part of each body). Weak, so it lives as long as the auction's payload;
 * the engine builds a new payload per auction and never changes one after it is sent. (Caching whole bodies per
 * budget as well was measured at ~1.5 µs per auction, below what a whole-exchange A/B resolves: not worth its
 * six-field match.)
 */
const leadJson = new WeakMap<object, string>();

/**
 * The native ping body: the same text as `JSON.stringify` of { request_id, vertical, lead, tmax_ms, test,
 * quality_score? } in that order, with the lead serialised once per auction rather than once per campaign.
 */
export function buildPingBody(input: PingRequestInput): string {
  let lead = leadJson.get(input.lead);
  if (lead === undefined) {
    lead = JSON.stringify(input.lead);
    leadJson.set(input.lead, lead);
  }
  const quality =
    input.qualityScore === undefined ? "" : `,"quality_score":${JSON.stringify(input.qualityScore)}`;
  return `{"request_id":${JSON.stringify(input.requestId)},"vertical":${JSON.stringify(input.vertical)},"lead":${lead},"tmax_ms":${JSON.stringify(input.tmaxMs)},"test":${input.test}${quality}}`;
}

export function parsePingReply(status: number, body: string): PingReply {
  if (status === 204) return { kind: "no_bid" };
  if (status >= 300) return { kind: "http_error", detail: `HTTP ${status}` };
  const reply = parseObject(body);
  if (!reply) return { kind: "invalid", detail: "not a JSON object" };
  if (reply.bid === false) {
    const detail = shortText(reply.reason);
    return detail === undefined ? { kind: "no_bid" } : { kind: "no_bid", detail };
  }
  if (reply.bid !== true) return { kind: "invalid", detail: "bid must be true or false" };
  const price = reply.price;
  if (typeof price !== "number" || !Number.isFinite(price) || price <= 0 || price > 100_000) {
    return { kind: "invalid", detail: "price must be a positive number of dollars" };
  }
  const expiresInS = reply.expires_in_s;
  const priceCents = dollarsToCents(price);
  if (priceCents <= 0) return { kind: "invalid", detail: "price rounds to zero cents" };
  // Optional members assigned, not spread: this runs for every buyer of every ping.
  const bid: PingReply & { kind: "bid" } = { kind: "bid", priceCents };
  const bidId = shortText(reply.bid_id);
  if (bidId !== undefined) bid.bidId = bidId;
  if (typeof expiresInS === "number" && expiresInS > 0) bid.expiresInS = expiresInS;
  return bid;
}

export function buildPostBody(input: PostRequestInput): string {
  return JSON.stringify({
    request_id: input.requestId,
    ...(input.bidId === undefined ? {} : { bid_id: input.bidId }),
    price: input.priceCents / 100,
    lead: input.lead,
    consent: input.consent,
    // The lead's context goes on the post only: the native ping never carries any of it.
    ...(input.context && Object.keys(input.context).length > 0 ? { context: input.context } : {}),
  });
}

export function parsePostReply(status: number, body: string): PostReply {
  if (status >= 300) return { kind: "http_error", detail: `HTTP ${status}` };
  const reply = parseObject(body);
  if (!reply) return { kind: "invalid", detail: "not a JSON object" };
  if (reply.accepted === true)
    return { kind: "accepted", ...optionalText("buyerLeadId", reply.buyer_lead_id) };
  if (reply.accepted === false) return { kind: "rejected", ...optionalText("detail", reply.reason) };
  return { kind: "invalid", detail: "accepted must be true or false" };
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps a buyer-supplied string only when it is a short string: it ends up in traces and must stay small. */
function optionalText<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  const text = shortText(value);
  return text === undefined ? {} : ({ [key]: text } as { [P in K]?: string });
}

/**
 * A buyer-supplied string or number as a short string (undefined when neither, or empty). Every bid's `bid_id` comes
 * through here, so a string that needs neither change is returned as it is, without a copy made to find that out.
 */
function shortText(value: unknown): string | undefined {
  let text: string;
  if (typeof value === "string" && value.length > 0) text = value;
  else if (typeof value === "number") text = String(value);
  else return undefined;
  // NUL stripped: stores refuse it, and a buyer's reference is no place for control characters.
  if (text.includes("\u0000")) text = text.replaceAll("\u0000", "");
  return text.length > MAX_SHORT_TEXT ? text.slice(0, MAX_SHORT_TEXT) : text;
}

const MAX_SHORT_TEXT = 200;
