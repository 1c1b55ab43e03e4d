// The admin reports API over real HTTP, after real pings, posts and a direct post: the figures the rollups kept while
// the exchange wrote its events and sales, and bad requests answered as 400s naming their field.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sendDirect, sendPing, sendPost } from "../helpers/engine-steps.ts";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] reports`, () => {
  let h: Harness;
  let range: string;
  /** The ping-to-post time the posted lead can have: at least the wait, at most ping sent to post answered. */
  const pingToPost = { atLeast: 250, atMost: 0 };
  const buyers = [bidder("top", 40), bidder("second", 30), bidder("slow", 50, { latencyMs: 1_000 })];

  before(async () => {
    h = await startHarness(buyers, (farm) => ({
      sources: [testSource({ payout: { model: "revenue_share", percent: 80 } })],
      buyers: buyers.map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
      // The slow buyer times out at 200 ms; the others keep the harness's patient timeout: their bids are what the
      // reports count (at 200 ms for all, at load ~20 the first ping found no bid in time).
      campaigns: buyers.map((b) =>
        b.name === "slow"
          ? realtimeCampaign(farm, b.name, { ping: { url: farm.buyers[b.name]!.ping, timeout_ms: 200 } })
          : realtimeCampaign(farm, b.name),
      ),
    }));
    const from = new Date(Date.now() - 3_600_000).toISOString();
    // A ping that is posted and sold, a direct post, and a ping (with a sub-id) never posted. Each lead differs, so
    // the replay guard lets them through.
    const pingSentAt = Date.now();
    const first = await sendPing(h, { lead: personalInjuryLead({ days_since_accident: 1 }) });
    assert.equal(first.body.status, "bid");
    // The source takes its time before posting: what the ping-to-post figure measures.
    await new Promise((resolve) => setTimeout(resolve, pingToPost.atLeast));
    const sold = await sendPost(h, first.body.ping_id, {
      lead: personalInjuryLead({ days_since_accident: 1 }),
    });
    assert.equal(sold.body.status, "sold");
    pingToPost.atMost = Date.now() - pingSentAt;
    const direct = await sendDirect(h, { lead: personalInjuryLead({ days_since_accident: 2 }) });
    assert.equal(direct.body.status, "sold");
    const unposted = await sendPing(h, {
      lead: personalInjuryLead({ days_since_accident: 3 }),
      extra: { sub_id: "aff-7" },
    });
    assert.equal(unposted.body.status, "bid");
    const to = new Date(Date.now() + 3_600_000).toISOString();
    range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  });
  after(() => h?.close());

  test("totals: three auctions, two leads sold at $40, the source paid 80%", async () => {
    const reply = await h.admin("GET", `/v1/admin/reports?${range}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.time_zone, "UTC");
    // Only the ping-post lead has a ping-to-post time (the direct post has no ping): the average is its own.
    const { avg_ping_to_post_ms: pingToPostMs, ...figures } = reply.body.groups[0];
    assertPingToPost(pingToPostMs);
    assert.deepEqual(
      [figures],
      [
        {
          pings: 3,
          bids: 6,
          bid_rate: 1,
          avg_bid: 35,
          max_bid: 40,
          wins: 3,
          posts: 2,
          post_accept_rate: 1,
          sold: 2,
          revenue: 80,
          payouts: 64,
          margin: 16,
          returns: 0,
          earnings_per_lead: 40,
        },
      ],
    );
  });

  test("by buyer: the winner's sales, the loser's bids, the slow buyer's timeouts and latency", async () => {
    const reply = await h.admin("GET", `/v1/admin/reports?${range}&group_by=buyer`);
    assert.equal(reply.status, 200);
    const byBuyer = Object.fromEntries(
      reply.body.groups.map((group: { buyer_id: string }) => [group.buyer_id, group]),
    );
    assert.deepEqual(Object.keys(byBuyer).sort(), ["second", "slow", "top"]);
    const { top, second, slow } = byBuyer;
    assert.deepEqual(
      [top.pings, top.bids, top.wins, top.posts, top.sold, top.revenue, top.payouts, top.margin],
      [3, 3, 3, 2, 2, 80, 64, 16],
    );
    assert.equal(top.post_accept_rate, 1);
    // The buyer of the ping-post lead has its ping-to-post time; a buyer that bought nothing has none.
    assertPingToPost(top.avg_ping_to_post_ms);
    assert.equal(second.avg_ping_to_post_ms, null);
    assert.equal(top.timeouts, 0);
    assert.ok(top.latency_ms.p50 <= top.latency_ms.p99, "percentiles in order");
    assert.deepEqual([second.pings, second.bids, second.wins, second.posts, second.sold], [3, 3, 0, 0, 0]);
    assert.equal(second.post_accept_rate, null);
    assert.deepEqual([slow.pings, slow.bids, slow.timeouts, slow.errors], [3, 0, 3, 0]);
    assert.ok(
      slow.latency_ms.p99 >= 150,
      `timed-out pings took their whole budget (p99 ${slow.latency_ms.p99})`,
    );
  });

  function assertPingToPost(ms: unknown): void {
    assert.equal(typeof ms, "number", "a ping-to-post time");
    assert.ok(
      (ms as number) >= pingToPost.atLeast - 5 && (ms as number) <= pingToPost.atMost,
      `ping-to-post ${ms} ms within [${pingToPost.atLeast}, ${pingToPost.atMost}]`,
    );
  }

  test("by source and sub-id", async () => {
    const reply = await h.admin(
      "GET",
      `/v1/admin/reports?${range}&group_by=source,sub_id&time_zone=America/Chicago`,
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(
      reply.body.groups.map((g: Record<string, unknown>) => [
        g.source_id,
        g.sub_id,
        g.pings,
        g.posts,
        g.sold,
      ]),
      [
        ["src-main", null, 2, 2, 2],
        ["src-main", "aff-7", 1, 0, 0],
      ],
    );
  });

  test("bad requests are 400s with a stable code and the field at fault", async () => {
    const cases: [string, string][] = [
      ["to=2026-03-01T00:00:00Z", "from"],
      ["from=yesterday&to=2026-03-01T00:00:00Z", "from"],
      ["from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"],
      [`${range}&group_by=buyer,planet`, "group_by"],
      [`${range}&group_by=hour,day`, "group_by"],
      [`${range}&time_zone=Mars/Olympus_Mons`, "time_zone"],
      [`${range}&group_by=day&time_zone=Asia/Kolkata`, "time_zone"],
      [`${range}&include_test=maybe`, "include_test"],
      [`${range}&colour=red`, "colour"],
    ];
    for (const [query, field] of cases) {
      const reply = await h.admin("GET", `/v1/admin/reports?${query}`);
      assert.equal(reply.status, 400, query);
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION", query);
      assert.equal(reply.body.error.field, field, query);
    }
  });

  test("needs the admin key", async () => {
    const reply = await fetch(`${h.gavel.url}/v1/admin/reports?${range}`);
    assert.equal(reply.status, 401);
    assert.equal(((await reply.json()) as { error: { code: string } }).error.code, "GAVEL_UNAUTHORIZED");
  });
});
