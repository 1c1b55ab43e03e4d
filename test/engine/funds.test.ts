// Buyer funds and auto-pause in real auctions, on both backends: a prepaid buyer buys while its deposits plus credit
// cover its bid and is then skipped (`insufficient_funds`) until a top-up; never overshoots under concurrency; keeps its
// balance across a restart; and a buyer whose posts keep failing is paused, then resumed through the admin API.
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
  type Harness,
  personalInjuryLead,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";
import { openTestStorage, type TestStorage, withTestStorage } from "../helpers/test-backend.ts";
import { deleteKeysWithPrefix } from "../store/redis-test-helpers.ts";

const lead = personalInjuryLead();
const direct = (h: Harness) =>
  h.call("/v1/leads", { vertical: "personal_injury", lead: lead.full, consent: lead.consent });

interface TraceLine {
  phase: string;
  campaign_id: string;
  outcome: string;
  detail?: string;
}

/** Direct-posts one lead; resolves to the buyer it sold to (undefined: unsold) and its trace. */
async function sellOne(h: Harness): Promise<{ buyer: string | undefined; trace: TraceLine[] }> {
  const reply = await direct(h);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const { body } = await h.admin("GET", `/v1/admin/leads/${reply.body.lead_id}`);
  return { buyer: body.lead.status === "sold" ? body.lead.buyer_id : undefined, trace: body.trace };
}

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

const lineOf = (trace: TraceLine[], campaign: string, phase = "ping") =>
  trace.find((line) => line.campaign_id === campaign && line.phase === phase);

describe(`[${BACKEND}] a prepaid buyer`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness([bidder("prepaid", 40), bidder("backstop", 10)], (farm) => ({
      sources: [testSource({ payout: { model: "margin", amount: 1 } })],
      buyers: [
        { id: "prepaid", name: "prepaid", status: "active", funds: { credit_limit: 0 } },
        { id: "backstop", name: "backstop", status: "active" },
      ],
      campaigns: [realtimeCampaign(farm, "prepaid"), realtimeCampaign(farm, "backstop")],
    }));
  });

  after(async () => {
    await h.close();
  });

  test("with no deposit and no credit it buys nothing", async () => {
    const { buyer, trace } = await sellOne(h);
    assert.equal(buyer, "backstop");
    const line = lineOf(trace, "prepaid");
    assert.equal(line?.outcome, "insufficient_funds");
    assert.match(line?.detail ?? "", /available 0 .*bid 40/);
  });

  test("$100 deposited at $40 a lead: two leads, then insufficient_funds", async () => {
    const topUp = await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", { amount: 100, note: "wire" });
    assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
    assert.equal(topUp.body.deposit.amount, 100);
    assert.equal(topUp.body.deposit.note, "wire");
    assert.equal(topUp.body.funds.available, 100);

    assert.equal((await sellOne(h)).buyer, "prepaid");
    assert.equal((await sellOne(h)).buyer, "prepaid");
    const third = await sellOne(h);
    assert.equal(third.buyer, "backstop");
    assert.equal(lineOf(third.trace, "prepaid")?.outcome, "insufficient_funds");
    assert.match(
      lineOf(third.trace, "prepaid")?.detail ?? "",
      /available 20 \(deposits \+ credit 100\), bid 40/,
    );
  });

  test("a ping's trace says insufficient_funds too", async () => {
    const ping = await h.call("/v1/ping", { vertical: "personal_injury", lead: lead.ping });
    assert.equal(ping.status, 200);
    const { body } = await h.admin("GET", `/v1/admin/pings/${ping.body.ping_id}`);
    assert.equal(lineOf(body.trace, "prepaid")?.outcome, "insufficient_funds");
    assert.equal(lineOf(body.trace, "backstop")?.outcome, "won");
  });

  test("the funds endpoint adds it up", async () => {
    const { status, body } = await h.admin("GET", "/v1/admin/buyers/prepaid/funds");
    assert.equal(status, 200);
    assert.deepEqual(body, {
      buyer_id: "prepaid",
      prepaid: true,
      deposits: 100,
      spent: 80,
      reserved: 0,
      credit_limit: 0,
      balance: 20,
      available: 20,
    });
    const unlimited = (await h.admin("GET", "/v1/admin/buyers/backstop/funds")).body;
    assert.deepEqual(
      { prepaid: unlimited.prepaid, credit_limit: unlimited.credit_limit, available: unlimited.available },
      { prepaid: false, credit_limit: null, available: null },
    );
  });

  test("a top-up lets it buy again; repeating the top-up's id counts it once", async () => {
    const first = await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", { amount: 30.5, id: "wire-7" });
    assert.equal(first.status, 201);
    assert.equal(first.body.funds.available, 50.5);
    const again = await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", { amount: 30.5, id: "wire-7" });
    assert.equal(again.status, 200);
    assert.equal(again.body.funds.deposits, 130.5);
    const clash = await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", { amount: 99, id: "wire-7" });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, "GAVEL_DEPOSIT_ID_REUSED");
    assert.equal(clash.body.error.field, "id");

    assert.equal((await sellOne(h)).buyer, "prepaid");
    assert.equal((await sellOne(h)).buyer, "backstop", "10.50 left does not cover 40");
  });

  test("a credit limit lets the balance go negative, down to the limit", async () => {
    const buyer = (await h.admin("GET", "/v1/admin/buyers/prepaid")).body;
    const put = await h.admin("PUT", "/v1/admin/buyers/prepaid", { ...buyer, funds: { credit_limit: 50 } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    // 130.50 deposited + 50 credit − 120 spent = 60.50: one more lead, then 20.50 is not enough.
    assert.equal((await sellOne(h)).buyer, "prepaid");
    assert.equal((await sellOne(h)).buyer, "backstop");
    const { body } = await h.admin("GET", "/v1/admin/buyers/prepaid/funds");
    assert.equal(body.spent, 160);
    assert.equal(body.balance, -29.5);
    assert.equal(body.available, 20.5);
  });

  test("bad deposits are refused with a code and the field at fault", async () => {
    const cases: [unknown, string][] = [
      [{ amount: 0 }, "amount"],
      [{ amount: -5 }, "amount"],
      [{ amount: "10" }, "amount"],
      [{ amount: 1.234 }, "amount"],
      [{}, "amount"],
      [{ amount: 10, currency: "EUR" }, "currency"],
      [{ amount: 10, id: "" }, "id"],
    ];
    for (const [body, field] of cases) {
      const reply = await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.error.code, "GAVEL_VALIDATION", JSON.stringify(body));
      assert.equal(reply.body.error.field, field, JSON.stringify(body));
    }
    const unknown = await h.admin("POST", "/v1/admin/buyers/nobody/deposits", { amount: 10 });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "GAVEL_NOT_FOUND");
    assert.equal((await h.admin("GET", "/v1/admin/buyers/prepaid/funds")).body.deposits, 130.5);
  });

  test("switching funds on counts what the buyer bought before", async () => {
    const before = (await h.admin("GET", "/v1/admin/buyers/backstop/funds")).body;
    assert.ok(before.spent >= 40, `the backstop bought leads above: ${JSON.stringify(before)}`);
    await h.admin("POST", "/v1/admin/buyers/backstop/deposits", { amount: before.spent + 5 });
    const buyer = (await h.admin("GET", "/v1/admin/buyers/backstop")).body;
    assert.equal(
      (await h.admin("PUT", "/v1/admin/buyers/backstop", { ...buyer, funds: { credit_limit: 0 } })).status,
      200,
    );
    // The spend on record reaches the counter just after the change is saved.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { buyer: soldTo, trace } = await sellOne(h);
    assert.equal(soldTo, undefined, "$5 left does not buy a $10 lead");
    assert.equal(lineOf(trace, "backstop")?.outcome, "insufficient_funds");
  });
});

describe(`[${BACKEND}] funds under concurrency`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness([bidder("prepaid", 40), bidder("backstop", 10)], (farm) => ({
      // Time enough for every buyer to answer 50 auctions at once on a loaded machine (see caps-and-rules.test.ts).
      settings: { default_tmax_ms: 4_500, max_tmax_ms: 5_000 },
      sources: [testSource({ payout: { model: "margin", amount: 1 } })],
      buyers: [
        { id: "prepaid", name: "prepaid", status: "active", funds: { credit_limit: 0 } },
        { id: "backstop", name: "backstop", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "prepaid", {
          ping: { url: farm.buyers.prepaid!.ping, timeout_ms: 4_000 },
          post: { url: farm.buyers.prepaid!.post, timeout_ms: 10_000 },
        }),
        realtimeCampaign(farm, "backstop"),
      ],
    }));
  });

  after(async () => {
    await h.close();
  });

  test("50 concurrent direct posts against a buyer funded for exactly 10 leads: exactly 10 sold to it", async () => {
    assert.equal((await h.admin("POST", "/v1/admin/buyers/prepaid/deposits", { amount: 400 })).status, 201);
    const replies = await Promise.all(Array.from({ length: 50 }, () => direct(h)));
    assert.ok(
      replies.every((reply) => reply.status === 200),
      JSON.stringify(replies.find((r) => r.status !== 200)),
    );
    const { body } = await h.admin("GET", "/v1/admin/leads?limit=100&status=sold");
    const toPrepaid = (body.leads as { buyer_id: string }[]).filter((l) => l.buyer_id === "prepaid").length;
    assert.equal(toPrepaid, 10);
    const posts = (await h.farm.requests()).filter((r) => r.kind === "post" && r.buyer === "prepaid");
    assert.equal(posts.length, 10, "the prepaid buyer never saw lead 11");
    const funds = (await h.admin("GET", "/v1/admin/buyers/prepaid/funds")).body;
    assert.equal(funds.balance, 0);
    assert.equal(funds.available, 0);
  });
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

describe(`[${BACKEND}] auto-pause after consecutive post failures`, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness(
      [bidder("flaky", 50, { postFault: "error500" }), bidder("backstop", 10)],
      (farm) => ({
        sources: [testSource({ payout: { model: "margin", amount: 1 } })],
        buyers: [
          { id: "flaky", name: "flaky", status: "active", auto_pause_after_failures: 3 },
          { id: "backstop", name: "backstop", status: "active" },
        ],
        campaigns: [realtimeCampaign(farm, "flaky"), realtimeCampaign(farm, "backstop")],
      }),
    );
  });

  after(async () => {
    await h.close();
  });

  test("three failed posts in a row pause the buyer; its next ping says inactive: buyer paused", async () => {
    for (let i = 0; i < 3; i++) {
      const { buyer, trace } = await sellOne(h);
      assert.equal(buyer, "backstop");
      assert.equal(lineOf(trace, "flaky", "post")?.outcome, "post_error");
    }
    const { trace } = await sellOne(h);
    assert.deepEqual(
      { outcome: lineOf(trace, "flaky")?.outcome, detail: lineOf(trace, "flaky")?.detail },
      { outcome: "inactive", detail: "buyer paused" },
    );
    assert.equal((await h.admin("GET", "/v1/admin/buyers/flaky")).body.status, "paused");
  });

  test("resume makes it bid again, with a fresh count", async () => {
    await h.farm.setBehavior(bidder("flaky", 50));
    const resumed = await h.admin("POST", "/v1/admin/buyers/flaky/resume");
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.body.status, "active");
    assert.equal((await sellOne(h)).buyer, "flaky");
    // Two failures, an accepted post, two failures: never three in a row.
    await h.farm.setBehavior(bidder("flaky", 50, { postFault: "error500" }));
    await sellOne(h);
    await sellOne(h);
    await h.farm.setBehavior(bidder("flaky", 50));
    assert.equal((await sellOne(h)).buyer, "flaky");
    await h.farm.setBehavior(bidder("flaky", 50, { postFault: "error500" }));
    await sellOne(h);
    await sellOne(h);
    assert.equal((await h.admin("GET", "/v1/admin/buyers/flaky")).body.status, "active");
  });

  test("rejects are the buyer's answer: they neither pause it nor reset the count", async () => {
    // The streak stands at 2 from the last test; rejects leave it there.
    await h.farm.setBehavior(bidder("flaky", 50, { postAcceptRate: 0 }));
    for (let i = 0; i < 5; i++) {
      const { trace } = await sellOne(h);
      assert.equal(lineOf(trace, "flaky", "post")?.outcome, "post_rejected");
    }
    assert.equal((await h.admin("GET", "/v1/admin/buyers/flaky")).body.status, "active");
    // One more failure makes three in a row (the rejects in between did not reset it).
    await h.farm.setBehavior(bidder("flaky", 50, { postFault: "error500" }));
    await sellOne(h);
    assert.equal((await h.admin("GET", "/v1/admin/buyers/flaky")).body.status, "paused");
  });

  test("a PUT with status active resumes it as well", async () => {
    await h.farm.setBehavior(bidder("flaky", 50));
    const buyer = (await h.admin("GET", "/v1/admin/buyers/flaky")).body;
    assert.equal(
      (await h.admin("PUT", "/v1/admin/buyers/flaky", { ...buyer, status: "active" })).status,
      200,
    );
    assert.equal((await sellOne(h)).buyer, "flaky");
  });

  test("resuming an unknown buyer is a 404", async () => {
    const reply = await h.admin("POST", "/v1/admin/buyers/nobody/resume");
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.code, "GAVEL_NOT_FOUND");
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
