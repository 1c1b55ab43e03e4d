import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { centsToDollars, dollarsToCents } from "../../src/domain/money.ts";
import { sourcePriceCents } from "../../src/domain/pricing.ts";
import { type Bid, rankBids } from "../../src/domain/ranking.ts";

describe("money", () => {
  test("dollars to cents survives binary floats", () => {
    assert.equal(dollarsToCents(19.99), 1999);
    assert.equal(dollarsToCents(0.1 + 0.2), 30);
    assert.equal(dollarsToCents(1.1 * 3), 330);
    assert.equal(dollarsToCents(0.07), 7);
    assert.equal(dollarsToCents(100000), 10_000_000);
    assert.equal(dollarsToCents(0), 0);
  });

  test("half a cent rounds away from zero", () => {
    // 0.125 and 0.375 are exact in binary, so these are true half-cents.
    assert.equal(dollarsToCents(0.125), 13);
    assert.equal(dollarsToCents(-0.125), -13);
    assert.equal(dollarsToCents(0.375), 38);
    assert.equal(dollarsToCents(-0.375), -38);
  });

  test("every cent amount up to $1,000 round-trips through dollars", () => {
    for (let cents = 0; cents <= 100_000; cents++) {
      const back = dollarsToCents(centsToDollars(cents));
      if (back !== cents) assert.fail(`${cents} → ${centsToDollars(cents)} → ${back}`);
    }
    assert.equal(centsToDollars(1999), 19.99);
  });

  test("cents to dollars is what JSON should carry", () => {
    assert.equal(JSON.stringify({ price: centsToDollars(1999) }), '{"price":19.99}');
    assert.equal(JSON.stringify({ price: centsToDollars(5) }), '{"price":0.05}');
  });
});

describe("sourcePriceCents", () => {
  test("revenue_share pays the percentage, rounded down to the cent", () => {
    assert.equal(sourcePriceCents(1000, { model: "revenue_share", percent: 70 }), 700);
    assert.equal(sourcePriceCents(999, { model: "revenue_share", percent: 50 }), 499);
    assert.equal(sourcePriceCents(1001, { model: "revenue_share", percent: 33.3 }), 333);
    assert.equal(sourcePriceCents(1, { model: "revenue_share", percent: 99 }), 0);
    assert.equal(sourcePriceCents(1234, { model: "revenue_share", percent: 100 }), 1234);
    assert.equal(sourcePriceCents(1234, { model: "revenue_share", percent: 0 }), 0);
  });

  test("revenue_share never pays more than the bid, for any whole percentage", () => {
    for (let percent = 0; percent <= 100; percent++) {
      for (const bid of [1, 99, 1999, 12345, 10_000_000]) {
        const price = sourcePriceCents(bid, { model: "revenue_share", percent });
        assert.ok(Number.isInteger(price) && price >= 0 && price <= bid, `${percent}% of ${bid} → ${price}`);
        assert.equal(price, Math.floor((bid * percent) / 100));
      }
    }
  });

  test("revenue_share with a fractional percentage pays exact amounts exactly", {}, () => {
    assert.equal(sourcePriceCents(1500, { model: "revenue_share", percent: 10.2 }), 153);
    assert.equal(sourcePriceCents(11_000, { model: "revenue_share", percent: 0.7 }), 77);
    assert.equal(sourcePriceCents(3000, { model: "revenue_share", percent: 10.7 }), 321);
  });

  test("margin keeps a fixed amount and never goes negative", () => {
    assert.equal(sourcePriceCents(2500, { model: "margin", amount: 5 }), 2000);
    assert.equal(sourcePriceCents(2500, { model: "margin", amount: 4.99 }), 2001);
    assert.equal(sourcePriceCents(500, { model: "margin", amount: 5 }), 0);
    assert.equal(sourcePriceCents(300, { model: "margin", amount: 5 }), 0);
    assert.equal(sourcePriceCents(1999, { model: "margin", amount: 0 }), 1999);
  });

  test("fixed pays the fixed amount when the bid covers it, else 0", () => {
    assert.equal(sourcePriceCents(5000, { model: "fixed", amount: 30 }), 3000);
    assert.equal(sourcePriceCents(3000, { model: "fixed", amount: 30 }), 3000);
    assert.equal(sourcePriceCents(2999, { model: "fixed", amount: 30 }), 0);
    assert.equal(sourcePriceCents(1999, { model: "fixed", amount: 19.99 }), 1999);
  });
});

function bid(campaign_id: string, bid_cents: number): Bid {
  return { campaign_id, buyer_id: `buyer-${campaign_id}`, bid_cents, source_price_cents: 0, expires_at: 0 };
}

const ids = (bids: Bid[]) => bids.map((b) => b.campaign_id);

/** How often each campaign ranks first when all bid the same, over many auctions. */
function firstPlaceShares(campaigns: string[], auctions: number): Map<string, number> {
  const bids = campaigns.map((id) => bid(id, 1000));
  const wins = new Map(campaigns.map((id) => [id, 0]));
  for (let i = 0; i < auctions; i++) {
    const winner = rankBids(`auction-${i}`, bids)[0]!.campaign_id;
    wins.set(winner, wins.get(winner)! + 1);
  }
  return new Map([...wins].map(([id, n]) => [id, n / auctions]));
}

describe("rankBids", () => {
  test("highest bid first", () => {
    const ranked = rankBids("a1", [bid("low", 500), bid("high", 2000), bid("mid", 1000)]);
    assert.deepEqual(ids(ranked), ["high", "mid", "low"]);
  });

  test("does not mutate its input", () => {
    const bids = [bid("low", 500), bid("high", 2000), bid("mid", 1000)];
    const copy = structuredClone(bids);
    rankBids("a1", bids);
    assert.deepEqual(bids, copy);
  });

  test("empty and single-bid auctions", () => {
    assert.deepEqual(rankBids("a1", []), []);
    assert.deepEqual(ids(rankBids("a1", [bid("only", 1)])), ["only"]);
  });

  test("ties: the same auction id always gives the same order, whatever the input order", () => {
    const bids = ["c1", "c2", "c3", "c4", "c5"].map((id) => bid(id, 1000));
    const expected = ids(rankBids("auction-42", bids));
    for (let shift = 0; shift < bids.length; shift++) {
      const rotated = [...bids.slice(shift), ...bids.slice(0, shift)];
      assert.deepEqual(ids(rankBids("auction-42", rotated)), expected);
      assert.deepEqual(ids(rankBids("auction-42", rotated.reverse())), expected);
    }
  });

  test("ties only reorder bids of equal price", () => {
    const ranked = rankBids("a7", [
      bid("a", 100),
      bid("b", 300),
      bid("c", 300),
      bid("d", 200),
      bid("e", 100),
    ]);
    assert.deepEqual(
      ranked.map((b) => b.bid_cents),
      [300, 300, 200, 100, 100],
    );
  });

  test("across many auctions, every tied campaign wins some ties", () => {
    for (const campaigns of [
      ["c1", "c2", "c3"],
      ["pi-firm-a", "pi-firm-b"],
      ["alpha", "beta", "gamma", "delta"],
    ]) {
      for (const [id, share] of firstPlaceShares(campaigns, 2000)) assert.ok(share > 0.1, `${id}: ${share}`);
    }
  });

  test("ties are shared fairly between dissimilar campaign ids", () => {
    for (const [id, share] of firstPlaceShares(["alpha", "beta", "gamma", "delta"], 4000)) {
      assert.ok(Math.abs(share - 1 / 4) < 0.06, `${id} won ${(share * 100).toFixed(1)}% of 4-way ties`);
    }
  });

  test("ties are shared fairly between ids that differ only in their last character", {}, () => {
    for (const [id, share] of firstPlaceShares(["c1", "c2", "c3"], 3000)) {
      assert.ok(Math.abs(share - 1 / 3) < 0.06, `${id} won ${(share * 100).toFixed(1)}% of 3-way ties`);
    }
  });
});
