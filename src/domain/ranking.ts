// Ranking bids. Pure.

export interface Bid {
  campaign_id: string;
  buyer_id: string;
  /** What the buyer pays, in cents. */
  bid_cents: number;
  /** What the source is paid if this bid buys the lead, in cents (after the exchange's margin). */
  source_price_cents: number;
  /** The buyer's own reference for its bid, echoed on the post. */
  bid_id?: string;
  /** Epoch ms after which the buyer no longer honours this bid. */
  expires_at: number;
  /** Values a templated buyer's ping reply carried for its post (e.g. its ping id), sent back on the post. */
  captured?: Record<string, string>;
  /** Chosen as one of the buyers of a shared lead (absent: the lead is sold exclusive, or this bid stands in). */
  shared?: true;
}

/**
 * Orders bids best first: highest ranking price, then a deterministic tie-break.
 * The ranking price is the bid itself, scaled by the buyer's bid adjustment when there is one (`adjustmentPercent`,
 * e.g. -10 for a buyer with many post rejects: its $50 bids rank as $45). The adjustment moves a bid in the order and
 * nothing else: the buyer still pays `bid_cents` and the source's price was computed from it.
 * Ties are broken by a hash of (auction id, campaign id): the same auction always ranks the same way (a retried post
 * sees the same order), yet no campaign wins every tie because its id sorts first.
 */
export function rankBids(
  auctionId: string,
  bids: readonly Bid[],
  adjustmentPercent: (buyerId: string) => number = () => 0,
): Bid[] {
  // Compared in basis points of the bid: integer products, so no rounding can reorder two bids.
  const weights = new Map(
    bids.map((bid) => [bid, 10_000 + Math.round(adjustmentPercent(bid.buyer_id) * 100)]),
  );
  const rankingValue = (bid: Bid) => bid.bid_cents * weights.get(bid)!;
  return [...bids].sort(
    (a, b) =>
      rankingValue(b) - rankingValue(a) ||
      tieBreak(auctionId, a.campaign_id) - tieBreak(auctionId, b.campaign_id) ||
      (a.campaign_id < b.campaign_id ? -1 : 1),
  );
}

/** The price a bid ranks at, in cents (rounded down), after its buyer's adjustment: for the decision trace. */
export function rankingCents(bidCents: number, adjustmentPercent: number): number {
  return Math.floor((bidCents * (10_000 + Math.round(adjustmentPercent * 100))) / 10_000);
}

/** FNV-1a over the two ids, then murmur3's finaliser so ids differing in one character still spread evenly. */
export function tieBreak(auctionId: string, campaignId: string): number {
  let hash = 0x811c9dc5;
  const key = auctionId + "\u0000" + campaignId;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
