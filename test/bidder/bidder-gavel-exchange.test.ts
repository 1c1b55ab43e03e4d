// A real Gavel exchange with a realtime campaign whose ping and post URLs point at the bidder: the exchange pings
// over HTTP in the native buyer protocol, the bidder bids, wins, takes the post and stores the lead it bought.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  bidder as farmBuyer,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { NATIVE_KEY, startTestBidder, type TestBidder, testBidderConfig } from "./bidder-harness.ts";

let bidder: TestBidder;
let exchange: Harness;

describe("bidder-gavel-exchange", () => {
  before(async () => {
    bidder = await startTestBidder(testBidderConfig());
    // The farm needs one simulated buyer to start; no campaign of this exchange uses it.
    // Generous deadlines: this file is about the protocol, not timing, and runs beside other files (a cold first ping
    // to a just-started bidder took over 300 ms on a loaded machine).
    exchange = await startHarness(
      [farmBuyer("unused", 1)],
      (farm) => ({
        settings: { max_tmax_ms: 5000, default_tmax_ms: 4000 },
        sources: [testSource()],
        buyers: [{ id: "firm", name: "The firm's own bidder", status: "active" }],
        campaigns: [
          {
            ...realtimeCampaign(farm, "unused"),
            id: "firm",
            buyer_id: "firm",
            // A Gavel campaign's endpoint is a URL only: the exchange's key rides in the query.
            ping: { url: `${bidder.url}/bid/gavel/ping?key=${NATIVE_KEY}`, timeout_ms: 3000 },
            post: { url: `${bidder.url}/bid/gavel/post?key=${NATIVE_KEY}`, timeout_ms: 3000 },
          },
        ],
      }),
      // The farm's one buyer is in no campaign: it needs no process of its own.
      { farm: "in-process" },
    );
  });
  after(async () => {
    await exchange?.close();
    await bidder?.stop();
  });

  test("the bidder wins a Gavel exchange's auction and stores the lead it bought", async () => {
    const lead = personalInjuryLead({ injury_severity: 8 });
    const ping = await exchange.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
    // The source is paid its 80% revenue share of the bidder's $250 ("severe" segment).
    assert.equal(ping.body.price, 200);
    const post = await exchange.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.body.status, "sold", JSON.stringify(post.body));
    const report = await bidder.admin("GET", "/v1/reports?by=exchange");
    assert.deepEqual(
      report.body.rows.map((r: { key: string; leads: number; spend: number }) => [r.key, r.leads, r.spend]),
      [["gavel", 1, 250]],
    );
    const status = await bidder.admin("GET", "/v1/status");
    assert.equal(status.body.won, 1);
    assert.equal(status.body.bids, 1);
  });

  test("a lead the bidder's filters refuse gets no bid, naming the rule that failed", async () => {
    const lead = personalInjuryLead({ injury_severity: 5 });
    const restricted = await startTestBidder(
      testBidderConfig({ filters: { field: "state", op: "eq", value: "NY" } }),
    );
    try {
      const answer = await restricted.nativePing({
        vertical: "personal_injury",
        lead: lead.ping,
        tmax_ms: 300,
      });
      assert.equal(answer.body.bid, false);
      assert.match(answer.body.reason, /^filtered: state/);
    } finally {
      await restricted.stop();
    }
  });
});
