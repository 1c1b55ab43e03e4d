// The Redis cap ledger and throttle as several exchange instances use them: two connections racing for the same caps,
// an instance that dies holding reservations, the key layout Redis Cluster relies on, and a Redis that is unreachable
// at start or drops the connection while running. Needs the Redis at GAVEL_TEST_REDIS_URL.
import assert from "node:assert/strict";
import { after, afterEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceUnavailableError } from "../../../src/errors.ts";
import type { CapUnit, ReserveRequest } from "../../../src/state/counters/cap-ledger.ts";
import { RedisCapLedger } from "../../../src/state/counters/redis-cap-ledger.ts";
import { RedisThrottle } from "../../../src/state/counters/redis-throttle.ts";
import {
  connectAdminClient,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRunPrefix,
} from "../../store/redis-test-helpers.ts";
import { testRedisCapLedger, testRedisThrottle } from "./counter-implementations.ts";

const prefix = testRunPrefix("counters-shared");
const opened: { close(): Promise<void> }[] = [];

/** Another "exchange instance": its own connection to the same keys. */
async function instance<T extends { close(): Promise<void> }>(connect: (keyPrefix: string) => Promise<T>) {
  const opening = await connect(prefix);
  opened.push(opening);
  return opening;
}

function request(reservationId: string, units: CapUnit[], ttlMs = 60_000): ReserveRequest {
  return { buyerId: "b1", reservationId, units, ttlMs };
}

const unit = (key: string, limits: Partial<CapUnit>): CapUnit => ({
  key,
  cents: 1000,
  periodEndsAt: Date.now() + 3_600_000,
  ...limits,
});

/** Cuts this test's connections only (the Redis may be shared with other test runs). */
async function killConnectionsNamed(name: string): Promise<void> {
  const admin = await connectAdminClient();
  try {
    const clients = String(await admin.call("CLIENT", "LIST", "TYPE", "normal"));
    const ids = [...clients.matchAll(/^id=(\d+) .*\bname=(\S*)/gm)]
      .filter((m) => m[2] === name)
      .map((m) => m[1]!);
    assert.equal(ids.length, 2, `expected the ledger's and the throttle's connections in ${clients}`);
    for (const id of ids) await admin.call("CLIENT", "KILL", "ID", id);
  } finally {
    admin.disconnect();
  }
}

afterEach(async () => {
  for (const closing of opened.splice(0)) await closing.close();
});

after(async () => {
  await deleteKeysWithPrefix(prefix);
});

describe("two exchange instances sharing one Redis", () => {
  test("200 reserves split over two instances against a count cap of 50: exactly 50 succeed", async () => {
    const [a, b] = [await instance(testRedisCapLedger), await instance(testRedisCapLedger)];
    const day = unit("campaign:race-count:day:d", { countLimit: 50 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).reserve(request(`count-${i}`, [day]))),
    );
    assert.equal(results.filter((result) => result.ok).length, 50);
    assert.deepEqual((await a.usage("b1", day.key)).reserved, { count: 50, cents: 50_000 });
  });

  test("200 reserves of 1000 cents over two instances against a spend cap of 25,000: exactly 25 succeed", async () => {
    const [a, b] = [await instance(testRedisCapLedger), await instance(testRedisCapLedger)];
    const spend = unit("buyer:race-spend:day:d", { centsLimit: 25_000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).reserve(request(`spend-${i}`, [spend]))),
    );
    assert.equal(results.filter((result) => result.ok).length, 25);
    assert.deepEqual((await b.usage("b1", spend.key)).reserved, { count: 25, cents: 25_000 });
  });

  test("a reservation made on one instance is committed or released on another", async () => {
    const [a, b] = [await instance(testRedisCapLedger), await instance(testRedisCapLedger)];
    const day = unit("campaign:handover:day:d", { countLimit: 2 });
    await a.reserve(request("handover-1", [day]));
    await a.reserve(request("handover-2", [day]));
    assert.equal(await b.commit({ buyerId: "b1", reservationId: "handover-1" }), "committed");
    await b.release({ buyerId: "b1", reservationId: "handover-2" });
    assert.deepEqual(await a.usage("b1", day.key), {
      committed: { count: 1, cents: 1000 },
      reserved: { count: 0, cents: 0 },
      held: { count: 0, cents: 0 },
    });
  });

  test("an instance that dies holding reservations does not hold the capacity past their ttl", async () => {
    const survivor = await instance(testRedisCapLedger);
    const crashed = await testRedisCapLedger(prefix);
    const day = unit("campaign:crash:day:d", { countLimit: 3 });
    for (let i = 0; i < 3; i++)
      assert.equal((await crashed.reserve(request(`crash-${i}`, [day], 80))).ok, true);
    await crashed.close(); // gone without committing or releasing anything
    assert.equal((await survivor.reserve(request("after-0", [day]))).ok, false);

    await sleep(150);
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => survivor.reserve(request(`after-${i}`, [day]))),
    );
    assert.deepEqual(
      results.map((result) => result.ok),
      [true, true, true, false],
    );
  });

  test("200 pings over two instances against a throttle of 50 a minute: exactly 50 admitted", async () => {
    const [a, b] = [await instance(testRedisThrottle), await instance(testRedisThrottle)];
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).tryAcquire("source:race", 50, 60_000, now)),
    );
    assert.equal(results.filter(Boolean).length, 50);
  });
});

describe("key layout", () => {
  test("every key of a buyer's reservation carries the buyer's hash tag, so one script covers them on Cluster", async () => {
    const ledger = await instance(testRedisCapLedger);
    const units = ["campaign:c9:day:d", "buyer:layout:month:m", "source:s1:campaign:c9:hour:h"].map((key) =>
      unit(key, {}),
    );
    await ledger.reserve({ buyerId: "layout", reservationId: "r1", units, ttlMs: 60_000 });
    const admin = await connectAdminClient();
    try {
      const keys = (await admin.keys(`${prefix}:{b:layout}:*`)).sort();
      assert.deepEqual(keys, [
        `${prefix}:{b:layout}:counter:buyer:layout:month:m`,
        `${prefix}:{b:layout}:counter:campaign:c9:day:d`,
        `${prefix}:{b:layout}:counter:source:s1:campaign:c9:hour:h`,
        `${prefix}:{b:layout}:reservation-deadlines`,
        `${prefix}:{b:layout}:reservation:r1`,
      ]);
      // Nothing lives forever: counters end with their period, the rest soon after the last of them.
      for (const key of keys) assert.ok((await admin.pttl(key)) > 0, `${key} has no expiry`);
    } finally {
      admin.disconnect();
    }
  });
});

describe("an unreachable Redis", () => {
  test("connecting fails fast with a clear error", async () => {
    for (const connect of [RedisCapLedger.connect, RedisThrottle.connect]) {
      const started = Date.now();
      await assert.rejects(connect({ url: "redis://127.0.0.1:1" }), {
        message: /^cannot reach Redis at 127\.0\.0\.1:1: .*ECONNREFUSED/,
      });
      assert.ok(Date.now() - started < 3_500, `took ${Date.now() - started} ms`);
    }
  });

  test("a command on a lost connection fails at once as ServiceUnavailableError, and works again after", async () => {
    const connectionName = `${prefix}-lost`;
    const ledger = await instance((keyPrefix) =>
      RedisCapLedger.connect({ url: TEST_REDIS_URL, keyPrefix, connectionName }),
    );
    const throttle = await instance((keyPrefix) =>
      RedisThrottle.connect({ url: TEST_REDIS_URL, keyPrefix, connectionName }),
    );
    const day = unit("campaign:lost:day:d", { countLimit: 5 });
    await killConnectionsNamed(connectionName);
    await assert.rejects(ledger.reserve(request("lost-1", [day])), (error: unknown) => {
      assert.ok(error instanceof ServiceUnavailableError);
      assert.match(error.message, /^Redis cap ledger at .+: reserve failed: /);
      return true;
    });
    await assert.rejects(throttle.tryAcquire("source:lost", 5, 60_000, Date.now()), {
      name: "ServiceUnavailableError",
      message: /^Redis throttle at .+: tryAcquire failed: /,
    });

    await sleep(300); // the client reconnects by itself
    assert.deepEqual(await ledger.reserve(request("lost-2", [day])), { ok: true });
    // The failed reserve was never made (or was given back): only the second one holds a unit.
    assert.deepEqual((await ledger.usage("b1", day.key)).reserved, { count: 1, cents: 1000 });
  });
});
