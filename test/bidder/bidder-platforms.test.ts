// Spec-written boberdoo and LeadsPedia senders ping and post the bidder and get answers in their own buyer-side shapes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  BOBERDOO_KEY,
  BOBERDOO_LEAD_TYPE,
  LEAD_PROSPER_CAMPAIGN,
  LEAD_PROSPER_KEY,
  LEADSPEDIA_CAMPAIGN,
  LEADSPEDIA_KEY,
  startTestBidder,
  type TestBidder,
  testBidderConfig,
} from "./bidder-harness.ts";
import { BoberdooSender, LeadProsperSender, LeadsPediaSender } from "./platform-senders.ts";

let bidder: TestBidder;
let boberdoo: BoberdooSender;
let leadspedia: LeadsPediaSender;

describe("bidder-platforms", () => {
  before(async () => {
    bidder = await startTestBidder(testBidderConfig());
    boberdoo = new BoberdooSender(`${bidder.url}/bid/bob/api.php`, BOBERDOO_KEY, BOBERDOO_LEAD_TYPE);
    leadspedia = new LeadsPediaSender(`${bidder.url}/bid/lp`, LEADSPEDIA_CAMPAIGN, LEADSPEDIA_KEY);
  });
  after(() => bidder?.stop());

  test("boberdoo: a Matched ping with lead_id and price in XML, then a Matched post echoing Lead_ID", async () => {
    const ping = await boberdoo.ping("publisher-a");
    assert.equal(ping.status, 200);
    assert.match(ping.contentType, /xml/);
    assert.equal(ping.body.response.status, "Matched", JSON.stringify(ping.body));
    assert.equal(ping.body.response.price, "250.00");
    assert.match(ping.body.response.lead_id, /^\d+$/, "boberdoo lead ids are numeric");
    const post = await boberdoo.post("publisher-a", ping.body.response.lead_id, {
      phone: "(415) 555-0101",
      email: "bob.one@example.com",
    });
    assert.equal(post.status, 200);
    assert.equal(post.body.response.status, "Matched", JSON.stringify(post.body));
    const report = await bidder.admin("GET", "/v1/reports?by=source");
    assert.deepEqual(
      report.body.rows.map((r: { key: string; leads: number }) => [r.key, r.leads]),
      [["publisher-a", 1]],
    );
  });

  test("boberdoo: Format=JSON answers {response: …}; a wrong Key and a missing field answer Error with HTTP 200", async () => {
    const json = await boberdoo.ping("publisher-a", { Format: "JSON" });
    assert.match(json.contentType, /json/);
    assert.equal(json.body.response.status, "Matched");
    const wrongKey = await new BoberdooSender(boberdoo.url, "not-the-key", BOBERDOO_LEAD_TYPE).ping("x");
    assert.equal(wrongKey.status, 200);
    assert.equal(wrongKey.body.response.status, "Error");
    assert.equal(wrongKey.body.response.code, "GAVEL_UNAUTHORIZED");
    const missing = await boberdoo.ping("publisher-a", { Zip: "" });
    assert.equal(missing.body.response.status, "Error");
    assert.equal(missing.body.response.field, "Zip");
  });

  test("boberdoo: a lead the campaign will not buy answers Unmatched with the reason", async () => {
    const restricted = await startTestBidder(
      testBidderConfig({ filters: { field: "state", op: "eq", value: "NY" } }),
    );
    try {
      const sender = new BoberdooSender(
        `${restricted.url}/bid/bob/api.php`,
        BOBERDOO_KEY,
        BOBERDOO_LEAD_TYPE,
      );
      const ping = await sender.ping("publisher-a");
      assert.equal(ping.body.response.status, "Unmatched");
      assert.match(ping.body.response.unmatched_reason, /^filtered: state/);
    } finally {
      await restricted.stop();
    }
  });

  test("LeadsPedia: ping.do answers success with ping_id and price; post.do with lp_ping_id answers success", async () => {
    const ping = await leadspedia.ping("aff-7");
    assert.equal(ping.status, 200);
    assert.equal(ping.body.result, "success", JSON.stringify(ping.body));
    assert.equal(ping.body.price, "250.00");
    const post = await leadspedia.post("aff-7", ping.body.ping_id, {
      phone: "(415) 555-0102",
      email: "lp.one@example.com",
    });
    assert.equal(post.body.result, "success", JSON.stringify(post.body));
    assert.equal(post.body.msg, "Lead Accepted");
    assert.ok(post.body.lead_id);
    const report = await bidder.admin("GET", "/v1/reports?by=sub_id");
    assert.ok(report.body.rows.some((r: { key: string }) => r.key === "aff-7"));
  });

  test("LeadsPedia: a post with an unknown lp_ping_id is failed with errors[].error", async () => {
    const post = await leadspedia.post("aff-7", "999", {
      phone: "(415) 555-0103",
      email: "lp.two@example.com",
    });
    assert.equal(post.body.result, "failed");
    assert.match(post.body.errors[0].error, /No Match/);
  });

  test("Lead Prosper: /ping answers ACCEPTED with ping_id and bids[].payout; /post with lp_ping_id answers ACCEPTED", async () => {
    const sender = new LeadProsperSender(`${bidder.url}/bid/lpx`, LEAD_PROSPER_CAMPAIGN, LEAD_PROSPER_KEY);
    const ping = await sender.ping("supplier-3");
    assert.equal(ping.status, 200);
    assert.equal(ping.body.status, "ACCEPTED", JSON.stringify(ping.body));
    assert.equal(ping.body.bids[0].payout, 250);
    const post = await sender.post("supplier-3", ping.body.ping_id, {
      phone: "(415) 555-0104",
      email: "lpx@example.com",
    });
    assert.equal(post.body.status, "ACCEPTED", JSON.stringify(post.body));
    assert.equal(post.body.payout, 250);
    const again = await sender.post("supplier-3", "12345", {
      phone: "(415) 555-0105",
      email: "lpx2@example.com",
    });
    assert.equal(again.body.status, "ERROR");
    const missing = await new LeadProsperSender(`${bidder.url}/bid/lpx`, LEAD_PROSPER_CAMPAIGN, "").ping("s");
    assert.deepEqual([missing.body.status, missing.body.code], ["ERROR", 1001]);
  });
});
