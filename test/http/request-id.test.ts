// A seller's X-Request-Id (src/http/request-id.ts): a safe id comes back on the answer of every seller route, refused
// answers included, and names the request in the log; any other value is ignored, never echoed, never a refusal.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import { requestIdGenerator, safeRequestId } from "../../src/http/request-id.ts";
import {
  bidder,
  type Harness,
  personalInjuryLead,
  SOURCE_KEY,
  startHarness,
} from "../helpers/exchange-harness.ts";

let h: Harness;
before(async () => {
  h = await startHarness([bidder("top", 30)]);
});
after(() => h?.close());

async function send(url: string, body: unknown, headers: Record<string, string | string[]>) {
  return h.gavel.inject({
    method: "POST",
    url,
    headers: { authorization: `Bearer ${SOURCE_KEY}`, "content-type": "application/json", ...headers },
    payload: JSON.stringify(body),
  });
}

test("a ping's, its post's and a direct post's answers carry the seller's X-Request-Id", async () => {
  const lead = personalInjuryLead();
  const ping = await send(
    "/v1/ping",
    { vertical: "personal_injury", lead: lead.ping },
    { "x-request-id": "ping-7f3a.b_c:1" },
  );
  assert.equal(ping.statusCode, 200, ping.body);
  assert.equal(ping.headers["x-request-id"], "ping-7f3a.b_c:1");
  const post = await send(
    "/v1/post",
    { ping_id: ping.json().ping_id, lead: lead.full, consent: lead.consent },
    { "x-request-id": "0190c7a2-5b1e-7cc4-9a61-3f2d9e8b4a10" },
  );
  assert.equal(post.statusCode, 200, post.body);
  assert.equal(post.headers["x-request-id"], "0190c7a2-5b1e-7cc4-9a61-3f2d9e8b4a10");
  const direct = await send(
    "/v1/leads",
    { vertical: "personal_injury", lead: personalInjuryLead().full, consent: lead.consent },
    { "x-request-id": "x".repeat(64) },
  );
  assert.equal(direct.statusCode, 200, direct.body);
  assert.equal(direct.headers["x-request-id"], "x".repeat(64));
});

test("refused requests carry it too: a wrong key, a bad body, an unknown ping", async () => {
  const wrongKey = await send("/v1/ping", {}, { "x-request-id": "r1", authorization: "Bearer wrong" });
  assert.equal(wrongKey.statusCode, 401);
  assert.equal(wrongKey.headers["x-request-id"], "r1");
  const invalid = await send("/v1/ping", { vertical: "personal_injury" }, { "x-request-id": "r2" });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().error.code, "GAVEL_VALIDATION");
  assert.equal(invalid.headers["x-request-id"], "r2");
  const unknownPing = await send(
    "/v1/post",
    { ping_id: "no-such-ping", lead: personalInjuryLead().full },
    { "x-request-id": "r3" },
  );
  assert.equal(unknownPing.statusCode, 404);
  assert.equal(unknownPing.headers["x-request-id"], "r3");
});

test("an unsafe or missing id is ignored: the request is answered as usual, without the header", async () => {
  for (const unsafe of ["", "x".repeat(65), "has space", 'quote"', "semi;colon", "ünï", "a/b"]) {
    const ping = await send(
      "/v1/ping",
      { vertical: "personal_injury", lead: personalInjuryLead().ping },
      { "x-request-id": unsafe },
    );
    assert.equal(ping.statusCode, 200, `${JSON.stringify(unsafe)}: ${ping.body}`);
    assert.equal(ping.headers["x-request-id"], undefined, JSON.stringify(unsafe));
  }
  const repeated = await send(
    "/v1/ping",
    { vertical: "personal_injury", lead: personalInjuryLead().ping },
    { "x-request-id": ["a", "b"] },
  );
  assert.equal(repeated.statusCode, 200);
  assert.equal(repeated.headers["x-request-id"], undefined);
  const none = await send("/v1/ping", { vertical: "personal_injury", lead: personalInjuryLead().ping }, {});
  assert.equal(none.statusCode, 200);
  assert.equal(none.headers["x-request-id"], undefined);
});

test("other routes do not echo it", async () => {
  const health = await h.gavel.inject({ url: "/healthz", headers: { "x-request-id": "r4" } });
  assert.equal(health.headers["x-request-id"], undefined);
});

test("the request's id in the log: the seller's safe id, else fastify's own counter", () => {
  const generate = requestIdGenerator();
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  assert.equal(generate(request({ "x-request-id": "seller-1" })), "seller-1");
  assert.equal(generate(request({})), "req-1");
  assert.equal(generate(request({ "x-request-id": "not safe" })), "req-2");
  assert.equal(safeRequestId(request({ "x-request-id": "A-z_0.9:" })), "A-z_0.9:");
  assert.equal(safeRequestId(request({ "x-request-id": "\r\nset-cookie: a" })), undefined);
});

test("the OpenAPI description documents it on every seller operation, and nowhere else", async () => {
  const doc = (await h.gavel.inject({ url: "/docs/json" })).json();
  for (const [path, method] of [
    ["/v1/ping", "post"],
    ["/v1/post", "post"],
    ["/v1/leads", "post"],
    ["/v1/verticals", "get"],
  ] as const) {
    const operation = doc.paths[path][method];
    const parameter = operation.parameters.find(
      (entry: { in: string; name: string }) => entry.in === "header" && entry.name === "x-request-id",
    );
    assert.equal(parameter?.required, false, path);
    assert.equal(parameter.schema.pattern, "^[A-Za-z0-9._:-]{1,64}$");
    for (const [status, answer] of Object.entries(operation.responses)) {
      assert.ok((answer as { headers?: object }).headers?.["x-request-id" as never], `${path} ${status}`);
    }
  }
  assert.equal(JSON.stringify(doc.paths["/v1/admin/verticals"]).includes("x-request-id"), false);
});
