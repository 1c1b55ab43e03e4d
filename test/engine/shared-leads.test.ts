// Shared leads end to end, on both backends: a vertical that may sell a lead to up to N buyers sells it shared when
// the buyers willing to share pay more together than the best exclusive buyer; each chosen buyer gets the full lead
// at its own price, a failed one is replaced by a stand-in, and the source is paid per its model for each sale.
// A shared-only campaign never buys a lead sold to it alone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Vertical } from "../../src/domain/vertical.ts";
import { personalInjury } from "../../src/domain/verticals/personal-injury.ts";
import {
  leadWithTrace,
  lineOf,
  pingWithTrace,
  receivers,
  requestsFor,
  sendDirect,
  sendPing,
  sendPost,
} from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const sharedVertical = (id: string, maxBuyers: number): Vertical => ({
  ...personalInjury,
  id,
  name: `Personal injury, shared by up to ${maxBuyers}`,
  routing: { mode: "highest_bid", max_buyers: maxBuyers },
});

describe(`[${BACKEND}] shared leads`, () => {
  let h: Harness;
  const buyers = ["s1", "s2", "s3", "ex", "r1", "r2", "r3", "lonely", "solo"];

  before(async () => {
    h = await startHarness(
      [
        bidder("s1", 30),
        bidder("s2", 25),
        bidder("s3", 20),
        bidder("ex", 60),
        bidder("r1", 40, { postAcceptRate: 0 }),
        bidder("r2", 30),
        bidder("r3", 10),
        bidder("lonely", 90),
        bidder("solo", 15),
      ],
      (farm) => ({
        verticals: [sharedVertical("pi_shared", 3), sharedVertical("pi_fallback", 2)],
        sources: [testSource()],
        buyers: buyers.map((id) => ({ id, name: id, status: "active" as const })),
        campaigns: [
          realtimeCampaign(farm, "s1", { vertical: "pi_shared" }),
          realtimeCampaign(farm, "s2", { vertical: "pi_shared", lead_type: "shared" }),
          realtimeCampaign(farm, "s3", { vertical: "pi_shared" }),
          realtimeCampaign(farm, "ex", { vertical: "pi_shared", lead_type: "exclusive" }),
          realtimeCampaign(farm, "r1", { vertical: "pi_fallback" }),
          realtimeCampaign(farm, "r2", { vertical: "pi_fallback" }),
          realtimeCampaign(farm, "r3", { vertical: "pi_fallback" }),
          // On the exclusive personal_injury vertical: a shared-only campaign beside a plain one.
          realtimeCampaign(farm, "lonely", { lead_type: "shared" }),
          realtimeCampaign(farm, "solo"),
        ],
      }),
    );
  });
  after(() => h?.close());

  test("sold to three buyers who together outbid the exclusive one, each at its own price", async () => {
    const ping = await sendPing(h, { extra: { vertical: "pi_shared" } });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.equal(ping.body.price, 60, "80% of $30 + $25 + $20");
    const { trace } = await pingWithTrace(h, ping.body.ping_id);
    for (const campaign of ["s1", "s2", "s3"]) assert.equal(lineOf(trace, "ping", campaign).outcome, "won");
    assert.equal(lineOf(trace, "ping", "ex").outcome, "lost");
    assert.equal(lineOf(trace, "ping", "ex").detail, "buys exclusive leads only; this lead sold shared");

    const post = await sendPost(h, ping.body.ping_id);
    assert.equal(post.body.status, "sold", JSON.stringify(post.body));
    assert.equal(post.body.price, 60);
    const { lead } = await leadWithTrace(h, post.body.lead_id);
    const buyersOfLead = [lead.buyer_id, ...lead.shares.map((share: { buyer_id: string }) => share.buyer_id)];
    assert.deepEqual(buyersOfLead.sort(), ["s1", "s2", "s3"]);
    const prices = [
      lead.buyer_price,
      ...lead.shares.map((share: { buyer_price: number }) => share.buyer_price),
    ];
    assert.deepEqual(prices.sort(), [20, 25, 30]);
    // The full lead reached exactly the three buyers, once each; the exclusive buyer saw only the ping.
    assert.deepEqual(receivers(await requestsFor(h, ping.body.ping_id), "post"), ["s1", "s2", "s3"]);
  });

  test("a chosen buyer that rejects is replaced by a stand-in; the source is paid for the sales made", async () => {
    const direct = await sendDirect(h, { extra: { vertical: "pi_fallback" } });
    assert.equal(direct.body.status, "sold", JSON.stringify(direct.body));
    const { lead, trace } = await leadWithTrace(h, direct.body.lead_id);
    assert.equal(lineOf(trace, "post", "r1").outcome, "post_rejected");
    assert.equal(lineOf(trace, "post", "r2").outcome, "post_accepted");
    assert.equal(lineOf(trace, "post", "r3").outcome, "post_accepted", "the stand-in took r1's place");
    const buyersOfLead = [lead.buyer_id, ...lead.shares.map((share: { buyer_id: string }) => share.buyer_id)];
    assert.deepEqual(buyersOfLead.sort(), ["r2", "r3"]);
    assert.equal(direct.body.price, 32, "80% of r2's $30 and r3's $10");
  });

  test("a shared-only campaign is not pinged where the vertical sells exclusive", async () => {
    const ping = await sendPing(h);
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    const { trace } = await pingWithTrace(h, ping.body.ping_id);
    assert.equal(lineOf(trace, "ping", "lonely").outcome, "filtered");
    assert.equal(
      lineOf(trace, "ping", "lonely").detail,
      "buys shared leads only; this vertical sells exclusive",
    );
    assert.equal(lineOf(trace, "ping", "solo").outcome, "won");
    assert.deepEqual(receivers(await requestsFor(h, ping.body.ping_id), "ping"), ["solo"]);
  });

  test("bad sharing configuration is refused when saved", async () => {
    const vertical = await h.admin("PUT", "/v1/admin/verticals/pi_shared", {
      ...sharedVertical("pi_shared", 3),
      routing: { mode: "highest_bid", max_buyers: 11 },
    });
    assert.equal(vertical.status, 400, JSON.stringify(vertical.body));
    assert.match(vertical.body.error.field, /routing/);
    const campaign = await h.admin("PUT", "/v1/admin/campaigns/s1", {
      ...realtimeCampaign(h.farm, "s1", { vertical: "pi_shared" }),
      lead_type: "sometimes",
    });
    assert.equal(campaign.status, 400, JSON.stringify(campaign.body));
    assert.match(campaign.body.error.field, /lead_type/);
  });
});
