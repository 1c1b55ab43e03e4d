// Caps across instances: two exchange processes on one PostgreSQL schema and one Redis prefix take 200 concurrent
// direct posts between them against a campaign capped at 50 a day and one capped at $500 a day: exactly 50 and 16.
// Real time: no bound on time is asserted; two real processes must race on one Redis for the cap to be proven across
// instances.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { bidder, personalInjuryLead, realtimeCampaign, testSource } from "../helpers/exchange-harness.ts";
import {
  type ExchangeProcess,
  type SharedBackends,
  sharedBackends,
  startExchangeProcess,
  storageFor,
  storedLeads,
  writeConfig,
} from "./distributed-exchange.ts";

const lead = personalInjuryLead();
const TMAX_MS = 4_500;
const POST_DEADLINE_MS = 15_000;
/**
 * The longest a direct post may take by this configuration: its auction (tmax), then posts and fallbacks until the post
 * deadline; and a little for the answer. The harness's usual 10 s bound is shorter: at load 17, one of 200 answers
 * took longer (TRANSPORT TimeoutError), within what the exchange is allowed.
 */
const CALL_TIMEOUT_MS = TMAX_MS + POST_DEADLINE_MS + 5_000;
let backends: SharedBackends;
let farm: BuyerFarm;
let a: ExchangeProcess;
let b: ExchangeProcess;

before(async () => {
  backends = await sharedBackends("caps");
  farm = await startBuyerFarm([bidder("capped", 40), bidder("spender", 30), bidder("backstop", 10)], {
    inProcess: true,
  });
  const config: ConfigFile = {
    storage: storageFor(backends),
    // Time enough for every buyer to answer all 200 auctions at once on a loaded 2-core machine: the test is about caps,
    // not about which buyer the deadline cuts off.
    settings: { default_tmax_ms: TMAX_MS, max_tmax_ms: 5_000, post_deadline_ms: POST_DEADLINE_MS },
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
      realtimeCampaign(farm, "spender", {
        caps: { spend: { day: 500 } },
        ping: { url: farm.buyers.spender!.ping, timeout_ms: 4_000 },
        post: { url: farm.buyers.spender!.post, timeout_ms: 10_000 },
      }),
      realtimeCampaign(farm, "backstop", { ping: { url: farm.buyers.backstop!.ping, timeout_ms: 4_000 } }),
    ],
  };
  const configPath = writeConfig(backends, "gavel.config.json", config);
  a = await startExchangeProcess("A", configPath, `${backends.dir}/a`, CALL_TIMEOUT_MS);
  b = await startExchangeProcess("B", configPath, `${backends.dir}/b`, CALL_TIMEOUT_MS);
});

after(async () => {
  for (const exchange of [a, b]) {
    if (exchange) assert.deepEqual(await exchange.stop(), { code: 0, signal: null }, exchange.output());
  }
  await farm?.stop();
  await backends?.cleanUp();
});

test("200 concurrent direct posts split across two instances: exactly 50 and 16 sold to the capped campaigns", async () => {
  const replies = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      (i % 2 === 0 ? a : b).seller("/v1/leads", {
        vertical: "personal_injury",
        lead: lead.full,
        consent: lead.consent,
      }),
    ),
  );
  assert.ok(
    replies.every((reply) => reply.status === 200),
    JSON.stringify(replies.find((r) => r.status !== 200)?.body),
  );
  const soldTo = new Map<string, number>();
  for (const row of await storedLeads(backends.schema)) {
    if (row.status === "sold") soldTo.set(row.buyer_id!, (soldTo.get(row.buyer_id!) ?? 0) + 1);
  }
  assert.equal(soldTo.get("capped"), 50);
  assert.equal(soldTo.get("spender"), 16);
  // The rest went to the uncapped backstop, or found no bid in time (200 auctions at once from two processes on two
  // cores: some buyers' pings time out). Either way, every lead got its answer.
  const unsold = replies.filter((reply) => reply.body.status === "unsold").length;
  assert.equal((soldTo.get("backstop") ?? 0) + unsold, 134);
  const posts = (await farm.requests()).filter((r) => r.kind === "post");
  assert.equal(posts.filter((r) => r.buyer === "capped").length, 50, "the capped buyer never saw lead 51");
});
