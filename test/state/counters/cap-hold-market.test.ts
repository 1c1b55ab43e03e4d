// A capped buyer in a market where only 1 in 5 winning pings is posted (sellers ping several exchanges and post to
// one) sells its full cap, and never one lead more, with two exchange instances sharing Redis. Each ping holds a cap
// unit until its bid expires, overbooking by settings.cap_hold_overbook; each posted ping claims its hold firmly (a
// claim that finds the cap full of sales is refused, and its post falls back) and commits. Rounds >= 20.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { CapLedger, CapUnit } from "../../../src/state/counters/cap-ledger.ts";
import { deleteKeysWithPrefix } from "../../store/redis-test-helpers.ts";
import { redisCountersPrefix, testRedisCapLedger } from "./counter-implementations.ts";

const BUYER = "capped-buyer";
const DAILY_CAP = 5;
const POSTED_ONE_IN = 5;
const PINGS_PER_WAVE = 30;
const ROUNDS = 20;
/** A bid's own expiry in this market: the ping's hold lasts this long. */
const BID_EXPIRY_MS = 200;
/** Today's hold before this change: bid expiry + post deadline (15 s) + 60 s. */
const OLD_HOLD_MS = 195_000;
const MAX_WAVES = 12;

interface Market {
  overbook: number;
  holdMs: number;
}

interface RoundResult {
  committed: number;
  waves: number;
  /** The most committed + firmly reserved units seen at once (never above the cap). */
  peakFirm: number;
  refusedPosts: number;
}

/**
 * One day of the market: waves of concurrent pings across both instances until the cap is sold or MAX_WAVES pass.
 * Every POSTED_ONE_IN-th winning ping is posted (concurrently, on the other instance than its ping), the rest left to
 * expire. Between waves, time passes: the bid expiry.
 */
async function runDay(instances: CapLedger[], dayKey: string, market: Market): Promise<RoundResult> {
  const day: CapUnit = {
    key: dayKey,
    countLimit: DAILY_CAP,
    cents: 1000,
    periodEndsAt: Date.now() + 3_600_000,
  };
  let winners = 0;
  let peakFirm = 0;
  let refusedPosts = 0;
  let waves = 0;
  let committed = 0;
  for (; waves < MAX_WAVES && committed < DAILY_CAP; waves++) {
    const pings = Array.from({ length: PINGS_PER_WAVE }, (_, i) => `${dayKey}:w${waves}:p${i}`);
    const held = await Promise.all(
      pings.map((id, i) =>
        instances[i % 2]!.reserve({
          buyerId: BUYER,
          reservationId: id,
          units: [day],
          ttlMs: market.holdMs,
          hold: { overbook: market.overbook },
        }),
      ),
    );
    const won = pings.filter((_, i) => held[i]!.ok);
    const posted = won.filter(() => ++winners % POSTED_ONE_IN === 0);
    await Promise.all(
      posted.map(async (id, i) => {
        const ledger = instances[(i + 1) % 2]!;
        const ref = { buyerId: BUYER, reservationId: id };
        const claim = await ledger.reserve({ ...ref, units: [day], ttlMs: 75_000 });
        if (!claim.ok) {
          refusedPosts++;
          return;
        }
        const usage = await ledger.usage(BUYER, day.key);
        peakFirm = Math.max(peakFirm, usage.committed.count + usage.reserved.count - usage.held.count);
        assert.equal(await ledger.commit(ref, [day]), "committed");
      }),
    );
    committed = (await instances[0]!.usage(BUYER, day.key)).committed.count;
    assert.ok(committed <= DAILY_CAP, `overshoot: ${committed} sold against a cap of ${DAILY_CAP}`);
    // The unposted pings' bids expire; generous against the Redis clock (a late expiry only slows the next wave).
    await sleep(BID_EXPIRY_MS + 100);
  }
  return { committed, waves, peakFirm, refusedPosts };
}

describe("RedisCapLedger, two instances: a capped buyer when 1 in 5 winning pings is posted", () => {
  const instances: CapLedger[] = [];
  after(async () => {
    await Promise.all(instances.map((ledger) => ledger.close()));
    await deleteKeysWithPrefix(redisCountersPrefix);
  });

  test(`holds as long as the bid, overbooked 2×: the full cap of ${DAILY_CAP} sells, 0 overshoot, ${ROUNDS} rounds`, async (t) => {
    const prefix = `${redisCountersPrefix}:market`;
    instances.push(await testRedisCapLedger(prefix), await testRedisCapLedger(prefix));
    let totalWaves = 0;
    let totalRefused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const result = await runDay(instances, `campaign:c1:day:r${round}`, {
        overbook: 2,
        holdMs: BID_EXPIRY_MS,
      });
      assert.equal(
        result.committed,
        DAILY_CAP,
        `round ${round}: sold ${result.committed} in ${result.waves} waves`,
      );
      assert.ok(result.peakFirm <= DAILY_CAP, `round ${round}: ${result.peakFirm} sold or posting at once`);
      totalWaves += result.waves;
      totalRefused += result.refusedPosts;
    }
    t.diagnostic(`waves ${totalWaves}, posts refused as sold out ${totalRefused}`);
  });

  test(`every overbooked hold posted at once, across both instances: exactly ${DAILY_CAP} sell, ${ROUNDS} rounds`, async () => {
    const prefix = `${redisCountersPrefix}:storm`;
    const [a, b] = [await testRedisCapLedger(prefix), await testRedisCapLedger(prefix)];
    instances.push(a, b);
    for (let round = 0; round < ROUNDS; round++) {
      const day: CapUnit = {
        key: `campaign:c1:day:s${round}`,
        countLimit: DAILY_CAP,
        cents: 1000,
        periodEndsAt: Date.now() + 3_600_000,
      };
      const ids = Array.from({ length: PINGS_PER_WAVE }, (_, i) => `s${round}:p${i}`);
      const holds = await Promise.all(
        ids.map((id, i) =>
          (i % 2 ? a : b).reserve({
            buyerId: BUYER,
            reservationId: id,
            units: [day],
            ttlMs: 60_000,
            hold: { overbook: 2 },
          }),
        ),
      );
      const won = ids.filter((_, i) => holds[i]!.ok);
      assert.equal(won.length, DAILY_CAP * 2, "holds overbook the cap by exactly the factor");
      const sold = await Promise.all(
        won.map(async (id, i) => {
          const ledger = i % 2 ? b : a;
          const ref = { buyerId: BUYER, reservationId: id };
          const claim = await ledger.reserve({ ...ref, units: [day], ttlMs: 60_000 });
          if (!claim.ok) {
            assert.equal(claim.by, "sales", "a post refused because the cap is sold out, not held");
            return false;
          }
          return (await ledger.commit(ref, [day])) === "committed";
        }),
      );
      assert.equal(sold.filter(Boolean).length, DAILY_CAP, `round ${round}`);
      assert.equal(
        (await a.usage(BUYER, day.key)).committed.count,
        DAILY_CAP,
        `round ${round}: no overshoot`,
      );
    }
  });

  test("today's holds (195 s, no overbooking) sell 1 of the 5 in the same market: the buyer starves", async () => {
    const prefix = `${redisCountersPrefix}:market-old`;
    instances.push(await testRedisCapLedger(prefix), await testRedisCapLedger(prefix));
    const result = await runDay(instances.slice(2), "campaign:c1:day:old", {
      overbook: 1,
      holdMs: OLD_HOLD_MS,
    });
    // Every wave finds the cap held by the first wave's five pings, of which one was posted.
    assert.equal(result.committed, 1);
    assert.equal(result.waves, MAX_WAVES);
  });
});
