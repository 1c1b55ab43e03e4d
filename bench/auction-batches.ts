// Rules-5-like batches of auction events (a ping with five buyers' bids, and their outcomes: one won, four lost), as
// the event writer hands them to a store, for the store benches (sqlite-writer-cpu.ts, postgres-ids-wal.ts). A ping
// every 2 ms on the batches' own clock; auction ids random (v4) or time-ordered (v7) on that clock.
import { randomUUID } from "node:crypto";
import { TimeOrderedIds } from "../src/engine/time-ordered-ids.ts";
import { generateLead, pingPart } from "../src/sim/lead-generator.ts";

export type AuctionIds = "v4" | "v7";

export function auctionIdsOption(value: string | undefined, fallback: AuctionIds): AuctionIds {
  const ids = value ?? fallback;
  if (ids !== "v4" && ids !== "v7") throw new Error("--ids is v4 or v7");
  return ids;
}

/** A maker of batches of `per` pings and their outcomes (plain objects shaped as PingRecord and OutcomeRecord). */
export function auctionBatches(
  per: number,
  ids: AuctionIds,
): () => { pings: unknown[]; outcomes: unknown[] } {
  let now = Date.now();
  const v7 = new TimeOrderedIds({ clock: () => now });
  const nextId: () => string = ids === "v7" ? () => v7.next() : randomUUID;
  return () => {
    const pings: unknown[] = [];
    const outcomes: unknown[] = [];
    for (let i = 0; i < per; i++) {
      now += 2;
      const id = nextId();
      const bids = [];
      for (let b = 1; b <= 5; b++) {
        const cents = 1000 + Math.floor(Math.random() * 4000);
        const campaign = { campaign_id: `bench-buyer-${b}-rt`, buyer_id: `bench-buyer-${b}` };
        bids.push({
          ...campaign,
          bid_cents: cents,
          source_price_cents: Math.floor(cents * 0.8),
          bid_id: randomUUID(),
          expires_at: now + 60_000,
        });
        outcomes.push({
          auction_id: id,
          phase: "ping",
          at: now,
          ...campaign,
          reason: b === 1 ? "won" : "lost",
          bid_cents: cents,
          latency_ms: Math.random() * 3,
        });
      }
      pings.push({
        id,
        kind: "ping",
        source_id: "bench-source",
        vertical: "personal_injury",
        lead: pingPart("personal_injury", generateLead("personal_injury").lead),
        test: false,
        created_at: now,
        expires_at: now + 60_000,
        status: "bid",
        price_cents: 1200,
        bids,
        quality: { score: 100, issues: [] },
      });
    }
    return { pings, outcomes };
  };
}
