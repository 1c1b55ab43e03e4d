// Money rules, pure: the margin table by price band, its validation, and the buyer's bid adjustment in the ranking.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MarginBand, Payout } from "../../src/domain/config-schema.ts";
import { marginBandFor, marginTableProblem, sourcePriceCents } from "../../src/domain/pricing.ts";
import { type Bid, rankBids, rankingCents } from "../../src/domain/ranking.ts";

const table: Payout = {
  model: "margin_table",
  bands: [{ up_to: 20, margin: 3 }, { up_to: 50, margin_percent: 20 }, { margin_percent: 25 }],
};

describe("margin table", () => {
  test("each band keeps its own margin; up_to is inclusive", () => {
    assert.equal(sourcePriceCents(1000, table), 700, "$10: $3 fixed margin");
    assert.equal(sourcePriceCents(2000, table), 1700, "$20 is still in the first band");
    assert.equal(sourcePriceCents(2001, table), 1600, "$20.01: 20% kept, 1600.8 rounded down");
    assert.equal(sourcePriceCents(5000, table), 4000, "$50 is still in the second band");
    assert.equal(sourcePriceCents(5001, table), 3750, "$50.01: 25% kept, 3750.75 rounded down");
    assert.equal(sourcePriceCents(100_000, table), 75_000, "the open-ended band takes everything above");
  });

  test("percentages are exact in basis points and round down for the source", () => {
    const odd: Payout = { model: "margin_table", bands: [{ margin_percent: 10.2 }] };
    assert.equal(sourcePriceCents(1500, odd), 1347, "89.8% of 1500 is 1347 exactly");
    assert.equal(sourcePriceCents(1, odd), 0, "0.898 of a cent is nothing");
    const third: Payout = { model: "margin_table", bands: [{ margin_percent: 33.33 }] };
    assert.equal(sourcePriceCents(999, third), 666, "66.67% of 999 = 666.03");
  });

  test("the source price is never negative", () => {
    assert.equal(sourcePriceCents(200, table), 0, "$2 cannot pay a $3 margin");
    assert.equal(sourcePriceCents(300, table), 0);
    assert.equal(sourcePriceCents(301, table), 1);
    assert.equal(sourcePriceCents(0, table), 0);
    const all: Payout = { model: "margin_table", bands: [{ margin_percent: 100 }] };
    assert.equal(sourcePriceCents(5000, all), 0);
  });

  test("the band is chosen by the buyer's bid in cents, not by float dollars", () => {
    const bands: MarginBand[] = [{ up_to: 0.3, margin: 0 }, { margin: 1 }];
    assert.equal(marginBandFor(30, bands), bands[0], "up_to $0.30 covers 30 cents exactly");
    assert.equal(marginBandFor(31, bands), bands[1]);
  });

  test("validation: ascending, one open-ended last band, one of margin and margin_percent", () => {
    assert.equal(marginTableProblem((table as { bands: MarginBand[] }).bands), undefined);
    assert.equal(marginTableProblem([{ margin: 2 }]), undefined, "a single open-ended band is fine");
    assert.deepEqual(
      marginTableProblem([{ up_to: 50, margin: 1 }, { up_to: 20, margin: 1 }, { margin: 1 }]),
      {
        path: "payout.bands[1].up_to",
        message: "bands must be in ascending order of up_to",
      },
    );
    assert.equal(
      marginTableProblem([{ up_to: 20, margin: 1 }, { up_to: 20, margin: 2 }, { margin: 1 }])?.path,
      "payout.bands[1].up_to",
      "two bands with the same edge",
    );
    assert.equal(
      marginTableProblem([{ up_to: 20, margin: 1 }])?.message,
      "the last band must be open-ended (no up_to)",
    );
    assert.equal(
      marginTableProblem([{ margin: 1 }, { margin: 2 }])?.message,
      "only the last band may be open-ended",
    );
    assert.equal(
      marginTableProblem([{ margin: 1, margin_percent: 5 }])?.message,
      "needs exactly one of margin and margin_percent",
    );
    assert.equal(marginTableProblem([{}])?.message, "needs exactly one of margin and margin_percent");
  });
});

describe("bid adjustment in the ranking", () => {
  const bid = (campaign: string, buyer: string, cents: number): Bid => ({
    campaign_id: campaign,
    buyer_id: buyer,
    bid_cents: cents,
    source_price_cents: cents,
    expires_at: 0,
  });
  const penalty = (percents: Record<string, number>) => (buyer: string) => percents[buyer] ?? 0;

  test("a penalised buyer ranks below a lower raw bid, and keeps its own bid and source price", () => {
    const bids = [bid("risky", "risky", 5000), bid("steady", "steady", 3000)];
    const ranked = rankBids("a1", bids, penalty({ risky: -50 }));
    assert.deepEqual(
      ranked.map((b) => b.campaign_id),
      ["steady", "risky"],
      "$50 at -50% ranks as $25 < $30",
    );
    assert.equal(ranked[1]!.bid_cents, 5000, "the bid itself is untouched");
    assert.equal(ranked[1]!.source_price_cents, 5000);
    assert.deepEqual(
      rankBids("a1", bids).map((b) => b.campaign_id),
      ["risky", "steady"],
      "without adjustments the raw bid wins",
    );
  });

  test("a penalised buyer still wins when its adjusted bid is the best", () => {
    const ranked = rankBids(
      "a1",
      [bid("risky", "risky", 7000), bid("steady", "steady", 3000)],
      penalty({ risky: -50 }),
    );
    assert.equal(ranked[0]!.campaign_id, "risky");
    assert.equal(ranked[0]!.bid_cents, 7000);
  });

  test("an adjusted tie falls to the deterministic tie-break, the same for every call", () => {
    // $40 at -25% ranks exactly as $30.
    const bids = [bid("penalised", "p", 4000), bid("plain", "q", 3000)];
    const adjust = penalty({ p: -25 });
    const first = rankBids("auction-7", bids, adjust).map((b) => b.campaign_id);
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(
        rankBids("auction-7", [...bids].reverse(), adjust).map((b) => b.campaign_id),
        first,
      );
    }
    const winners = new Set<string>();
    for (let i = 0; i < 50; i++) winners.add(rankBids(`auction-${i}`, bids, adjust)[0]!.campaign_id);
    assert.equal(winners.size, 2, "an exact adjusted tie is not always won by the same campaign");
  });

  test("fractional percentages compare exactly, without float drift", () => {
    // 1000 at +0.1% is 1001 exactly; 1001 unadjusted ties it (then the tie-break decides), never a float near-miss.
    const bids = [bid("boosted", "b", 1000), bid("plain", "q", 1002)];
    assert.equal(rankBids("x", bids, penalty({ b: 0.1 }))[0]!.campaign_id, "plain");
    assert.equal(rankBids("x", bids, penalty({ b: 0.3 }))[0]!.campaign_id, "boosted");
  });

  test("the ranking price reported in the trace", () => {
    assert.equal(rankingCents(5000, -50), 2500);
    assert.equal(rankingCents(4999, -10), 4499, "4499.1 rounded down");
    assert.equal(rankingCents(3000, 0), 3000);
  });
});
