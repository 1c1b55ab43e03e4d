// What every compatible inbound platform (boberdoo, LeadsPedia, Lead Prosper) translates: its request into one of the
// three seller calls, and the exchange's answer or error into its own reply. Translators are pure, as buyer adapters
// are; src/http/inbound-routes.ts owns HTTP, authentication and the calls to the exchange.
import type { TSchema } from "@sinclair/typebox";
import type { PingAnswer, PostAnswer } from "../engine/exchange.ts";
import type { GavelError } from "../errors.ts";
import type { PlatformFieldMap } from "./inbound-lead.ts";

/** The seller call a platform request stands for: ping, post (after a ping) or direct post (the full lead at once). */
export type SellerCall = "ping" | "post" | "direct";

/** A platform request in Gavel's terms; the lead fields keep the seller's names until the vertical is known. */
export interface InboundRequest {
  call: SellerCall;
  /** The platform's key from the body: compared, by sha256, with the sources' API keys. */
  key: string;
  /** Their campaign or lead-type id, mapped to a vertical. */
  campaign: string;
  pingId?: string;
  subId?: string;
  test: boolean;
  /** Everything that is not the platform's own envelope: lead fields and consent evidence, by the seller's names. */
  leadFields: Record<string, unknown>;
}

/** The request in Gavel's terms: every field outside the platform's envelope is kept as a lead field. */
export function inboundRequest(
  fields: Readonly<Record<string, unknown>>,
  envelope: ReadonlySet<string>,
  request: Omit<InboundRequest, "leadFields" | "pingId" | "subId"> & { pingId?: string; subId?: string },
): InboundRequest {
  const { pingId, subId, ...rest } = request;
  return {
    ...rest,
    // Only a post names a ping; a stray ping id on a ping or a direct post means nothing.
    ...(rest.call === "post" && pingId ? { pingId } : {}),
    ...(subId ? { subId } : {}),
    leadFields: Object.fromEntries(Object.entries(fields).filter(([name]) => !envelope.has(name))),
  };
}

/** A reply body and its media type. Every platform answer is HTTP 200: the outcome is in the body (docs/api.md). */
export interface InboundReply {
  contentType: string;
  body: string;
}

/** How the seller asked to be answered (format, flags): read before anything can fail, so errors answer in it too. */
export type ReplyShape = Readonly<Record<string, string | boolean>>;

export interface InboundProtocol {
  /** Lower-case name, used in logs and docs. */
  readonly name: string;
  /** The platform's common lead-field names → the vertical's fields or consent keys. */
  readonly fieldMap: PlatformFieldMap;
  /** Gavel's envelope names (ping_id, sub_id…) → the platform's, so an error names what the seller sent. */
  readonly envelopeNames: Readonly<Record<string, string>>;
  /** The reply's shape, for the OpenAPI description (replies are sent as text, never serialised through it). */
  readonly replySchema: TSchema;
  /** Never throws: a request too broken to parse still gets an answer in the shape it asked for. */
  replyShape(fields: Readonly<Record<string, unknown>>, route: InboundRoute): ReplyShape;
  /** Throws GavelError (field named as the platform names it) when the envelope is unusable. */
  parse(fields: Readonly<Record<string, unknown>>, route: InboundRoute): InboundRequest;
  answerPing(answer: PingAnswer, shape: ReplyShape): InboundReply;
  answerPost(answer: PostAnswer, shape: ReplyShape, call: SellerCall): InboundReply;
  answerError(error: GavelError, sellerField: string | undefined, shape: ReplyShape): InboundReply;
}

/** What the path says: a fixed call (LeadsPedia's ping.do, Lead Prosper's /post) and a default reply format. */
export interface InboundRoute {
  call?: SellerCall | "post_or_direct";
  format?: "xml" | "json";
}

/**
 * A record's own entry: a seller's `constructor` or `__proto__` must not find Object.prototype's (form and JSON field
 * names are the seller's choice).
 */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A field's value as text, or undefined when absent or empty. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** Dollars with two decimals, as the platforms print prices ("24.00"). */
export function dollars(price: number): string {
  return price.toFixed(2);
}
