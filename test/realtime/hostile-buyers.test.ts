// Misbehaving buyers cost only themselves: one honest low bidder among buyers that hang, reset the connection,
// answer garbage, stream a huge body or fail with HTTP 500. The honest buyer wins every auction, each hostile buyer
// gets its own outcome in the trace, and the exchange stays healthy.
// Backend-independent: the hostile replies meet the buyer client, whatever holds the state; the Redis work inside a
// deadline is realtime/deadline's. So test:distributed runs deadline and ping-post, not this file.
// Real time: hangs, resets and a 10 MB stream are socket behaviour; what is asserted is that the buyer client gives up
// on a real socket at its timeout.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { BuyerFault } from "../../src/sim/buyer-behavior.ts";
import {
  leadWithTrace,
  lineOf,
  outcomesOf,
  pingWithTrace,
  receivers,
  requestsFor,
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

// Each hostile buyer would outbid the honest one five times over, if its answer counted.
const HOSTILE: Record<string, { fault: BuyerFault; outcome: string; code: number }> = {
  hangs: { fault: "hang", outcome: "timeout", code: 101 },
  resets: { fault: "reset", outcome: "unreachable", code: 103 },
  garbage: { fault: "garbage", outcome: "invalid_response", code: 102 },
  huge: { fault: "huge", outcome: "invalid_response", code: 102 },
  fails: { fault: "error500", outcome: "buyer_error", code: 104 },
};
const AUCTIONS = 6;
/** The hanging buyer's ping timeout (the harness's): giving up on a silent socket at its timeout is the point. */
const PING_TIMEOUT_MS = 300;
/**
 * Every other buyer's ping timeout, and a deadline that lets them use it: how fast they answer is not what this file
 * tests, what they answer is. At 300 ms, at load ~20, the honest buyer's 5 ms answer timed out in the first (cold)
 * auctions (no bid), and the failing buyer's 500 was a timeout rather than buyer_error.
 */
const PATIENT_TIMEOUT_MS = 2_000;

let h: Harness;
before(async () => {
  const behaviors = [
    bidder("honest", 10),
    ...Object.entries(HOSTILE).map(([name, { fault }]) => bidder(name, 50, { fault })),
  ];
  h = await startHarness(behaviors, (farm) => ({
    settings: { default_tmax_ms: PATIENT_TIMEOUT_MS + 500, max_tmax_ms: PATIENT_TIMEOUT_MS + 500 },
    sources: [testSource()],
    buyers: behaviors.map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
    campaigns: behaviors.map((b) =>
      realtimeCampaign(farm, b.name, {
        ping: {
          url: farm.buyers[b.name]!.ping,
          timeout_ms: b.fault === "hang" ? PING_TIMEOUT_MS : PATIENT_TIMEOUT_MS,
        },
      }),
    ),
  }));
});
after(() => h?.close());

describe(`[${BACKEND}] hostile buyers`, () => {
  test(`the honest buyer wins all ${AUCTIONS} auctions; each hostile buyer gets its own outcome`, async () => {
    const pings = await Promise.all(
      Array.from({ length: AUCTIONS }, async () => {
        const started = performance.now();
        const reply = await sendPing(h);
        return { reply, elapsedMs: performance.now() - started };
      }),
    );
    for (const { reply, elapsedMs } of pings) {
      assert.equal(reply.status, 200);
      assert.equal(reply.body.status, "bid");
      assert.equal(reply.body.price, 8, "80% of the honest $10 bid");
      const { trace } = await pingWithTrace(h, reply.body.ping_id);
      // The answer waits for the buyers that answer and for the hanging one's timeout, for nothing longer.
      const answeredMs = Math.max(
        ...["honest", "resets", "garbage", "huge", "fails"].map(
          (name) => lineOf(trace, "ping", name).latency_ms ?? 0,
        ),
      );
      assert.ok(
        elapsedMs < Math.max(PING_TIMEOUT_MS, answeredMs) + 700,
        `no hostile buyer held the answer: ${elapsedMs} ms (the last answer came after ${answeredMs} ms)`,
      );
      assert.deepEqual(outcomesOf(trace, "ping"), {
        honest: "won",
        ...Object.fromEntries(Object.entries(HOSTILE).map(([name, { outcome }]) => [name, outcome])),
      });
      for (const [name, { code }] of Object.entries(HOSTILE)) {
        const line = lineOf(trace, "ping", name);
        assert.equal(line.code, code, name);
        assert.equal(line.bid, undefined, `${name}'s answer is not a bid`);
        assert.equal(typeof line.latency_ms, "number", `${name} was asked`);
      }
      assert.equal(lineOf(trace, "ping", "huge").detail, "response too large");
      assert.match(lineOf(trace, "ping", "fails").detail ?? "", /500/);
      assert.ok((lineOf(trace, "ping", "hangs").latency_ms ?? 0) >= PING_TIMEOUT_MS - 10);
    }
  });

  test("the lead is posted to the honest buyer only and sold", async () => {
    const ping = await sendPing(h);
    const post = await sendPost(h, ping.body.ping_id);
    assert.equal(post.body.status, "sold");
    assert.equal(post.body.price, 8);
    const { lead } = await leadWithTrace(h, post.body.lead_id);
    assert.equal(lead.buyer_id, "honest");
    const requests = await requestsFor(h, ping.body.ping_id);
    assert.deepEqual(receivers(requests, "post"), ["honest"]);
    assert.deepEqual(receivers(requests, "ping"), ["fails", "garbage", "hangs", "honest", "huge", "resets"]);
  });

  test("the exchange stays healthy: health check, admin API, and the hostile buyers mended are back in the auction", async () => {
    const health = await fetch(`${h.gavel.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    assert.equal((await h.admin("GET", "/v1/admin/config")).status, 200);

    // Pooled connections to buyers that reset or streamed garbage must not poison the next auction.
    for (const name of Object.keys(HOSTILE)) await h.farm.setBehavior(bidder(name, 5));
    const ping = await sendPing(h);
    assert.equal(ping.body.status, "bid");
    const { trace } = await pingWithTrace(h, ping.body.ping_id);
    assert.deepEqual(outcomesOf(trace, "ping"), {
      honest: "won",
      hangs: "lost",
      resets: "lost",
      garbage: "lost",
      huge: "lost",
      fails: "lost",
    });
  });
});
