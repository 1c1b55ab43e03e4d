// How many commands the request path sends to Redis for the checks a ping makes several of at once: a campaign
// throttle per campaign, a velocity counter per contact, a duplicate window per contact and buyer. Each is one command
// (one script) whatever the number of keys, so a rules-5 ping does not pay a round trip or a command per key (issue 14;
// bench/README.md "Redis round trips and commands per lead"). Needs the Redis at GAVEL_TEST_REDIS_URL.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { RedisThrottle } from "../../../src/state/counters/redis-throttle.ts";
import { RedisDuplicateWindows } from "../../../src/state/duplicates/redis-duplicate-windows.ts";
import { connectRedis, type RedisConnection } from "../../../src/state/redis/redis-connection.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testRunPrefix } from "../../store/redis-test-helpers.ts";

const prefix = testRunPrefix("commands-per-lead");
const MINUTE = 60_000;

/** Counts the commands the connection sends (a pipeline's commands one by one). */
function countCommands(connection: RedisConnection): { sent: () => number } {
  let sent = 0;
  const client = connection.client;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<typeof send>) => {
    sent++;
    return send(...args);
  }) as typeof client.sendCommand;
  return { sent: () => sent };
}

describe("Redis commands per check", () => {
  const connections: RedisConnection[] = [];
  const open = async () => {
    const connection = await connectRedis({
      url: TEST_REDIS_URL,
      commandTimeoutMs: 2000,
      connectionName: prefix,
    });
    connections.push(connection);
    return connection;
  };

  after(async () => {
    for (const connection of connections) connection.client.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  test("five campaign throttles are one command; each admits on its own", async () => {
    const connection = await open();
    const throttle = RedisThrottle.on(connection, { keyPrefix: prefix });
    const requests = [1, 2, 3, 4, 5].map((n) => ({
      key: `campaign:c${n}`,
      limit: n === 3 ? 0 : 10,
      windowMs: MINUTE,
    }));
    await throttle.tryAcquireEach(requests, Date.now()); // loads the script (EVALSHA, then EVAL once)
    const counter = countCommands(connection);
    const admitted = await throttle.tryAcquireEach(requests, Date.now());
    assert.deepEqual(admitted, [true, true, false, true, true]);
    assert.equal(counter.sent(), 1);
  });

  test("a duplicate screen over the vertical and five buyers is one command, marker included", async () => {
    const connection = await open();
    const markerKey = `${prefix}:hot-state:seeded`;
    await connection.client.set(markerKey, "1");
    const windows = RedisDuplicateWindows.on(connection, {
      keyPrefix: prefix,
      seedGuard: { markerKey, ensureSeeded: async () => {} },
    });
    await windows.remember(["b:b3:email:x", "b:b3:phone:y"], MINUTE);
    const groups = [
      ["v:pi:email:x", "v:pi:phone:y"],
      ...[1, 2, 3, 4, 5].map((n) => [`b:b${n}:email:x`, `b:b${n}:phone:y`]),
    ];
    await windows.seenEach(groups); // loads the script
    const counter = countCommands(connection);
    const seen = await windows.seenEach(groups);
    assert.deepEqual(seen, [undefined, undefined, undefined, "b:b3:email:x", undefined, undefined]);
    assert.equal(counter.sent(), 1);
  });
});
