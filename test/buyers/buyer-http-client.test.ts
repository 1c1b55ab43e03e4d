// The buyer HTTP client over a caller's undici dispatcher: a MockAgent stands in for buyers (no socket), and the
// client keeps its contract on it — answers, the deadline, transport failures and the response size cap.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, MockAgent } from "undici";
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

  test("a transport failure carries no stack (a buyer's outcome, not a bug) and leaves the stack limit as it was", async () => {
    pool.intercept({ path: "/stackless", method: "POST" }).replyWithError(new Error("ECONNRESET"));
    const limit = Error.stackTraceLimit;
    const failure = await client
      .send({ url: `${BUYER}/stackless`, body: "{}", timeoutMs: 1000 })
      .catch((e) => e);
    assert.ok(failure instanceof BuyerTransportError && failure instanceof Error, String(failure));
    assert.equal(failure.stack, `BuyerTransportError: ${failure.message}`);
    assert.equal(Error.stackTraceLimit, limit);
    assert.match(new Error("other").stack ?? "", /\n\s+at /);
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

// Over real sockets: what the deadline does to keep-alive connections. Aborting an HTTP/1.1 request destroys its
// connection, so under load every late answer used to cost a new connection (issue 14's connection churn).
describe("buyer HTTP client: keep-alive connections across the deadline", () => {
  let connections = 0;
  const closed: Promise<void>[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (request.url === "/hang") hanging.push(response);
      else if (request.url?.startsWith("/late-"))
        setTimeout(() => response.end("{}"), Number(request.url.slice(6)));
      else response.end("{}");
    });
  });
  server.on("connection", (socket) => {
    connections++;
    closed.push(new Promise((resolve) => socket.once("close", () => resolve())));
  });
  let base = "";
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    connections = 0;
    closed.length = 0;
  });

  test("an answer after the budget but within the grace keeps its connection for the next request", async () => {
    const client = new BuyerHttpClient({ maxResponseBytes: 1024 });
    try {
      // Budget 400 ms, answer at 500 ms: the grace (the budget again) ends at 800 ms. The deadline's timer runs before
      // the answer is read even if this process is descheduled past 500 ms (timers come first in the event loop).
      const late = await client.send({ url: `${base}/late-500`, body: "{}", timeoutMs: 400 }).catch((e) => e);
      assert.ok(late instanceof BuyerTransportError && late.failure === "timeout", String(late));
      await sleep(700);
      const next = await client.send({ url: `${base}/now`, body: "{}", timeoutMs: 2000 });
      assert.equal(next.status, 200);
      assert.equal(connections, 1, "the late answer's connection was reused, not replaced");
    } finally {
      await client.close();
    }
  });

  test("a request the deadline overtook while queued is never written and costs no connection", async () => {
    // One connection per origin, so the second request waits behind the first.
    const agent = new Agent({ connections: 1 });
    const client = new BuyerHttpClient({ maxResponseBytes: 1024, dispatcher: agent });
    try {
      const first = client.send({ url: `${base}/late-300`, body: "{}", timeoutMs: 5000 });
      const queued = client.send({ url: `${base}/now`, body: "{}", timeoutMs: 50 }).catch((e) => e);
      const failure = await queued;
      assert.ok(failure instanceof BuyerTransportError && failure.failure === "timeout", String(failure));
      assert.equal((await first).status, 200);
      const next = await client.send({ url: `${base}/now`, body: "{}", timeoutMs: 2000 });
      assert.equal(next.status, 200);
      assert.equal(connections, 1, "the queued request's refusal left the connection open");
    } finally {
      await client.close();
      await agent.close();
    }
  });

  test("a buyer that never answers has its connection closed once the grace is over", async () => {
    const client = new BuyerHttpClient({ maxResponseBytes: 1024 });
    try {
      const failure = await client.send({ url: `${base}/hang`, body: "{}", timeoutMs: 50 }).catch((e) => e);
      assert.ok(failure instanceof BuyerTransportError && failure.failure === "timeout", String(failure));
      assert.equal(connections, 1);
      // Budget 50 ms + grace 50 ms: the connection closes well within 5 s even on a loaded machine.
      const gone = await Promise.race([closed[0]!.then(() => true), sleep(5000).then(() => false)]);
      assert.ok(gone, "the hanging request's connection was destroyed after the grace");
    } finally {
      await client.close();
    }
  });
});
