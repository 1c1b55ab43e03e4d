// Issue 18's "Done when", end to end: a buyer configured from the docs (bidder.config.example.json, the keys its
// exchange names give) answers pings from a real Gavel exchange and from spec-written boberdoo and LeadsPedia senders
// within their deadlines (own time p99 < 50 ms over a few hundred pings), never spends past a budget under
// concurrent pings, refuses a consumer it bought yesterday from another exchange, and shows cost per signed case by
// source once conversions are recorded.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { after, before, describe, test } from "node:test";
import { checkBidderConfig } from "../../src/bidder/bidder-config.ts";
import { ManualClock } from "../helpers/engine-steps.ts";
import {
  bidder as farmBuyer,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { type JsonReply, startTestBidder, type TestBidder, uniqueLead } from "./bidder-harness.ts";
import { BoberdooSender, LeadsPediaSender } from "./platform-senders.ts";

// The keys bidder.config.example.json's exchanges are configured with (their names say them; docs/bidder.md).
const EXCHANGE_KEY = "change-me-exchange-key";
const BOBERDOO_KEY = "change-me-boberdoo-key";
const LEADSPEDIA_KEY = "change-me-leadspedia-key";
const DAY_MS = 86_400_000;
/** Sent four at a time, two by each sender: 300 pings. */
const PINGS = 300;
/** What each exchange allows a buyer (the bidder keeps 20% of it for the trip back). */
const TMAX_MS = 500;
/**
 * The Gavel exchange's ping timeout for its one sale to the bidder, the first (cold) ping either has seen: the deadlines
 * are measured on the senders' few hundred pings below, and at 500 ms, at load ~20, this ping went unanswered in time
 * (no_bid), failing this test and, its sale missing, the budget test after it (as bidder-gavel-exchange's once did).
 */
const EXCHANGE_PING_TIMEOUT_MS = 3_000;

const clock = new ManualClock();
let bidder: TestBidder;
let exchange: Harness;
let boberdoo: BoberdooSender;
let leadspedia: LeadsPediaSender;
/** The example's native exchange (`gavel-west`), as a Gavel exchange calls it. */
let native: (call: "ping" | "post", body: Record<string, unknown>) => Promise<JsonReply>;

describe("bidder-done-when", () => {
  before(async () => {
    const example = JSON.parse(
      readFileSync(new URL("../../bidder.config.example.json", import.meta.url), "utf8"),
    );
    // The example's one change: its campaign keeps California office hours, and this test runs at any hour.
    delete example.campaigns[0].schedule;
    bidder = await startTestBidder(checkBidderConfig(example), { now: clock.now });
    exchange = await startHarness(
      [farmBuyer("unused", 1)],
      (farm) => ({
        sources: [testSource()],
        buyers: [{ id: "firm", name: "The firm's own bidder", status: "active" }],
        campaigns: [
          {
            ...realtimeCampaign(farm, "unused"),
            id: "firm",
            buyer_id: "firm",
            ping: {
              url: `${bidder.url}/bid/gavel-west/ping?key=${EXCHANGE_KEY}`,
              timeout_ms: EXCHANGE_PING_TIMEOUT_MS,
            },
            post: { url: `${bidder.url}/bid/gavel-west/post?key=${EXCHANGE_KEY}`, timeout_ms: 1000 },
          },
        ],
      }),
      // The farm's one buyer is in no campaign: it needs no process of its own.
      { farm: "in-process" },
    );
    native = async (call, body) => {
      const response = await fetch(`${bidder.url}/bid/gavel-west/${call}?key=${EXCHANGE_KEY}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    boberdoo = new BoberdooSender(`${bidder.url}/bid/bob/api.php`, BOBERDOO_KEY, "42");
    leadspedia = new LeadsPediaSender(`${bidder.url}/bid/lp`, "17", LEADSPEDIA_KEY);
  });
  after(async () => {
    await exchange?.close();
    await bidder?.stop();
  });

  test("answers a Gavel exchange and boberdoo and LeadsPedia senders within their deadlines (own time p99 < 50 ms)", async () => {
    // Through the exchange: its auction pings the bidder, and sells to it.
    const lead = personalInjuryLead({ injury_severity: 8 });
    lead.full.email = "gavel.buyer.one@example.com";
    const ping = await exchange.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
    assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
    const post = await exchange.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold", JSON.stringify(post.body));

    // A few hundred pings from the platforms' senders, four at a time; each answer timed at the sender.
    const roundTrips: number[] = [];
    const timed = async <T>(send: () => Promise<T>) => {
      const started = performance.now();
      const answer = await send();
      roundTrips.push(performance.now() - started);
      return answer;
    };
    const cpu = process.cpuUsage();
    for (let i = 0; i < PINGS; i += 4) {
      const answers = await Promise.all([
        timed(() => boberdoo.ping(`pub-${i % 3}`)),
        timed(() => leadspedia.ping(`aff-${i % 3}`)),
        timed(() => boberdoo.ping(`pub-${(i + 1) % 3}`)),
        timed(() => leadspedia.ping(`aff-${(i + 1) % 3}`)),
      ]);
      for (const answer of answers) {
        assert.equal(answer.status, 200);
        // A bid; a no-bid because the day's budget is held by the bids before it; or, when the logic could not finish
        // in its own time, the deadline guard's no-bid: never an error, never late.
        const text = JSON.stringify(answer.body);
        assert.ok(/Matched|success|budget reached|lead cap reached|deadline/.test(text), text);
      }
    }
    const used = process.cpuUsage(cpu);
    const status = (await bidder.admin("GET", "/v1/status")).body;
    const sorted = [...roundTrips].sort((a, b) => a - b);
    const p99RoundTrip = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
    console.log(
      `# ${status.own_time_ms.pings} pings: own time p50 ${status.own_time_ms.p50} ms, p99 ${status.own_time_ms.p99} ms;` +
        ` sender round trip p99 ${p99RoundTrip.toFixed(1)} ms; test-process CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`,
    );
    assert.ok(status.own_time_ms.pings >= PINGS, `${status.own_time_ms.pings} pings recorded`);
    assert.ok(status.own_time_ms.p99 < 50, `own time p99 ${status.own_time_ms.p99} ms`);
    assert.ok(p99RoundTrip < TMAX_MS, `p99 round trip ${p99RoundTrip} ms against a ${TMAX_MS} ms tmax`);
    console.log(`# deadline guard no-bids: ${status.no_bids.deadline ?? 0}`);
  });

  test("never spends past the day's budget under 50 concurrent pings", async () => {
    clock.advance(61_000); // the latency test's bids expire, and free what they held
    const leads = Array.from({ length: 50 }, () => uniqueLead({ injury_severity: 9 }));
    const answers = await Promise.all(
      leads.map((lead) => native("ping", { vertical: "personal_injury", lead: lead.ping, tmax_ms: 300 })),
    );
    const bids = answers.flatMap((a, index) =>
      a.body.bid ? [{ id: a.body.bid_id, lead: leads[index]! }] : [],
    );
    // $3,000 a day at $550 a lead, one lead ($550) already bought through the Gavel exchange: four more fit.
    assert.equal(bids.length, 4, JSON.stringify(answers.slice(0, 3).map((a) => a.body)));
    const posts = await Promise.all(bids.map((b) => native("post", { bid_id: b.id, lead: b.lead.full })));
    assert.ok(posts.every((p) => p.body.accepted === true));
    const day = (await bidder.admin("GET", "/v1/status")).body.campaigns[0].budgets.find(
      (b: { period: string }) => b.period === "day",
    );
    assert.equal(day.spent, 2750);
    assert.ok(day.spent + day.held <= day.spend_limit, JSON.stringify(day));
  });

  test("refuses a consumer it bought yesterday from another exchange; shows cost per signed case by source", async () => {
    clock.advance(DAY_MS);
    const consumer = { phone: "(415) 555-0300", email: "bought.yesterday@example.com" };
    const ping = await boberdoo.ping("pub-a");
    const bought = await boberdoo.post("pub-a", ping.body.response.lead_id, consumer);
    assert.equal(bought.body.response.status, "Matched", JSON.stringify(bought.body));

    clock.advance(DAY_MS); // the next day, another exchange offers the same consumer
    const offered = await leadspedia.ping("aff-1");
    assert.equal(offered.body.result, "success");
    const refused = await leadspedia.post("aff-1", offered.body.ping_id, consumer);
    assert.deepEqual(refused.body.errors, [{ error: "Duplicate" }]);

    // Two more from pub-b; the firm's intake signs one of pub-a's and one of pub-b's two.
    const pubB = [];
    for (const n of [1, 2]) {
      const p = await boberdoo.ping("pub-b");
      const sold = await boberdoo.post("pub-b", p.body.response.lead_id, {
        phone: `(415) 555-031${n}`,
        email: `pub.b.${n}@example.com`,
      });
      pubB.push(sold.body.response.lead_id);
    }
    const report = async () => (await bidder.admin("GET", "/v1/reports?by=source")).body.rows;
    // The post's lead_id is the lead id the firm's CRM receives and reports conversions with.
    for (const id of [bought.body.response.lead_id, pubB[0]!]) {
      const recorded = await bidder.admin("POST", "/v1/conversions", {
        lead_id: id,
        signed: true,
        value: 9000,
      });
      assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    }
    const rows = await report();
    const row = (key: string) => rows.find((r: { key: string }) => r.key === key);
    // Prices fall below $550 as leads are bought and not yet signed (the maximum bid learns): read the spend.
    assert.deepEqual([row("pub-a").leads, row("pub-a").signed], [1, 1]);
    assert.equal(row("pub-a").cost_per_signed_case, row("pub-a").spend);
    assert.deepEqual([row("pub-b").leads, row("pub-b").signed], [2, 1]);
    assert.equal(row("pub-b").cost_per_signed_case, row("pub-b").spend, "two leads' spend for its one case");
    assert.ok(row("pub-b").spend > row("pub-a").spend);
  });
});
