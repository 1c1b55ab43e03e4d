// One suite over every HotState implementation: the memory default and Redis (GAVEL_TEST_REDIS_URL, which must be up).
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { PingRecord } from "../../src/domain/records.ts";
import type { HotState } from "../../src/state/hot-state.ts";
import { MemoryHotState } from "../../src/state/memory-hot-state.ts";
import { eventually } from "../helpers/eventually.ts";
import { heldPingRecord } from "../helpers/held-ping.ts";
import { connectTestHotState, deleteKeysWithPrefix, testRunPrefix } from "./redis-test-helpers.ts";

interface HotStateImplementation {
  name: string;
  /** A fresh, empty hot state; `restored` are the held pings a restart reloads from the store. */
  create(restored?: readonly PingRecord[]): Promise<HotState>;
  /** Removes what the suite left outside the process (Redis keys). */
  cleanup?(): Promise<void>;
}

const T0 = 1_750_000_000_000;
/** A post claim's lease: long enough never to lapse within a test, unless the test waits for it on purpose. */
const LEASE_MS = 30_000;
/** Lapses within a test that waits for it; long enough that a loaded machine does not lapse it between two calls. */
const SHORT_LEASE_MS = 1_000;

const redisPrefix = testRunPrefix("hot-state-contract");
let redisInstances = 0;

const HOT_STATES: HotStateImplementation[] = [
  { name: "MemoryHotState", create: async (restored) => new MemoryHotState(restored) },
  {
    name: "RedisHotState",
    async create(restored = []) {
      // Each instance gets its own namespace, as a fresh MemoryHotState is empty; its clock stands at T0.
      const state = await connectTestHotState({
        keyPrefix: `${redisPrefix}:${++redisInstances}`,
        now: () => T0,
      });
      // Redis keeps held pings across restarts; a restart that reloads them from the store writes them again.
      for (const ping of restored) await state.holdPing(ping);
      return state;
    },
    cleanup: () => deleteKeysWithPrefix(redisPrefix),
  },
];

function ping(id: string, expires_at = T0 + 120_000): PingRecord {
  return heldPingRecord(id, T0, expires_at);
}

for (const impl of HOT_STATES) {
  describe(impl.name, () => {
    let state: HotState;
    const created: HotState[] = [];

    async function make(restored?: readonly PingRecord[]): Promise<HotState> {
      const next = await impl.create(restored);
      created.push(next);
      return next;
    }

    beforeEach(async () => {
      state = await make();
    });

    afterEach(async () => {
      for (const s of created.splice(0)) await s.close();
    });

    after(async () => {
      await impl.cleanup?.();
    });

    test("a held ping is returned until it expires, and never after", async () => {
      const held = ping("p-1", T0 + 1000);
      await state.holdPing(held);
      assert.deepEqual(await state.getHeldPing("p-1", T0), held);
      assert.deepEqual(await state.getHeldPing("p-1", T0 + 999), held);
      assert.equal(await state.getHeldPing("p-1", T0 + 1000), undefined, "expires_at itself is expired");
      assert.equal(await state.getHeldPing("p-1", T0 + 5000), undefined);
    });

    test("a held ping cannot be changed through what getHeldPing returns", async () => {
      await state.holdPing(ping("p-1"));
      const first = (await state.getHeldPing("p-1", T0))!;
      // In memory the record is frozen and the change throws; from Redis it is a copy, and the change is the copy's.
      try {
        first.price_cents = 1;
        first.bids[0]!.bid_cents = 1;
        (first.lead as Record<string, unknown>).state = "NY";
      } catch (error) {
        assert.ok(error instanceof TypeError);
      }
      assert.deepEqual(await state.getHeldPing("p-1", T0), ping("p-1"));
    });

    test("an unknown ping is undefined", async () => {
      assert.equal(await state.getHeldPing("nope", T0), undefined);
    });

    test("pings restored on start are held", async () => {
      const restored = await make([ping("r-1"), ping("r-2", T0 - 1)]);
      assert.equal((await restored.getHeldPing("r-1", T0))?.id, "r-1");
      assert.equal(await restored.getHeldPing("r-2", T0), undefined);
    });

    test("dropPing forgets the ping", async () => {
      await state.holdPing(ping("p-1"));
      await state.dropPing("p-1");
      assert.equal(await state.getHeldPing("p-1", T0), undefined);
    });

    test("claimPost is granted exactly once, even with 100 concurrent claims", async () => {
      await state.holdPing(ping("p-1"));
      const claims = await Promise.all(Array.from({ length: 100 }, () => state.claimPost("p-1", LEASE_MS)));
      assert.equal(claims.filter((claim) => claim !== undefined).length, 1);
      assert.equal(await state.claimPost("p-1", LEASE_MS), undefined);
    });

    test("claims are per ping", async () => {
      await state.holdPing(ping("p-1"));
      await state.holdPing(ping("p-2"));
      assert.ok(await state.claimPost("p-1", LEASE_MS));
      assert.ok(await state.claimPost("p-2", LEASE_MS));
    });

    test("claimHeldPing reads the held ping and claims its post, exactly once among concurrent callers", async () => {
      const held = ping("p-1");
      await state.holdPing(held);
      const taken = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2 === 0 ? state.claimHeldPing("p-1", T0, LEASE_MS) : state.claimPost("p-1", LEASE_MS),
        ),
      );
      const claims = taken.map((answer) => (answer && "ping" in answer ? answer.claim : answer));
      assert.equal(claims.filter((claim) => claim !== undefined).length, 1);
      for (let i = 0; i < taken.length; i += 2)
        assert.deepEqual((taken[i] as { ping: PingRecord }).ping, held);
      const again = await state.claimHeldPing("p-1", T0, LEASE_MS);
      assert.deepEqual(again?.ping, held, "held, claimed by another");
      assert.equal(again?.claim, undefined);
    });

    test("claimHeldPing claims nothing for a ping not held or expired, and its claim can be given back", async () => {
      assert.equal(await state.claimHeldPing("nope", T0, LEASE_MS), undefined);
      await state.holdPing(ping("nope"));
      assert.ok(await state.claimPost("nope", LEASE_MS), "the miss left no claim behind");
      await state.holdPing(ping("p-old", T0 + 60_000));
      assert.equal(await state.claimHeldPing("p-old", T0 + 60_000, LEASE_MS), undefined, "expired");
      assert.ok(await state.claimPost("p-old", LEASE_MS), "the expired read gave its claim back");
      await state.holdPing(ping("p-2"));
      const taken = await state.claimHeldPing("p-2", T0, LEASE_MS);
      assert.ok(taken?.claim);
      await taken.claim.release();
      assert.ok((await state.claimHeldPing("p-2", T0, LEASE_MS))?.claim, "released: claimable again");
    });

    test("release lets exactly one new claim through", async () => {
      await state.holdPing(ping("p-1"));
      const claim = await state.claimPost("p-1", LEASE_MS);
      await claim!.release();
      const claims = await Promise.all(Array.from({ length: 20 }, () => state.claimPost("p-1", LEASE_MS)));
      assert.equal(claims.filter((c) => c !== undefined).length, 1);
    });

    test("after a post is completed and the ping dropped, a retry cannot claim it again", async () => {
      await state.holdPing(ping("p-1"));
      const claim = await state.claimPost("p-1", LEASE_MS);
      await claim!.complete();
      await state.dropPing("p-1");
      assert.equal(await state.claimPost("p-1", LEASE_MS), undefined);
    });

    test("a lease that is not renewed lapses: another caller takes the post over, and the first can no longer renew", async () => {
      await state.holdPing(ping("p-1", Date.now() + 60_000));
      const first = await state.claimPost("p-1", SHORT_LEASE_MS);
      assert.ok(first);
      assert.equal(await state.claimPost("p-1", SHORT_LEASE_MS), undefined, "held while the lease runs");
      const second = await eventually(() => state.claimPost("p-1", LEASE_MS), "the lapsed lease taken over");
      assert.equal(await first.renew(), false, "the lapsed lease is not the first caller's any more");
      await first.release();
      assert.equal(
        await state.claimPost("p-1", LEASE_MS),
        undefined,
        "releasing a lapsed lease frees nothing",
      );
      assert.equal(await second.renew(), true);
    });

    test("a renewed lease outlives its length; a completed claim has no lease left to lapse", async () => {
      await state.holdPing(ping("p-1", Date.now() + 60_000));
      const claim = await state.claimPost("p-1", SHORT_LEASE_MS);
      for (let i = 0; i < 4; i++) {
        await sleep(SHORT_LEASE_MS * 0.3);
        assert.equal(await claim!.renew(), true);
      }
      assert.equal(await state.claimPost("p-1", LEASE_MS), undefined);
      await claim!.complete();
      await sleep(SHORT_LEASE_MS * 2);
      assert.equal(await state.claimPost("p-1", LEASE_MS), undefined);
    });

    test("close is harmless to call twice", async () => {
      await state.close();
      await state.close();
    });
  });
}

/** Blocks the whole event loop for `ms` (a long GC pause, a blocking call, a starved CPU). */
function stallEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
}

// One process: the holder of a claim renews whenever the process runs, so a stall of the whole event loop is no sign
// of a dead holder (Redis cannot tell, and hands the post on: the other instances did run).
describe("MemoryHotState post leases across an event-loop stall", () => {
  test("a stall longer than the lease keeps the post with its holder: the next caller waits, the holder renews", async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("p-1", Date.now() + 60_000));
      const holder = await state.claimPost("p-1", SHORT_LEASE_MS);
      assert.ok(holder);
      // The first caller after the stall may be a retry of the post rather than the holder's renewal timer.
      stallEventLoop(SHORT_LEASE_MS * 1.5);
      assert.equal(await state.claimPost("p-1", SHORT_LEASE_MS), undefined, "the post is still its holder's");
      assert.equal(await holder.renew(), true, "the holder keeps its lease");
      stallEventLoop(SHORT_LEASE_MS * 1.5);
      assert.equal(await holder.renew(), true, "and again, after a second stall");
      assert.equal(await state.claimPost("p-1", SHORT_LEASE_MS), undefined);
    } finally {
      await state.close();
    }
  });

  test("a holder that stops renewing while the process runs still loses its lease", async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("p-1", Date.now() + 60_000));
      const holder = await state.claimPost("p-1", SHORT_LEASE_MS);
      assert.ok(holder);
      stallEventLoop(SHORT_LEASE_MS * 1.5);
      const started = Date.now();
      const taker = await eventually(
        () => state.claimPost("p-1", SHORT_LEASE_MS),
        "the lapsed lease taken over",
      );
      assert.ok(Date.now() - started >= SHORT_LEASE_MS / 2, "the stall did not count as the lease's time");
      assert.equal(await holder.renew(), false);
      assert.equal(await taker.renew(), true);
    } finally {
      await state.close();
    }
  });
});
