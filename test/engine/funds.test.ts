// Buyer funds across restarts and instances: a prepaid buyer keeps its balance across a restart (even when Redis lost
// its data), and on the distributed backend a top-up or an auto-pause made through one instance reaches the other.
// What needs neither a restart nor a second instance runs in process as lifecycle fixtures:
// test/scenarios/lifecycle/funds.json, funds-concurrency.json and auto-pause.json, on both backends.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type RunningGavel, startGavel } from "../../src/app.ts";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import {
  ADMIN_KEY,
  BACKEND,
  bidder,
  personalInjuryLead,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  testSource,
} from "../helpers/exchange-harness.ts";
import { openTestStorage, type TestStorage, withTestStorage } from "../helpers/test-backend.ts";
import { deleteKeysWithPrefix } from "../store/redis-test-helpers.ts";

const lead = personalInjuryLead();
/** Calls an exchange started without the harness (restarts, two instances). */
async function send(
  gavel: RunningGavel,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<Reply> {
  const response = await fetch(gavel.url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const sellThrough = (gavel: RunningGavel) =>
  send(gavel, "POST", "/v1/leads", SOURCE_KEY, {
    vertical: "personal_injury",
    lead: lead.full,
    consent: lead.consent,
  });

describe(`[${BACKEND}] a restart keeps the balance`, () => {
  let farm: BuyerFarm;
  let storage: TestStorage;
  let dataDir: string;
  let gavel: RunningGavel | undefined;

  const config = (): ConfigFile =>
    withTestStorage(
      {
        sources: [testSource()],
        buyers: [{ id: "prepaid", name: "prepaid", status: "active", funds: { credit_limit: 0 } }],
        campaigns: [realtimeCampaign(farm, "prepaid")],
      },
      storage,
    );
  const start = async () =>
    startGavel({ config: config(), dataDir, port: 0, adminKey: ADMIN_KEY, logLevel: "silent" });
  before(async () => {
    storage = await openTestStorage();
    farm = await startBuyerFarm([bidder("prepaid", 40)]);
    dataDir = mkdtempSync(join(tmpdir(), "gavel-funds-"));
  });

  after(async () => {
    await gavel?.close();
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await storage.dispose();
  });

  test("spend and deposits come back after a restart, even when Redis lost its data; the config file resets neither", async () => {
    gavel = await start();
    assert.equal(
      (await send(gavel, "POST", "/v1/admin/buyers/prepaid/deposits", ADMIN_KEY, { amount: 100 })).status,
      201,
    );
    assert.equal((await sellThrough(gavel)).body.status, "sold");
    assert.equal((await sellThrough(gavel)).body.status, "sold");
    await gavel.close();
    // Redis need not persist: losing it must not refill a balance (the store's record of sales puts the spend back).
    if (storage.storage?.redis_key_prefix) await deleteKeysWithPrefix(storage.storage.redis_key_prefix);
    gavel = await start();
    const funds = (await send(gavel, "GET", "/v1/admin/buyers/prepaid/funds", ADMIN_KEY)).body;
    assert.equal(funds.deposits, 100);
    assert.equal(funds.spent, 80);
    assert.equal(funds.available, 20);
    const third = await sellThrough(gavel);
    assert.equal(third.body.status, "unsold", "the $20 left must not buy a $40 lead after a restart");
  });
});

// Two exchanges on one PostgreSQL schema and Redis prefix: a top-up and an auto-pause made through one reach the other.
describe(`[${BACKEND}] two instances`, {
  skip: BACKEND !== "distributed" && "needs the distributed backend",
}, () => {
  let farm: BuyerFarm;
  let storage: TestStorage;
  let dataDir: string;
  const instances: RunningGavel[] = [];

  /** Sells through `gavel` until a lead goes to `buyer` (the other instance's news arrives within a second). */
  const soldTo = async (gavel: RunningGavel, buyer: string) => {
    for (let tries = 0; tries < 20; tries++) {
      if ((await sellOneThrough(gavel)).buyer === buyer) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };
  const buyerOf = async (leadId: string) =>
    (await send(instances[0]!, "GET", `/v1/admin/leads/${leadId}`, ADMIN_KEY)).body.lead.buyer_id as string;

  before(async () => {
    storage = await openTestStorage();
    farm = await startBuyerFarm([bidder("prepaid", 40, { postFault: "error500" }), bidder("backstop", 10)]);
    dataDir = mkdtempSync(join(tmpdir(), "gavel-funds-two-"));
    const config = withTestStorage(
      {
        sources: [testSource({ payout: { model: "margin", amount: 1 } })],
        buyers: [
          {
            id: "prepaid",
            name: "prepaid",
            status: "active",
            funds: { credit_limit: 0 },
            auto_pause_after_failures: 2,
          },
          { id: "backstop", name: "backstop", status: "active" },
        ],
        campaigns: [realtimeCampaign(farm, "prepaid"), realtimeCampaign(farm, "backstop")],
      },
      storage,
    );
    for (const name of ["a", "b"]) {
      instances.push(
        await startGavel({
          config,
          dataDir: join(dataDir, name),
          port: 0,
          adminKey: ADMIN_KEY,
          logLevel: "silent",
        }),
      );
    }
  });

  after(async () => {
    for (const gavel of instances) await gavel.close();
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await storage.dispose();
  });

  test("a top-up through one instance lets the buyer buy through the other", async () => {
    const [a, b] = instances as [RunningGavel, RunningGavel];
    await farm.setBehavior(bidder("prepaid", 40));
    assert.equal((await sellOneThrough(b)).buyer, "backstop");
    assert.equal(
      (await send(a, "POST", "/v1/admin/buyers/prepaid/deposits", ADMIN_KEY, { amount: 40 })).status,
      201,
    );
    assert.ok(await soldTo(b, "prepaid"), "instance b never saw the top-up");
    assert.equal(
      (await sellOneThrough(a)).buyer,
      "backstop",
      "both instances count the one lead it could pay",
    );
  });

  test("failures seen by both instances add up, and the pause reaches both", async () => {
    const [a, b] = instances as [RunningGavel, RunningGavel];
    await farm.setBehavior(bidder("prepaid", 40, { postFault: "error500" }));
    assert.equal(
      (await send(a, "POST", "/v1/admin/buyers/prepaid/deposits", ADMIN_KEY, { amount: 400 })).status,
      201,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await sellOneThrough(a);
    await sellOneThrough(b);
    let paused = false;
    for (let tries = 0; tries < 20 && !paused; tries++) {
      const { body } = await send(a, "GET", "/v1/admin/buyers/prepaid", ADMIN_KEY);
      const other = await send(b, "GET", "/v1/admin/buyers/prepaid", ADMIN_KEY);
      paused = body.status === "paused" && other.body.status === "paused";
      if (!paused) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(paused, "two failures across two instances pause the buyer on both");
  });

  async function sellOneThrough(gavel: RunningGavel) {
    const reply = await sellThrough(gavel);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return { buyer: reply.body.status === "sold" ? await buyerOf(reply.body.lead_id) : undefined };
  }
});
