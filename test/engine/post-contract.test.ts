// A post must match its ping (DESIGN rule 4): same ping_id, same source, not expired, posted once (a retry gets the
// first answer), and the non-PII fields equal what was pinged.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { ManualClock, receivers, requestsFor, sendPing, sendPost } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  OTHER_SOURCE_KEY,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

// A slow post answer, so that two posts of the same ping overlap.
const WINNER = bidder("winner", 30, { postLatencyMs: 150 });
const HOLD_S = 120;

const clock = new ManualClock();
let h: Harness;

before(async () => {
  h = await startHarness(
    [WINNER],
    (farm) => ({
      settings: { hold_s: HOLD_S },
      sources: [
        testSource(),
        testSource({ id: "src-other", name: "Other source", api_key_sha256: sha256Hex(OTHER_SOURCE_KEY) }),
      ],
      buyers: [{ id: "winner", name: "winner", status: "active" }],
      // New York leads get no eligible campaign, hence a no_bid ping.
      campaigns: [
        realtimeCampaign(farm, "winner", { filters: [{ field: "state", op: "neq", value: "NY" }] }),
      ],
    }),
    { now: clock.now },
  );
});
after(() => h?.close());
beforeEach(() => h.farm.setBehavior(WINNER));

async function bidPing(): Promise<string> {
  const ping = await sendPing(h);
  assert.equal(ping.body.status, "bid");
  return ping.body.ping_id;
}

async function postsReceived(pingId: string): Promise<string[]> {
  return receivers(await requestsFor(h, pingId), "post");
}

function assertError(reply: { status: number; body: unknown }, status: number, code: string, field?: string) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  const { error } = reply.body as { error: { code: string; message: string; field?: string } };
  assert.equal(error.code, code);
  assert.equal(typeof error.message, "string");
  if (field !== undefined) assert.equal(error.field, field);
}

describe(`[${BACKEND}] the post contract`, () => {
  test("a ping held past hold_s cannot be posted: 410 GAVEL_PING_EXPIRED, and the buyer never gets the lead", async () => {
    const pingId = await bidPing();
    clock.advance(HOLD_S * 1000 + 1000);
    assertError(await sendPost(h, pingId), 410, "GAVEL_PING_EXPIRED", "ping_id");
    assertError(await sendPost(h, pingId), 410, "GAVEL_PING_EXPIRED", "ping_id");
    assert.deepEqual(await postsReceived(pingId), []);
  });

  test("the buyer's expires_in_s bounds the ping: expired after 1 s", async () => {
    await h.farm.setBehavior({ ...WINNER, expiresInS: 1 });
    const askedAt = clock.now();
    const ping = await sendPing(h);
    const heldMs = Date.parse(ping.body.expires_at) - askedAt;
    assert.ok(heldMs >= 900 && heldMs <= 1500, `expires_at follows the bid's expiry: ${heldMs} ms`);
    clock.advance(1_200);
    assertError(await sendPost(h, ping.body.ping_id), 410, "GAVEL_PING_EXPIRED", "ping_id");
    assert.deepEqual(await postsReceived(ping.body.ping_id), []);
  });

  test("posting the same ping again returns the first answer, and the buyer receives the lead once", async () => {
    const pingId = await bidPing();
    const first = await sendPost(h, pingId);
    assert.equal(first.status, 200);
    assert.equal(first.body.status, "sold");
    const again = await sendPost(h, pingId);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body, "same lead_id, status and price");
    assert.deepEqual(await postsReceived(pingId), ["winner"]);
  });

  test("two concurrent posts of one ping get the same answer, and the buyer receives the lead once", async () => {
    const pingId = await bidPing();
    const replies = await Promise.all([sendPost(h, pingId), sendPost(h, pingId), sendPost(h, pingId)]);
    for (const reply of replies) {
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body, replies[0]!.body);
    }
    assert.equal(replies[0]!.body.status, "sold");
    assert.deepEqual(await postsReceived(pingId), ["winner"]);
  });

  test("a non-PII field that differs from the ping is a 422 naming the field; the ping stays postable", async () => {
    const pingId = await bidPing();
    const changed = personalInjuryLead({ injury_severity: 9 });
    assertError(
      await sendPost(h, pingId, { lead: changed }),
      422,
      "GAVEL_POST_MISMATCH",
      "lead.injury_severity",
    );

    const withoutCity = personalInjuryLead();
    delete (withoutCity.full as Record<string, unknown>).city;
    assertError(await sendPost(h, pingId, { lead: withoutCity }), 422, "GAVEL_POST_MISMATCH", "lead.city");
    assert.deepEqual(await postsReceived(pingId), [], "a mismatched post reaches no buyer");

    const good = await sendPost(h, pingId);
    assert.equal(good.body.status, "sold");
  });

  test("values that differ only in form (state case, phone format) match their ping", async () => {
    const pingId = await bidPing();
    const lead = personalInjuryLead({ state: "ca" });
    lead.full.phone = "+1 212.555.0147";
    const post = await sendPost(h, pingId, { lead });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.body.status, "sold");
  });

  test("a post without the consent proof the vertical requires is a 400; the ping stays postable", async () => {
    const pingId = await bidPing();
    const reply = await h.call("/v1/post", { ping_id: pingId, lead: personalInjuryLead().full });
    assertError(reply, 400, "GAVEL_VALIDATION", "consent");
    assert.equal((await sendPost(h, pingId)).body.status, "sold");
  });

  test("ping and lead ids are time-ordered UUIDv7s: a later ping's, and a later lead's, sort after the earlier ones", async () => {
    const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const pings = [await bidPing(), await bidPing()];
    const leads: string[] = [];
    for (const pingId of pings) {
      const post = await sendPost(h, pingId);
      assert.equal(post.status, 200, JSON.stringify(post.body));
      leads.push(post.body.lead_id);
    }
    for (const id of [...pings, ...leads]) assert.match(id, UUID_V7);
    assert.ok(
      pings[0]! < pings[1]! && pings[1]! < leads[0]! && leads[0]! < leads[1]!,
      [...pings, ...leads].join(" "),
    );
  });

  test("an unknown ping_id is a 404", async () => {
    const reply = await sendPost(h, "00000000-0000-4000-8000-000000000000");
    assertError(reply, 404, "GAVEL_PING_NOT_FOUND", "ping_id");
  });

  test("a ping owned by another source is a 404 for it, before and after its owner posts", async () => {
    const pingId = await bidPing();
    assertError(await sendPost(h, pingId, { key: OTHER_SOURCE_KEY }), 404, "GAVEL_PING_NOT_FOUND", "ping_id");
    assert.deepEqual(await postsReceived(pingId), []);
    const owner = await sendPost(h, pingId);
    assert.equal(owner.body.status, "sold");
    const stranger = await sendPost(h, pingId, { key: OTHER_SOURCE_KEY });
    assertError(stranger, 404, "GAVEL_PING_NOT_FOUND", "ping_id");
    assert.equal(
      JSON.stringify(stranger.body).includes(owner.body.lead_id),
      false,
      "the owner's lead_id is not leaked",
    );
  });

  test("posting a ping that got no bid is a 409", async () => {
    const ny = personalInjuryLead({ state: "NY", zip: "10001", city: "New York" });
    const ping = await sendPing(h, { lead: ny });
    assert.equal(ping.body.status, "no_bid");
    assertError(await sendPost(h, ping.body.ping_id, { lead: ny }), 409, "GAVEL_PING_NOT_BID", "ping_id");
  });

  test("another source posting a ping while its owner's post is in flight gets a 404, not the owner's answer", async () => {
    const pingId = await bidPing();
    const ownerPost = sendPost(h, pingId);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the owner's post is now waiting on the buyer
    const stranger = await sendPost(h, pingId, { key: OTHER_SOURCE_KEY });
    const owner = await ownerPost;
    assert.equal(owner.body.status, "sold");
    assertError(stranger, 404, "GAVEL_PING_NOT_FOUND", "ping_id");
    assert.equal(
      JSON.stringify(stranger.body).includes(owner.body.lead_id),
      false,
      "the owner's lead_id is not leaked",
    );
  });

  test("a retry after the hold has expired still gets the first answer", async () => {
    const pingId = await bidPing();
    const first = await sendPost(h, pingId);
    assert.equal(first.body.status, "sold");
    clock.advance(HOLD_S * 1000 + 1000);
    const again = await sendPost(h, pingId);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body, first.body);
  });

  test("an unsold answer is final too: a retry gets it again and the buyer is not asked twice", async () => {
    await h.farm.setBehavior({ ...WINNER, postAcceptRate: 0 });
    const pingId = await bidPing();
    const first = await sendPost(h, pingId);
    assert.equal(first.body.status, "unsold");
    assert.equal(first.body.reason, "post_rejected");
    await h.farm.setBehavior(WINNER);
    const again = await sendPost(h, pingId);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(await postsReceived(pingId), ["winner"]);
  });
});
