// The live board in Redis: instances see each other's contributions; one that stops posting is gone after STALE_MS;
// one that closes is gone at once; a stalled Redis fails the post within the command timeout (the dashboard then shows
// the instance's own numbers) and never hangs. Needs GAVEL_TEST_REDIS_URL.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { LiveContribution } from "../../src/console/live-board.ts";
import { RedisLiveBoard, STALE_MS } from "../../src/console/redis-live-board.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";
import { redisTarget, redisUrlOnPort } from "../distributed/distributed-exchange.ts";
import { startTcpProxy } from "../distributed/tcp-proxy.ts";
import {
  connectTestHotState,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRunPrefix,
} from "../store/redis-test-helpers.ts";

const prefix = testRunPrefix("live-board");
const opened: RedisLiveBoard[] = [];

async function board(url = TEST_REDIS_URL): Promise<RedisLiveBoard> {
  // Fails within seconds with the clear connect error when the test Redis is unreachable (the suite fails, not hangs).
  await connectTestHotState({ keyPrefix: prefix }).then((probe) => probe.close());
  const opening = await RedisLiveBoard.connect({ url, keyPrefix: prefix, commandTimeoutMs: 500 });
  opened.push(opening);
  return opening;
}

after(async () => {
  for (const each of opened) await each.close();
  await deleteKeysWithPrefix(prefix);
});

function contribution(instance: string, auctions: number): LiveContribution {
  return {
    instance,
    window: { seconds: 5, auctions, bids: auctions, leads: 0, sold: 0 },
    latency: [[80, auctions]],
    totals: { auctions, bids: auctions, leads: 0, sold: 0 },
    buyers: {},
  };
}

const instancesOf = (all: LiveContribution[]) => all.map((each) => each.instance).sort();

test("instances see each other; one that stops posting drops out after STALE_MS, one that closes at once", async () => {
  const [a, b, c] = [await board(), await board(), await board()];
  await a.share(contribution("a", 1), false);
  await c.share(contribution("c", 3), false);
  assert.deepEqual(instancesOf(await b.share(contribution("b", 2), true)), ["a", "b", "c"]);
  assert.equal(
    await a
      .share(contribution("a", 1), true)
      .then((all) => all.find((x) => x.instance === "c")?.totals.auctions),
    3,
  );

  await c.close();
  assert.deepEqual(
    instancesOf(await b.share(contribution("b", 2), true)),
    ["a", "b"],
    "c closed: gone at once",
  );

  await sleep(STALE_MS + 200); // a posts no more (as if killed); b keeps posting.
  assert.deepEqual(instancesOf(await b.share(contribution("b", 2), true)), ["b"], "a is stale");
});

test("a stalled or cut Redis fails the post clearly within the command timeout", async () => {
  const proxy = await startTcpProxy(redisTarget());
  try {
    const through = await board(redisUrlOnPort(proxy.port));
    assert.equal((await through.share(contribution("p", 1), true)).length > 0, true);
    for (const fault of ["stall", "cut"] as const) {
      proxy[fault]();
      const started = performance.now();
      await assert.rejects(through.share(contribution("p", 1), true), (error: unknown) => {
        assert.ok(error instanceof ServiceUnavailableError, String(error));
        assert.match(error.message, /live board .* share failed/);
        return true;
      });
      const ms = performance.now() - started;
      assert.ok(ms < 1_500, `${fault}: failed after ${Math.round(ms)} ms`);
      proxy.restore();
    }
  } finally {
    await proxy.close();
  }
});
