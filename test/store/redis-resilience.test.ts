// RedisHotState as several exchange instances use it: shared state, one claim across instances, and a Redis that is
// unreachable at start or cuts the connections while running. Needs the Redis at GAVEL_TEST_REDIS_URL.
import assert from "node:assert/strict";
import net from "node:net";
import { after, afterEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { PingRecord } from "../../src/domain/records.ts";
import { RedisHotState } from "../../src/state/redis-hot-state.ts";
import {
  connectAdminClient,
  connectTestHotState,
  deleteKeysWithPrefix,
  TEST_REDIS_URL,
  testRunPrefix,
} from "./redis-test-helpers.ts";

/** The post claim lease the tests take (the exchange's is POST_CLAIM_LEASE_MS). */
const LEASE_MS = 5_000;

const prefix = testRunPrefix("redis-resilience");
const connectionName = `${prefix}-client`;
const opened: RedisHotState[] = [];

async function instance(): Promise<RedisHotState> {
  const state = await connectTestHotState({ keyPrefix: prefix, connectionName });
  opened.push(state);
  return state;
}

function ping(id: string, expires_at = Date.now() + 60_000): PingRecord {
  return {
    id,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA", zip: "94110" },
    test: false,
    created_at: Date.now(),
    expires_at,
    status: "bid",
    price_cents: 2500,
    bids: [{ campaign_id: "c", buyer_id: "b", bid_cents: 4000, source_price_cents: 2500, expires_at }],
  };
}

/** A TCP proxy to the test Redis that can be stopped and started again on the same port: Redis "going away". */
async function startRedisProxy(): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

/** Resolves once the hot state answers again; rejects with its last error after 5 s. */
async function waitUntilAnswering(state: RedisHotState): Promise<void> {
  const giveUpAt = Date.now() + 5_000;
  for (;;) {
    try {
      return await state.ping();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await sleep(50);
    }
  }
}

async function elapsedMs(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

describe("RedisHotState across instances and failures", () => {
  afterEach(async () => {
    for (const state of opened.splice(0)) await state.close();
  });

  after(async () => {
    await deleteKeysWithPrefix(prefix);
  });

  test("a ping held by one instance is visible to another", async () => {
    const [a, b] = [await instance(), await instance()];
    const held = ping("shared-1");
    await a.holdPing(held);
    assert.deepEqual(await b.getHeldPing("shared-1", Date.now()), held);
    await b.dropPing("shared-1");
    assert.equal(await a.getHeldPing("shared-1", Date.now()), undefined);
  });

  test("100 concurrent claims split across two instances: exactly one wins, and a retry after the post loses", async () => {
    const [a, b] = [await instance(), await instance()];
    await a.holdPing(ping("race-1"));
    const claims = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).claimPost("race-1", LEASE_MS)),
    );
    const won = claims.filter((claim) => claim !== undefined);
    assert.equal(won.length, 1);
    await won[0]!.complete();
    await a.dropPing("race-1");
    assert.equal(await b.claimPost("race-1", LEASE_MS), undefined, "the claim outlives the dropped ping");
  });

  test("a ping's keys share one hash tag and expire with the ping", async () => {
    const state = await instance();
    await state.holdPing(ping("ttl-1", Date.now() + 30_000));
    const claimed = await state.claimPost("ttl-1", LEASE_MS);
    assert.ok(claimed);
    const admin = await connectAdminClient();
    try {
      const held = `${prefix}:{p:ttl-1}:held`;
      const claim = `${prefix}:{p:ttl-1}:claim`;
      const leaseTtl = await admin.pttl(claim);
      assert.ok(
        leaseTtl > 0 && leaseTtl <= LEASE_MS,
        `a claim is a lease until its post completes (pttl ${leaseTtl})`,
      );
      await claimed.complete();
      for (const key of [held, claim]) {
        const ttl = await admin.pttl(key);
        assert.ok(ttl > 25_000 && ttl <= 30_000, `${key} expires with the ping (pttl ${ttl})`);
      }
      await state.dropPing("ttl-1");
      assert.equal(await admin.exists(held), 0);
      assert.ok((await admin.pttl(claim)) > 0, "the claim stays, with its TTL, after the ping is dropped");
    } finally {
      admin.disconnect();
    }
  });

  test("a ping that has already expired is not held", async () => {
    const state = await instance();
    await state.holdPing(ping("late-1", Date.now() - 1));
    assert.equal(await state.getHeldPing("late-1", Date.now() - 10_000), undefined);
  });

  test("connect to a closed port rejects fast with a clear message", async () => {
    const took = await elapsedMs(() =>
      assert.rejects(RedisHotState.connect({ url: "redis://127.0.0.1:1" }), {
        message: /^cannot reach Redis at 127\.0\.0\.1:1: .*ECONNREFUSED/,
      }),
    );
    assert.ok(took < 5_000, `took ${took} ms`);
  });

  test("connect to a server that never answers rejects within seconds", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const took = await elapsedMs(() =>
        assert.rejects(RedisHotState.connect({ url: `redis://127.0.0.1:${port}` }), {
          message: new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port}: `),
        }),
      );
      assert.ok(took < 5_000, `took ${took} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test("connections cut by Redis: commands fail fast or succeed, and the instance recovers without a restart", async () => {
    const state = await instance();
    const held = ping("cut-1");
    await state.holdPing(held);

    const admin = await connectAdminClient();
    try {
      const clients = String(await admin.call("CLIENT", "LIST", "TYPE", "normal"));
      const ours = [...clients.matchAll(/^id=(\d+) .*\bname=(\S*)/gm)].filter(
        ([, , name]) => name === connectionName,
      );
      assert.equal(ours.length, 1, "this test's connection is found by its name");
      for (const [, id] of ours) await admin.call("CLIENT", "KILL", "ID", id!);
    } finally {
      admin.disconnect();
    }

    // Right after the cut: an answer, or a clear error, quickly; never a hang.
    const took = await elapsedMs(async () => {
      try {
        assert.deepEqual(await state.getHeldPing("cut-1", Date.now()), held);
      } catch (error) {
        assert.match((error as Error).message, /^Redis hot state at .+: getHeldPing failed: /);
      }
    });
    assert.ok(took < 2_000, `took ${took} ms`);

    await waitUntilAnswering(state);
    assert.deepEqual(await state.getHeldPing("cut-1", Date.now()), held);
    assert.ok(await state.claimPost("cut-1", LEASE_MS));
  });

  test("Redis gone while running: commands fail fast and clearly; it recovers by itself when Redis is back", async () => {
    const proxy = await startRedisProxy();
    try {
      const errors: Error[] = [];
      const state = await RedisHotState.connect({
        url: proxy.url,
        keyPrefix: prefix,
        onError: (error) => errors.push(error),
      });
      opened.push(state);
      const held = ping("gone-1");
      await state.holdPing(held);

      await proxy.stop();
      // The client keeps trying to reconnect (after 50, 100, 200 ms...). A command that lands between two attempts
      // finds the connection lost; one that lands during an attempt finds it connecting, refused. Which one is a matter
      // of scheduling (on a loaded machine an attempt's refusal is seen late, so the window is wide): both are fast,
      // clear answers that say why, and neither is ioredis's own wording nor a command timeout.
      const goneMessage =
        /^Redis hot state at 127\.0\.0\.1:\d+: getHeldPing failed: (connection lost, reconnecting|connecting \(connect ECONNREFUSED 127\.0\.0\.1:\d+\))/;
      for (let attempt = 0; attempt < 5; attempt++) {
        const took = await elapsedMs(() =>
          assert.rejects(state.getHeldPing("gone-1", Date.now()), { message: goneMessage }),
        );
        assert.ok(took < 200, `took ${took} ms`);
        await sleep(150);
      }
      assert.ok(errors.length > 0, "connection errors reach onError (and do not crash the process)");

      await proxy.start();
      await waitUntilAnswering(state);
      assert.deepEqual(await state.getHeldPing("gone-1", Date.now()), held);
    } finally {
      for (const state of opened.splice(0)) await state.close();
      await proxy.stop();
    }
  });

  test("after close, commands fail at once with a clear error", async () => {
    const state = await instance();
    await state.close();
    await assert.rejects(state.ping(), { message: /^Redis hot state at .+: PING failed: / });
  });
});
