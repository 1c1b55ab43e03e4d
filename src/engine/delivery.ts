// Delivering the full lead to the winner, falling back in rank order (DESIGN rule 5): on a reject, error or timeout,
// try the next bid while it has not expired and still covers the price quoted to the source, within the post deadline.
// A shared lead goes to each of its chosen buyers at once, each with its own fallback.

import type { BuyerAdapter, PostRequestInput } from "../buyers/buyer-adapter.ts";
import { type BuyerHttpClient, BuyerTransportError } from "../buyers/buyer-http-client.ts";
import { nativeAdapter } from "../buyers/native-adapter.ts";
import type { LeadContextValues } from "../buyers/template.ts";
import type { Campaign, FallbackMargin } from "../domain/config-schema.ts";
import type { BuyerOutcome, Reason } from "../domain/outcomes.ts";
import type { Bid } from "../domain/ranking.ts";
import type { LeadValues } from "../domain/vertical.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import type { Deadline } from "./deadline.ts";
import type { PostVerdict } from "./post-journal.ts";

/** The budget of a delivery campaign's checks before the sale (it has no post timeout of its own). */
const DELIVERY_CHECK_MS = 3_000;

export interface DeliveryRequest {
  auctionId: string;
  ranked: readonly Bid[];
  /** The price promised to the source (cents); a fallback bid must still cover it. 0 when nothing was quoted. */
  quotedCents: number;
  /**
   * How a fallback bid covers the quote: `strict` (default) by what it would pay the source under the payout model,
   * `honour_quote` by the bid itself, the source still paid the quote and the exchange keeping less.
   */
  fallbackMargin?: FallbackMargin;
  lead: LeadValues;
  consent: Record<string, unknown>;
  /** Our source of the lead and whether it is a test lead: some integrations send them on the post. */
  sourceId?: string;
  test?: boolean;
  /** The lead's context (docs/api.md "Lead context"), for integrations that send it on the post. */
  context?: LeadContextValues;
  deadline: Deadline;
  /**
   * Checks a campaign may receive this lead before it is posted to (suppression, consent, caps, its buyer's funds);
   * a refusal is recorded and the fallback moves on to the next bid.
   */
  admit?: (campaign: Campaign, bid: Bid, budgetMs: number) => Promise<AdmitRefusal | undefined>;
  /**
   * Told how each admitted attempt ended: `post_accepted` (commit its reservation), or why not (release it; post
   * errors and timeouts also count towards the buyer's auto-pause).
   */
  settle?: (bid: Bid, ended: Reason) => Promise<void>;
  /**
   * The journal of post attempts (post-journal.ts): `begin` records each attempt durably before its buyer is called,
   * or says the buyer was posted this lead before; it throws to stop the whole delivery (nothing more is posted).
   */
  journal?: {
    begin(bid: Bid): Promise<PostVerdict>;
    ended(bid: Bid, reason: Reason): void;
  };
}

export interface AdmitRefusal {
  reason: "suppressed" | "duplicate" | "consent_failed" | "capped" | "held" | "insufficient_funds";
  detail: string;
}

export interface DeliveryResult {
  /** The bids whose buyers accepted the lead, in the order they accepted: one, or several for a shared lead. */
  sold: SoldTo[];
  outcomes: BuyerOutcome[];
}

export interface SoldTo {
  bid: Bid;
  buyerLeadId?: string;
  /** Where the buyer wants the consumer sent next (its post reply's redirect URL). */
  redirectUrl?: string;
}

/**
 * Posts the lead to as many buyers as the auction chose (the bids marked `shared`; one for an exclusive lead), at once,
 * each slot falling back through the remaining bids in order. A buyer gets a shared lead once: a bid whose buyer was
 * already tried is skipped.
 */
export async function deliverWithFallback(
  request: DeliveryRequest,
  config: ConfigSnapshot,
  client: BuyerHttpClient,
  now: () => number,
): Promise<DeliveryResult> {
  const outcomes: BuyerOutcome[] = [];
  const sold: SoldTo[] = [];
  const slots = Math.max(1, sharedBids(request.ranked));
  // The quote of a shared lead is the sum of its sales, which no single bid covers: each sale pays its own share.
  const quotedCents = slots > 1 ? 0 : request.quotedCents;
  const buyersTried = new Set<string>();
  // Set when the journal stops the delivery: no slot takes another bid (the lead may be with a buyer already).
  let stopped: { error: unknown } | undefined;
  let next = 0;
  const takeNextBid = (): Bid | undefined => {
    while (next < request.ranked.length) {
      const bid = request.ranked[next++]!;
      if (slots > 1 && buyersTried.has(bid.buyer_id)) continue;
      buyersTried.add(bid.buyer_id);
      return bid;
    }
    return undefined;
  };
  const fillSlot = async (): Promise<void> => {
    for (let bid = takeNextBid(); bid && !stopped; bid = takeNextBid()) {
      let attempt: Awaited<ReturnType<typeof attemptBid>>;
      try {
        attempt = await attemptBid(bid, quotedCents, request, config, client, now);
      } catch (error) {
        stopped ??= { error };
        return;
      }
      outcomes.push(...attempt.outcomes);
      if (attempt.sold) {
        sold.push(attempt.sold);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: slots }, fillSlot));
  // A shared lead some slot sold is recorded (those buyers have it); the stopped slot's attempt stays listed.
  if (stopped && sold.length === 0) throw stopped.error;
  return { sold, outcomes };
}

/** How many of the ranked bids were chosen for a shared lead (none for an exclusive one). */
function sharedBids(ranked: readonly Bid[]): number {
  let shared = 0;
  for (const bid of ranked) if (bid.shared) shared++;
  return shared;
}

/** One bid's turn: the checks before posting, the post, and the settlement of its reservation. */
async function attemptBid(
  bid: Bid,
  quotedCents: number,
  request: DeliveryRequest,
  config: ConfigSnapshot,
  client: BuyerHttpClient,
  now: () => number,
): Promise<{ outcomes: BuyerOutcome[]; sold?: SoldTo }> {
  const base = { campaign_id: bid.campaign_id, buyer_id: bid.buyer_id, bid_cents: bid.bid_cents };
  const covering = coverOf(bid, quotedCents, request.fallbackMargin ?? "strict");
  if (!covering.covers) {
    // Skipped, not the end: under priority, round-robin or weighted routing a later bid may still cover the quote.
    return { outcomes: [{ ...base, reason: "not_covering" }] };
  }
  if (bid.expires_at <= now()) return { outcomes: [{ ...base, reason: "bid_expired" }] };
  const campaign = config.campaignById.get(bid.campaign_id);
  // A delivery campaign has no post to time; its checks before the sale (consent) get a post's usual budget.
  const budgetMs =
    campaign &&
    request.deadline.buyerBudgetMs(
      campaign.post?.timeout_ms ?? DELIVERY_CHECK_MS,
      0,
      config.settings.min_buyer_budget_ms,
    );
  if (!campaign || budgetMs === undefined) {
    return {
      outcomes: [{ ...base, reason: "post_deadline", ...(campaign ? {} : { detail: "campaign removed" }) }],
    };
  }
  const refusal = await request.admit?.(campaign, bid, budgetMs);
  if (refusal) return { outcomes: [{ ...base, reason: refusal.reason, detail: refusal.detail }] };
  if (campaign.delivery) {
    // No real-time answer to wait for: chosen and admitted, the campaign has bought the lead at its bid. The outbox,
    // written with the sale, delivers it by e-mail or webhook and retries until it is taken.
    await request.settle?.(bid, "post_accepted");
    const detail = withHonouredQuote(`delivered by ${campaign.delivery.type} through the outbox`, covering);
    return { outcomes: [{ ...base, reason: "post_accepted", detail }], sold: { bid } };
  }
  // Validated when saved: a campaign without a delivery has a post endpoint.
  const post = campaign.post!;
  // Verification took time: what is left of the deadline bounds the post itself.
  const postBudgetMs = request.admit
    ? request.deadline.buyerBudgetMs(post.timeout_ms, 0, config.settings.min_buyer_budget_ms)
    : budgetMs;
  if (postBudgetMs === undefined) {
    await request.settle?.(bid, "post_deadline");
    return { outcomes: [{ ...base, reason: "post_deadline" }] };
  }
  const adapter = config.adapters.get(campaign.id) ?? nativeAdapter(campaign);
  let verdict: PostVerdict = { post: true };
  try {
    if (request.journal) verdict = await request.journal.begin(bid);
  } catch (error) {
    await request.settle?.(bid, "post_uncertain");
    throw error;
  }
  if (!verdict.post) {
    // Not posted now: the reservation is released, and the buyer's failure streak is left alone (as on a reject).
    await request.settle?.(bid, "post_rejected");
    return { outcomes: [{ ...base, ...verdict.outcome }] };
  }
  const attempt = await postToBuyer(adapter, postBudgetMs, bid, request, client);
  request.journal?.ended(bid, attempt.outcome.reason);
  // A post that timed out may still have been accepted: the reservation is released all the same (at most one
  // unit of slack), rather than counting a lead the buyer may never have taken.
  await request.settle?.(bid, attempt.outcome.reason);
  if (!attempt.accepted) return { outcomes: [{ ...base, ...attempt.outcome }] };
  const detail = withHonouredQuote(attempt.outcome.detail, covering);
  const outcome: BuyerOutcome = { ...base, ...attempt.outcome };
  if (detail) outcome.detail = detail;
  const sold: SoldTo = { bid };
  if (attempt.buyerLeadId) sold.buyerLeadId = attempt.buyerLeadId;
  if (attempt.redirectUrl) sold.redirectUrl = attempt.redirectUrl;
  return { outcomes: [outcome], sold };
}

/**
 * Whether a bid covers the price quoted to the source. `strict`: what the bid pays the source under the payout model
 * is at least the quote. `honour_quote`: the bid itself is, and the exchange's margin on this sale is whatever is left
 * above the quote (`honouredMarginCents`, set only when strict would have refused it).
 */
export function coverOf(
  bid: Pick<Bid, "bid_cents" | "source_price_cents">,
  quotedCents: number,
  rule: FallbackMargin,
): { covers: boolean; honouredMarginCents?: number } {
  if (bid.source_price_cents >= quotedCents) return { covers: true };
  if (rule === "honour_quote" && bid.bid_cents >= quotedCents)
    return { covers: true, honouredMarginCents: bid.bid_cents - quotedCents };
  return { covers: false };
}

/** The trace says when a sale was made by honouring the quote, and the margin the exchange kept on it. */
function withHonouredQuote(
  detail: string | undefined,
  covering: { honouredMarginCents?: number },
): string | undefined {
  if (covering.honouredMarginCents === undefined) return detail;
  const honoured = `quote honoured: margin ${(covering.honouredMarginCents / 100).toFixed(2)}`;
  return detail ? `${detail}; ${honoured}` : honoured;
}

interface PostAttempt {
  accepted: boolean;
  buyerLeadId?: string;
  redirectUrl?: string;
  outcome: Pick<BuyerOutcome, "reason" | "latency_ms" | "detail">;
}

async function postToBuyer(
  adapter: BuyerAdapter,
  budgetMs: number,
  bid: Bid,
  request: DeliveryRequest,
  client: BuyerHttpClient,
): Promise<PostAttempt> {
  try {
    // Optional members assigned, not spread (an object and a copy each): this runs for every post.
    const input: PostRequestInput = {
      requestId: request.auctionId,
      priceCents: bid.bid_cents,
      lead: request.lead,
      consent: request.consent,
    };
    if (bid.bid_id !== undefined) input.bidId = bid.bid_id;
    if (request.sourceId !== undefined) input.sourceId = request.sourceId;
    if (request.test !== undefined) input.test = request.test;
    if (request.context !== undefined) input.context = request.context;
    // What this buyer's ping reply gave for its post (e.g. its own ping id).
    if (bid.captured !== undefined) input.captured = bid.captured;
    const post = adapter.buildPost(input);
    const response = await client.send({ ...post, timeoutMs: budgetMs });
    const latency_ms = Math.round(response.latencyMs);
    const reply = adapter.parsePost(response.status, response.body);
    switch (reply.kind) {
      case "accepted": {
        const detail = acceptedDetail(reply);
        const outcome: PostAttempt["outcome"] = { reason: "post_accepted", latency_ms };
        if (detail) outcome.detail = detail;
        const attempt: PostAttempt = { accepted: true, outcome };
        if (reply.buyerLeadId) attempt.buyerLeadId = reply.buyerLeadId;
        if (reply.redirectUrl) attempt.redirectUrl = reply.redirectUrl;
        return attempt;
      }
      case "rejected":
        return {
          accepted: false,
          outcome: { reason: "post_rejected", latency_ms, ...(reply.detail ? { detail: reply.detail } : {}) },
        };
      case "duplicate":
        return {
          accepted: false,
          outcome: {
            reason: "post_duplicate",
            latency_ms,
            ...(reply.detail ? { detail: reply.detail } : {}),
          },
        };
      case "invalid":
      case "http_error":
        return { accepted: false, outcome: { reason: "post_error", latency_ms, detail: reply.detail } };
    }
  } catch (error) {
    if (!(error instanceof BuyerTransportError)) throw error;
    const latency_ms = Math.round(error.latencyMs);
    if (error.failure === "timeout")
      return { accepted: false, outcome: { reason: "post_timeout", latency_ms } };
    return {
      accepted: false,
      outcome: {
        reason: "post_error",
        latency_ms,
        detail: error.failure === "too_large" ? "response too large" : error.message,
      },
    };
  }
}

/** The trace's detail of an accepted post: what the buyer said besides "accepted" (most say nothing more). */
function acceptedDetail(reply: { buyerLeadId?: string; priceCents?: number; redirectUrl?: string }): string {
  let detail = reply.buyerLeadId ? `buyer_lead_id ${reply.buyerLeadId}` : "";
  // The price a buyer states on its accept is shown in the trace; the sale stays at its bid.
  if (reply.priceCents !== undefined)
    detail += `${detail ? "; " : ""}post price ${(reply.priceCents / 100).toFixed(2)}`;
  // Its page, not its query: a buyer's query string may carry the consumer's data, and traces carry none.
  if (reply.redirectUrl) detail += `${detail ? "; " : ""}redirect_url ${withoutQuery(reply.redirectUrl)}`;
  return detail;
}

/** A URL's origin and path (a query or fragment dropped and marked with `?…`). */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  const cut = parsed.search !== "" || parsed.hash !== "";
  return `${parsed.origin}${parsed.pathname}${cut ? "?…" : ""}`;
}
