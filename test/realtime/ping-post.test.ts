// The happy lifecycle over real HTTP: ping → bid → post → sold, the direct post, and auctions nobody wins.
// Real time: the no-bid answer must come soon after the buyers' 200 ms timeout on real sockets; the rest of the
// lifecycle runs in process as scenarios.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  leadWithTrace,
  lineOf,
  outcomesOf,
  pingWithTrace,
  receivers,
  requestsFor,
  sendDirect,
  sendPing,
  sendPost,
  VERTICAL,
} from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  HARNESS_PING_TIMEOUT_MS,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] ping and post`, () => {
  describe("an auction with bidders, decliners, a paused and a filtered campaign", () => {
    let h: Harness;
    const buyers = [
      bidder("top", 30),
      bidder("second", 20),
      bidder("decliner", 0, { bidRate: 0 }),
      bidder("silent", 0, { bidRate: 0, noBidAs204: true }),
      // Both would outbid everyone if they were asked.
      bidder("paused", 90),
      bidder("ny-only", 80),
    ];

    before(async () => {
      h = await startHarness(buyers, (farm) => ({
        sources: [testSource({ payout: { model: "revenue_share", percent: 80 } })],
        buyers: buyers.map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
        campaigns: [
          realtimeCampaign(farm, "top"),
          realtimeCampaign(farm, "second"),
          realtimeCampaign(farm, "decliner"),
          realtimeCampaign(farm, "silent"),
          realtimeCampaign(farm, "paused", { status: "paused" }),
          realtimeCampaign(farm, "ny-only", { filters: [{ field: "state", op: "eq", value: "NY" }] }),
        ],
      }));
    });
    after(() => h?.close());

    test("ping → bid at the source's share of the top bid → post → sold to the top bidder", async () => {
      const started = Date.now();
      const ping = await sendPing(h);
      assert.equal(ping.status, 200);
      assert.equal(ping.body.status, "bid");
      assert.equal(ping.body.price, 24, "80% of the top bid of $30");
      assert.equal(ping.body.reason, undefined);
      const holdMs = Date.parse(ping.body.expires_at) - started;
      assert.ok(
        holdMs > 110_000 && holdMs <= 121_000,
        `held for hold_s (120 s) when the buyer says nothing: ${holdMs}`,
      );

      const post = await sendPost(h, ping.body.ping_id);
      assert.equal(post.status, 200);
      assert.equal(post.body.status, "sold");
      assert.equal(post.body.price, 24, "the source is paid the price it was quoted");
      assert.equal(typeof post.body.lead_id, "string");

      const { lead, trace } = await leadWithTrace(h, post.body.lead_id);
      assert.equal(lead.auction_id, ping.body.ping_id);
      assert.equal(lead.buyer_id, "top");
      assert.equal(lead.buyer_price, 30);
      assert.equal(lead.price, 24);
      assert.equal(lead.status, "sold");

      const won = lineOf(trace, "ping", "top");
      assert.equal(won.outcome, "won");
      assert.equal(won.bid, 30);
      assert.ok(
        typeof won.latency_ms === "number" && won.latency_ms >= 0 && won.latency_ms < HARNESS_PING_TIMEOUT_MS,
        `the winner answered within its timeout: ${won.latency_ms} ms`,
      );
      const lost = lineOf(trace, "ping", "second");
      assert.equal(lost.outcome, "lost");
      assert.equal(lost.bid, 20);
      assert.equal(typeof lost.latency_ms, "number");
      const accepted = lineOf(trace, "post", "top");
      assert.equal(accepted.outcome, "post_accepted");
      assert.equal(accepted.bid, 30);
      assert.equal(typeof accepted.latency_ms, "number");
      assert.equal(trace.filter((l) => l.phase === "post").length, 1, "no fallback was needed");
    });

    test("every campaign of the vertical gets an outcome; paused and filtered ones are never pinged", async () => {
      const ping = await sendPing(h);
      const { trace } = await pingWithTrace(h, ping.body.ping_id);
      assert.deepEqual(outcomesOf(trace, "ping"), {
        top: "won",
        second: "lost",
        decliner: "no_bid",
        silent: "no_bid",
        paused: "inactive",
        "ny-only": "filtered",
      });
      assert.equal(
        lineOf(trace, "ping", "decliner").detail,
        "not_interested",
        "the buyer's own reason is kept",
      );
      assert.equal(lineOf(trace, "ping", "paused").detail, "campaign paused");
      assert.match(lineOf(trace, "ping", "ny-only").detail ?? "", /state/, "names the failing filter");
      for (const notAsked of ["paused", "ny-only"]) {
        assert.equal(lineOf(trace, "ping", notAsked).latency_ms, undefined, `${notAsked} was not asked`);
      }

      const requests = await requestsFor(h, ping.body.ping_id);
      assert.deepEqual(receivers(requests, "ping"), ["decliner", "second", "silent", "top"]);
      assert.deepEqual(receivers(requests, "post"), [], "nothing is posted before the source posts");
    });

    test("a lead that passes the filter reaches the filtered campaign, which then wins", async () => {
      const ny = personalInjuryLead({ state: "NY", zip: "10001", city: "New York" });
      const ping = await sendPing(h, { lead: ny });
      assert.equal(ping.body.price, 64, "80% of $80");
      const post = await sendPost(h, ping.body.ping_id, { lead: ny });
      assert.equal(post.body.status, "sold");
      const requests = await requestsFor(h, ping.body.ping_id);
      assert.ok(receivers(requests, "ping").includes("ny-only"));
      assert.ok(!receivers(requests, "ping").includes("paused"));
      assert.deepEqual(receivers(requests, "post"), ["ny-only"]);
    });

    test("a direct post runs the auction and sells in one call", async () => {
      const direct = await sendDirect(h);
      assert.equal(direct.status, 200);
      assert.equal(direct.body.status, "sold");
      assert.equal(direct.body.price, 24);

      const { lead, trace } = await leadWithTrace(h, direct.body.lead_id);
      assert.equal(lead.kind, "direct");
      assert.equal(lead.buyer_id, "top");
      assert.equal(lead.buyer_price, 30);
      assert.deepEqual(outcomesOf(trace, "ping"), {
        top: "won",
        second: "lost",
        decliner: "no_bid",
        silent: "no_bid",
        paused: "inactive",
        "ny-only": "filtered",
      });
      assert.equal(lineOf(trace, "post", "top").outcome, "post_accepted");

      const requests = await requestsFor(h, lead.auction_id);
      assert.deepEqual(receivers(requests, "ping"), ["decliner", "second", "silent", "top"]);
      assert.deepEqual(receivers(requests, "post"), ["top"]);
    });

    test("an unknown vertical is refused on the ping and on the direct post, before any buyer hears of it", async () => {
      const recordedBefore = (await h.farm.requests()).length;
      for (const path of ["/v1/ping", "/v1/leads"]) {
        const lead = personalInjuryLead();
        const reply = await h.call(path, {
          vertical: "timeshare",
          lead: path === "/v1/ping" ? lead.ping : lead.full,
        });
        assert.equal(reply.status, 400, path);
        assert.equal(reply.body.error.code, "GAVEL_UNKNOWN_VERTICAL", path);
        assert.equal(reply.body.error.field, "vertical", path);
      }
      assert.equal((await h.farm.requests()).length, recordedBefore);
    });
  });

  describe("an auction where every buyer declines", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness([
        bidder("decliner", 10, { bidRate: 0 }),
        bidder("silent", 10, { bidRate: 0, noBidAs204: true }),
      ]);
    });
    after(() => h?.close());

    test("the ping answers no_bid with a reason, a zero price and no expiry", async () => {
      const ping = await sendPing(h);
      assert.equal(ping.status, 200);
      assert.deepEqual(
        { status: ping.body.status, price: ping.body.price, expires_at: ping.body.expires_at },
        { status: "no_bid", price: 0, expires_at: null },
      );
      assert.equal(ping.body.reason, "no_bids");
      const { trace } = await pingWithTrace(h, ping.body.ping_id);
      assert.deepEqual(outcomesOf(trace, "ping"), { decliner: "no_bid", silent: "no_bid" });
      for (const line of trace) assert.equal(line.bid, undefined);
    });

    test("a direct post is unsold, with the reason, and nobody receives the full lead", async () => {
      const direct = await sendDirect(h);
      assert.equal(direct.status, 200);
      assert.equal(direct.body.status, "unsold");
      assert.equal(direct.body.price, 0);
      assert.equal(direct.body.reason, "no_bids");
      const { lead } = await leadWithTrace(h, direct.body.lead_id);
      assert.deepEqual(receivers(await requestsFor(h, lead.auction_id), "post"), []);
    });

    test("with no eligible campaign at all, the reason says so", async () => {
      await h.admin("PUT", "/v1/admin/campaigns/decliner", {
        ...(await h.admin("GET", "/v1/admin/campaigns/decliner")).body,
        status: "paused",
      });
      await h.admin("PUT", "/v1/admin/campaigns/silent", {
        ...(await h.admin("GET", "/v1/admin/campaigns/silent")).body,
        status: "paused",
      });
      const ping = await sendPing(h);
      assert.equal(ping.body.status, "no_bid");
      assert.equal(ping.body.reason, "no_eligible_buyers");
      assert.deepEqual(await requestsFor(h, ping.body.ping_id), []);
    });
  });

  describe("an auction where every buyer times out", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(
        [bidder("hangs", 50, { fault: "hang" }), bidder("slow", 50, { latencyMs: 1500 })],
        (farm) => ({
          sources: [testSource()],
          buyers: ["hangs", "slow"].map((id) => ({ id, name: id, status: "active" as const })),
          campaigns: [
            realtimeCampaign(farm, "hangs", { ping: { url: farm.buyers["hangs"]!.ping, timeout_ms: 200 } }),
            realtimeCampaign(farm, "slow", { ping: { url: farm.buyers["slow"]!.ping, timeout_ms: 200 } }),
          ],
        }),
      );
    });
    after(() => h?.close());

    test("no_bid, and the trace says timeout for each buyer, at about its timeout", async () => {
      const started = performance.now();
      const ping = await h.call("/v1/ping", { vertical: VERTICAL, lead: personalInjuryLead().ping });
      const elapsed = performance.now() - started;
      assert.equal(ping.status, 200);
      assert.equal(ping.body.status, "no_bid");
      assert.equal(ping.body.reason, "no_bids");
      assert.ok(elapsed < 200 + 400, `answered soon after the buyers' 200 ms timeout: ${elapsed} ms`);

      const { trace } = await pingWithTrace(h, ping.body.ping_id);
      assert.deepEqual(outcomesOf(trace, "ping"), { hangs: "timeout", slow: "timeout" });
      for (const line of trace) {
        assert.equal(line.code, 101, "OpenRTB's timeout code");
        assert.ok(
          line.latency_ms !== undefined && line.latency_ms >= 190 && line.latency_ms < 450,
          `${line.campaign_id} gave up at its timeout: ${line.latency_ms}`,
        );
      }
    });
  });

  describe("test leads", () => {
    let h: Harness;
    before(async () => {
      h = await startHarness([bidder("live", 10), bidder("sandbox", 50)], (farm) => ({
        sources: [testSource()],
        buyers: ["live", "sandbox"].map((id) => ({ id, name: id, status: "active" as const })),
        campaigns: [realtimeCampaign(farm, "live"), realtimeCampaign(farm, "sandbox", { status: "test" })],
      }));
    });
    after(() => h?.close());

    test("a test campaign never sees a live lead", async () => {
      const ping = await sendPing(h);
      assert.equal(ping.body.price, 8);
      const { trace } = await pingWithTrace(h, ping.body.ping_id);
      assert.deepEqual(outcomesOf(trace, "ping"), { live: "won", sandbox: "test_only" });
      const requests = await requestsFor(h, ping.body.ping_id);
      assert.deepEqual(receivers(requests, "ping"), ["live"]);
      assert.equal(JSON.parse(requests[0]!.body).test, false);
    });

    test("a test lead reaches test campaigns, tells every buyer it is a test, and is recorded as one", async () => {
      const ping = await sendPing(h, { extra: { test: true } });
      assert.equal(ping.body.price, 40, "the test campaign's $50 bid wins");
      const requests = await requestsFor(h, ping.body.ping_id);
      assert.deepEqual(receivers(requests, "ping"), ["live", "sandbox"]);
      for (const request of requests) assert.equal(JSON.parse(request.body).test, true, request.buyer);
      const post = await sendPost(h, ping.body.ping_id);
      const { lead } = await leadWithTrace(h, post.body.lead_id);
      assert.equal(lead.test, true);
      assert.equal(lead.buyer_id, "sandbox");
    });
  });
});
