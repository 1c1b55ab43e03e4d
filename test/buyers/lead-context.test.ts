// The lead context at the adapter seam: a ping template sends a PII-like context field only where it names it (and
// says so through `pingContext`), a spread never copies context, the native ping never carries it and the native post
// does; an unknown context placeholder is refused when the integration is compiled.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativeAdapter } from "../../src/buyers/native-adapter.ts";
import { TemplateProblem } from "../../src/buyers/template.ts";
import { compileTemplatedAdapter, type TemplatedIntegration } from "../../src/buyers/templated-adapter.ts";

const FIELDS = new Map([
  ["zip", { pii: false }],
  ["email", { pii: true }],
]);
const ENDPOINTS = {
  pingUrl: "http://buyer/ping",
  postUrl: "http://buyer/post",
  vertical: "v",
  fields: FIELDS,
};
const CONTEXT = {
  ip_address: "203.0.113.7",
  user_agent: "Mozilla/5.0 (UA)",
  landing_page_url: "https://lp.example/x",
  sub_id: "aff-1",
};
const RESPONSE = { accept: { path: "ok", equals: [true] }, price: "price" };

function integration(pingBody: Record<string, unknown>, postBody: Record<string, unknown> = {}) {
  return {
    ping: { format: "json", body: pingBody, response: RESPONSE },
    post: { format: "json", body: postBody, response: { accept: RESPONSE.accept } },
  } as unknown as TemplatedIntegration;
}

const PING = {
  requestId: "r-1",
  vertical: "v",
  lead: { zip: "10001" },
  tmaxMs: 500,
  test: false,
  sourceId: "src",
};

describe("lead context in buyer requests", () => {
  test("a ping template sends only the context fields it names, and lists the PII-like ones", () => {
    const adapter = compileTemplatedAdapter(
      integration({ "*": "{{lead}}", ip: "{{context.ip_address}}", sub: "{{context.sub_id}}" }),
      ENDPOINTS,
    );
    assert.deepEqual(adapter.pingContext, ["ip_address"]);
    const body = JSON.parse(adapter.buildPing({ ...PING, context: CONTEXT }).body!);
    assert.deepEqual(body, { zip: "10001", ip: "203.0.113.7", sub: "aff-1" });
  });

  test("a ping template that names no context sends none, whatever the seller sent", () => {
    const adapter = compileTemplatedAdapter(
      integration({ "*": "{{lead}}", rid: "{{request_id}}" }),
      ENDPOINTS,
    );
    assert.deepEqual(adapter.pingContext, []);
    const text = adapter.buildPing({ ...PING, context: CONTEXT }).body!;
    for (const value of Object.values(CONTEXT)) assert.ok(!text.includes(value), `${value} in ${text}`);
  });

  test("a value map or default for a context field does not count as sending it", () => {
    const spec = integration({ zip: "{{lead.zip}}" });
    (spec.ping as { defaults?: Record<string, string> }).defaults = { "context.user_agent": "unknown" };
    assert.deepEqual(compileTemplatedAdapter(spec, ENDPOINTS).pingContext, []);
  });

  test("the post sees the context and our source id", () => {
    const adapter = compileTemplatedAdapter(
      integration({ zip: "{{lead.zip}}" }, { ua: "{{context.user_agent}}", src: "{{context.source_id}}" }),
      ENDPOINTS,
    );
    const post = adapter.buildPost({
      requestId: "r-1",
      priceCents: 1000,
      lead: { zip: "10001" },
      consent: {},
      sourceId: "src",
      context: CONTEXT,
    });
    assert.deepEqual(JSON.parse(post.body!), { ua: "Mozilla/5.0 (UA)", src: "src" });
  });

  test("an unknown context placeholder is refused, naming where it is", () => {
    assert.throws(
      () => compileTemplatedAdapter(integration({ x: "{{context.referrer}}" }), ENDPOINTS),
      (error: unknown) =>
        error instanceof TemplateProblem &&
        error.path === "integration.ping.body.x" &&
        /not a lead context field/.test(error.message),
    );
  });

  test("the native ping never carries the context; the native post does", () => {
    const adapter = nativeAdapter({ ping: { url: "http://b/ping" }, post: { url: "http://b/post" } });
    const ping = adapter.buildPing({ ...PING, context: CONTEXT }).body!;
    assert.equal(JSON.parse(ping).context, undefined);
    for (const value of Object.values(CONTEXT)) assert.ok(!ping.includes(value));
    const post = adapter.buildPost({
      requestId: "r-1",
      priceCents: 100,
      lead: {},
      consent: {},
      context: CONTEXT,
    });
    assert.deepEqual(JSON.parse(post.body!).context, CONTEXT);
  });

  test("the quality score: {{quality_score}} in a ping template, quality_score on the native ping, ping only", () => {
    const adapter = compileTemplatedAdapter(
      integration({ zip: "{{lead.zip}}", q: "{{quality_score}}" }),
      ENDPOINTS,
    );
    assert.deepEqual(JSON.parse(adapter.buildPing({ ...PING, qualityScore: 70 }).body!), {
      zip: "10001",
      q: 70,
    });
    assert.deepEqual(JSON.parse(adapter.buildPing(PING).body!), { zip: "10001" }, "unknown: left out");
    assert.throws(
      () => compileTemplatedAdapter(integration({}, { q: "{{quality_score}}" }), ENDPOINTS),
      (error: unknown) => error instanceof TemplateProblem && /only known on the ping/.test(error.message),
    );
    const native = nativeAdapter({ ping: { url: "http://b/ping" }, post: { url: "http://b/post" } });
    assert.equal(JSON.parse(native.buildPing({ ...PING, qualityScore: 55 }).body!).quality_score, 55);
    assert.equal(JSON.parse(native.buildPing(PING).body!).quality_score, undefined);
  });
});
