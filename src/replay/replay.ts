// What-if replay: the recorded auctions of a period decided again under a candidate configuration, no buyer called.
// Each auction is decided by the engine's own pure steps (selectEligibleCampaigns, checkBid and priceLimitsFor from
// the auction; sourcePriceCents, orderBids, chooseSale from the domain; coverOf from the delivery; capUnits from caps),
// fed what the buyers answered then: a realtime campaign bids what it bid in the recording, a fixed-price campaign its
// candidate price, and a post is answered as it was answered. Where the recording cannot tell, the replay assumes and
// counts it (see ReplayTotals), so a reader knows how much of a delta rests on assumptions.

import type { FallbackMargin } from "../domain/config-schema.ts";
import { dollarsToCents } from "../domain/money.ts";
import type { BuyerOutcome, Reason } from "../domain/outcomes.ts";
import { sourcePriceCents } from "../domain/pricing.ts";
import type { Bid } from "../domain/ranking.ts";
import { orderBids, RoundRobinMemory } from "../domain/routing.ts";
import { chooseSale, sourcePriceOfSales } from "../domain/shared-leads.ts";
import { checkBid, priceLimitsFor, selectEligibleCampaigns } from "../engine/auction.ts";
import { capUnits } from "../engine/caps.ts";
import type { ConfigSnapshot } from "../engine/config-snapshot.ts";
import { coverOf } from "../engine/delivery.ts";
import type { RecordedAuction } from "../store/auction-history.ts";

/** What a period's auctions came to: recorded, or replayed under a configuration. Money in cents. */
export interface MarketTotals {
  auctions: number;
  /** Leads posted (a ping's post, or a direct post): the leads there were to sell. */
  posted: number;
  sold: number;
  /** Paid by buyers. */
  buyerCents: number;
  /** Paid to sources. */
  sourceCents: number;
  /** Per buyer: leads bought and what it paid. */
  buyers: Map<string, { leads: number; cents: number }>;
}

export interface ReplayTotals extends MarketTotals {
  /** Posts the recording has no answer for (that buyer was not posted this lead then): assumed accepted. */
  assumedAccepts: number;
  /** Realtime campaigns eligible now that were not asked then (filtered, capped...): no recorded bid, counted as no bid. */
  unaskedCampaigns: number;
  /** Pings that got no bid then and a quote now: whether the seller would have posted is unknown; not counted as sold. */
  newlyQuoted: number;
  /** Auctions whose source or vertical the candidate no longer has: counted as unsold. */
  skipped: number;
}

/** The outcomes of a ping that carry the buyer's own bid (whatever the exchange then did with it). */
const BID_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  "bid",
  "won",
  "lost",
  "below_floor",
  "above_max_price",
  "above_ceiling",
  "capped",
  "held",
  "insufficient_funds",
]);

/** Recorded post answers that say what the buyer did with the lead; the others were the exchange's own refusals. */
const ACCEPTED: Reason = "post_accepted";
const REFUSED_BY_BUYER: ReadonlySet<Reason> = new Set<Reason>([
  "post_rejected",
  "post_duplicate",
  "post_timeout",
  "post_error",
  "post_uncertain",
  "consent_failed",
  "suppressed",
  "duplicate",
]);

export function emptyMarketTotals(): MarketTotals {
  return { auctions: 0, posted: 0, sold: 0, buyerCents: 0, sourceCents: 0, buyers: new Map() };
}

/** Adds what the exchange recorded of one auction to `totals`. */
export function addRecorded(totals: MarketTotals, auction: RecordedAuction): void {
  totals.auctions++;
  const sale = auction.sale;
  if (!sale) return;
  totals.posted++;
  if (sale.status !== "sold" || !sale.buyer_id) return;
  totals.sold++;
  totals.sourceCents += sale.price_cents;
  addBuyer(totals, sale.buyer_id, sale.buyer_price_cents ?? 0);
  for (const share of sale.shares) addBuyer(totals, share.buyer_id, share.buyer_price_cents);
}

function addBuyer(totals: MarketTotals, buyerId: string, cents: number): void {
  totals.buyerCents += cents;
  const buyer = totals.buyers.get(buyerId) ?? { leads: 0, cents: 0 };
  buyer.leads++;
  buyer.cents += cents;
  totals.buyers.set(buyerId, buyer);
}

/**
 * Replays auctions in the order given (oldest first: caps count as they go) under one configuration. Create one per
 * configuration and feed it every auction of the period.
 */
export class AuctionReplayer {
  readonly totals: ReplayTotals = {
    ...emptyMarketTotals(),
    assumedAccepts: 0,
    unaskedCampaigns: 0,
    newlyQuoted: 0,
    skipped: 0,
  };
  readonly #config: ConfigSnapshot;
  readonly #roundRobin = new RoundRobinMemory();
  /** Cap counters by unit key (sales committed in the replay; they start empty at the period's start). */
  readonly #capUsage = new Map<string, { count: number; cents: number }>();
  /** Outcomes selectEligibleCampaigns writes for the campaigns it leaves out; the replay does not keep them. */
  readonly #discarded: BuyerOutcome[] = [];

  constructor(config: ConfigSnapshot) {
    this.#config = config;
  }

  replay(auction: RecordedAuction): void {
    const totals = this.totals;
    totals.auctions++;
    const config = this.#config;
    const source = config.sourceById.get(auction.source_id);
    const vertical = config.verticalById.get(auction.vertical);
    if (!source || !vertical) {
      totals.skipped++;
      if (auction.sale) totals.posted++;
      return;
    }
    const now = auction.created_at;
    this.#discarded.length = 0;
    const eligible = selectEligibleCampaigns(
      { vertical, lead: auction.lead, test: auction.test, now },
      config,
      this.#discarded,
    );
    const limits = priceLimitsFor({ vertical, source });
    const bids: Bid[] = [];
    for (const campaign of eligible) {
      const bidCents =
        campaign.pricing.type === "fixed"
          ? dollarsToCents(campaign.pricing.price)
          : recordedBid(auction, campaign.id);
      if (bidCents === undefined) {
        if (campaign.pricing.type === "realtime" && !wasAsked(auction, campaign.id))
          totals.unaskedCampaigns++;
        continue;
      }
      const bid: Bid = {
        campaign_id: campaign.id,
        buyer_id: campaign.buyer_id,
        bid_cents: bidCents,
        source_price_cents: sourcePriceCents(bidCents, source.payout),
        expires_at: Number.POSITIVE_INFINITY,
      };
      if (!checkBid(bid, campaign, limits)) bids.push(bid);
    }
    const adjustmentPercent = (buyerId: string) => config.buyerById.get(buyerId)?.bid_adjustment_percent ?? 0;
    let candidates = orderBids(vertical.routing?.mode ?? "highest_bid", auction.id, bids, {
      campaignById: config.campaignById,
      adjustmentPercent,
      lastChosen: this.#roundRobin.lastChosen,
    });
    const maxBuyers = vertical.routing?.max_buyers ?? 1;
    const leadTypeOf = (campaignId: string) => config.campaignById.get(campaignId)?.lead_type ?? "either";
    let choice = chooseSale(candidates, maxBuyers, leadTypeOf);
    // The winner must have room under its caps, as the ping's hold checks (pending holds are not replayed).
    while (choice.bids.length > 0 && !this.#fits(choice.bids[0]!, auction)) {
      const refused = choice.bids[0]!;
      candidates = candidates.filter((bid) => bid !== refused);
      choice = chooseSale(candidates, maxBuyers, leadTypeOf);
    }
    const winner = choice.bids[0];
    const chosen = choice.sellTo > 1 ? choice.bids.slice(0, choice.sellTo) : winner ? [winner] : [];
    for (const bid of chosen) this.#roundRobin.chosen(bid.campaign_id);
    // Whether there was a lead to sell: a direct post always; a ping only when its seller posted it then.
    const posted = auction.kind === "direct" || auction.sale !== undefined;
    if (!posted) {
      if (winner && auction.quoted_cents === 0) totals.newlyQuoted++;
      return;
    }
    totals.posted++;
    if (!winner) return;
    const sold =
      choice.sellTo > 1 ? this.#sellShared(auction, chosen) : this.#sellExclusive(auction, choice.bids);
    if (sold.length === 0) return;
    totals.sold++;
    const quotedCents = auction.kind === "ping" && choice.sellTo === 1 ? winner.source_price_cents : 0;
    totals.sourceCents +=
      sold.length === 1 && !sold[0]!.shared
        ? quotedCents || sold[0]!.source_price_cents
        : sourcePriceOfSales(sold, source.payout);
    for (const bid of sold) {
      addBuyer(totals, bid.buyer_id, bid.bid_cents);
      this.#commit(bid, auction);
    }
  }

  /** Posts in rank order, falling back while a bid covers the quote (the candidate's fallback rule). */
  #sellExclusive(auction: RecordedAuction, ranked: readonly Bid[]): Bid[] {
    const quotedCents = auction.kind === "ping" ? ranked[0]!.source_price_cents : 0;
    const rule = this.#fallbackRule(auction);
    for (const bid of ranked) {
      if (!coverOf(bid, quotedCents, rule).covers) continue;
      if (!this.#fits(bid, auction)) continue;
      if (this.#postAccepted(auction, bid)) return [bid];
    }
    return [];
  }

  /** A shared lead: each chosen buyer's recorded answer (stand-ins are not replayed). */
  #sellShared(auction: RecordedAuction, chosen: readonly Bid[]): Bid[] {
    return chosen
      .filter((bid) => this.#fits(bid, auction) && this.#postAccepted(auction, bid))
      .map((bid) => ({ ...bid, shared: true as const }));
  }

  #postAccepted(auction: RecordedAuction, bid: Bid): boolean {
    for (const outcome of auction.outcomes) {
      if (outcome.phase !== "post" || outcome.campaign_id !== bid.campaign_id) continue;
      if (outcome.reason === ACCEPTED) return true;
      if (REFUSED_BY_BUYER.has(outcome.reason)) return false;
    }
    this.totals.assumedAccepts++;
    return true;
  }

  #fallbackRule(auction: RecordedAuction): FallbackMargin {
    return (
      this.#config.sourceById.get(auction.source_id)?.fallback_margin ??
      this.#config.verticalById.get(auction.vertical)?.fallback_margin ??
      "strict"
    );
  }

  /** Whether the bid's sale fits every cap of its campaign, buyer and source × campaign (sales counted so far). */
  #fits(bid: Bid, auction: RecordedAuction): boolean {
    for (const unit of this.#units(bid, auction)) {
      const used = this.#capUsage.get(unit.key);
      const count = (used?.count ?? 0) + 1;
      const cents = (used?.cents ?? 0) + unit.cents;
      if (unit.countLimit !== undefined && count > unit.countLimit) return false;
      if (unit.centsLimit !== undefined && cents > unit.centsLimit) return false;
    }
    return true;
  }

  #commit(bid: Bid, auction: RecordedAuction): void {
    for (const unit of this.#units(bid, auction)) {
      const used = this.#capUsage.get(unit.key) ?? { count: 0, cents: 0 };
      used.count++;
      used.cents += unit.cents;
      this.#capUsage.set(unit.key, used);
    }
  }

  #units(bid: Bid, auction: RecordedAuction) {
    const campaign = this.#config.campaignById.get(bid.campaign_id);
    if (!campaign) return [];
    return capUnits(
      campaign,
      this.#config.buyerById.get(campaign.buyer_id),
      auction.source_id,
      bid.bid_cents,
      auction.created_at,
    );
  }
}

/** What the campaign bid on this auction's ping, when it was asked and bid. */
function recordedBid(auction: RecordedAuction, campaignId: string): number | undefined {
  for (const outcome of auction.outcomes) {
    if (outcome.phase === "ping" && outcome.campaign_id === campaignId && BID_REASONS.has(outcome.reason))
      return outcome.bid_cents;
  }
  return undefined;
}

/** Whether the campaign was asked for a bid then (it answered, declined, failed or timed out). */
function wasAsked(auction: RecordedAuction, campaignId: string): boolean {
  return auction.outcomes.some(
    (outcome) =>
      outcome.phase === "ping" &&
      outcome.campaign_id === campaignId &&
      (BID_REASONS.has(outcome.reason) ||
        outcome.reason === "no_bid" ||
        outcome.reason === "timeout" ||
        outcome.reason === "buyer_error" ||
        outcome.reason === "invalid_response" ||
        outcome.reason === "unreachable"),
  );
}

/** Replays a period under the current and a candidate configuration at once, beside what was recorded. */
export async function replayPeriod(
  history: Iterable<RecordedAuction> | AsyncIterable<RecordedAuction>,
  current: ConfigSnapshot,
  candidate: ConfigSnapshot,
): Promise<{ recorded: MarketTotals; current: ReplayTotals; candidate: ReplayTotals }> {
  const recorded = emptyMarketTotals();
  const asNow = new AuctionReplayer(current);
  const asCandidate = new AuctionReplayer(candidate);
  for await (const auction of history) {
    addRecorded(recorded, auction);
    asNow.replay(auction);
    asCandidate.replay(auction);
  }
  return { recorded, current: asNow.totals, candidate: asCandidate.totals };
}
