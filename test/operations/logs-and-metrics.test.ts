// Operations: logs carry no PII (pino redaction plus what we choose to log), and /metrics exposes what an operator
// watches, from real traffic.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import { REDACTED_PATHS } from "../../src/logger.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import {
  ADMIN_KEY,
  bidder,
  personalInjuryLead,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  testSource,
} from "../helpers/exchange-harness.ts";

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

let farm: BuyerFarm;
let gavel: RunningGavel;
let dataDir: string;
const lead = personalInjuryLead();

const call = async (path: string, body: unknown, key = SOURCE_KEY): Promise<Reply> => {
  const response = await fetch(gavel.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

describe("logs-and-metrics", () => {
  before(async () => {
    farm = await startBuyerFarm([
      bidder("steady", 30),
      bidder("picky", 40, { postAcceptRate: 0 }),
      bidder("broken", 50, { fault: "error500" }),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), "gavel-ops-"));
    gavel = await startGavel({
      config: {
        // A fixed payout: a lower bid still covers the price quoted to the source, so a rejected post falls back.
        sources: [testSource({ payout: { model: "fixed", amount: 20 } })],
        buyers: ["steady", "picky", "broken"].map((id) => ({ id, name: id, status: "active" as const })),
        campaigns: ["steady", "picky", "broken"].map((id) => realtimeCampaign(farm, id)),
      },
      dataDir,
      port: 0,
      adminKey: ADMIN_KEY,
      // The most verbose level: whatever the exchange would ever log about these requests is captured.
      log: pino({ level: "trace", redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, capture),
    });
    // Traffic that touches every path: a sale after a fallback, a direct post, bad input, a wrong key.
    const ping = await call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
    assert.equal(ping.body.status, "bid");
    const post = await call("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold");
    await call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });
    await call("/v1/leads", { vertical: "personal_injury", lead: { ...lead.full, phone: "not a phone" } });
    await call("/v1/ping", { vertical: "personal_injury", lead: lead.full });
    await call("/v1/post", { ping_id: ping.body.ping_id, lead: lead.full }, "wrong-key");
  });

  after(async () => {
    await gavel.close();
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe("logs", () => {
    test("something was logged, and none of it is the consumer's data", () => {
      assert.ok(lines.length > 0, "the exchange logged nothing at trace level");
      const text = lines.join("");
      for (const value of [
        "Jordan",
        "Rivera",
        "555-0147",
        "5550147",
        "jordan.rivera",
        lead.consent.trustedform_cert_url,
      ]) {
        assert.ok(!text.toLowerCase().includes(value.toLowerCase()), `the logs contain ${value}`);
      }
      assert.doesNotMatch(text, /[^\s@"]+@[^\s@"]+\.[a-z]{2,}/i, "an e-mail address in the logs");
      assert.ok(!text.includes(SOURCE_KEY), "a source key in the logs");
    });

    test("the logger redacts leads, consent and keys even when a caller passes them", () => {
      const redacted: string[] = [];
      const log = pino(
        { redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
        new Writable({
          write(chunk, _encoding, done) {
            redacted.push(String(chunk));
            done();
          },
        }),
      );
      log.info(
        {
          lead: lead.full,
          consent: lead.consent,
          req: { headers: { authorization: `Bearer ${SOURCE_KEY}` } },
        },
        "x",
      );
      log.info({ ping: { lead: lead.full } }, "nested");
      const text = redacted.join("");
      assert.ok(
        !text.includes("Jordan") && !text.includes(SOURCE_KEY) && !text.includes("trustedform"),
        text,
      );
      assert.equal(text.match(/\[redacted\]/g)?.length, 4);
    });
  });

  describe("metrics", () => {
    let metrics: string;
    before(async () => {
      const response = await fetch(`${gavel.url}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /text\/plain/);
      metrics = await response.text();
    });

    const value = (pattern: RegExp): number => {
      const match = metrics.match(pattern);
      assert.ok(match, `no metric matching ${pattern}`);
      return Number(match[1]);
    };

    test("every buyer's outcomes are counted by phase and reason", () => {
      assert.ok(
        value(/gavel_buyer_requests_total\{buyer="broken",phase="ping",outcome="buyer_error"\} (\d+)/) >= 2,
      );
      assert.equal(
        value(/gavel_buyer_requests_total\{buyer="picky",phase="post",outcome="post_rejected"\} (\d+)/),
        2,
      );
      assert.equal(
        value(/gavel_buyer_requests_total\{buyer="steady",phase="post",outcome="post_accepted"\} (\d+)/),
        2,
      );
    });

    test("buyer latency is a histogram with buckets from 10 ms to 2 s", () => {
      assert.match(metrics, /gavel_buyer_latency_seconds_bucket\{le="0.01",buyer="steady",phase="ping"\}/);
      assert.match(metrics, /gavel_buyer_latency_seconds_bucket\{le="2",buyer="steady",phase="ping"\}/);
    });

    test("pings, posts, fallbacks, bids and the exchange's own overhead are there", () => {
      assert.equal(value(/gavel_pings_total\{vertical="personal_injury",status="bid"\} (\d+)/), 2);
      assert.equal(value(/gavel_posts_total\{kind="ping",status="sold"\} (\d+)/), 1);
      assert.equal(value(/gavel_posts_total\{kind="direct",status="sold"\} (\d+)/), 1);
      // picky outbid steady and rejected both posts: both leads went to the runner-up.
      assert.equal(value(/gavel_fallbacks_total\{vertical="personal_injury"\} (\d+)/), 2);
      assert.equal(value(/gavel_bid_price_dollars_count\{vertical="personal_injury"\} (\d+)/), 4);
      assert.equal(value(/gavel_overhead_seconds_count\{step="ping"\} (\d+)/), 1);
      assert.ok(value(/gavel_overhead_seconds_sum\{step="ping"\} ([\d.e-]+)/) < 0.5);
    });

    test("process metrics include event-loop lag", () => {
      assert.match(metrics, /gavel_nodejs_eventloop_lag_seconds /);
    });
  });

  describe("health", () => {
    test("/healthz and /readyz answer 200 when the store and hot state are up", async () => {
      assert.equal((await fetch(`${gavel.url}/healthz`)).status, 200);
      const ready = await fetch(`${gavel.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: "ok", store: "ok", hot_state: "ok" });
    });
  });
});
