// The refused-source-key tallies over both implementations: in memory (one instance) and in Redis, where two instances
// (two connections, one key prefix) count into the same tallies, so each reports the other's failures too and the
// alert is the same on every instance. Needs the test Redis (fails clearly when it is down).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { RedisAuthFailureTallies } from "../../src/console/redis-auth-failure-tallies.ts";
import {
  type AuthFailureTallies,
  MemoryAuthFailureTallies,
  SourceAuthFailures,
} from "../../src/console/source-auth-failures.ts";
import type { ConfigSnapshot } from "../../src/engine/config-snapshot.ts";
import { connectRedis, type RedisConnection } from "../../src/state/redis/redis-connection.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testRunPrefix } from "./redis-test-helpers.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-12-06T10:00:00Z");
const snapshot = {
  sourceByKeyHash: new Map(),
  sources: [{ id: "src-a", previous_api_key_sha256: "old-hash" }],
} as unknown as ConfigSnapshot;

/** Two instances' tallies: the same memory for the in-process one, two Redis connections on one prefix. */
const IMPLEMENTATIONS: { name: string; open(): Promise<[AuthFailureTallies, AuthFailureTallies]> }[] = [
  {
    name: "memory",
    async open() {
      const tallies = new MemoryAuthFailureTallies();
      return [tallies, tallies];
    },
  },
  {
    name: "Redis, two instances",
    async open() {
      const keyPrefix = testRunPrefix("auth-failures");
      const connect = () =>
        connectRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 1000, connectionName: keyPrefix });
      const connections: RedisConnection[] = [await connect(), await connect()];
      after(async () => {
        for (const connection of connections) connection.client.disconnect();
        await deleteKeysWithPrefix(keyPrefix);
      });
      return [
        RedisAuthFailureTallies.on(connections[0]!, { keyPrefix }),
        RedisAuthFailureTallies.on(connections[1]!, { keyPrefix }),
      ];
    },
  },
];

for (const implementation of IMPLEMENTATIONS) {
  describe(`refused source keys counted in ${implementation.name}`, () => {
    test("what one instance counts, every instance reports; only the last hour", async () => {
      const [first, second] = await implementation.open();
      let now = T0;
      const instanceA = new SourceAuthFailures(() => now, first);
      const instanceB = new SourceAuthFailures(() => now, second);
      instanceA.observe(snapshot);
      instanceB.observe(snapshot);
      instanceA.record("old-hash");
      instanceB.record("old-hash");
      now += 30_000;
      instanceB.record("old-hash");
      instanceA.record("never-seen");
      // Redis counts are written without waiting (the refused request is answered at once): let them land.
      const settled = async () => {
        for (let i = 0; i < 50; i++) {
          const report = await instanceA.report();
          if ((report.sources[0]?.failures ?? 0) >= 3 && report.unknown.failures >= 1) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      await settled();
      for (const instance of [instanceA, instanceB]) {
        const report = await instance.report();
        assert.deepEqual(report.sources, [
          { source_id: "src-a", failures: 3, last_at: new Date(T0 + 30_000).toISOString() },
        ]);
        assert.equal(report.unknown.failures, 1);
      }
      // 59 minutes on, all still within the hour; two minutes more, the first minute's have left it.
      now = T0 + 59 * MINUTE;
      assert.equal((await instanceB.report()).sources[0]?.failures, 3);
      now = T0 + 60 * MINUTE;
      assert.deepEqual((await instanceB.report()).sources, []);
      assert.equal((await instanceA.report()).unknown.failures, 0);
    });
  });
}
