// Round trips to Redis, which cost it (and the exchange) far more than the commands they carry (bench/README.md, "One
// write to Redis per turn of the event loop"): commands asked in one turn of the event loop reach Redis in one read,
// and a sold ping's drop completes its post's claim in the same call. A redis-server of this test's own, so its read
// count is only this test's.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PingRecord } from "../../../src/domain/records.ts";
import type { PrivateRedis } from "../../../src/sim/private-redis.ts";
import { RedisHotState } from "../../../src/state/redis-hot-state.ts";
import { heldPingRecord } from "../../helpers/held-ping.ts";
import { privateRedisConnection } from "./private-connection.ts";

/** Reads Redis processed so far, less the one carrying this INFO. */
async function readsSoFar(admin: Awaited<ReturnType<PrivateRedis["admin"]>>): Promise<number> {
  return Number(/total_reads_processed:(\d+)/.exec(await admin.info("stats"))?.[1]) - 1;
}

function heldPing(id: string): PingRecord {
  return heldPingRecord(id, Date.now(), Date.now() + 60_000);
}

describe("Redis round trips", () => {
  const server = privateRedisConnection("round-trips", 2000);

  test("commands asked in one turn of the event loop reach Redis in one read; each is answered", async () => {
    const client = server.connection.client;
    await client.set("a", "1");
    const before = await readsSoFar(server.admin);
    const replies = await Promise.all([client.get("a"), client.incr("b"), client.get("missing")]);
    assert.deepEqual(replies, ["1", 1, null]);
    // This test's INFO are counted apart; between them, the three commands' one read, and the second INFO's.
    assert.equal((await readsSoFar(server.admin)) - before - 1, 1);
  });

  test("commands asked in separate turns each go out on their own, not held for the others", async () => {
    const client = server.connection.client;
    const before = await readsSoFar(server.admin);
    assert.equal(await client.get("a"), "1");
    assert.equal(await client.get("a"), "1");
    assert.equal((await readsSoFar(server.admin)) - before - 1, 2);
  });

  test("a sold ping's drop completes its claim: complete() needs no trip, and no other post can claim", async () => {
    const hot = RedisHotState.on(server.connection, { keyPrefix: "trips" });
    await hot.holdPing(heldPing("p1"));
    const claim = await hot.claimPost("p1", 5_000);
    assert.ok(claim);
    await hot.dropPing("p1");
    assert.equal(await hot.getHeldPing("p1", Date.now()), undefined);
    const before = await readsSoFar(server.admin);
    await claim.complete();
    assert.equal((await readsSoFar(server.admin)) - before - 1, 0);
    assert.equal(await hot.claimPost("p1", 5_000), undefined);
    // Completed, not leased: kept the default hour, not the lease's 5 s.
    assert.ok((await server.admin.pttl("trips:{p:p1}:claim")) > 3_000_000);
    await hot.close();
  });

  test("a post's read of its held ping and its claim are one read; a ping not held is not claimed", async () => {
    const hot = RedisHotState.on(server.connection, { keyPrefix: "trips" });
    await hot.holdPing(heldPing("p3"));
    const before = await readsSoFar(server.admin);
    const taken = await hot.claimHeldPing("p3", Date.now(), 5_000);
    assert.equal((await readsSoFar(server.admin)) - before - 1, 1);
    assert.equal(taken?.ping.id, "p3");
    assert.ok(taken.claim);
    assert.ok((await server.admin.pttl("trips:{p:p3}:claim")) > 0, "leased");
    assert.equal((await hot.claimHeldPing("p3", Date.now(), 5_000))?.claim, undefined, "claimed once");
    assert.equal(await hot.claimHeldPing("p4", Date.now(), 5_000), undefined);
    assert.equal(await server.admin.exists("trips:{p:p4}:claim"), 0);
    await hot.close();
  });

  test("a drop without this instance's claim only forgets the held ping; a released claim lets another post in", async () => {
    const hot = RedisHotState.on(server.connection, { keyPrefix: "trips" });
    await hot.holdPing(heldPing("p2"));
    const claim = await hot.claimPost("p2", 5_000);
    assert.ok(claim);
    await claim.release();
    await hot.dropPing("p2");
    assert.equal(await hot.getHeldPing("p2", Date.now()), undefined);
    assert.equal(await server.admin.exists("trips:{p:p2}:claim"), 0);
    await hot.close();
  });
});
