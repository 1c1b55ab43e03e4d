// Budgets never overshoot under concurrent pings: each round sends 50 pings at once over real HTTP, then posts every
// bid at once while 50 more pings race the posts. A new day each round (injectable clock), 20 rounds.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../helpers/engine-steps.ts";
import { startTestBidder, type TestBidder, testBidderConfig, uniqueLead } from "./bidder-harness.ts";

const ROUNDS = 20;
const CONCURRENT = 50;
const PRICE = 250;
const DAY_BUDGET = 1000; // four leads at $250
const DAY_LEADS = 3; // ... but only three leads a day
const DAY_MS = 86_400_000;

let bidder: TestBidder;
const clock = new ManualClock();

describe("bidder-budget", () => {
  before(async () => {
    bidder = await startTestBidder(
      testBidderConfig({
        // Conversions are never recorded here: keep bidding on the assumed rate.
        assumed_rate_weight: 100_000,
        price_rules: [{ name: "all", when: { field: "injury_severity", op: "gte", value: 1 }, price: PRICE }],
        budgets: [
          { period: "day", spend: DAY_BUDGET, leads: DAY_LEADS },
          { period: "week", spend: 100_000 },
        ],
      }),
      { now: clock.now },
    );
  });
  after(() => bidder?.stop());

  test(`${CONCURRENT} concurrent pings never overspend a day's budget or lead cap (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      clock.advance(DAY_MS);
      const leads = Array.from({ length: CONCURRENT }, () => uniqueLead());
      const answers = await Promise.all(
        leads.map((lead) => bidder.nativePing({ vertical: "personal_injury", lead: lead.ping })),
      );
      const bids = answers.flatMap((a, index) =>
        a.body.bid ? [{ bidId: a.body.bid_id, lead: leads[index]! }] : [],
      );
      // Held bids count: never more bids out than the budget can pay for.
      assert.equal(
        bids.length,
        DAY_LEADS,
        `round ${round}: ${bids.length} bids held; ${JSON.stringify(answers.slice(0, 2).map((a) => a.body))}`,
      );
      for (const answer of answers) assert.equal(answer.status, 200);
      const late = Array.from({ length: CONCURRENT }, () => uniqueLead());
      const [posts, latePings] = await Promise.all([
        Promise.all(bids.map((b) => bidder.nativePost({ bid_id: b.bidId, price: PRICE, lead: b.lead.full }))),
        Promise.all(late.map((lead) => bidder.nativePing({ vertical: "personal_injury", lead: lead.ping }))),
      ]);
      assert.ok(
        posts.every((p) => p.body.accepted === true),
        `round ${round}: ${JSON.stringify(posts)}`,
      );
      assert.equal(latePings.filter((a) => a.body.bid).length, 0, `round ${round}: bid past the cap`);
      const status = await bidder.admin("GET", "/v1/status");
      const day = status.body.campaigns[0].budgets.find((b: { period: string }) => b.period === "day");
      assert.ok(day.spent <= DAY_BUDGET, `round ${round}: spent ${day.spent}`);
      assert.equal(day.leads, DAY_LEADS);
      assert.equal(status.body.won, DAY_LEADS);
    }
  });

  test("a bid that is never posted frees its budget when it expires; a post after expiry is refused", async () => {
    clock.advance(DAY_MS);
    const leads = Array.from({ length: DAY_LEADS }, () => uniqueLead());
    const bids = await Promise.all(
      leads.map((lead) => bidder.nativePing({ vertical: "personal_injury", lead: lead.ping })),
    );
    assert.ok(bids.every((b) => b.body.bid));
    const blocked = await bidder.nativePing({ vertical: "personal_injury", lead: uniqueLead().ping });
    assert.deepEqual(blocked.body, { bid: false, reason: "day lead cap reached" });
    clock.advance(61_000); // past the 60 s bid lifetime
    const late = await bidder.nativePost({ bid_id: bids[0]!.body.bid_id, lead: leads[0]!.full });
    assert.equal(late.body.accepted, false);
    const again = await bidder.nativePing({ vertical: "personal_injury", lead: uniqueLead().ping });
    assert.equal(again.body.bid, true);
  });
});
