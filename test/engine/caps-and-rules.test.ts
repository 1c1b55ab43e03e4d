// Caps, throttles, schedules and rules in real auctions, on both backends: caps never overshoot under concurrency,
// a daily cap resets at the campaign's local midnight, a schedule opens and closes on time, and every exclusion is in
// the decision trace with its reason.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  BACKEND,
  bidder,
  type Harness,
  personalInjuryLead,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

const lead = personalInjuryLead();
const direct = (h: Harness) =>
  h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });

async function traceOf(h: Harness, leadId: string) {
  const { body } = await h.admin("GET", `/v1/admin/leads/${leadId}`);
  return body.trace as { phase: string; campaign_id: string; outcome: string; detail?: string }[];
}

describe(`[${BACKEND}] caps under concurrency`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness([bidder("capped", 40), bidder("spender", 30), bidder("backstop", 10)], (farm) => ({
      // Time enough for every buyer to answer all 200 auctions at once on a loaded 2-core machine: the test is about caps,
      // not about which buyer the deadline cuts off.
      settings: { default_tmax_ms: 4_500, max_tmax_ms: 5_000 },
      sources: [testSource({ payout: { model: "margin", amount: 1 } })],
      buyers: ["capped", "spender", "backstop"].map((id) => ({ id, name: id, status: "active" as const })),
      campaigns: [
        // Generous post timeouts: 200 posts at once on a loaded machine must not time out (a timed-out post releases its
        // cap unit, correctly, but then the campaign ends under its cap and the count is no longer exact).
        realtimeCampaign(farm, "capped", {
          caps: { time_zone: "America/New_York", leads: { day: 50 } },
          ping: { url: farm.buyers.capped!.ping, timeout_ms: 4_000 },
          post: { url: farm.buyers.capped!.post, timeout_ms: 10_000 },
        }),
        // $500 a day at $30 a lead: 16 leads.
        realtimeCampaign(farm, "spender", {
          caps: { spend: { day: 500 } },
          ping: { url: farm.buyers.spender!.ping, timeout_ms: 4_000 },
          post: { url: farm.buyers.spender!.post, timeout_ms: 10_000 },
        }),
        realtimeCampaign(farm, "backstop"),
      ],
    }));
  });

  after(async () => {
    await h.close();
  });

  test("200 concurrent direct posts: exactly 50 to the 50-a-day campaign, 16 to the $500-a-day one", async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, () => direct(h)));
    assert.ok(
      replies.every((reply) => reply.status === 200),
      JSON.stringify(replies.find((r) => r.status !== 200)),
    );
    const { body } = await h.admin("GET", "/v1/admin/leads?limit=500");
    const soldTo = new Map<string, number>();
    for (const sold of body.leads as { buyer_id?: string; status: string }[]) {
      if (sold.status === "sold") soldTo.set(sold.buyer_id!, (soldTo.get(sold.buyer_id!) ?? 0) + 1);
    }
    assert.equal(soldTo.get("capped"), 50);
    assert.equal(soldTo.get("spender"), 16);
    // The rest go to the uncapped backstop (or, on a loaded machine, find no bid in time): every lead is answered.
    const unsold = replies.filter((reply) => reply.body.status === "unsold").length;
    assert.equal((soldTo.get("backstop") ?? 0) + unsold, 134);
    const posts = (await h.farm.requests()).filter((r) => r.kind === "post");
    assert.equal(posts.filter((r) => r.buyer === "capped").length, 50, "the capped buyer never saw lead 51");
  });

  test("the 201st lead's trace says capped, naming the cap", async () => {
    const reply = await direct(h);
    const capped = (await traceOf(h, reply.body.lead_id)).find((o) => o.campaign_id === "capped");
    assert.equal(capped?.outcome, "capped");
    assert.match(capped?.detail ?? "", /campaign:capped:day:\d{4}-\d{2}-\d{2} \(count\)/);
  });
});

describe(`[${BACKEND}] periods, schedules, throttles and rules`, () => {
  let h: Harness;
  // Friday 2027-01-08, 23:58 in New York (UTC−5): two minutes before the campaign's local midnight. In the future,
  // because Redis expires a period's counter at the period's end by its own clock.
  let clock = Date.parse("2027-01-09T04:58:00Z");

  before(async () => {
    h = await startHarness(
      [
        bidder("nightly", 40),
        bidder("office", 35),
        bidder("picky", 30),
        bidder("busy", 25),
        bidder("backstop", 5),
      ],
      (farm) => ({
        sources: [
          testSource(),
          testSource({ id: "chatty", api_key_sha256: "0".repeat(64), max_pings_per_minute: 3 }),
        ],
        buyers: ["nightly", "office", "picky", "busy", "backstop"].map((id) => ({
          id,
          name: id,
          status: "active" as const,
        })),
        campaigns: [
          realtimeCampaign(farm, "nightly", { caps: { time_zone: "America/New_York", leads: { day: 2 } } }),
          realtimeCampaign(farm, "office", {
            schedule: { time_zone: "America/New_York", weekly: { sat: [["00:00", "00:05"]] } },
          }),
          realtimeCampaign(farm, "picky", {
            rules: {
              any: [
                { field: "zip", op: "zip_prefix_in", value: ["100"] },
                { not: { field: "liability", op: "eq", value: "clear" } },
              ],
            },
          }),
          realtimeCampaign(farm, "busy", { max_pings_per_minute: 2 }),
          realtimeCampaign(farm, "backstop"),
        ],
      }),
      { now: () => clock },
    );
  });

  after(async () => {
    await h.close();
  });

  const outcomes = async () => {
    const reply = await direct(h);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const trace = await traceOf(h, reply.body.lead_id);
    return new Map(trace.filter((o) => o.phase === "ping").map((o) => [o.campaign_id, o]));
  };

  test("before local midnight: the daily cap fills, the closed schedule and the failing rule say why", async () => {
    const first = await outcomes();
    assert.equal(first.get("nightly")?.outcome, "won");
    assert.equal(first.get("office")?.outcome, "outside_schedule");
    assert.match(first.get("office")?.detail ?? "", /fri/);
    assert.equal(first.get("picky")?.outcome, "filtered");
    assert.match(first.get("picky")?.detail ?? "", /any\(/);
    await outcomes();
    const third = await outcomes();
    assert.equal(third.get("nightly")?.outcome, "capped");
  });

  test("the campaign's throttle: the third ping in a minute is throttled", async () => {
    // Two pings already reached "busy" in the test above (the third was throttled): it stays throttled.
    const next = await outcomes();
    assert.equal(next.get("busy")?.outcome, "throttled");
  });

  test("after local midnight (Saturday 00:01 in New York): the cap has reset and the schedule is open", async () => {
    clock = Date.parse("2027-01-09T05:01:00Z");
    const after = await outcomes();
    assert.equal(after.get("nightly")?.outcome, "won", "a new day: the cap starts again");
    assert.equal(after.get("office")?.outcome, "lost", "open: it bid (and lost to the higher bid)");
    clock = Date.parse("2027-01-09T05:06:00Z");
    assert.equal((await outcomes()).get("office")?.outcome, "outside_schedule", "closed again at 00:05");
  });

  test("a source over its pings per minute gets 429 GAVEL_RATE_LIMITED", async () => {
    // The "chatty" source has no key anyone knows: use the admin API to give it one.
    const rotated = await h.admin("POST", "/v1/admin/sources/chatty/rotate-key");
    const key = rotated.body.api_key;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping }, { key })).status,
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping }, { key });
    assert.equal(limited.body.error.code, "GAVEL_RATE_LIMITED");
  });
});

// Embedded only: there the counters live in process memory and are rebuilt from the store's sales on start; in
// distributed mode they live in Redis, which an exchange restart does not touch.
describe(`[${BACKEND}] caps survive a restart`, {
  skip: BACKEND !== "embedded" && "counters live in Redis",
}, () => {
  test("sales made before a restart still count against the cap after it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gavel-caps-restart-"));
    const configure = (farm: Parameters<NonNullable<Parameters<typeof startHarness>[1]>>[0]) => ({
      sources: [testSource()],
      buyers: [{ id: "limited", name: "limited", status: "active" as const }],
      campaigns: [realtimeCampaign(farm, "limited", { caps: { leads: { day: 3 } } })],
    });
    try {
      const before = await startHarness([bidder("limited", 40)], configure, { dataDir });
      try {
        for (let i = 0; i < 2; i++) assert.equal((await direct(before)).body.status, "sold");
      } finally {
        await before.close();
      }
      const again = await startHarness([bidder("limited", 40)], configure, { dataDir });
      try {
        assert.equal((await direct(again)).body.status, "sold", "the third lead of the day");
        const fourth = await direct(again);
        assert.equal(fourth.body.status, "unsold", "the cap of 3 counts the two sold before the restart");
        const trace = await traceOf(again, fourth.body.lead_id);
        assert.equal(trace.find((o) => o.campaign_id === "limited")?.outcome, "capped");
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe(`[${BACKEND}] a winner refused at the post gives its cap unit back`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness([bidder("solo", 50), bidder("other", 30)], (farm) => ({
      sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
      buyers: ["solo", "other"].map((id) => ({ id, name: id, status: "active" as const })),
      campaigns: [
        realtimeCampaign(farm, "solo", { caps: { leads: { day: 1 } } }),
        realtimeCampaign(farm, "other"),
      ],
    }));
  });

  after(async () => {
    await h.close();
  });

  test("suppressed for the winner: it falls back, and the winner's one daily unit is still there for the next lead", async () => {
    await h.admin("POST", "/v1/admin/suppressions/solo", { phones: [lead.full.phone] });
    // Ping then post: the ping carries no contact hashes, so solo wins (reserving its one daily unit) and is refused
    // only at the post, where the phone is known. (A direct post would leave solo out before the auction.)
    const ping = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
    assert.equal(ping.body.status, "bid", JSON.stringify(ping.body));
    const first = await h.call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(first.body.status, "sold", JSON.stringify(first.body));
    assert.equal(
      (await traceOf(h, first.body.lead_id)).find((o) => o.phase === "post" && o.campaign_id === "solo")
        ?.outcome,
      "suppressed",
    );
    await h.admin("DELETE", "/v1/admin/suppressions/solo", { phones: [lead.full.phone] });
    const second = await direct(h);
    const { body } = await h.admin("GET", `/v1/admin/leads/${second.body.lead_id}`);
    assert.equal(body.lead.buyer_id, "solo", "the unit reserved for the refused win was released");
  });
});
