// The HTTP server's limits: environment over the file's `http` section over the defaults.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fastifyTrustProxy, httpServerLimits, parseTrustProxy } from "../../src/http/http-options.ts";

test("defaults: 60 s request, 15 s headers, grace = post deadline + 5 s, no proxy trusted", () => {
  assert.deepEqual(httpServerLimits(undefined, 15_000, {}), {
    requestTimeoutMs: 60_000,
    headersTimeoutMs: 15_000,
    keepAliveTimeoutMs: 72_000,
    shutdownGraceMs: 20_000,
    trustProxy: false,
  });
});

test("the environment wins over the file; the headers timeout never exceeds the request timeout", () => {
  const limits = httpServerLimits(
    { request_timeout_ms: 30_000, headers_timeout_ms: 20_000, shutdown_grace_ms: 9_000, trust_proxy: true },
    15_000,
    {
      GAVEL_REQUEST_TIMEOUT_MS: "10000",
      GAVEL_SHUTDOWN_GRACE_MS: "0",
      GAVEL_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1",
    },
  );
  assert.equal(limits.requestTimeoutMs, 10_000);
  assert.equal(limits.headersTimeoutMs, 10_000);
  assert.equal(limits.shutdownGraceMs, 0);
  assert.deepEqual(limits.trustProxy, ["10.0.0.0/8", "127.0.0.1"]);
  assert.throws(
    () => httpServerLimits(undefined, 15_000, { GAVEL_SHUTDOWN_GRACE_MS: "soon" }),
    /GAVEL_SHUTDOWN_GRACE_MS/,
  );
});

test("GAVEL_TRUST_PROXY: true, false, a hop count or addresses", () => {
  assert.equal(parseTrustProxy("true"), true);
  assert.equal(parseTrustProxy("false"), false);
  assert.equal(parseTrustProxy("2"), 2);
  assert.equal(parseTrustProxy(" "), undefined);
});

test("a number of hops trusts that many proxies in front, no more", () => {
  const trust = fastifyTrustProxy(2) as (address: string, hop: number) => boolean;
  assert.deepEqual(
    [0, 1, 2].map((hop) => trust("10.0.0.1", hop)),
    [true, true, false],
  );
  assert.equal(fastifyTrustProxy(false), false);
});
