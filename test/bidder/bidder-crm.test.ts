// Each bought lead reaches the firm's CRM by a signed webhook, retried until the CRM takes it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import { HttpReceiver } from "../helpers/http-receiver.ts";
import { startTestBidder, type TestBidder, testBidderConfig, uniqueLead } from "./bidder-harness.ts";

const SECRET = "crm-webhook-secret-0123456789";
let crm: HttpReceiver;
let bidder: TestBidder;

describe("bidder-crm", () => {
  before(async () => {
    crm = new HttpReceiver({ secret: SECRET });
    await crm.start();
    const config = { ...testBidderConfig(), crm_webhook: { url: crm.url, secret: SECRET } };
    bidder = await startTestBidder(config, { crmFirstRetryMs: 50 });
  });
  after(async () => {
    await bidder?.stop();
    await crm?.stop();
  });

  test("a bought lead is delivered signed to the CRM, retried after failures, once accepted", async () => {
    crm.plan(500, 503); // the CRM fails twice, then takes it
    const { ping, full } = uniqueLead();
    const bid = await bidder.nativePing({ vertical: "personal_injury", lead: ping });
    const post = await bidder.nativePost({ bid_id: bid.body.bid_id, lead: full });
    assert.equal(post.body.accepted, true);
    await eventually(
      () => (crm.requests.some((r) => r.status === 200) ? true : undefined),
      "the CRM to accept the lead",
      10_000,
    );
    const attempts = crm.requests;
    assert.equal(attempts.length, 3);
    assert.ok(
      attempts.every((r) => r.signature?.ok),
      "every attempt carries a valid Gavel-Signature",
    );
    assert.equal(
      new Set(attempts.map((r) => r.headers["gavel-delivery"])).size,
      1,
      "one delivery id on every retry",
    );
    const body = JSON.parse(attempts[2]!.body);
    assert.equal(body.lead_id, post.body.buyer_lead_id);
    assert.equal(body.lead.email, full.email);
    const status = await bidder.admin("GET", "/v1/status");
    assert.deepEqual(status.body.crm_deliveries, { pending: 0, delivered: 1, givenUp: 0 });
  });
});
