import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type BuyerFarm, startBuyerFarm } from "../../src/sim/buyer-farm-client.ts";

let farm: BuyerFarm;

describe("buyer-farm", () => {
  before(async () => {
    farm = await startBuyerFarm([
      { name: "always-bids", bidRate: 1, price: [5, 10], latencyMs: 5, postAcceptRate: 1, expiresInS: 60 },
      { name: "flaky", bidRate: 0, price: [1, 2], latencyMs: 0, postAcceptRate: 0, noBidAs204: true },
    ]);
  });

  after(() => farm.stop());

  const ping = {
    request_id: "r1",
    vertical: "personal_injury",
    lead: { state: "CA" },
    tmax_ms: 300,
    test: true,
  };

  interface Answer {
    bid?: boolean;
    price: number;
    bid_id?: string;
    expires_in_s?: number;
    accepted?: boolean;
    buyer_lead_id: string;
  }

  async function answerOf(response: Promise<Response>): Promise<Answer> {
    return (await (await response).json()) as Answer;
  }

  function post(url: string, body: unknown): Promise<Response> {
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  test("a bidding buyer answers a ping with a priced bid and a unique bid id", async () => {
    const answers = await Promise.all(
      [1, 2].map(() => answerOf(post(farm.buyers["always-bids"]!.ping, ping))),
    );
    for (const answer of answers) {
      assert.equal(answer.bid, true);
      assert.ok(answer.price >= 5 && answer.price <= 10);
      assert.match(String(answer.price), /^\d+(\.\d{1,2})?$/, "price is in whole cents");
      assert.equal(answer.expires_in_s, 60);
    }
    assert.notEqual(answers[0]!.bid_id, answers[1]!.bid_id);
  });

  test("a buyer that does not bid can answer 204, and rejects posts", async () => {
    const noBid = await post(farm.buyers["flaky"]!.ping, ping);
    assert.equal(noBid.status, 204);
    const rejected = await answerOf(
      post(farm.buyers["flaky"]!.post, { request_id: "r1", price: 1, lead: {} }),
    );
    assert.deepEqual(rejected, { accepted: false, reason: "duplicate" });
  });

  test("an accepting buyer answers a post with its lead id", async () => {
    const accepted = await answerOf(
      post(farm.buyers["always-bids"]!.post, { request_id: "r1", price: 7, lead: {} }),
    );
    assert.equal(accepted.accepted, true);
    assert.match(accepted.buyer_lead_id, /^always-bids-/);
  });

  test("faults set at runtime: error500 answers HTTP 500, reset drops the connection", async () => {
    const base = {
      name: "flaky",
      bidRate: 1,
      price: [1, 2] as [number, number],
      latencyMs: 0,
      postAcceptRate: 1,
    };
    await farm.setBehavior({ ...base, fault: "error500" });
    assert.equal((await post(farm.buyers["flaky"]!.ping, ping)).status, 500);

    await farm.setBehavior({ ...base, fault: "reset" });
    await assert.rejects(post(farm.buyers["flaky"]!.ping, ping), TypeError);
  });

  test("a hanging buyer never answers: the client has to give up", async () => {
    await farm.setBehavior({
      name: "flaky",
      bidRate: 1,
      price: [1, 2],
      latencyMs: 0,
      postAcceptRate: 1,
      fault: "hang",
    });
    const response = fetch(farm.buyers["flaky"]!.ping, {
      method: "POST",
      body: JSON.stringify(ping),
      signal: AbortSignal.timeout(100),
    });
    await assert.rejects(response, { name: "TimeoutError" });
  });

  test("every request is recorded with its raw body, and can be cleared", async () => {
    await farm.clearRequests();
    await post(farm.buyers["always-bids"]!.ping, ping);
    const [recorded, ...rest] = await farm.requests();
    assert.equal(rest.length, 0);
    assert.equal(recorded?.buyer, "always-bids");
    assert.equal(recorded?.kind, "ping");
    assert.equal(recorded?.method, "POST");
    assert.equal(recorded?.path, "/ping");
    assert.equal(recorded?.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(recorded!.body), ping);

    const stats = await farm.stats();
    assert.ok(stats["always-bids"]!.bids >= 3);
    assert.equal(stats["flaky"]!.rejected, 1);
    assert.ok(stats["flaky"]!.pingFaults >= 3);
  });

  test("a farm that cannot start rejects with the reason", async () => {
    await assert.rejects(
      startBuyerFarm([{ name: "bad", bidRate: 2, price: [1, 2], latencyMs: 0, postAcceptRate: 1 }]),
      /bidRate must be between 0 and 1/,
    );
  });
});
