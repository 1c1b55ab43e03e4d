// The console's live answer times come from the seller API's routes (native and compatible) alone, errors included:
// each times its own answers (src/http/seller-routes.ts answerTiming); other routes run no response hook.
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify from "fastify";
import type { Exchange } from "../../src/engine/exchange.ts";
import { handleError } from "../../src/http/error-handler.ts";
import { inboundRoutes } from "../../src/http/inbound-routes.ts";
import { sellerRoutes } from "../../src/http/seller-routes.ts";
import { ErrorReply } from "../../src/http/seller-schemas.ts";
import type { HotState } from "../../src/state/hot-state.ts";

test("seller answers are timed, refused ones too; a seller plugin's other route is not", async () => {
  const app = Fastify();
  app.decorate("clock", Date.now);
  app.addSchema(ErrorReply);
  app.setErrorHandler(handleError);
  const timed: number[] = [];
  const observeAnswer = (ms: number) => timed.push(ms);
  // No source has a key: every seller request is refused before the exchange is asked anything.
  const exchange = {
    config: { sources: [], sourceByKeyHash: new Map(), verticals: [] },
  } as unknown as Exchange;
  await app.register(sellerRoutes(exchange, observeAnswer));
  await app.register(inboundRoutes({ exchange, hotState: {} as HotState, observeAnswer }));
  const ping = await app.inject({ method: "POST", url: "/v1/ping", payload: {} });
  assert.equal(ping.statusCode, 401);
  assert.equal(timed.length, 1);
  const leads = await app.inject({
    method: "POST",
    url: "/v1/leads",
    headers: { authorization: "Bearer nope" },
  });
  assert.equal(leads.statusCode, 401);
  assert.equal(timed.length, 2);
  assert.equal((await app.inject({ url: "/v1/verticals" })).statusCode, 401);
  assert.equal(timed.length, 2);
  // A compatible inbound request without a key: answered 200 in the platform's shape, and timed.
  const inbound = await app.inject({ method: "POST", url: "/leadprosper/ping", payload: {} });
  assert.equal(inbound.statusCode, 200);
  assert.equal(timed.length, 3);
  assert.ok(timed.every((ms) => ms >= 0 && ms < 10_000));
  await app.close();
});
