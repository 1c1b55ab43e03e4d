// Each request's child logger is made on its first log call (src/http/request-logger.ts): a request that logs nothing
// makes none, and one that logs writes the line fastify's own per-request child would have written.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions, LogController } from "fastify";
import pino from "pino";
import { deferredChildLogger } from "../../src/http/request-logger.ts";
import { REDACTED_PATHS } from "../../src/logger.ts";

async function serve(childLoggerFactory: FastifyServerOptions["childLoggerFactory"]) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const log = pino({ level: "trace", base: { service: "gavel" }, redact: { paths: REDACTED_PATHS } }, stream);
  let children = 0;
  const child = log.child.bind(log);
  log.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof log.child;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(childLoggerFactory ? { childLoggerFactory } : {}),
  });
  app.get("/quiet", async () => ({ ok: true }));
  app.get("/loud", async (request) => {
    request.log.warn({ route: "/loud", headers: { authorization: "Bearer secret" } }, "something to say");
    request.log.child({ step: "inner" }).info("and more");
    return { ok: true, level: request.log.level };
  });
  await app.ready();
  const before = children;
  return { app, lines, children: () => children - before };
}

test("a request that logs nothing makes no child logger; one that logs writes fastify's line", async () => {
  const deferred = await serve(deferredChildLogger);
  const eager = await serve(undefined);
  for (const server of [deferred, eager]) {
    assert.equal((await server.app.inject({ url: "/quiet" })).statusCode, 200);
    assert.deepEqual((await server.app.inject({ url: "/loud" })).json(), { ok: true, level: "trace" });
  }
  // fastify's own factory makes a child for each request; the deferred one only for the request that logged (each
  // count also has the route's own child of its request's logger).
  assert.equal(eager.children(), 3);
  assert.equal(deferred.children(), 2);
  const withoutTime = (line: Record<string, unknown>) => ({ ...line, time: undefined });
  assert.equal(deferred.lines.length, 2);
  assert.deepEqual(deferred.lines.map(withoutTime), eager.lines.map(withoutTime));
  assert.equal(deferred.lines[0]?.reqId, "req-2");
  assert.deepEqual(deferred.lines[0]?.headers, { authorization: "[Redacted]" });
  assert.equal(deferred.lines[1]?.step, "inner");
  await Promise.all([deferred.app.close(), eager.app.close()]);
});
