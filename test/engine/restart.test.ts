// What survives a restart: the exchange runs as a child process through the CLI, on one data folder (embedded) or one
// PostgreSQL schema and Redis key prefix (distributed), while the simulated buyers outlive it. Configuration made
// through the admin API, leads with their traces, and held pings (still postable) survive a graceful stop; a sale
// survives even a SIGKILL (DESIGN rule 9).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";
import { outcomesOf, receivers, requestIdOf, type TraceLine, VERTICAL } from "../helpers/engine-steps.ts";
import {
  ADMIN_KEY,
  bidder,
  personalInjuryLead,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  testSource,
} from "../helpers/exchange-harness.ts";
import { type GavelProcess, startGavelProcess } from "../helpers/gavel-process.ts";
import { BACKEND, openTestStorage, type TestStorage, withTestStorage } from "../helpers/test-backend.ts";

let farm: BuyerFarm;
let dataDir: string;
let configPath: string;
let gavel: GavelProcess | undefined;
// One schema and key prefix for every run of the exchange: what the restarts must find again.
let storage: TestStorage | undefined;

before(async () => {
  storage = await openTestStorage();
  farm = await startBuyerFarm([bidder("steady", 30), bidder("newcomer", 40)], { inProcess: true });
  dataDir = mkdtempSync(join(tmpdir(), "gavel-restart-"));
  configPath = join(dataDir, "gavel.config.json");
  // The file names only the steady buyer; the newcomer is added through the admin API.
  const config: ConfigFile = {
    sources: [testSource()],
    buyers: [{ id: "steady", name: "steady", status: "active" }],
    campaigns: [realtimeCampaign(farm, "steady")],
  };
  writeFileSync(configPath, JSON.stringify(withTestStorage(config, storage), null, 2));
});

after(async () => {
  await gavel?.stop("SIGKILL");
  await farm?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await storage?.dispose();
});

async function request(method: string, path: string, key: string, body?: unknown): Promise<Reply> {
  assert.ok(gavel, "gavel is running");
  const response = await fetch(gavel.url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const seller = (path: string, body: unknown, key = SOURCE_KEY) => request("POST", path, key, body);
const admin = (method: string, path: string, body?: unknown) => request(method, path, ADMIN_KEY, body);

async function start(): Promise<void> {
  gavel = await startGavelProcess({ configPath, dataDir, adminKey: ADMIN_KEY });
}

async function stop(signal: NodeJS.Signals): Promise<void> {
  const exit = await gavel!.stop(signal);
  if (signal === "SIGTERM") assert.deepEqual(exit, { code: 0, signal: null }, gavel!.output());
  gavel = undefined;
}

const lead = personalInjuryLead();
// What the first run leaves behind for the second to find.
const firstRun = { soldLeadId: "", heldPingId: "", heldPrice: 0, apiSourceKey: "" };

describe(`[${BACKEND}] restarts`, () => {
  test("first run: a sale, a held ping, and configuration made through the admin API; then SIGTERM", async () => {
    await start();
    await storage!.assertInUse();
    const ping = await seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping });
    assert.equal(ping.body.status, "bid");
    const post = await seller("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold");
    firstRun.soldLeadId = post.body.lead_id;

    const held = await seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping });
    assert.equal(held.body.status, "bid");
    assert.equal(held.body.price, 24);
    firstRun.heldPingId = held.body.ping_id;
    firstRun.heldPrice = held.body.price;

    const source = await admin("PUT", "/v1/admin/sources/src-api", {
      name: "Made through the API",
      status: "live",
      payout: { model: "margin", amount: 2 },
    });
    assert.equal(source.status, 200, JSON.stringify(source.body));
    assert.equal(typeof source.body.api_key, "string", "a new source gets its key once");
    firstRun.apiSourceKey = source.body.api_key;
    assert.equal(
      (await admin("PUT", "/v1/admin/buyers/newcomer", { name: "newcomer", status: "active" })).status,
      200,
    );
    const campaign = await admin("PUT", "/v1/admin/campaigns/newcomer", realtimeCampaign(farm, "newcomer"));
    assert.equal(campaign.status, 200, JSON.stringify(campaign.body));

    await stop("SIGTERM");
  });

  test("second run on the same data: the API-made configuration is still there and works", async () => {
    await start();
    const source = await admin("GET", "/v1/admin/sources/src-api");
    assert.equal(source.status, 200);
    assert.deepEqual(source.body.payout, { model: "margin", amount: 2 });
    assert.equal((await admin("GET", "/v1/admin/buyers/newcomer")).status, 200);
    const campaign = await admin("GET", "/v1/admin/campaigns/newcomer");
    assert.equal(campaign.status, 200);
    assert.equal(campaign.body.ping.url, farm.buyers["newcomer"]!.ping);

    // The source's key (never stored in clear) still authenticates; the newcomer's $40 bid wins, less the $2 margin.
    const ping = await seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping }, firstRun.apiSourceKey);
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.equal(ping.body.status, "bid");
    assert.equal(ping.body.price, 38);
  });

  test("second run: the earlier lead and its full trace are still there", async () => {
    const reply = await admin("GET", `/v1/admin/leads/${firstRun.soldLeadId}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.lead.status, "sold");
    assert.equal(reply.body.lead.buyer_id, "steady");
    assert.equal(reply.body.lead.lead.email, lead.full.email.toLowerCase(), "with its PII, durable");
    const trace = reply.body.trace as TraceLine[];
    assert.deepEqual(outcomesOf(trace, "ping"), { steady: "won" });
    assert.deepEqual(outcomesOf(trace, "post"), { steady: "post_accepted" });
  });

  test("second run: the ping held before the restart can still be posted, and sells at its quoted price", async () => {
    const post = await seller("/v1/post", {
      ping_id: firstRun.heldPingId,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.body.status, "sold");
    assert.equal(post.body.price, firstRun.heldPrice);

    const reply = await admin("GET", `/v1/admin/pings/${firstRun.heldPingId}`);
    assert.equal(reply.body.lead_id, post.body.lead_id);
    const trace = reply.body.trace as TraceLine[];
    assert.deepEqual(
      outcomesOf(trace, "ping"),
      { steady: "won" },
      "the ping's events were flushed on SIGTERM",
    );
    assert.deepEqual(outcomesOf(trace, "post"), { steady: "post_accepted" });
    const requests = (await farm.requests()).filter((r) => requestIdOf(r) === firstRun.heldPingId);
    assert.deepEqual(receivers(requests, "post"), ["steady"]);

    const again = await seller("/v1/post", {
      ping_id: firstRun.heldPingId,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.deepEqual(again.body, post.body, "still idempotent after the restart");
  });

  test("SIGTERM while a post waits on its buyer: the post still completes, and its sale survives", async () => {
    await farm.setBehavior(bidder("steady", 30, { postLatencyMs: 600 }));
    try {
      const ping = await seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping });
      const posting = seller("/v1/post", {
        ping_id: ping.body.ping_id,
        lead: lead.full,
        consent: lead.consent,
      });
      await waitFor(async () =>
        (await farm.requests()).some((r) => r.kind === "post" && requestIdOf(r) === ping.body.ping_id),
      );
      const stopping = stop("SIGTERM");
      const post = await posting;
      await stopping;
      assert.equal(post.status, 200, JSON.stringify(post.body));
      assert.equal(post.body.status, "sold");

      await start();
      const reply = await admin("GET", `/v1/admin/leads/${post.body.lead_id}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.lead.status, "sold");
    } finally {
      await farm.setBehavior(bidder("steady", 30));
    }
  });

  test("a sale answered just before a SIGKILL is still there after the next start", async () => {
    const ping = await seller("/v1/ping", { vertical: VERTICAL, lead: lead.ping });
    const post = await seller("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.equal(post.body.status, "sold");
    await stop("SIGKILL");

    await start();
    const reply = await admin("GET", `/v1/admin/leads/${post.body.lead_id}`);
    assert.equal(reply.status, 200, "the sale was durable before it was answered");
    assert.equal(reply.body.lead.status, "sold");
    assert.equal(reply.body.lead.price, post.body.price);
    const retry = await seller("/v1/post", {
      ping_id: ping.body.ping_id,
      lead: lead.full,
      consent: lead.consent,
    });
    assert.deepEqual(
      retry.body,
      post.body,
      "a retry after the crash gets the first answer, not a second sale",
    );
    await stop("SIGTERM");
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
