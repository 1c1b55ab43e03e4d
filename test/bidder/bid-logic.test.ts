// The bid logic as a buyer reads it: the first matching price rule, a ceiling from the cost-per-case target and the
// conversion rate, filters and schedules in the exchange's rule language, and the 1.5× value discipline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { conversionRate, decideCampaign, maxBidCents } from "../../src/bidder/bid-logic.ts";
import { type BidderConfigProblem, checkBidderConfig } from "../../src/bidder/bidder-config.ts";
import { testBidderConfig } from "./bidder-harness.ts";

const MONDAY_NOON_NY = Date.parse("2026-12-07T17:00:00Z");
const SUNDAY_NOON_NY = Date.parse("2026-12-06T17:00:00Z");
const lead = (overrides: Record<string, unknown> = {}) => ({
  injury_type: "fracture",
  injury_severity: 8,
  zip: "90210",
  state: "CA",
  crash_type: "rear_end",
  liability: "clear",
  insured: true,
  days_since_accident: 12,
  consent_verified: true,
  ...overrides,
});
const input = (overrides: Record<string, unknown> = {}, now = MONDAY_NOON_NY) => ({
  lead: lead(overrides),
  now,
  timeZone: "America/New_York",
});

test("the first matching price rule sets the price and names the segment; otherwise the default", () => {
  const [campaign] = testBidderConfig().campaigns;
  assert.deepEqual(decideCampaign(campaign!, input(), undefined), {
    bid: true,
    campaignId: "pi",
    segment: "severe",
    priceCents: 25_000,
    maxBidCents: 30_000,
  });
  const minor = decideCampaign(campaign!, input({ injury_severity: 2 }), undefined);
  assert.equal(minor.bid && minor.segment, "minor");
  const middle = decideCampaign(campaign!, input({ injury_severity: 5 }), undefined);
  assert.equal(middle.bid && middle.priceCents, 15_000);
});

test("the maximum bid is the cost-per-case target × the conversion rate, and caps every price", () => {
  const [campaign] = testBidderConfig({ cost_per_case_target: 2000, conversion_rate: 0.1 }).campaigns;
  assert.equal(maxBidCents(campaign!, undefined), 20_000); // $2,000 a case at 10% → $200 a lead
  const capped = decideCampaign(campaign!, input(), undefined);
  assert.equal(capped.bid && capped.priceCents, 20_000, "the $250 rule is capped at $200");
  // Observed outcomes pull the rate: 100 bought, 30 signed, the assumed 10% weighing 50 leads → 35/150.
  assert.equal(conversionRate(campaign!, { bought: 100, signed: 30 }), 35 / 150);
  assert.equal(maxBidCents(campaign!, { bought: 100, signed: 30 }), Math.floor(200_000 * (35 / 150)));
});

test("filters and schedules use the exchange's rule language and hours", () => {
  const [campaign] = testBidderConfig({
    filters: {
      all: [
        { field: "state", op: "in", value: ["CA", "NV"] },
        { field: "liability", op: "neq", value: "disputed" },
      ],
    },
    schedule: { time_zone: "America/New_York", weekly: { mon: [["09:00", "17:00"]] } },
  }).campaigns;
  assert.equal(decideCampaign(campaign!, input(), undefined).bid, true);
  const filtered = decideCampaign(campaign!, input({ liability: "disputed" }), undefined);
  assert.ok(!filtered.bid && filtered.reason.startsWith("filtered: liability"));
  const closed = decideCampaign(campaign!, input({}, SUNDAY_NOON_NY), undefined);
  assert.ok(!closed.bid && closed.reason.startsWith("closed on sun"));
});

test("the configuration refuses a case value under 1.5× the target, and a rule on a field the vertical lacks", () => {
  const config = testBidderConfig();
  const tooCheap = structuredClone(config);
  tooCheap.campaigns[0]!.case_value = 4000; // a $3,000 target needs a case worth at least $4,500
  assert.throws(
    () => checkBidderConfig(tooCheap),
    (error: BidderConfigProblem) => {
      assert.equal(error.path, "/campaigns/0/cost_per_case_target");
      return true;
    },
  );
  const badRule = structuredClone(config);
  badRule.campaigns[0]!.price_rules[0]!.when = { field: "shoe_size", op: "gte", value: 7 };
  assert.throws(() => checkBidderConfig(badRule), /shoe_size/);
});
