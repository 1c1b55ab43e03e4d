import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { type LeadResult, runSourceSimulator } from "../../src/sim/source-sim.ts";

/** A stand-in for the exchange's seller API: bids on every ping, sells every post, refuses a bad key. */
function fakeExchange() {
  const calls: { path: string; auth: string | undefined; body: Record<string, unknown> }[] = [];
  const server = createServer(async (req, res) => {
    const body = JSON.parse(await text(req)) as Record<string, unknown>;
    calls.push({ path: req.url ?? "", auth: req.headers.authorization, body });
    res.setHeader("content-type", "application/json");
    if (req.headers.authorization !== "Bearer good-key") {
      res.writeHead(401).end(JSON.stringify({ error: { code: "GAVEL_UNAUTHORIZED", message: "bad key" } }));
    } else if (req.url === "/v1/ping") {
      res.end(
        JSON.stringify({ ping_id: "p1", status: "bid", price: 12.5, expires_at: new Date().toISOString() }),
      );
    } else {
      res.end(JSON.stringify({ lead_id: "l1", status: "sold", price: 12.5 }));
    }
  });
  return { server, calls };
}

async function text(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

test("sends ping → post and direct posts at the target rate, and reports each lead", async () => {
  const { server, calls } = fakeExchange();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: LeadResult[] = [];
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 500);
  await runSourceSimulator({
    exchangeUrl: url,
    sources: [
      { id: "pinger", apiKey: "good-key", verticals: ["personal_injury"], directShare: 0 },
      { id: "direct", apiKey: "good-key", verticals: ["auto_insurance"], directShare: 1 },
      { id: "intruder", apiKey: "bad-key", verticals: ["auto_insurance"], directShare: 0.5 },
    ],
    ratePerSecond: 40,
    signal: controller.signal,
    onLead: (result) => results.push(result),
  });
  server.close();

  assert.ok(results.length >= 10, `only ${results.length} leads in 0.5 s at 40/s`);
  for (const result of results) {
    if (result.source === "intruder") {
      assert.deepEqual([result.status, result.reason], ["error", "GAVEL_UNAUTHORIZED"]);
    } else {
      assert.deepEqual([result.status, result.priceCents], ["sold", 1250]);
      assert.equal(result.mode, result.source === "direct" ? "direct" : "ping_post");
    }
  }
  const ping = calls.find((call) => call.path === "/v1/ping" && call.auth === "Bearer good-key");
  assert.ok(ping, "a ping was sent");
  assert.equal((ping.body["lead"] as Record<string, unknown>)["phone"], undefined, "no PII on a ping");
  assert.match(
    String((ping.body["contact_hash"] as Record<string, unknown>)["phone_sha256"]),
    /^[0-9a-f]{64}$/,
  );
  const post = calls.find((call) => call.path === "/v1/post");
  assert.equal(post?.body["ping_id"], "p1");
});
