// The seam between the engine and a buyer's protocol (DESIGN "A sketch of the code"): an adapter is a pure translator,
// as Prebid Server's bidder adapters are. It builds the HTTP request a buyer receives and reads the buyer's reply into
// one of the replies below; the engine owns HTTP, time, metrics and errors. One adapter is compiled per campaign and
// per configuration snapshot, so nothing is parsed or compiled on the ping path.
import type { LeadValues } from "../domain/vertical.ts";
import type { LeadContextValues } from "./template.ts";

export interface PingRequestInput {
  requestId: string;
  vertical: string;
  /** The ping payload: only the vertical's non-PII fields (the engine builds it from an allowlist). */
  lead: LeadValues;
  tmaxMs: number;
  test: boolean;
  /** Our source of the lead (the buyer's sub-id for our traffic); not personal data. */
  sourceId?: string;
  /** The lead's quality score (0-100) when its vertical validates leads (docs/privacy.md#lead-validation). */
  qualityScore?: number;
  /**
   * The lead's context as the seller sent it (docs/api.md "Lead context"). Its PII-like fields leave only through a
   * ping template that names them; the native ping never carries any.
   */
  context?: LeadContextValues;
}

export type PingReply =
  | {
      kind: "bid";
      priceCents: number;
      bidId?: string;
      expiresInS?: number;
      /** Values the buyer's reply carried for its post (a templated integration's `capture`). */
      captured?: Record<string, string>;
      /**
       * The reply's other bids, best first, when it listed several (Lead Prosper `bids[]`, PX `Legs`): the auction
       * falls back to one of them when the best is above the campaign's max price or a ceiling. One is taken at most.
       */
      alternatives?: AlternativeBid[];
    }
  | { kind: "no_bid"; detail?: string }
  | { kind: "invalid"; detail: string }
  /** The buyer failed: an HTTP error, or a reply (even with HTTP 200) that reports an error. */
  | { kind: "http_error"; detail: string };

/** One more bid of a multi-bid reply: its price and the id the post would name. */
export interface AlternativeBid {
  priceCents: number;
  bidId?: string;
}

export interface PostRequestInput {
  requestId: string;
  bidId?: string;
  priceCents: number;
  lead: LeadValues;
  consent: Record<string, unknown>;
  /** What was captured from this buyer's ping reply. */
  captured?: Record<string, string>;
  /** Our source of the lead. */
  sourceId?: string;
  /** A test lead: sent with the buyer's test flag where its integration has one. */
  test?: boolean;
  /** The lead's context (docs/api.md "Lead context"). */
  context?: LeadContextValues;
}

export type PostReply =
  | {
      kind: "accepted";
      buyerLeadId?: string;
      /** The price the buyer's reply states for the accepted lead, when it states one (recorded, not charged). */
      priceCents?: number;
      /** Where the buyer wants the consumer sent next (an http(s) URL), for the seller's answer. */
      redirectUrl?: string;
    }
  | { kind: "rejected"; detail?: string }
  /** The buyer already has this consumer (a reject that says why, counted apart). */
  | { kind: "duplicate"; detail?: string }
  | { kind: "invalid"; detail: string }
  | { kind: "http_error"; detail: string };

/** The exact HTTP request a buyer receives. */
export interface AdapterRequest {
  method: "POST" | "PUT" | "GET";
  /** The endpoint, the same on every request (the HTTP client parses it once). */
  url: string;
  /** Appended to `url` after `?` (or `&`), already encoded; absent when there is none. */
  query?: string;
  /** Lower-case names; `content-type` is set whenever there is a body. */
  headers: Record<string, string>;
  body?: string;
}

export interface BuyerAdapter {
  /** `native`, or `templated` (a preset is a templated integration). */
  readonly protocol: "native" | "templated";
  /** false: the buyer's platform has no test flag, so a test lead would be taken as live (absent: it has one). */
  readonly sendsTestLeads?: boolean;
  /** The PII-like context fields its ping template names (absent or empty: its pings carry none). */
  readonly pingContext?: readonly string[];
  buildPing(input: PingRequestInput): AdapterRequest;
  /** `status` and `body` are the buyer's HTTP answer. */
  parsePing(status: number, body: string): PingReply;
  buildPost(input: PostRequestInput): AdapterRequest;
  parsePost(status: number, body: string): PostReply;
}

/** Keeps a buyer-supplied value only as a short string: it ends up in traces and must stay small. */
export function cleanText(value: unknown): string | undefined {
  if ((typeof value === "string" && value.length > 0) || typeof value === "number") {
    // NUL stripped: stores refuse it, and a buyer's reference is no place for control characters.
    const text = String(value).replaceAll("\u0000", "").slice(0, 200);
    return text.length > 0 ? text : undefined;
  }
  return undefined;
}
