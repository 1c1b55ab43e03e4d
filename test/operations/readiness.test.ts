// /readyz names the component that is not ready (store, hot state) to anyone, but the reason (which carries the
// database's host and port) only to callers with the admin key: a load balancer polls it without credentials.
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify from "fastify";
import { sha256Hex } from "../../src/compliance/sha256-hex.ts";
import { handleError } from "../../src/http/error-handler.ts";
import { operationsRoutes } from "../../src/http/operations-routes.ts";
import { Metrics } from "../../src/metrics.ts";
import type { HotState } from "../../src/state/hot-state.ts";
import type { ReadinessPort } from "../../src/store/ports.ts";

const ADMIN_KEY = "readiness-admin-key";
const STORE_DOWN = "cannot reach PostgreSQL at db-primary.internal:5432: connect ECONNREFUSED 10.1.2.3:5432";

async function serverWith(storeUp: boolean) {
  const app = Fastify();
  app.setErrorHandler(handleError);
  const store: ReadinessPort = {
    ping: async () => {
      if (!storeUp) throw new Error(STORE_DOWN);
    },
  };
  const hotState = { ping: async () => {} } as unknown as HotState;
  await app.register(
    operationsRoutes({ store, hotState, metrics: new Metrics(), adminKeySha256: sha256Hex(ADMIN_KEY) }),
  );
  return app;
}

test("a backend down: anonymous callers learn which one, not where it is; the admin learns why", async () => {
  const app = await serverWith(false);
  try {
    const anonymous = await app.inject({ method: "GET", url: "/readyz" });
    assert.equal(anonymous.statusCode, 503);
    assert.deepEqual(anonymous.json().error, {
      code: "GAVEL_NOT_READY",
      message: "store: not answering; hot state: ok",
    });
    assert.doesNotMatch(anonymous.body, /db-primary|5432|10\.1\.2\.3|PostgreSQL/);

    const wrongKey = await app.inject({
      method: "GET",
      url: "/readyz",
      headers: { authorization: "Bearer not-the-key" },
    });
    assert.doesNotMatch(wrongKey.body, /db-primary/);

    const admin = await app.inject({
      method: "GET",
      url: "/readyz",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(admin.statusCode, 503);
    assert.equal(admin.json().error.message, `store: ${STORE_DOWN}; hot state: ok`);
  } finally {
    await app.close();
  }
});

test("all up: 200 for anyone, no detail needed", async () => {
  const app = await serverWith(true);
  try {
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: "ok", store: "ok", hot_state: "ok" });
  } finally {
    await app.close();
  }
});
