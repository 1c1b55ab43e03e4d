// The report rollups of a batch of ping events: each outcome's bid and win land on its auction's rows and its
// campaign's, however the batch orders the outcomes (RollupBatch reuses an auction's rows for its next outcome).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OutcomeRecord, PingRecord } from "../../src/domain/records.ts";
import { GRAIN, HOUR_MS, rollupAuctionEvents } from "../../src/domain/rollup.ts";

const AT = 1_700_000_000_000;

function ping(id: string, sourceId: string, at: number): PingRecord {
  return {
    id,
    kind: "ping",
    source_id: sourceId,
    vertical: "personal_injury",
    lead: {},
    test: false,
    created_at: at,
    expires_at: at,
    status: "bid",
    price_cents: 100,
    bids: [],
  };
}

function outcome(auctionId: string, campaignId: string, bidCents: number, at: number): OutcomeRecord {
  return {
    auction_id: auctionId,
    phase: "ping",
    at,
    campaign_id: campaignId,
    buyer_id: `buyer-${campaignId}`,
    reason: "lost",
    bid_cents: bidCents,
    latency_ms: 5,
  };
}

test("bids count on their own auction's rows whether a batch groups its outcomes by auction or interleaves them", () => {
  // Two sources, and the second auction an hour later: every auction row differs between them.
  const pings = [ping("a", "source-1", AT), ping("b", "source-2", AT + HOUR_MS)];
  const grouped = [
    outcome("a", "c1", 100, AT),
    outcome("a", "c2", 200, AT),
    outcome("b", "c1", 1000, AT + HOUR_MS),
    outcome("b", "c2", 2000, AT + HOUR_MS),
  ];
  const interleaved = [grouped[0]!, grouped[2]!, grouped[1]!, grouped[3]!];
  for (const outcomes of [grouped, interleaved]) {
    const rows = rollupAuctionEvents(pings, outcomes, () => undefined).rows();
    const auctionRow = (sourceId: string) =>
      rows.find((row) => row.grain === 0 && row.source_id === sourceId && row.campaign_id === "");
    assert.equal(auctionRow("source-1")?.bids, 2);
    assert.equal(auctionRow("source-1")?.bid_cents_sum, 300);
    assert.equal(auctionRow("source-2")?.bids, 2);
    assert.equal(auctionRow("source-2")?.bid_cents_sum, 3000);
    // The all-sources daily row holds all four (both auctions fall on one UTC day).
    const daily = rows.filter(
      (row) => row.grain === (GRAIN.allSources | GRAIN.daily) && row.campaign_id === "",
    );
    assert.equal(
      daily.reduce((sum, row) => sum + row.bid_cents_sum, 0),
      3300,
    );
  }
});
