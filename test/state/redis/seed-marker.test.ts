// Redis restarted empty, seen by the Redis hot state's parts (issue 10, item 2): the seed marker is gone, so a cap
// reservation, a held ping's read and a duplicate check put back what "the store" holds before they answer; two
// instances seeding at once seed once; a sale counted while the seed runs is never lost from the counter nor counted
// twice. A redis-server of this test's own (never the shared one), restarted empty by SIGKILL on the same port.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { PingRecord } from "../../../src/domain/records.ts";
import { ServiceUnavailableError } from "../../../src/errors.ts";
import { type PrivateRedis, startPrivateRedis } from "../../../src/sim/private-redis.ts";
import type { CapUnit } from "../../../src/state/counters/cap-ledger.ts";
import type { CapUsageSeed } from "../../../src/state/counters/memory-cap-ledger.ts";
import { RedisCapLedger } from "../../../src/state/counters/redis-cap-ledger.ts";
import { RedisDuplicateWindows } from "../../../src/state/duplicates/redis-duplicate-windows.ts";
import { RedisSeedMarker, type SeedReport } from "../../../src/state/redis/seed-marker.ts";
import { RedisHotState } from "../../../src/state/redis-hot-state.ts";
import { heldPingRecord } from "../../helpers/held-ping.ts";

const ROUNDS = 20;
const BUYER = "b1";
const CAP = 5;

let redis: PrivateRedis;
const opened: { close(): Promise<void> }[] = [];

before(async () => {
  redis = await startPrivateRedis();
});

after(async () => {
  for (const closing of opened.splice(0)) await closing.close();
  await redis?.stop();
});

/**
 * A stand-in for the store: the sales it has recorded (committed reservations), and the held pings and sold consumers
 * it would give back. Shared by every "instance" of a test, as PostgreSQL is.
 */
class FakeStore {
  sold = 0;
  heldPings: PingRecord[] = [];
  soldConsumers: string[] = [];
  seeds = 0;
}

interface Instance {
  marker: RedisSeedMarker;
  caps: RedisCapLedger;
  hotState: RedisHotState;
  duplicates: RedisDuplicateWindows;
}

/** One exchange instance's Redis parts under `keyPrefix`, seeding from `store` (slowly when `seedMs` says so). */
async function instance(
  keyPrefix: string,
  store: FakeStore,
  options: { seedMs?: number; waitMs?: number; duringSeed?: () => Promise<void> } = {},
): Promise<Instance> {
  const common = { url: redis.url, keyPrefix };
  const marker = await RedisSeedMarker.connect({
    ...common,
    ...(options.waitMs ? { waitMs: options.waitMs } : {}),
  });
  const caps = await RedisCapLedger.connect({ ...common, seedGuard: marker });
  const hotState = await RedisHotState.connect({ ...common, seedGuard: marker });
  const duplicates = await RedisDuplicateWindows.connect({ ...common, seedGuard: marker });
  opened.push(marker, caps, hotState, duplicates);
  marker.seedWith(async (): Promise<SeedReport> => {
    store.seeds++;
    // Read "the store" first, then write slowly: a sale committed meanwhile must survive the seed.
    const sold = store.sold;
    await options.duringSeed?.();
    if (options.seedMs) await new Promise((resolve) => setTimeout(resolve, options.seedMs));
    for (const ping of store.heldPings) await hotState.holdPing(ping);
    await caps.seedCommitted([capSeed(sold)]);
    if (store.soldConsumers.length > 0) await duplicates.remember(store.soldConsumers, 3_600_000);
    return { sold };
  });
  return { marker, caps, hotState, duplicates };
}

/**
 * Restarts Redis empty and waits until every connection of these instances has found the new server (each reconnects
 * on its own, with backoff), without touching the marker: the next operation is the first to see the loss.
 */
async function restartEmpty(...instances: Instance[]): Promise<void> {
  await redis.restartEmpty();
  const giveUpAt = Date.now() + 10_000;
  for (const at of instances) {
    for (;;) {
      try {
        await at.hotState.ping();
        await at.caps.usage(BUYER, "probe");
        await at.duplicates.firstSeen("probe", 1);
        await at.marker.isSeeded();
        break;
      } catch (error) {
        if (Date.now() > giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

const periodEndsAt = () => Date.now() + 3_600_000;
const capSeed = (count: number): CapUsageSeed => ({
  buyerId: BUYER,
  key: "campaign:c1:day",
  count,
  cents: count * 1000,
  periodEndsAt: periodEndsAt(),
});
const capUnit = (): CapUnit => ({
  key: "campaign:c1:day",
  countLimit: CAP,
  cents: 1000,
  periodEndsAt: periodEndsAt(),
});

/** Reserves and, when granted, commits one unit, recording the sale in the store as the exchange does (after). */
async function sell(at: Instance, store: FakeStore, id: string): Promise<"sold" | "capped" | "unavailable"> {
  try {
    const reserved = await at.caps.reserve({
      buyerId: BUYER,
      reservationId: id,
      units: [capUnit()],
      ttlMs: 60_000,
    });
    if (!reserved.ok) return "capped";
    await at.caps.commit({ buyerId: BUYER, reservationId: id });
    store.sold++;
    return "sold";
  } catch (error) {
    if (error instanceof ServiceUnavailableError) return "unavailable";
    throw error;
  }
}

function heldPing(id: string): PingRecord {
  return heldPingRecord(id, Date.now(), Date.now() + 60_000);
}

test("Redis restarted empty: the next reservation, held ping read and duplicate check re-seed first", async () => {
  const store = new FakeStore();
  const a = await instance("detect", store);
  await a.marker.ensureSeeded();
  assert.equal(store.seeds, 1, "an empty Redis at start is seeded");
  for (let i = 0; i < 3; i++) assert.equal(await sell(a, store, `r${i}`), "sold");
  store.heldPings = [heldPing("p1")];
  store.soldConsumers = ["v:pi:email:abc"];
  await a.hotState.holdPing(store.heldPings[0]!);

  await restartEmpty(a);
  // Nothing reads as empty: each part notices the marker is gone and the store's state comes back first.
  assert.equal((await a.hotState.getHeldPing("p1", Date.now()))?.id, "p1");
  assert.equal(store.seeds, 2);
  assert.equal(await a.duplicates.seen(["v:pi:email:abc"]), "v:pi:email:abc");
  assert.equal(await sell(a, store, "r3"), "sold");
  assert.equal(await sell(a, store, "r4"), "sold");
  assert.equal(await sell(a, store, "r5"), "capped", "the 3 sales before the restart still count");
  assert.deepEqual((await a.caps.usage(BUYER, "campaign:c1:day")).committed, { count: 5, cents: 5000 });
  assert.equal(store.seeds, 2, "seeded once per loss");

  await restartEmpty(a);
  assert.equal(await sell(a, store, "r6"), "capped");
  assert.equal(store.seeds, 3);
});

test(`${ROUNDS} rounds: two instances racing after Redis restarted empty seed once and never overshoot`, async () => {
  const store = new FakeStore();
  const a = await instance("race", store, { seedMs: 30 });
  const b = await instance("race", store, { seedMs: 30 });
  await a.marker.ensureSeeded();
  const outcomes = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    // Each round a fresh day, `round % CAP` of its sales made before Redis restarted empty (the store keeps them).
    const seedsBefore = store.seeds;
    store.sold = round % CAP;
    await restartEmpty(a, b);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => sell(i % 2 === 0 ? a : b, store, `round${round}-${i}`)),
    );
    for (const result of results) outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
    assert.ok(store.sold <= CAP, `round ${round}: ${store.sold} sold against a cap of ${CAP}`);
    assert.equal(
      store.sold,
      CAP,
      `round ${round}: the cap is reached, not starved (${JSON.stringify(results)})`,
    );
    assert.equal(store.seeds - seedsBefore, 1, `round ${round}: seeded once by the two instances`);
  }
  assert.equal(outcomes.get("unavailable") ?? 0, 0, "seeding takes 30 ms: every request waited for it");
});

test("a sale committed while another instance seeds is counted once, neither lost nor doubled", async () => {
  const store = new FakeStore();
  let sellDuringSeed: (() => Promise<void>) | undefined;
  const a = await instance("during", store, { duringSeed: () => sellDuringSeed?.() ?? Promise.resolve() });
  const b = await instance("during", store);
  await a.marker.ensureSeeded();
  assert.equal(await sell(b, store, "reserved-before"), "sold");
  await restartEmpty(a, b);
  let reservedDuring: Awaited<ReturnType<RedisCapLedger["reserve"]>> | undefined;
  let reserving: Promise<unknown> | undefined;
  sellDuringSeed = async () => {
    sellDuringSeed = undefined;
    // A reservation B asks for while A seeds (A has read the store and is paused here) waits for the seed.
    reserving = b.caps
      .reserve({ buyerId: BUYER, reservationId: "during", units: [capUnit()], ttlMs: 60_000 })
      .then((result) => {
        reservedDuring = result;
      });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(reservedDuring, undefined, "no reservation is granted against counters not yet seeded");
  };
  assert.equal(await sell(a, store, "after"), "sold");
  await reserving;
  assert.deepEqual(reservedDuring, { ok: true }, "granted once seeded, on top of the seed");
  assert.equal(await b.caps.commit({ buyerId: BUYER, reservationId: "during" }), "committed");
  store.sold++;
  const usage = await a.caps.usage(BUYER, "campaign:c1:day");
  // 1 sold before the restart (seeded) + 1 after + 1 during the seed: each counted exactly once.
  assert.deepEqual(usage.committed, { count: 3, cents: 3000 });
  assert.equal(store.sold, 3);
});

test("a sale reserved before Redis restarted empty and accepted after it is counted once (recounted from its units)", async () => {
  const store = new FakeStore();
  const a = await instance("recount", store);
  await a.marker.ensureSeeded();
  const ref = { buyerId: BUYER, reservationId: "posting" };
  const units = [capUnit()];
  assert.deepEqual(await a.caps.reserve({ ...ref, units, ttlMs: 60_000 }), { ok: true });
  // The buyer is being posted to when Redis restarts empty; it accepts after the re-seed read the store.
  await restartEmpty(a);
  assert.equal(await a.caps.commit(ref, units), "recounted", "the reservation is gone, the sale is counted");
  assert.equal(store.seeds, 2, "seeded before counting (a seed after would not know this sale)");
  assert.equal(await a.caps.commit(ref, units), "recounted", "idempotent");
  store.sold++; // saved after its commit, as the exchange does
  assert.deepEqual((await a.caps.usage(BUYER, "campaign:c1:day")).committed, { count: 1, cents: 1000 });
  // Without its units (an older caller) a lost reservation is only reported, as before.
  assert.equal(await a.caps.commit({ buyerId: BUYER, reservationId: "never" }), "unknown");
  // The next loss seeds the sale from the store: still counted once.
  await restartEmpty(a);
  assert.equal(await sell(a, store, "next"), "sold");
  assert.deepEqual((await a.caps.usage(BUYER, "campaign:c1:day")).committed, { count: 2, cents: 2000 });
});

test("an instance that cannot see the seed finish within its wait answers 503, then recovers", async () => {
  const store = new FakeStore();
  const slow = await instance("wait", store, { seedMs: 1_500 });
  const impatient = await instance("wait", store, { waitMs: 200 });
  await slow.marker.ensureSeeded();
  await restartEmpty(slow, impatient);
  const seeding = sell(slow, store, "slow");
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = Date.now();
  assert.equal(await sell(impatient, store, "impatient"), "unavailable");
  assert.ok(Date.now() - started < 1_000, "answered within its wait, not after the seed");
  await assert.rejects(impatient.hotState.getHeldPing("p", Date.now()), ServiceUnavailableError);
  assert.equal(await seeding, "sold");
  assert.equal(await sell(impatient, store, "impatient-again"), "sold");
  assert.equal(store.seeds, 2);
});

test("Redis losing its data again while it is seeded is seeded again, not marked as seeded", async () => {
  const store = new FakeStore();
  let restartsLeft = 1;
  // The instance whose seed restarts Redis under itself (known once it is made).
  const self: Instance[] = [];
  const a = await instance("again", store, {
    duringSeed: async () => {
      if (restartsLeft-- <= 0) return;
      // The connections find the new server before the seed writes (a write failing would fail the seed).
      await restartEmpty(...self);
    },
  });
  self.push(a);
  store.sold = 4;
  await a.marker.ensureSeeded({ waitMs: 10_000 });
  assert.equal(store.seeds, 2, "the first seed's lock was lost with the data: seeded once more");
  assert.equal(await a.marker.isSeeded(), true);
  assert.equal(await sell(a, store, "fifth"), "sold");
  assert.equal(await sell(a, store, "sixth"), "capped");
});
