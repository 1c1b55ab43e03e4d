// Bounded fallback (DESIGN rule 5): on a post reject, error or timeout the next bid gets the lead, while it has not
// expired, still covers the price quoted to the source, and the post deadline has not passed.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import type { BuyerBehavior } from "../../src/sim/buyer-behavior.ts";
import {
  leadWithTrace,
  lineOf,
  ManualClock,
  postAttempts,
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
  OTHER_SOURCE_KEY,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

// Bids 30 > 20 > 15. The main source is paid a fixed $10, which every bid covers, so a fallback can sell;
// the revenue-share source is quoted 80% of the top bid, which no lower bid covers.
const FIRST = bidder("first", 30);
const SECOND = bidder("second", 20);
const THIRD = bidder("third", 15);
const FIRST_POST_TIMEOUT_MS = 300;
const SHARE = { key: OTHER_SOURCE_KEY };

const clock = new ManualClock();
let h: Harness;

before(async () => {
  h = await startHarness(
    [FIRST, SECOND, THIRD],
    (farm) => ({
      sources: [
        testSource({ payout: { model: "fixed", amount: 10 } }),
        testSource({
          id: "src-share",
          payout: { model: "revenue_share", percent: 80 },
          api_key_sha256: sha256Hex(OTHER_SOURCE_KEY),
        }),
      ],
      buyers: ["first", "second", "third"].map((id) => ({ id, name: id, status: "active" as const })),
      campaigns: [
        realtimeCampaign(farm, "first", {
          post: { url: farm.buyers["first"]!.post, timeout_ms: FIRST_POST_TIMEOUT_MS },
        }),
        realtimeCampaign(farm, "second"),
        realtimeCampaign(farm, "third"),
      ],
    }),
    { now: clock.now },
  );
});
after(() => h?.close());

beforeEach(async () => {
  for (const behavior of [FIRST, SECOND, THIRD]) await h.farm.setBehavior(behavior);
  await h.admin("PUT", "/v1/admin/settings", { post_deadline_ms: 15_000 });
});

function firstBuyer(overrides: Partial<BuyerBehavior>): Promise<void> {
  return h.farm.setBehavior({ ...FIRST, ...overrides });
}

/** Pings, checks the quote, posts; returns the post's reply, the lead with its trace and what the buyers got. */
async function pingAndPost(expectedQuote: number, key?: string) {
  const ping = await sendPing(h, key === undefined ? {} : { key });
  assert.equal(ping.body.status, "bid");
  assert.equal(ping.body.price, expectedQuote);
  const post = await sendPost(h, ping.body.ping_id, key === undefined ? {} : { key });
  assert.equal(post.status, 200);
  const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
  const requests = await requestsFor(h, ping.body.ping_id);
  return { post: post.body, lead, trace, requests };
}

describe(`[${BACKEND}] post fallback`, () => {
  test("the winner rejects the post: the second bidder buys it and the source gets the quoted price", async () => {
    await firstBuyer({ postAcceptRate: 0 });
    const { post, lead, trace, requests } = await pingAndPost(10);
    assert.equal(post.status, "sold");
    assert.equal(post.price, 10, "the quoted price, not the second bid's");
    assert.equal(lead.buyer_id, "second");
    assert.equal(lead.buyer_price, 20, "the second buyer pays its own bid");
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_rejected"],
      ["second", "post_accepted"],
    ]);
    assert.equal(lineOf(trace, "post", "first").bid, 30);
    assert.equal(lineOf(trace, "post", "first").detail, "duplicate", "the buyer's reason is kept");
    assert.equal(lineOf(trace, "post", "second").bid, 20);
    assert.deepEqual(receivers(requests, "post"), ["first", "second"]);
    const secondPost = requests.find((r) => r.kind === "post" && r.buyer === "second")!;
    assert.equal(JSON.parse(secondPost.body).price, 20, "the fallback buyer is told its own bid");
  });

  test("the winner answers the post with HTTP 500: post_error, then the second bidder buys it", async () => {
    await firstBuyer({ postFault: "error500" });
    const { post, lead, trace } = await pingAndPost(10);
    assert.equal(post.status, "sold");
    assert.equal(post.price, 10);
    assert.equal(lead.buyer_id, "second");
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_error"],
      ["second", "post_accepted"],
    ]);
    assert.match(lineOf(trace, "post", "first").detail ?? "", /500/);
  });

  test("the winner resets the connection on the post: post_error, then the second bidder buys it", async () => {
    await firstBuyer({ postFault: "reset" });
    const { post, trace } = await pingAndPost(10);
    assert.equal(post.status, "sold");
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_error"],
      ["second", "post_accepted"],
    ]);
  });

  test("the winner hangs on the post: post_timeout at its post timeout, then the second bidder buys it", async () => {
    await firstBuyer({ postFault: "hang" });
    const started = performance.now();
    const { post, lead, trace } = await pingAndPost(10);
    assert.equal(post.status, "sold");
    assert.equal(lead.buyer_id, "second");
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_timeout"],
      ["second", "post_accepted"],
    ]);
    const waited = lineOf(trace, "post", "first").latency_ms ?? -1;
    assert.ok(waited >= FIRST_POST_TIMEOUT_MS - 10 && waited < FIRST_POST_TIMEOUT_MS + 250, `${waited} ms`);
    assert.ok(performance.now() - started < 3000, "the hang did not hold the post");
  });

  test("fallback stops when the next bid no longer covers the quoted price: unsold, nothing more is posted", async () => {
    await firstBuyer({ postAcceptRate: 0 });
    // 80% of $30 = $24 quoted; the second bid pays the source 80% of $20 = $16, the third $12.
    const { post, lead, trace, requests } = await pingAndPost(24, SHARE.key);
    assert.equal(post.status, "unsold");
    assert.equal(post.price, 0);
    assert.equal(post.reason, "not_covering");
    assert.equal(lead.buyer_id, undefined);
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_rejected"],
      ["second", "not_covering"],
      ["third", "not_covering"],
    ]);
    assert.equal(lineOf(trace, "post", "second").latency_ms, undefined, "the second buyer was not asked");
    assert.deepEqual(receivers(requests, "post"), ["first"], "the second buyer never received the lead");
  });

  test("an expired fallback bid is skipped for the next one that is still valid", async () => {
    await firstBuyer({ postAcceptRate: 0 });
    await h.farm.setBehavior({ ...SECOND, expiresInS: 1 });
    const ping = await sendPing(h);
    assert.equal(ping.body.status, "bid");
    clock.advance(1_500); // the second bid (1 s) has expired; the winning one (hold_s, 120 s) has not

    const post = await sendPost(h, ping.body.ping_id);
    assert.equal(post.status, 200);
    assert.equal(post.body.status, "sold");
    assert.equal(post.body.price, 10);
    const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lead.buyer_id, "third");
    assert.equal(lead.buyer_price, 15);
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_rejected"],
      ["second", "bid_expired"],
      ["third", "post_accepted"],
    ]);
    assert.deepEqual(receivers(await requestsFor(h, ping.body.ping_id), "post"), ["first", "third"]);
  });

  test("fallback stops at the post deadline: later bids are not tried", async () => {
    await h.admin("PUT", "/v1/admin/settings", { post_deadline_ms: 200 });
    await firstBuyer({ postFault: "hang" });
    const ping = await sendPing(h);
    const started = performance.now();
    const post = await sendPost(h, ping.body.ping_id);
    const elapsed = performance.now() - started;
    assert.equal(post.body.status, "unsold");
    assert.equal(post.body.reason, "post_deadline");
    assert.ok(elapsed < 200 + 300, `the post answered near its 200 ms deadline: ${elapsed} ms`);
    const { trace } = await leadWithTrace(h, post.body.lead_id);
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_timeout"],
      ["second", "post_deadline"],
      ["third", "post_deadline"],
    ]);
    assert.deepEqual(receivers(await requestsFor(h, ping.body.ping_id), "post"), ["first"]);
  });

  test("every buyer rejects: each is tried once, in rank order, and the lead is unsold", async () => {
    for (const behavior of [FIRST, SECOND, THIRD])
      await h.farm.setBehavior({ ...behavior, postAcceptRate: 0 });
    const { post, trace, requests } = await pingAndPost(10);
    assert.equal(post.status, "unsold");
    assert.equal(post.reason, "post_rejected");
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_rejected"],
      ["second", "post_rejected"],
      ["third", "post_rejected"],
    ]);
    assert.deepEqual(receivers(requests, "post"), ["first", "second", "third"]);
  });

  test("a direct post (nothing quoted in advance) falls back and pays the source the buying bid's share", async () => {
    await firstBuyer({ postAcceptRate: 0 });
    const direct = await sendDirect(h, SHARE);
    assert.equal(direct.body.status, "sold");
    assert.equal(direct.body.price, 16, "80% of the second bid of $20");
    const { lead, trace } = await leadWithTrace(h, direct.body.lead_id);
    assert.equal(lead.buyer_id, "second");
    assert.deepEqual(postAttempts(trace), [
      ["first", "post_rejected"],
      ["second", "post_accepted"],
    ]);
  });
});
