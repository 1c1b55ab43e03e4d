// How a vertical's bids are ordered into the winner and its fallbacks. Pure: the engine supplies the round-robin
// memory. Every mode orders all valid bids, so fallback works the same way whatever chose the winner.
//
//   highest_bid  the best (adjusted) bid first; the default, and what a price-driven exchange expects.
//   priority     a waterfall: the lowest `priority` tier that bid takes the lead, whatever a later tier offers; by
//                price within a tier. For contracted buyers who get first refusal.
//   round_robin  the campaign chosen least recently first (never chosen: first of all), then by price: spreads
//                volume evenly over buyers who all bid, which keeps smaller buyers in the market.
//   weighted     a weighted shuffle: a campaign with weight 3 leads three times as often as one with weight 1.
import type { Campaign } from "./config-schema.ts";
import { type Bid, rankBids, tieBreak } from "./ranking.ts";

export const ROUTING_MODES = ["highest_bid", "priority", "round_robin", "weighted"] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

/** Campaigns without a priority share the last tier; without a weight, weigh 1. */
export const DEFAULT_PRIORITY = 100;
export const DEFAULT_WEIGHT = 1;

export interface RoutingContext {
  campaignById: ReadonlyMap<string, Campaign>;
  /** Ranking only: a buyer's bid adjustment in percent (see rankBids). */
  adjustmentPercent?: (buyerId: string) => number;
  /** For round_robin: a number that grows each time a campaign is chosen; absent: never chosen. */
  lastChosen?: (campaignId: string) => number | undefined;
}

export function orderBids(
  mode: RoutingMode,
  auctionId: string,
  bids: readonly Bid[],
  context: RoutingContext,
): Bid[] {
  // By price first: each mode below re-sorts stably, so price (then the fair tie-break) orders what the mode leaves equal.
  const byPrice = rankBids(auctionId, bids, context.adjustmentPercent);
  switch (mode) {
    case "highest_bid":
      return byPrice;
    case "priority": {
      const tier = (bid: Bid) => context.campaignById.get(bid.campaign_id)?.priority ?? DEFAULT_PRIORITY;
      return byPrice.sort((a, b) => tier(a) - tier(b));
    }
    case "round_robin": {
      const chosen = (bid: Bid) => context.lastChosen?.(bid.campaign_id) ?? -1;
      return byPrice.sort((a, b) => chosen(a) - chosen(b));
    }
    case "weighted": {
      // Efraimidis–Spirakis: each bid draws u in (0,1) and sorts by u^(1/weight), largest first; the draw comes from
      // a hash of the auction and campaign ids, so a retried post sees the same order.
      const key = new Map(
        byPrice.map((bid) => {
          const weight = context.campaignById.get(bid.campaign_id)?.weight ?? DEFAULT_WEIGHT;
          const u = (tieBreak(auctionId, bid.campaign_id) + 0.5) / 2 ** 32;
          return [bid, Math.log(u) / weight];
        }),
      );
      return byPrice.sort((a, b) => key.get(b)! - key.get(a)!);
    }
  }
}

/** Round-robin memory of one exchange process: which campaign was chosen when, as a growing sequence number. */
export class RoundRobinMemory {
  readonly #chosenAt = new Map<string, number>();
  #sequence = 0;

  chosen(campaignId: string): void {
    this.#chosenAt.set(campaignId, ++this.#sequence);
  }

  lastChosen = (campaignId: string): number | undefined => this.#chosenAt.get(campaignId);
}
