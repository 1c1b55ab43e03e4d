// The buyer HTTP client over a caller's undici dispatcher: a MockAgent stands in for buyers (no socket), and the
// client keeps its contract on it — answers, the deadline, transport failures and the response size cap.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { MockAgent } from "undici";
import { BuyerHttpClient, BuyerTransportError } from "../../src/buyers/buyer-http-client.ts";

const BUYER = "http://buyer.test";

describe("buyer HTTP client on a MockAgent", () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(BUYER);
  const client = new BuyerHttpClient({ maxResponseBytes: 1024, dispatcher: agent });
  after(() => agent.close());

  test("a request reaches the mock with its method, body and headers, and the answer comes back", async () => {
    let seen: { body: unknown; contentType: unknown } | undefined;
    pool.intercept({ path: "/ping?src=a", method: "POST" }).reply((request) => {
      const headers = request.headers as Record<string, string>;
      seen = { body: JSON.parse(String(request.body)), contentType: headers["content-type"] };
      return { statusCode: 200, data: { bid: true, price: 12.5 } };
    });
    const answer = await client.send({
      url: `${BUYER}/ping`,
      query: "src=a",
      body: JSON.stringify({ lead: { zip: "90210" } }),
      timeoutMs: 1000,
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { bid: true, price: 12.5 });
    assert.deepEqual(seen, { body: { lead: { zip: "90210" } }, contentType: "application/json" });
  });

  test("an answer later than the request's budget is a timeout", async () => {
    // The mock's own delay timer is real time: 2 s against a 30 ms budget leaves a wide margin under load.
    pool.intercept({ path: "/slow", method: "POST" }).reply(200, { bid: true }).delay(2000);
    const failure = await client.send({ url: `${BUYER}/slow`, body: "{}", timeoutMs: 30 }).catch((e) => e);
    assert.ok(failure instanceof BuyerTransportError, String(failure));
    assert.equal(failure.failure, "timeout");
  });

  test("a connection error is unreachable", async () => {
    pool.intercept({ path: "/reset", method: "POST" }).replyWithError(new Error("ECONNRESET"));
    const failure = await client.send({ url: `${BUYER}/reset`, body: "{}", timeoutMs: 1000 }).catch((e) => e);
    assert.ok(failure instanceof BuyerTransportError, String(failure));
    assert.equal(failure.failure, "unreachable");
  });

  test("a body over the cap is too_large even though the dispatcher has no size limit of its own", async () => {
    pool.intercept({ path: "/huge", method: "POST" }).reply(200, "x".repeat(4096));
    const failure = await client.send({ url: `${BUYER}/huge`, body: "{}", timeoutMs: 1000 }).catch((e) => e);
    assert.ok(failure instanceof BuyerTransportError, String(failure));
    assert.equal(failure.failure, "too_large");
  });

  test("closing the client leaves the caller's dispatcher open", async () => {
    const other = new BuyerHttpClient({ maxResponseBytes: 1024, dispatcher: agent });
    await other.close();
    pool.intercept({ path: "/after-close", method: "POST" }).reply(204, "");
    const answer = await client.send({ url: `${BUYER}/after-close`, body: "{}", timeoutMs: 1000 });
    assert.equal(answer.status, 204);
  });
});
