// Exclusive or shared: whether a lead is sold to one buyer or to several, each at its own price. Pure.
//
// A vertical sells shared when its routing allows more than one buyer (`max_buyers`). Each campaign says what it buys:
// `exclusive` leads only, `shared` leads only, or `either` (the default). After the bids are ordered by the routing
// mode, the exchange compares the best exclusive sale with the best shared one (the first bid of each distinct buyer
// willing to share, up to max_buyers, and at least two) and takes whichever brings the buyers' higher total. A tie
// stays exclusive: one buyer is simpler for the consumer.
import type { Campaign, Payout } from "./config-schema.ts";
import type { Bid } from "./ranking.ts";

export type LeadType = NonNullable<Campaign["lead_type"]>;

export interface SaleChoice {
  /** The bids the post goes through, in order: for a shared sale, the chosen buyers first, then their stand-ins. */
  bids: Bid[];
  /** How many buyers the lead is sold to: 1 is exclusive. */
  sellTo: number;
}

export function chooseSale(
  ordered: readonly Bid[],
  maxBuyers: number,
  leadTypeOf: (campaignId: string) => LeadType,
): SaleChoice {
  const exclusive = ordered.filter((bid) => leadTypeOf(bid.campaign_id) !== "shared");
  if (maxBuyers < 2) return { bids: exclusive, sellTo: 1 };
  const willShare = ordered.filter((bid) => leadTypeOf(bid.campaign_id) !== "exclusive");
  const chosen = firstOfEachBuyer(willShare, maxBuyers);
  if (chosen.length < 2) return { bids: exclusive, sellTo: 1 };
  const sharedTotal = chosen.reduce((sum, bid) => sum + bid.bid_cents, 0);
  if (sharedTotal <= (exclusive[0]?.bid_cents ?? 0)) return { bids: exclusive, sellTo: 1 };
  return { bids: [...chosen, ...willShare.filter((bid) => !chosen.includes(bid))], sellTo: chosen.length };
}

function firstOfEachBuyer(bids: readonly Bid[], limit: number): Bid[] {
  const buyers = new Set<string>();
  const chosen: Bid[] = [];
  for (const bid of bids) {
    if (chosen.length === limit) break;
    if (buyers.has(bid.buyer_id)) continue;
    buyers.add(bid.buyer_id);
    chosen.push(bid);
  }
  return chosen;
}

/**
 * What the source is paid for the buyers' bids of one lead: under a fixed payout, the fixed amount once (it is a
 * price per lead); under a revenue share or margin, each sale's own share, summed (the margin is per sale).
 */
export function sourcePriceOfSales(sales: readonly Bid[], payout: Payout): number {
  if (sales.length === 0) return 0;
  if (payout.model === "fixed") return Math.max(...sales.map((bid) => bid.source_price_cents));
  return sales.reduce((sum, bid) => sum + bid.source_price_cents, 0);
}
