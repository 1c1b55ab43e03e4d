// The console across two exchange processes (A and B) on one PostgreSQL schema and one Redis prefix, as two instances
// behind a load balancer (issue 6): the login guess limit is one count for both (ten wrong passwords spread over A and
// B, then the eleventh login is refused on either, even with the right password), and the operator's live numbers read
// from either instance sum every live instance's traffic; an instance that dies drops out within a few seconds.
// Real time: a dead instance drops off the live board when its last post is STALE_MS old by Redis's clock (TIME).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LiveSnapshot } from "../../src/console/live-snapshot.ts";
import { STALE_MS } from "../../src/console/redis-live-board.ts";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { VERTICAL } from "../helpers/engine-steps.ts";
import { bidder, personalInjuryLead, realtimeCampaign, testSource } from "../helpers/exchange-harness.ts";
import { connectAdminClient } from "../store/redis-test-helpers.ts";
import {
  type ExchangeProcess,
  type Reply,
  type SharedBackends,
  sharedBackends,
  startExchangeProcess,
  stopCleanly,
  storageFor,
  timedRequest,
  writeConfig,
} from "./distributed-exchange.ts";

const PASSWORD = "correct horse battery";
const OPERATOR = "ops@example.com";
const lead = personalInjuryLead();
/** How long a snapshot may take to show what happened: a tick on each side, and a margin for a busy machine. */
const SHOWN_WITHIN_MS = 5_000;

let backends: SharedBackends;
let farm: BuyerFarm;
let a: ExchangeProcess;
let b: ExchangeProcess;

before(async () => {
  // Fails within seconds, naming Redis, when the test Redis is unreachable (the exchanges could not start either).
  (await connectAdminClient()).disconnect();
  backends = await sharedBackends("console");
  farm = await startBuyerFarm([bidder("alpha", 40)]);
  const config: ConfigFile = {
    storage: storageFor(backends),
    sources: [testSource()],
    buyers: [{ id: "alpha", name: "Alpha Law", status: "active" }],
    campaigns: [realtimeCampaign(farm, "alpha")],
  };
  const configPath = writeConfig(backends, "gavel.config.json", config);
  a = await startExchangeProcess("A", configPath, `${backends.dir}/a`);
  b = await startExchangeProcess("B", configPath, `${backends.dir}/b`);
  const created = await a.admin("POST", "/v1/console/users", {
    email: OPERATOR,
    role: "operator",
    password: PASSWORD,
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
});

after(async () => {
  // One of them was killed on purpose (the live board drops it).
  await stopCleanly([a, b].filter((exchange) => !exchange?.exited()));
  await farm?.stop();
  await backends?.cleanUp();
});

function login(on: ExchangeProcess, email: string, password: string): Promise<Reply> {
  return timedRequest(`${on.url}/v1/console/login`, "POST", undefined, { email, password, token: true });
}

test("ten wrong passwords spread over A and B: the eleventh login is refused on either, the right password too", async () => {
  const email = "guessed@example.com";
  const created = await a.admin("POST", "/v1/console/users", { email, role: "operator", password: PASSWORD });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  for (let i = 0; i < 10; i++) {
    const on = i % 2 === 0 ? a : b;
    const wrong = await login(on, email, `guess-${i}`);
    assert.equal(wrong.status, 401, `guess ${i} on ${on.name}: ${JSON.stringify(wrong.body)}`);
  }
  for (const on of [a, b]) {
    const refused = await login(on, email, "guess-10");
    assert.equal(refused.status, 429, `${on.name}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.error.code, "GAVEL_RATE_LIMITED");
    assert.equal((await login(on, email, PASSWORD)).status, 429, `${on.name}: the right password waits too`);
  }
  assert.equal((await login(b, OPERATOR, PASSWORD)).status, 200, "other emails are not affected");
  const redis = await connectAdminClient();
  try {
    const keys = await redis.keys(`${backends.redisKeyPrefix}:*`);
    assert.ok(
      keys.every((key) => !key.includes("@")),
      `no email in clear in Redis: ${keys.join(", ")}`,
    );
  } finally {
    redis.disconnect();
  }
});

/** An operator's bearer token on `on`. */
async function operatorToken(on: ExchangeProcess): Promise<string> {
  const reply = await login(on, OPERATOR, PASSWORD);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.token;
}

/**
 * Reads `on`'s live numbers (the server-sent events the dashboard reads) until one satisfies `wanted`; fails, with the
 * last snapshot seen, after `withinMs`.
 */
async function liveUntil(
  on: ExchangeProcess,
  token: string,
  wanted: (snapshot: LiveSnapshot) => boolean,
  withinMs = SHOWN_WITHIN_MS,
): Promise<LiveSnapshot> {
  const response = await fetch(`${on.url}/v1/console/live`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(withinMs),
  });
  if (response.status !== 200) assert.fail(`${on.name}: ${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffered = "";
  let last: LiveSnapshot | undefined;
  try {
    for await (const chunk of response.body!) {
      buffered += decoder.decode(chunk, { stream: true });
      let end = buffered.indexOf("\n\n");
      while (end >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf("\n\n");
        if (!event.startsWith("data: ")) continue;
        last = JSON.parse(event.slice("data: ".length)) as LiveSnapshot;
        if (wanted(last)) return last;
      }
    }
  } catch (error) {
    if (!(error instanceof Error && error.name === "TimeoutError")) throw error;
  }
  assert.fail(
    `${on.name}'s live numbers never showed it within ${withinMs} ms; last: ${JSON.stringify(last)}`,
  );
}

async function pings(on: ExchangeProcess, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const reply = await on.seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status, "bid", JSON.stringify(reply.body));
  }
}

test("traffic sent only to A shows in the live numbers read from B", async () => {
  const token = await operatorToken(b);
  await pings(a, 6);

  const seen = await liveUntil(b, token, (snapshot) => snapshot.totals.auctions === 6);

  assert.equal(seen.instances, 2);
  assert.deepEqual(seen.totals, { auctions: 6, bids: 6, leads: 0, sold: 0 });
  assert.ok(seen.pings_per_s > 0, `pings/s from A: ${seen.pings_per_s}`);
  assert.equal(seen.bid_rate_pct, 100);
  assert.ok(seen.p50_ms !== null && seen.p99_ms !== null, "A's answer times are in B's percentiles");
  assert.ok(seen.p50_ms <= seen.p99_ms);
  const alpha = seen.buyers.find((buyer) => buyer.buyer_id === "alpha");
  assert.equal(alpha?.requests, 6, JSON.stringify(seen.buyers));
});

test("traffic on both instances: either one's live numbers show the sum", async () => {
  await pings(b, 4);

  for (const on of [a, b]) {
    const seen = await liveUntil(on, await operatorToken(on), (snapshot) => snapshot.totals.auctions === 10);
    assert.equal(seen.instances, 2, on.name);
    assert.equal(seen.totals.bids, 10, on.name);
    assert.equal(seen.buyers.find((buyer) => buyer.buyer_id === "alpha")?.requests, 10, on.name);
  }
});

test("an instance that dies drops out of the others' live numbers within a few seconds", async () => {
  const token = await operatorToken(b);
  process.kill(a.pid, "SIGKILL");
  const killedAt = performance.now();
  await a.stop();

  const seen = await liveUntil(b, token, (snapshot) => snapshot.instances === 1, STALE_MS + SHOWN_WITHIN_MS);

  const ms = performance.now() - killedAt;
  assert.ok(ms < STALE_MS + 2_000, `dropped out after ${Math.round(ms)} ms`);
  assert.deepEqual(seen.totals, { auctions: 4, bids: 4, leads: 0, sold: 0 }, "B's own numbers only");
});
