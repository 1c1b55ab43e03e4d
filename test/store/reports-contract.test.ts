// The report over every Store implementation: a small hand-made day of traffic (an exclusive sale, a shared one, an
// unsold lead, a ping nobody bid on, timeouts, a buyer error, test traffic), written through the stores' real write
// methods, and the exact figures each grouping must answer.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { LeadRecord, OutcomeRecord, PingRecord } from "../../src/domain/records.ts";
import {
  offsetSpans,
  parseReportRequest,
  presentReport,
  type ReportRequest,
} from "../../src/reports/report.ts";
import type { Store } from "../../src/store/store.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

const H10 = Date.parse("2026-03-01T10:00:00Z");
const MIN = 60_000;

function ping(id: string, at: number, overrides: Partial<PingRecord> = {}): PingRecord {
  return {
    id,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA" },
    test: false,
    created_at: at,
    expires_at: at + 120_000,
    status: "bid",
    price_cents: 0,
    bids: [],
    ...overrides,
  };
}

function outcome(
  auctionId: string,
  phase: "ping" | "post",
  campaign: "camp-a" | "camp-b" | "camp-c",
  reason: OutcomeRecord["reason"],
  at: number,
  extra: { bid_cents?: number; latency_ms?: number } = {},
): OutcomeRecord {
  const buyer = campaign === "camp-b" ? "buyer-b" : "buyer-a";
  return { auction_id: auctionId, phase, campaign_id: campaign, buyer_id: buyer, reason, at, ...extra };
}

function lead(id: string, auctionId: string, at: number, overrides: Partial<LeadRecord>): LeadRecord {
  return {
    id,
    auction_id: auctionId,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA", phone: "2125550147" },
    consent: {},
    test: false,
    status: "sold",
    price_cents: 0,
    created_at: at,
    ...overrides,
  };
}

/** The traffic: 10:00-12:00 UTC on 1 March 2026. */
async function writeTraffic(store: Store): Promise<void> {
  const a1 = H10 + 5 * MIN;
  const a2 = H10 + 20 * MIN;
  const a3 = H10 + 70 * MIN;
  const a4 = H10 + 90 * MIN;
  // A1 (sub-id s1): buyer-a's camp-a wins at $40 over camp-b's $30; camp-c times out. Its outcomes come in the next
  // batch, after the ping's (the store finds the ping already written).
  await store.appendAuctionEvents([ping("A1", a1, { sub_id: "s1", price_cents: 2500 })], []);
  await store.appendAuctionEvents(
    [],
    [
      outcome("A1", "ping", "camp-a", "won", a1, { bid_cents: 4000, latency_ms: 40 }),
      outcome("A1", "ping", "camp-b", "lost", a1, { bid_cents: 3000, latency_ms: 120 }),
      outcome("A1", "ping", "camp-c", "timeout", a1, { latency_ms: 300 }),
    ],
  );
  // A2 (no sub-id): sold shared to camp-a ($50) and camp-b ($30); camp-c answers with an error.
  // A3 (s1): camp-a bids $20 and later rejects the post; camp-b declines; camp-c is filtered out (never pinged).
  // A4 (src-2): nobody bids; camp-a times out.
  // T1: test traffic, counted only when asked for.
  await store.appendAuctionEvents(
    [
      ping("A2", a2, { price_cents: 6000 }),
      ping("A3", a3, { sub_id: "s1", price_cents: 1500 }),
      ping("A4", a4, { source_id: "src-2", status: "no_bid" }),
      ping("T1", a2, { test: true, price_cents: 100 }),
    ],
    [
      outcome("A2", "ping", "camp-a", "won", a2, { bid_cents: 5000, latency_ms: 30 }),
      outcome("A2", "ping", "camp-b", "won", a2, { bid_cents: 3000, latency_ms: 60 }),
      outcome("A2", "ping", "camp-c", "buyer_error", a2, { latency_ms: 10 }),
      outcome("A3", "ping", "camp-a", "won", a3, { bid_cents: 2000, latency_ms: 50 }),
      outcome("A3", "ping", "camp-b", "no_bid", a3, { latency_ms: 20 }),
      outcome("A3", "ping", "camp-c", "filtered", a3),
      outcome("A4", "ping", "camp-a", "timeout", a4, { latency_ms: 300 }),
      outcome("A4", "ping", "camp-b", "no_bid", a4, { latency_ms: 15 }),
      outcome("T1", "ping", "camp-a", "won", a2, { bid_cents: 9999, latency_ms: 5 }),
    ],
  );
  // A ping written twice (an event batch retried) counts once.
  await store.appendAuctionEvents([ping("A4", a4, { source_id: "src-2", status: "no_bid" })], []);

  await store.saveLead(
    lead("L1", "A1", a1 + MIN, {
      sub_id: "s1",
      ping_to_post_ms: 60_000,
      price_cents: 2500,
      buyer_price_cents: 4000,
      campaign_id: "camp-a",
      buyer_id: "buyer-a",
    }),
    [outcome("A1", "post", "camp-a", "post_accepted", a1 + MIN, { latency_ms: 200 })],
  );
  await store.saveLead(
    lead("L2", "A2", a2 + MIN, {
      ping_to_post_ms: 30_000,
      price_cents: 6000,
      buyer_price_cents: 5000,
      campaign_id: "camp-a",
      buyer_id: "buyer-a",
      shares: [{ campaign_id: "camp-b", buyer_id: "buyer-b", buyer_price_cents: 3000 }],
    }),
    [
      outcome("A2", "post", "camp-a", "post_accepted", a2 + MIN),
      outcome("A2", "post", "camp-b", "post_accepted", a2 + MIN),
    ],
  );
  await store.saveLead(
    lead("L3", "A3", a3 + MIN, {
      sub_id: "s1",
      status: "unsold",
      reason: "post_rejected",
      ping_to_post_ms: 90_000,
    }),
    [outcome("A3", "post", "camp-a", "post_rejected", a3 + MIN)],
  );
  await store.saveLead(
    lead("LT", "T1", a2 + MIN, {
      test: true,
      ping_to_post_ms: 5_000,
      price_cents: 100,
      buyer_price_cents: 9999,
      campaign_id: "camp-a",
      buyer_id: "buyer-a",
    }),
    [outcome("T1", "post", "camp-a", "post_accepted", a2 + MIN)],
  );
}

const RANGE = { from: "2026-03-01T10:00:00Z", to: "2026-03-01T12:00:00Z" };

test("local days follow a zone's offset changes, to the hour", () => {
  // New York leaves daylight time at 06:00 UTC on 1 November 2026.
  assert.deepEqual(
    offsetSpans("America/New_York", Date.parse("2026-10-30T00:00:00Z"), Date.parse("2026-11-03T00:00:00Z")),
    [{ offsetMs: -4 * 3_600_000, until: Date.parse("2026-11-01T06:00:00Z") }, { offsetMs: -5 * 3_600_000 }],
  );
  assert.deepEqual(
    offsetSpans("UTC", Date.parse("2026-01-01T00:00:00Z"), Date.parse("2026-12-31T00:00:00Z")),
    [{ offsetMs: 0 }],
  );
});

for (const impl of STORES) {
  describe(`${impl.name} reports`, () => {
    let store: Store;
    freshStoreEach(impl, (opened) => {
      store = opened;
    });

    beforeEach(async () => {
      await writeTraffic(store);
    });

    async function report(request: Partial<ReportRequest> = {}) {
      const parsed = parseReportRequest({ ...RANGE, ...request });
      return presentReport(parsed, await store.report(parsed.query));
    }

    test("the totals: source side, a shared lead counted once, test traffic left out", async () => {
      const answer = await report();
      assert.equal(answer.from, "2026-03-01T10:00:00.000Z");
      assert.equal(answer.to, "2026-03-01T12:00:00.000Z");
      assert.deepEqual(answer.groups, [
        {
          pings: 4,
          bids: 5,
          bid_rate: 0.75,
          avg_bid: 34,
          max_bid: 50,
          wins: 4,
          posts: 3,
          post_accept_rate: 0.6667,
          sold: 2,
          revenue: 120,
          payouts: 85,
          margin: 35,
          returns: 0,
          earnings_per_lead: 40,
          // Of the three live leads, sold or not (the test lead's is left out with it).
          avg_ping_to_post_ms: 60_000,
        },
      ]);
    });

    test("by buyer: pings sent, bids, posts, sales, the payout of a shared lead split by price, latency", async () => {
      const answer = await report({ group_by: "buyer" });
      assert.deepEqual(answer.groups, [
        {
          buyer_id: "buyer-a",
          pings: 6,
          bids: 3,
          bid_rate: 0.5,
          avg_bid: 36.67,
          max_bid: 50,
          wins: 3,
          posts: 3,
          post_accept_rate: 0.6667,
          sold: 2,
          revenue: 90,
          payouts: 62.5,
          margin: 27.5,
          returns: 0,
          earnings_per_lead: 30,
          // Of the leads it bought: L1 and the shared L2.
          avg_ping_to_post_ms: 45_000,
          latency_ms: { p50: 50, p95: 300, p99: 300 },
          timeouts: 2,
          errors: 1,
        },
        {
          buyer_id: "buyer-b",
          pings: 4,
          bids: 2,
          bid_rate: 0.5,
          avg_bid: 30,
          max_bid: 30,
          wins: 1,
          posts: 1,
          post_accept_rate: 1,
          sold: 1,
          revenue: 30,
          payouts: 22.5,
          margin: 7.5,
          returns: 0,
          earnings_per_lead: 30,
          avg_ping_to_post_ms: 30_000,
          latency_ms: { p50: 25, p95: 120, p99: 120 },
          timeouts: 0,
          errors: 0,
        },
      ]);
    });

    test("by campaign: a campaign that was only filtered or failed has no bids, and says so with nulls", async () => {
      const answer = await report({ group_by: "campaign" });
      const campC = answer.groups.find((group) => group.campaign_id === "camp-c");
      assert.deepEqual(campC, {
        campaign_id: "camp-c",
        pings: 2,
        bids: 0,
        bid_rate: 0,
        avg_bid: null,
        max_bid: null,
        wins: 0,
        posts: 0,
        post_accept_rate: null,
        sold: 0,
        revenue: 0,
        payouts: 0,
        margin: 0,
        returns: 0,
        earnings_per_lead: null,
        avg_ping_to_post_ms: null,
        latency_ms: { p50: 10, p95: 300, p99: 300 },
        timeouts: 1,
        errors: 1,
      });
      assert.deepEqual(
        answer.groups.map((group) => group.campaign_id),
        ["camp-a", "camp-b", "camp-c"],
      );
    });

    test("by source, sub-id and hour", async () => {
      const answer = await report({ group_by: "source,sub_id,hour" });
      const brief = answer.groups.map((g) => [
        g.hour,
        g.source_id,
        g.sub_id,
        g.pings,
        g.bids,
        g.posts,
        g.sold,
      ]);
      assert.deepEqual(brief, [
        ["2026-03-01T10:00:00Z", "src-1", null, 1, 2, 1, 1],
        ["2026-03-01T10:00:00Z", "src-1", "s1", 1, 2, 1, 1],
        ["2026-03-01T11:00:00Z", "src-1", "s1", 1, 1, 1, 0],
        ["2026-03-01T11:00:00Z", "src-2", null, 1, 0, 0, 0],
      ]);
      assert.deepEqual(answer.groups[0], {
        hour: "2026-03-01T10:00:00Z",
        source_id: "src-1",
        sub_id: null,
        pings: 1,
        bids: 2,
        bid_rate: 1,
        avg_bid: 40,
        max_bid: 50,
        wins: 2,
        posts: 1,
        post_accept_rate: 1,
        sold: 1,
        revenue: 80,
        payouts: 60,
        margin: 20,
        returns: 0,
        earnings_per_lead: 80,
        avg_ping_to_post_ms: 30_000,
      });
    });

    test("by local day: 10:xx and 11:xx UTC fall on two days in Tonga (UTC+13); hours carry the offset", async () => {
      const days = await report({ group_by: "day,vertical", time_zone: "Pacific/Tongatapu" });
      assert.deepEqual(
        days.groups.map((g) => [g.day, g.vertical, g.pings, g.posts, g.revenue]),
        [
          ["2026-03-01", "personal_injury", 2, 2, 120],
          ["2026-03-02", "personal_injury", 2, 1, 0],
        ],
      );
      const hours = await report({ group_by: "hour", time_zone: "America/New_York" });
      assert.deepEqual(
        hours.groups.map((g) => g.hour),
        ["2026-03-01T05:00:00-05:00", "2026-03-01T06:00:00-05:00"],
      );
    });

    test("test traffic is counted when asked for", async () => {
      const answer = await report({ include_test: "true", group_by: "buyer" });
      const buyerA = answer.groups.find((group) => group.buyer_id === "buyer-a");
      assert.equal(buyerA?.bids, 4);
      assert.equal(buyerA?.max_bid, 99.99);
      assert.equal(buyerA?.revenue, 189.99);
    });

    test("a range widens to whole hours; a range with no traffic answers zeros", async () => {
      const inside = await report({ from: "2026-03-01T10:30:00Z", to: "2026-03-01T10:31:00+00:00" });
      assert.equal(inside.from, "2026-03-01T10:00:00.000Z");
      assert.equal(inside.to, "2026-03-01T11:00:00.000Z");
      assert.equal(inside.groups[0]?.pings, 2);
      const empty = await report({ from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z" });
      assert.equal(empty.groups[0]?.pings, 0);
      assert.equal(empty.groups[0]?.bid_rate, null);
      const emptyByBuyer = await report({
        from: "2026-03-02T00:00:00Z",
        to: "2026-03-03T00:00:00Z",
        group_by: "buyer",
      });
      assert.deepEqual(emptyByBuyer.groups, []);
    });

    test("a range of whole days and partial ones reads day rows and hour rows, and counts each event once", async () => {
      const wide = { from: "2026-02-27T22:00:00Z", to: "2026-03-03T03:00:00Z" };
      assert.deepEqual((await report(wide)).groups, (await report()).groups);
      assert.deepEqual(
        (await report({ ...wide, group_by: "buyer,source" })).groups,
        (await report({ group_by: "buyer,source" })).groups,
      );
      const edge = { from: "2026-03-01T11:00:00Z", to: "2026-03-03T00:00:00Z", group_by: "day" };
      assert.deepEqual(
        (await report(edge)).groups.map((g) => [g.day, g.pings, g.posts]),
        [["2026-03-01", 2, 1]],
      );
    });

    test("an approved return counts in its lead's period, for its buyer; a rejected one does not; rebuilt alike", async () => {
      const returned = (id: string, leadId: string, buyer: string, campaign: string) => ({
        id,
        lead_id: leadId,
        buyer_id: buyer,
        campaign_id: campaign,
        reason: "invalid_contact" as const,
        status: "pending" as const,
        refund_cents: 3000,
        reversal_cents: 0,
        requested_at: H10 + 5 * 3_600_000,
      });
      await store.createReturn(returned("R1", "L2", "buyer-b", "camp-b"));
      await store.createReturn(returned("R2", "L1", "buyer-a", "camp-a"));
      const decided = { decided_at: H10 + 6 * 3_600_000, decided_by: "operator" as const };
      const none = { ledger: [], outbox: [] };
      await store.decideReturn("R1", { status: "approved", ...decided }, none);
      await store.decideReturn("R2", { status: "rejected", ...decided }, none);

      assert.equal((await report()).groups[0]?.returns, 1);
      const byBuyer = (await report({ group_by: "buyer" })).groups.map((g) => [g.buyer_id, g.returns]);
      assert.deepEqual(byBuyer.sort(), [
        ["buyer-a", 0],
        ["buyer-b", 1],
      ]);
      const bySubId = (await report({ group_by: "sub_id" })).groups.map((g) => [g.sub_id, g.returns]);
      assert.deepEqual(bySubId, [
        [null, 1],
        ["s1", 0],
      ]);
      const before = await report({ group_by: "source,buyer,hour", include_test: "true" });
      await store.rebuildReportRollups();
      assert.deepEqual(await report({ group_by: "source,buyer,hour", include_test: "true" }), before);
    });

    test("a batch of more rollup rows than one statement carries counts each of them, as a rebuild does", async () => {
      // 70 campaigns in one batch: 350 rollup rows, over several of SQLite's multi-row upserts (64 rows at most).
      const at = Date.parse("2026-03-05T10:00:00Z");
      const pings = Array.from({ length: 70 }, (_, i) => ping(`wide-${i}`, at + i));
      const outcomes: OutcomeRecord[] = pings.map((p, i) => ({
        auction_id: p.id,
        phase: "ping",
        campaign_id: `camp-w${String(i).padStart(2, "0")}`,
        buyer_id: `buyer-w${i % 7}`,
        reason: "bid",
        at: at + i,
        bid_cents: 100 + i,
        latency_ms: i,
      }));
      await store.appendAuctionEvents(pings, outcomes);
      const day = { from: "2026-03-05T00:00:00Z", to: "2026-03-06T00:00:00Z" };
      const byCampaign = { ...day, group_by: "campaign,hour" };
      const groups = (await report(byCampaign)).groups;
      assert.deepEqual(
        groups.map((g) => [g.campaign_id, g.pings, g.bids, g.max_bid]),
        outcomes.map((o) => [o.campaign_id, 1, 1, (o.bid_cents ?? 0) / 100]),
      );
      assert.equal((await report(day)).groups[0]?.pings, 70);
      await store.rebuildReportRollups();
      assert.deepEqual((await report(byCampaign)).groups, groups);
    });

    test("writes at once (SQLite: one group, its rollups upserted once) count as a rebuild does; a refused sale counts nothing", async () => {
      const at = H10 + 100 * MIN;
      const won = (id: string) =>
        outcome(id, "ping", "camp-a", "won", at, { bid_cents: 2000, latency_ms: 10 });
      const accepted = (id: string) => outcome(id, "post", "camp-a", "post_accepted", at + MIN);
      const sale = (id: string, auctionId: string) =>
        lead(id, auctionId, at + MIN, {
          price_cents: 1000,
          buyer_price_cents: 2000,
          campaign_id: "camp-a",
          buyer_id: "buyer-a",
          ping_to_post_ms: 60_000,
        });
      const postback = {
        id: "postback-1",
        kind: "source_postback" as const,
        owner_id: "src-1",
        url: "http://127.0.0.1:9/postback",
        body: {},
        timeout_ms: 1000,
        status: "pending" as const,
        attempts: 0,
        run_at: at,
        created_at: at,
      };
      await store.saveLead(sale("LG0", "A4"), [], [postback]);
      const settled = await Promise.allSettled([
        store.appendAuctionEvents(
          [ping("G1", at), ping("G2", at), ping("G3", at)],
          [won("G1"), won("G2"), won("G3")],
        ),
        store.saveLead(sale("LG1", "G1"), [accepted("G1")]),
        // Refused after its rollup counts were taken (its postback's id is taken): they are rolled back with it.
        store.saveLead(sale("LG2", "G2"), [accepted("G2")], [postback]),
        store.saveLead(sale("LG3", "G3"), [accepted("G3")]),
      ]);
      assert.deepEqual(
        settled.map((result) => result.status),
        ["fulfilled", "fulfilled", "rejected", "fulfilled"],
      );
      assert.equal((await report()).groups[0]?.sold, 5);
      const everything = {
        group_by: "source,sub_id,buyer,campaign,vertical,hour",
        include_test: "true" as const,
      };
      const before = await report(everything);
      await store.rebuildReportRollups();
      assert.deepEqual(await report(everything), before);
    });

    test("rebuilding the rollups from the raw events gives the same report", async () => {
      const everything = {
        group_by: "source,sub_id,buyer,campaign,vertical,hour",
        include_test: "true" as const,
      };
      const before = await report(everything);
      const totalsBefore = await report();
      await store.rebuildReportRollups();
      assert.deepEqual(await report(everything), before);
      assert.deepEqual(await report(), totalsBefore);
    });
  });
}
