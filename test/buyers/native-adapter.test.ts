// The native buyer protocol beyond its fixtures: its fixtures (fixtures/native/, the lead in, the exact body the
// buyer receives, the buyer's reply and what the adapter makes of it) run in the adapter contract suite with every
// other adapter's; what is checked here is the protocol's shape itself.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildPingBody, buildPostBody, nativeAdapter } from "../../src/buyers/native-adapter.ts";

test("buildPingBody carries only the protocol's keys, in a stable order", () => {
  const body = buildPingBody({ requestId: "r", vertical: "v", lead: {}, tmaxMs: 100, test: false });
  assert.deepEqual(Object.keys(JSON.parse(body)), ["request_id", "vertical", "lead", "tmax_ms", "test"]);
});

test("buildPingBody's text is JSON.stringify's, for every campaign of an auction sharing one lead", () => {
  // The lead's JSON is cached per payload object: each campaign's body must still be exactly its own.
  const lead = {
    zip: "98101",
    note: 'quote " \\ \u2028 é',
    severity: 5,
    insured: true,
    nested: { a: [1, null] },
  };
  for (const input of [
    { requestId: "auction-1", vertical: "personal_injury", lead, tmaxMs: 250, test: false },
    { requestId: "auction-1", vertical: "personal_injury", lead, tmaxMs: 120, test: true, qualityScore: 87 },
    { requestId: 'id "quoted"', vertical: "v", lead: {}, tmaxMs: 0, test: false, qualityScore: 0 },
  ]) {
    const expected = JSON.stringify({
      request_id: input.requestId,
      vertical: input.vertical,
      lead: input.lead,
      tmax_ms: input.tmaxMs,
      test: input.test,
      ...(input.qualityScore === undefined ? {} : { quality_score: input.qualityScore }),
    });
    assert.equal(buildPingBody(input), expected);
  }
});

test("buildPingBody hands a body out again only when every field is the same as the one it was built for", () => {
  // Campaigns with the same budget share one body; any field that differs from the last body's must make a new one.
  const lead = { zip: "98101", severity: 5 };
  const base = { requestId: "auction-1", vertical: "personal_injury", lead, tmaxMs: 250, test: false };
  const sequence = [
    base,
    { ...base },
    { ...base, tmaxMs: 251 },
    { ...base, tmaxMs: 251 },
    { ...base, tmaxMs: 251, requestId: "auction-2" },
    { ...base, tmaxMs: 251, requestId: "auction-2", vertical: "auto" },
    { ...base, tmaxMs: 251, requestId: "auction-2", vertical: "auto", test: true },
    { ...base, tmaxMs: 251, requestId: "auction-2", vertical: "auto", test: true, qualityScore: 80 },
    { ...base, tmaxMs: 251, requestId: "auction-2", vertical: "auto", test: true, qualityScore: 81 },
    { ...base, tmaxMs: 251, requestId: "auction-2", vertical: "auto", test: true },
    base,
  ];
  for (const input of sequence) {
    const expected = JSON.stringify({
      request_id: input.requestId,
      vertical: input.vertical,
      lead: input.lead,
      tmax_ms: input.tmaxMs,
      test: input.test,
      ...("qualityScore" in input ? { quality_score: input.qualityScore } : {}),
    });
    assert.equal(buildPingBody(input), expected);
  }
});

test("buildPostBody carries only the protocol's keys, in a stable order", () => {
  const body = buildPostBody({ requestId: "r", bidId: "b", priceCents: 1, lead: {}, consent: {} });
  assert.deepEqual(Object.keys(JSON.parse(body)), ["request_id", "bid_id", "price", "lead", "consent"]);
});

test("the native adapter POSTs JSON to the campaign's ping and post URLs, and never sends captured values", () => {
  const adapter = nativeAdapter({
    ping: { url: "https://b.example/ping" },
    post: { url: "https://b.example/post" },
  });
  const ping = adapter.buildPing({
    requestId: "r",
    vertical: "v",
    lead: { zip: "10001" },
    tmaxMs: 100,
    test: false,
  });
  assert.equal(ping.method, "POST");
  assert.equal(ping.url, "https://b.example/ping");
  assert.deepEqual(ping.headers, { "content-type": "application/json" });
  const post = adapter.buildPost({
    requestId: "r",
    priceCents: 100,
    lead: {},
    consent: {},
    captured: { token: "t" },
  });
  assert.equal(post.url, "https://b.example/post");
  assert.deepEqual(Object.keys(JSON.parse(post.body ?? "")), ["request_id", "price", "lead", "consent"]);
});
