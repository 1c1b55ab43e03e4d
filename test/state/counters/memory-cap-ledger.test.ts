// What only the in-process ledger has: usage seeded from the store on start, and its injectable clock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryCapLedger } from "../../../src/state/counters/memory-cap-ledger.ts";

const T0 = 1_750_000_000_000;
const DAY_ENDS = T0 + 3_600_000;

test("committed usage seeded on start counts against the caps", async () => {
  const ledger = new MemoryCapLedger({
    now: () => T0,
    seed: [{ buyerId: "b1", key: "campaign:c1:day:d", count: 49, cents: 49_000, periodEndsAt: DAY_ENDS }],
  });
  const day = { key: "campaign:c1:day:d", countLimit: 50, cents: 1000, periodEndsAt: DAY_ENDS };
  assert.deepEqual(await ledger.reserve({ buyerId: "b1", reservationId: "r1", units: [day], ttlMs: 1000 }), {
    ok: true,
  });
  assert.equal(
    (await ledger.reserve({ buyerId: "b1", reservationId: "r2", units: [day], ttlMs: 1000 })).ok,
    false,
  );
  assert.deepEqual(await ledger.usage("b1", day.key), {
    committed: { count: 49, cents: 49_000 },
    reserved: { count: 1, cents: 1000 },
    held: { count: 0, cents: 0 },
  });
  await ledger.close();
});

test("deadlines and period ends follow the injected clock", async () => {
  let now = T0;
  const ledger = new MemoryCapLedger({ now: () => now });
  const day = { key: "campaign:c1:day:d", countLimit: 1, cents: 1000, periodEndsAt: DAY_ENDS };
  await ledger.reserve({ buyerId: "b1", reservationId: "r1", units: [day], ttlMs: 5000 });
  now = T0 + 4999;
  assert.equal(
    (await ledger.reserve({ buyerId: "b1", reservationId: "r2", units: [day], ttlMs: 5000 })).ok,
    false,
  );
  now = T0 + 5000;
  assert.equal(
    (await ledger.reserve({ buyerId: "b1", reservationId: "r2", units: [day], ttlMs: 5000 })).ok,
    true,
  );
  await ledger.commit({ buyerId: "b1", reservationId: "r2" });
  now = DAY_ENDS;
  assert.deepEqual((await ledger.usage("b1", day.key)).committed, { count: 0, cents: 0 });
  await ledger.close();
});

test("a post that reserves after its ping's hold expired stays reserved when the expired record is forgotten", async () => {
  let now = T0;
  const ledger = new MemoryCapLedger({ now: () => now, finishedRetentionMs: 1000 });
  const day = { key: "campaign:c1:day:d", countLimit: 1, cents: 1000, periodEndsAt: DAY_ENDS };
  const ref = { buyerId: "b1", reservationId: "r1" };
  await ledger.reserve({ ...ref, units: [day], ttlMs: 100, hold: { overbook: 2 } });
  now = T0 + 200; // the hold expired unposted; the post comes late and reserves firmly under the same id
  assert.equal((await ledger.reserve({ ...ref, units: [day], ttlMs: 60_000 })).ok, true);
  now = T0 + 5000; // past the expired record's retention: forgetting it must not forget the firm reservation
  assert.equal(
    (await ledger.reserve({ buyerId: "b1", reservationId: "r2", units: [day], ttlMs: 1000 })).ok,
    false,
  );
  assert.equal(await ledger.commit(ref), "committed");
  assert.deepEqual((await ledger.usage("b1", day.key)).committed, { count: 1, cents: 1000 });
  await ledger.close();
});

test("holds made in any order of ttl each expire at their own deadline, committed ones never, a claimed one at its new one", async () => {
  let now = T0;
  const ledger = new MemoryCapLedger({ now: () => now });
  const unit = { key: "campaign:c1:day:d", cents: 1, periodEndsAt: DAY_ENDS };
  // Deadlines out of insertion order (ttl 1..97 ms, shuffled by a stride): the ledger takes them earliest first.
  const ttls = Array.from({ length: 97 }, (_, index) => ((index * 37) % 97) + 1);
  for (const [index, ttlMs] of ttls.entries()) {
    await ledger.reserve({
      buyerId: "b1",
      reservationId: `r${index}`,
      units: [unit],
      ttlMs,
      hold: { overbook: 1 },
    });
  }
  // r0 (ttl 1) is committed and r1 (ttl 38) claimed by its post for 500 ms: neither gives its unit back at its old deadline.
  assert.equal(await ledger.commit({ buyerId: "b1", reservationId: "r0" }), "committed");
  assert.equal(
    (await ledger.reserve({ buyerId: "b1", reservationId: "r1", units: [unit], ttlMs: 500 })).ok,
    true,
  );
  for (let at = 1; at <= 97; at++) {
    now = T0 + at;
    const expected = ttls.filter((ttl, index) => index > 1 && ttl > at).length;
    const { reserved, held } = await ledger.usage("b1", unit.key);
    assert.equal(held.count, expected, `holds left at +${at} ms`);
    assert.equal(reserved.count - held.count, 1, `the claimed one at +${at} ms`);
  }
  now = T0 + 499;
  assert.equal((await ledger.usage("b1", unit.key)).reserved.count, 1);
  now = T0 + 500;
  assert.equal((await ledger.usage("b1", unit.key)).reserved.count, 0);
  assert.equal((await ledger.usage("b1", unit.key)).committed.count, 1);
  await ledger.close();
});
