// Source postbacks through the outbox: each posted lead's outcome reaches the source once, without PII; failures are
// retried with backoff, give up into a dead letter, and a replay delivers it. Runs on both backends.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "../helpers/eventually.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { walkPages } from "../helpers/paging.ts";
import { PostbackReceiver } from "../helpers/postback-receiver.ts";

describe(`[${BACKEND}] source postbacks`, () => {
  const receiver = new PostbackReceiver();
  const lead = personalInjuryLead();
  let h: Harness;

  before(async () => {
    await receiver.start();
    h = await startHarness(
      [bidder("buyer", 30), bidder("refuser", 20, { postAcceptRate: 0 })],
      (farm) => ({
        sources: [testSource({ postback: { url: receiver.url, timeout_ms: 1000 } })],
        buyers: [
          { id: "buyer", name: "buyer", status: "active" },
          { id: "refuser", name: "refuser", status: "active" },
        ],
        campaigns: [realtimeCampaign(farm, "buyer"), realtimeCampaign(farm, "refuser", { status: "test" })],
      }),
      // Short retries so the whole retry ladder fits in a test.
      { outboxRetry: { maxAttempts: 3, firstRetryMs: 100 } },
    );
  });

  after(async () => {
    await h.close();
    await receiver.stop();
  });

  const outboxItem = async (leadId: string) => {
    const { body } = await h.admin("GET", "/v1/admin/outbox?limit=500");
    return (body.items as { body: { lead_id: string }; status: string; attempts: number; id: string }[]).find(
      (item) => item.body.lead_id === leadId,
    );
  };

  test("a sale is posted back once: event, ids, price, sub-id, and no personal data", async () => {
    const ping = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping, sub_id: "google" });
    const post = await h.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold");
    const postback = await eventually(
      async () => receiver.received.find((body) => body.lead_id === post.body.lead_id),
      "the postback",
    );
    assert.deepEqual(
      { ...postback, at: undefined },
      {
        event: "lead.sold",
        lead_id: post.body.lead_id,
        ping_id: ping.body.ping_id,
        vertical: "personal_injury",
        status: "sold",
        price: post.body.price,
        sub_id: "google",
        test: false,
        at: undefined,
      },
    );
    const text = JSON.stringify(receiver.received);
    for (const pii of ["Jordan", "Rivera", "2125550147", "example.com", "trustedform"]) {
      assert.ok(!text.includes(pii), `${pii} in a postback`);
    }
    const item = await eventually(async () => {
      const found = await outboxItem(post.body.lead_id);
      return found?.status === "done" ? found : undefined;
    }, "the outbox item to be done");
    assert.equal(item.attempts, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(
      receiver.received.filter((body) => body.lead_id === post.body.lead_id).length,
      1,
      "delivered once",
    );
  });

  test("an unsold lead is posted back with its reason", async () => {
    // Test leads reach the refusing test campaign, which outbids nobody; a paused buyer-less vertical is unsold.
    const direct = await h.call("/v1/leads", {
      vertical: "auto_insurance",
      lead: {
        zip: "10001",
        state: "NY",
        coverage_type: "standard",
        age_bracket: "25-34",
        currently_insured: true,
        vehicle_year: 2019,
        vehicle_make: "Honda",
        first_name: "Sam",
        last_name: "Lee",
        phone: "2125550199",
        email: "sam.lee@example.com",
        street_address: "1 Main St",
        date_of_birth: "1990-04-02",
      },
      consent: lead.consent,
    });
    assert.equal(direct.body.status, "unsold");
    const postback = await eventually(
      async () => receiver.received.find((body) => body.lead_id === direct.body.lead_id),
      "the unsold postback",
    );
    assert.equal(postback.event, "lead.unsold");
    assert.equal(postback.reason, direct.body.reason);
    assert.equal(postback.ping_id, undefined, "a direct post has no ping id");
  });

  test("a failing endpoint is retried with backoff until it answers", async () => {
    receiver.plan(500, 503);
    const direct = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(direct.body.status, "sold");
    const item = await eventually(async () => {
      const found = await outboxItem(direct.body.lead_id);
      return found?.status === "done" ? found : undefined;
    }, "delivery after two failures");
    assert.equal(item.attempts, 3);
    assert.equal(receiver.received.filter((body) => body.lead_id === direct.body.lead_id).length, 3);
  });

  test("after the last attempt it is a dead letter; a replay delivers it", async () => {
    receiver.plan(500, 500, 500);
    const direct = await h.call("/v1/leads", {
      vertical: "personal_injury",
      lead: lead.full,
      consent: lead.consent,
    });
    const dead = await eventually(async () => {
      const { body } = await h.admin("GET", "/v1/admin/outbox?status=dead");
      return (body.items as { id: string; body: { lead_id: string }; last_error: string }[]).find(
        (item) => item.body.lead_id === direct.body.lead_id,
      );
    }, "the dead letter");
    assert.equal(dead.last_error, "HTTP 500");

    const replay = await h.admin("POST", `/v1/admin/outbox/${dead.id}/replay`);
    assert.equal(replay.status, 200);
    const item = await eventually(async () => {
      const found = await outboxItem(direct.body.lead_id);
      return found?.status === "done" ? found : undefined;
    }, "delivery after the replay");
    assert.equal(item.attempts, 1, "a replay starts the attempts again");
    assert.equal(receiver.received.filter((body) => body.lead_id === direct.body.lead_id).length, 4);
    assert.equal((await h.admin("POST", "/v1/admin/outbox/no-such-item/replay")).status, 404);
  });

  test("the outbox list pages newest first through next_before, every item once", async () => {
    const { body: all } = await h.admin("GET", "/v1/admin/outbox?limit=500");
    assert.ok(all.items.length >= 4, `several items by now: ${all.items.length}`);
    assert.equal(all.next_before, undefined, "a short page is the last");
    const walked = await walkPages(h, "/v1/admin/outbox", "items", 2);
    assert.deepEqual(
      walked,
      all.items.map((item: { id: string }) => item.id),
    );
    const unknown = await h.admin("GET", "/v1/admin/outbox?before=no-such-item");
    assert.deepEqual(unknown.body.items, [], "an unknown cursor is an empty page");
  });
});
