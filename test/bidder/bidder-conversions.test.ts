// Conversions recorded by the firm (contacted, signed, value) turn into cost per lead, cost per signed case,
// conversion and ROI by source, and a suggested bid per segment beside the current price (never applied by itself).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BOBERDOO_KEY,
  BOBERDOO_LEAD_TYPE,
  startTestBidder,
  type TestBidder,
  testBidderConfig,
} from "./bidder-harness.ts";
import { BoberdooSender } from "./platform-senders.ts";

let bidder: TestBidder;
let boberdoo: BoberdooSender;
let consumer = 0;

describe("bidder-conversions", () => {
  before(async () => {
    bidder = await startTestBidder(testBidderConfig({ conversion_rate: 0.5, assumed_rate_weight: 4 }));
    boberdoo = new BoberdooSender(`${bidder.url}/bid/bob/api.php`, BOBERDOO_KEY, BOBERDOO_LEAD_TYPE);
  });
  after(() => bidder?.stop());

  /** Buys one "severe" lead ($250) from the boberdoo source `src`; returns the bidder's lead id. */
  async function buy(src: string): Promise<string> {
    consumer += 1;
    const ping = await boberdoo.ping(src);
    assert.equal(ping.body.response.status, "Matched", JSON.stringify(ping.body));
    const post = await boberdoo.post(src, ping.body.response.lead_id, {
      phone: `(646) 555-${String(consumer).padStart(4, "0")}`,
      email: `conv${consumer}@example.com`,
    });
    assert.equal(post.body.response.status, "Matched", JSON.stringify(post.body));
    return post.body.response.lead_id;
  }

  test("cost per signed case by source after conversions are recorded", async () => {
    const fromA = [await buy("pub-a"), await buy("pub-a"), await buy("pub-a"), await buy("pub-a")];
    const fromB = [await buy("pub-b"), await buy("pub-b")];
    for (const id of fromA)
      assert.equal(
        (await bidder.admin("POST", "/v1/conversions", { lead_id: id, contacted: true })).status,
        200,
      );
    await bidder.admin("POST", "/v1/conversions", { lead_id: fromA[0], signed: true, value: 6000 });
    await bidder.admin("POST", "/v1/conversions", { lead_id: fromA[1], signed: true, value: 4000 });
    await bidder.admin("POST", "/v1/conversions", { lead_id: fromB[0], contacted: true });

    const report = await bidder.admin("GET", "/v1/reports?by=source");
    assert.equal(report.status, 200);
    const a = report.body.rows.find((r: { key: string }) => r.key === "pub-a");
    const b = report.body.rows.find((r: { key: string }) => r.key === "pub-b");
    assert.deepEqual(
      {
        leads: a.leads,
        spend: a.spend,
        cpl: a.cost_per_lead,
        cpsc: a.cost_per_signed_case,
        conv: a.conversion_rate,
        roi: a.roi,
      },
      { leads: 4, spend: 1000, cpl: 250, cpsc: 500, conv: 0.5, roi: 9 },
    );
    assert.deepEqual(
      { leads: b.leads, contacted: b.contacted, signed: b.signed, cpsc: b.cost_per_signed_case },
      { leads: 2, contacted: 1, signed: 0, cpsc: null },
    );
    // 6 "severe" leads, 2 signed, with the assumed 50% weighing 4 leads: (2 + 2) ÷ 10 = 40%; $3,000 × 40% = $1,200,
    // shown beside today's $250 and not applied.
    const severe = report.body.suggestions.find((s: { segment: string }) => s.segment === "severe");
    assert.equal(severe.current_price, 250);
    assert.equal(severe.suggested_price, 1200);
    assert.equal(severe.observed_conversion_rate, 0.3333);
    assert.equal(severe.leads, 6);
    const next = await boberdoo.ping("pub-a");
    assert.equal(next.body.response.price, "250.00", "a suggestion never changes the price by itself");
  });

  test("conversions: an unknown lead is 404, a bad value 400, no key 401", async () => {
    assert.equal(
      (await bidder.admin("POST", "/v1/conversions", { lead_id: "nope", signed: true })).status,
      404,
    );
    const bad = await bidder.admin("POST", "/v1/conversions", { lead_id: "x", value: -5 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "value");
    const anonymous = await fetch(`${bidder.url}/v1/reports`);
    assert.equal(anonymous.status, 401);
  });
});
