// PX pings and posts the bidder: a sender written from PX's public material (test/bidder/platform-senders.ts), in JSON
// and XML, and a real Gavel exchange whose PX preset (what the exchange itself sends to PX) points at the bidder.
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
import { PX_KEY, PX_VERTICAL, startTestBidder, type TestBidder, testBidderConfig } from "./bidder-harness.ts";
import { PxSender } from "./platform-senders.ts";

let bidder: TestBidder;
let px: PxSender;

describe("bidder-px", () => {
  before(async () => {
    bidder = await startTestBidder(testBidderConfig());
    px = new PxSender(`${bidder.url}/bid/px`, PX_KEY, PX_VERTICAL);
  });
  after(() => bidder?.stop());

  test("PX: a ping answers Success with Payout and a TransactionId; the post naming it is bought", async () => {
    const ping = await px.ping("Search");
    assert.equal(ping.status, 200);
    assert.match(ping.contentType, /json/);
    assert.equal(ping.body.Success, true, JSON.stringify(ping.body));
    assert.equal(ping.body.Payout, 250);
    assert.equal(ping.body.Message, null);
    assert.match(ping.body.TransactionId, /^\d+$/);
    const post = await px.post("Search", ping.body.TransactionId, {
      phone: "(415) 555-0201",
      email: "px.one@example.com",
    });
    assert.equal(post.body.Success, true, JSON.stringify(post.body));
    assert.equal(post.body.Payout, 250);
    assert.equal(post.body.TransactionId, ping.body.TransactionId);
    assert.ok(post.body.LeadId, "the Response ID (Lead ID) PX's Step 3 maps");
    const bySource = await bidder.admin("GET", "/v1/reports?by=source");
    assert.ok(
      bySource.body.rows.some((r: { key: string; leads: number }) => r.key === "Search" && r.leads === 1),
      JSON.stringify(bySource.body.rows),
    );
    const bySub = await bidder.admin("GET", "/v1/reports?by=sub_id");
    assert.ok(bySub.body.rows.some((r: { key: string }) => r.key === "FB1"));

    const again = await px.post("Search", "4711", { phone: "(415) 555-0202", email: "px.two@example.com" });
    assert.deepEqual(
      [again.body.Success, again.body.Message, again.body.TransactionId],
      [false, "Unable to monetize", "4711"],
    );
    assert.match(again.body.Errors[0], /no such bid/);
  });

  test("PX: an XML lead document is answered with PX's <Result> in XML", async () => {
    const ping = await px.pingXml("Search");
    assert.equal(ping.status, 200);
    assert.match(ping.contentType, /xml/);
    assert.equal(ping.body.Result.Success, "true", JSON.stringify(ping.body));
    assert.equal(ping.body.Result.Payout, "250.00");
    assert.match(ping.body.Result.TransactionId, /^\d+$/);
  });

  test("PX: a wrong ApiToken and a missing ZipCode are BadRequest, naming PX's field; HTTP 200", async () => {
    const wrong = await new PxSender(`${bidder.url}/bid/px`, "not-the-token", PX_VERTICAL).ping("Search");
    assert.equal(wrong.status, 200);
    assert.deepEqual(
      [wrong.body.Success, wrong.body.Message, wrong.body.Code],
      [false, "BadRequest", "GAVEL_UNAUTHORIZED"],
    );
    const missing = await px.ping("Search", { ZipCode: "" });
    assert.equal(missing.body.Message, "BadRequest", JSON.stringify(missing.body));
    assert.match(missing.body.Errors[0], /^ZipCode: /);
    const unknown = await new PxSender(`${bidder.url}/bid/px`, PX_KEY, "Solar").ping("Search");
    assert.equal(unknown.body.Code, "GAVEL_UNKNOWN_VERTICAL");
    assert.match(unknown.body.Errors[0], /^Vertical: /);
  });

  test("PX: a consumer already bought is refused on the post as Duplicate", async () => {
    const contact = { phone: "(415) 555-0203", email: "px.dup@example.com" };
    const first = await px.ping("Search");
    assert.equal((await px.post("Search", first.body.TransactionId, contact)).body.Success, true);
    const second = await px.ping("Search");
    const refused = await px.post("Search", second.body.TransactionId, contact);
    assert.deepEqual([refused.body.Success, refused.body.Message], [false, "Duplicate"]);
  });

  test("a Gavel exchange's PX preset pointed at the bidder: pinged, won, posted, bought", async () => {
    // The preset is what the exchange sends to PX itself: the nearest public description of a PX request we have.
    const exchange: Harness = await startHarness(
      [farmBuyer("unused", 1)],
      (farm) => ({
        sources: [testSource()],
        buyers: [{ id: "firm", name: "The firm's own bidder, reached as PX", status: "active" }],
        campaigns: [
          {
            ...realtimeCampaign(farm, "unused"),
            id: "firm-px",
            buyer_id: "firm",
            ping: { url: `${bidder.url}/bid/px/ping`, timeout_ms: 500 },
            post: { url: `${bidder.url}/bid/px/post`, timeout_ms: 1000 },
            integration: {
              type: "preset",
              preset: "px",
              params: {
                api_token: PX_KEY,
                vertical: PX_VERTICAL,
                source: "GavelExchange",
                original_url: "https://accident-help.example.com/",
                tcpa_text: "By clicking Submit I agree to be contacted by a law firm.",
              },
            },
          },
        ],
      }),
      // The farm's one buyer is in no campaign: it needs no process of its own.
      { farm: "in-process" },
    );
    try {
      const lead = personalInjuryLead({ injury_severity: 8 });
      lead.full.email = "px.preset@example.com";
      lead.full.phone = "(415) 555-0204";
      const ping = await exchange.call("/v1/ping", {
        vertical: "personal_injury",
        lead: lead.ping,
        context: { ip_address: "203.0.113.10", user_agent: "Mozilla/5.0" },
      });
      assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
      const post = await exchange.call("/v1/post", {
        ping_id: ping.body.ping_id,
        lead: lead.full,
        consent: lead.consent,
      });
      assert.equal(post.body.status, "sold", JSON.stringify(post.body));
      const report = await bidder.admin("GET", "/v1/reports?by=source");
      assert.ok(
        report.body.rows.some((r: { key: string }) => r.key === "GavelExchange"),
        JSON.stringify(report.body.rows),
      );
    } finally {
      await exchange.close();
    }
  });
});
