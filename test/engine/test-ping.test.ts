// "Test this campaign" over real HTTP on both backends: the operator's test ping for a campaign answers the ping and
// that campaign's decision-trace line (outcome, reason, bid, latency); a campaign whose filters refuse the sample says
// filtered with the rule; an unknown campaign is 404; a source's key and a buyer user's session are refused.
// Backend-independent: the operator's test ping is an auction answered from config and the buyers' replies; its trace
// line is computed before storage.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  BACKEND,
  bidder,
  HARNESS_PING_TIMEOUT_MS,
  type Harness,
  type Reply,
  realtimeCampaign,
  SOURCE_KEY,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

describe(`[${BACKEND}] admin test ping`, () => {
  let h: Harness;

  const post = async (path: string, headers: Record<string, string>, body: unknown = {}): Promise<Reply> => {
    const response = await fetch(h.gavel.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    h = await startHarness([bidder("alpha", 40), bidder("picky", 30)], (farm) => ({
      // With the replay guard on, the button pressed twice still pings: each test is a consumer of its own.
      settings: { replay_guard_s: 60 },
      sources: [testSource()],
      buyers: [
        { id: "alpha", name: "Alpha Law", status: "active" },
        { id: "picky", name: "Picky Injury", status: "active" },
      ],
      campaigns: [
        realtimeCampaign(farm, "alpha"),
        realtimeCampaign(farm, "picky", { filters: [{ field: "state", op: "eq", value: "NY" }] }),
      ],
    }));
  });
  after(() => h?.close());

  test("the campaign's trace line comes back with its bid and latency, and the ping's answer", async () => {
    const reply = await h.admin("POST", "/v1/admin/campaigns/alpha/test-ping", {});
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.ping.status, "bid");
    assert.equal(reply.body.source_id, "console-test");
    assert.equal(reply.body.lead.first_name, undefined, "no PII in the sample");
    assert.equal(reply.body.trace.length, 1, JSON.stringify(reply.body.trace));
    const [line] = reply.body.trace;
    assert.equal(line.campaign_id, "alpha");
    assert.equal(line.outcome, "won");
    assert.equal(line.bid, 40);
    assert.equal(typeof line.latency_ms, "number");
    const again = await h.admin("POST", "/v1/admin/campaigns/alpha/test-ping", {});
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.ping.status, "bid");
  });

  test("the raw exchange is the very request the buyer received and the very answer it gave", async () => {
    await h.farm.clearRequests();
    const reply = await h.admin("POST", "/v1/admin/campaigns/alpha/test-ping", {});
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    // A list, as docs/api.md says (it once showed a single object): empty when the campaign is not pinged.
    assert.ok(Array.isArray(reply.body.raw), JSON.stringify(reply.body.raw));
    const documented = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8")
      .split("\n")
      .find((row) => row.startsWith("| `POST /v1/admin/campaigns/:id/test-ping`"));
    assert.match(documented ?? "", /`raw` a list of its HTTP exchanges/);
    assert.equal(reply.body.raw.length, 1, "alpha's ping only, not picky's");
    const [raw] = reply.body.raw;
    const received = (await h.farm.requests()).filter((r) => r.buyer === "alpha" && r.kind === "ping");
    assert.equal(received.length, 1);
    assert.equal(raw.request.method, received[0]!.method);
    assert.equal(new URL(raw.request.url).pathname, received[0]!.path);
    assert.equal(raw.request.body, received[0]!.body, "byte for byte what crossed the wire");
    assert.equal(raw.request.headers["content-type"], received[0]!.headers["content-type"]);
    assert.equal(JSON.parse(raw.request.body).lead.first_name, undefined, "no PII in the ping");
    assert.equal(raw.response.status, 200);
    assert.equal(JSON.parse(raw.response.body).price, 40);
    assert.equal(typeof raw.response.latency_ms, "number");
  });

  test("a buyer that times out shows its request and the failure", async () => {
    await h.farm.setBehavior(bidder("alpha", 40, { latencyMs: 2 * HARNESS_PING_TIMEOUT_MS }));
    try {
      const reply = await h.admin("POST", "/v1/admin/campaigns/alpha/test-ping", {});
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const [raw] = reply.body.raw;
      assert.equal(raw.failure, "timeout");
      assert.equal(raw.response, undefined);
      assert.equal(reply.body.trace[0].outcome, "timeout");
    } finally {
      await h.farm.setBehavior(bidder("alpha", 40));
    }
  });

  test("a configured source may be chosen", async () => {
    const reply = await h.admin("POST", "/v1/admin/campaigns/alpha/test-ping", { source_id: "src-main" });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.source_id, "src-main");
    const unknown = await h.admin("POST", "/v1/admin/campaigns/alpha/test-ping", { source_id: "nope" });
    assert.equal(unknown.status, 404);
  });

  test("a campaign whose filters refuse the sample says filtered, with the rule", async () => {
    const reply = await h.admin("POST", "/v1/admin/campaigns/picky/test-ping", {});
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const [line] = reply.body.trace;
    assert.equal(line.outcome, "filtered");
    assert.match(JSON.stringify(line.detail), /state/);
    assert.equal(line.bid, null);
    assert.deepEqual(reply.body.raw, [], "not pinged: an empty list");
  });

  test("an unknown campaign is 404", async () => {
    const reply = await h.admin("POST", "/v1/admin/campaigns/nope/test-ping", {});
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.code, "GAVEL_NOT_FOUND");
  });

  test("no key is 401; a source's key is 401; a buyer user's session is 403", async () => {
    assert.equal((await post("/v1/admin/campaigns/alpha/test-ping", {})).status, 401);
    const asSource = await post("/v1/admin/campaigns/alpha/test-ping", {
      authorization: `Bearer ${SOURCE_KEY}`,
    });
    assert.equal(asSource.status, 401);
    const created = await h.admin("POST", "/v1/console/users", {
      email: "buyer@example.com",
      role: "buyer",
      party_id: "alpha",
      password: "correct horse battery",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const response = await fetch(`${h.gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "buyer@example.com", password: "correct horse battery" }),
    });
    assert.equal(response.status, 200);
    const session = response.headers.get("set-cookie")?.split(";")[0] ?? "";
    const asBuyer = await post("/v1/admin/campaigns/alpha/test-ping", { cookie: session });
    assert.equal(asBuyer.status, 403);
  });
});
