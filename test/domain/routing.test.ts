// Routing modes over the same bids: price order by default, a waterfall by priority tier, round-robin by who was
// chosen least recently, and a weighted shuffle that leads in proportion to weight, the same way on every retry.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Campaign } from "../../src/domain/config-schema.ts";
import type { Bid } from "../../src/domain/ranking.ts";
import { orderBids, ROUTING_MODES, RoundRobinMemory } from "../../src/domain/routing.ts";

const bid = (campaign: string, dollars: number): Bid => ({
  campaign_id: campaign,
  buyer_id: `buyer-${campaign}`,
  bid_cents: dollars * 100,
  source_price_cents: dollars * 80,
  expires_at: 0,
});

const campaigns = (settings: Record<string, Partial<Campaign>>) =>
  new Map(Object.entries(settings).map(([id, extra]) => [id, { id, ...extra } as Campaign]));

const ids = (bids: readonly Bid[]) => bids.map((b) => b.campaign_id);

describe("orderBids", () => {
  const bids = [bid("cheap", 10), bid("rich", 60), bid("mid", 30)];

  test("highest_bid orders by price", () => {
    assert.deepEqual(ids(orderBids("highest_bid", "a1", bids, { campaignById: new Map() })), [
      "rich",
      "mid",
      "cheap",
    ]);
  });

  test("priority offers the first tier first, by price within a tier; no priority is the last tier", () => {
    const context = { campaignById: campaigns({ cheap: { priority: 1 }, mid: { priority: 1 }, rich: {} }) };
    assert.deepEqual(ids(orderBids("priority", "a1", bids, context)), ["mid", "cheap", "rich"]);
  });

  test("round_robin puts the campaign chosen least recently first, never-chosen ones by price", () => {
    const memory = new RoundRobinMemory();
    const context = { campaignById: new Map(), lastChosen: memory.lastChosen };
    const winners: string[] = [];
    for (let i = 0; i < 6; i++) {
      const winner = orderBids("round_robin", `a${i}`, bids, context)[0]!.campaign_id;
      memory.chosen(winner);
      winners.push(winner);
    }
    assert.deepEqual(winners, ["rich", "mid", "cheap", "rich", "mid", "cheap"]);
  });

  test("weighted leads in proportion to weight, whatever the price, and the same auction orders the same way", () => {
    const context = { campaignById: campaigns({ heavy: { weight: 3 }, light: { weight: 1 } }) };
    const pair = [bid("light", 50), bid("heavy", 10)];
    let heavyLeads = 0;
    const auctions = 4_000;
    for (let i = 0; i < auctions; i++) {
      const order = ids(orderBids("weighted", `auction-${i}`, pair, context));
      assert.deepEqual(ids(orderBids("weighted", `auction-${i}`, [...pair].reverse(), context)), order);
      if (order[0] === "heavy") heavyLeads++;
    }
    const share = heavyLeads / auctions;
    assert.ok(
      Math.abs(share - 0.75) < 0.03,
      `heavy led ${(share * 100).toFixed(1)}% of auctions, expected ~75%`,
    );
  });

  test("every mode keeps every bid, once", () => {
    for (const mode of ROUTING_MODES) {
      const ordered = orderBids(mode, "a9", bids, { campaignById: new Map() });
      assert.deepEqual(ids(ordered).sort(), ["cheap", "mid", "rich"], mode);
    }
  });
});
