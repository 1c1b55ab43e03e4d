// Exclusive or shared: the choice between the best single buyer and the best group of buyers willing to share, and
// what the source is paid for a shared sale under each payout model.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Bid } from "../../src/domain/ranking.ts";
import { chooseSale, type LeadType, sourcePriceOfSales } from "../../src/domain/shared-leads.ts";

const bid = (campaign: string, dollars: number, buyer = campaign): Bid => ({
  campaign_id: campaign,
  buyer_id: buyer,
  bid_cents: dollars * 100,
  source_price_cents: dollars * 80,
  expires_at: 0,
});
const types =
  (map: Record<string, LeadType>) =>
  (campaignId: string): LeadType =>
    map[campaignId] ?? "either";
const ids = (bids: readonly Bid[]) => bids.map((b) => b.campaign_id);

describe("chooseSale", () => {
  test("one buyer allowed: exclusive, and shared-only campaigns are not in the running", () => {
    const choice = chooseSale([bid("a", 50), bid("s", 40), bid("b", 30)], 1, types({ s: "shared" }));
    assert.deepEqual(choice, { bids: [bid("a", 50), bid("b", 30)], sellTo: 1 });
  });

  test("shared when the group pays more than the best exclusive buyer; stand-ins follow the chosen ones", () => {
    const ordered = [bid("a", 50), bid("b", 30), bid("c", 25), bid("d", 20)];
    const choice = chooseSale(ordered, 3, types({}));
    assert.equal(choice.sellTo, 3);
    assert.deepEqual(ids(choice.bids), ["a", "b", "c", "d"]);
  });

  test("exclusive when one buyer outbids the whole group, and on a tie", () => {
    const ordered = [bid("x", 100), bid("s1", 30), bid("s2", 20)];
    const choice = chooseSale(ordered, 3, types({ x: "exclusive", s1: "shared", s2: "shared" }));
    assert.deepEqual(choice, { bids: [bid("x", 100)], sellTo: 1 });
    const tie = chooseSale([bid("x", 50), bid("s1", 30), bid("s2", 20)], 3, types({ x: "exclusive" }));
    assert.equal(tie.sellTo, 1);
  });

  test("a shared-only campaign buys only with at least one other buyer sharing", () => {
    const alone = chooseSale([bid("s", 40), bid("x", 30)], 3, types({ s: "shared", x: "exclusive" }));
    assert.deepEqual(alone, { bids: [bid("x", 30)], sellTo: 1 }, "nobody to share with: x buys exclusive");
    const paired = chooseSale([bid("s", 40), bid("t", 30)], 3, types({ s: "shared", t: "shared" }));
    assert.equal(paired.sellTo, 2);
  });

  test("a buyer is chosen once, through its best campaign; its other campaign stays a stand-in", () => {
    const ordered = [bid("a1", 50, "a"), bid("a2", 45, "a"), bid("b", 30), bid("c", 10)];
    const choice = chooseSale(ordered, 2, types({}));
    assert.equal(choice.sellTo, 2);
    assert.deepEqual(ids(choice.bids), ["a1", "b", "a2", "c"]);
  });
});

describe("sourcePriceOfSales", () => {
  const sales = [bid("a", 50), bid("b", 30)];
  test("revenue share and margins: each sale's share, summed", () => {
    assert.equal(sourcePriceOfSales(sales, { model: "revenue_share", percent: 80 }), 6400);
  });
  test("fixed: the fixed price once, however many buyers", () => {
    const fixed = [
      { ...bid("a", 50), source_price_cents: 1500 },
      { ...bid("b", 30), source_price_cents: 1500 },
    ];
    assert.equal(sourcePriceOfSales(fixed, { model: "fixed", amount: 15 }), 1500);
  });
  test("nothing sold: nothing paid", () => {
    assert.equal(sourcePriceOfSales([], { model: "revenue_share", percent: 80 }), 0);
  });
});
