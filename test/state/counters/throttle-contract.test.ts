// One suite over every Throttle: the memory default and Redis (GAVEL_TEST_REDIS_URL, which must be up).
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import type { Throttle } from "../../../src/state/counters/throttle.ts";
import { THROTTLES } from "./counter-implementations.ts";

const MINUTE = 60_000;
/** The start of a fixed one-minute window (the clock is the caller's, so tests pick it). */
const T0 = 29_000_000 * MINUTE;

async function acquireMany(throttle: Throttle, count: number, key: string, limit: number, now: number) {
  const results = await Promise.all(
    Array.from({ length: count }, () => throttle.tryAcquire(key, limit, MINUTE, now)),
  );
  return results.filter(Boolean).length;
}

for (const impl of THROTTLES) {
  describe(impl.name, () => {
    let throttle: Throttle;

    beforeEach(async () => {
      throttle = await impl.create();
    });

    afterEach(async () => {
      await throttle.close();
    });

    after(async () => {
      await impl.cleanup?.();
    });

    test("admits up to the limit in a window; a refusal takes nothing", async () => {
      for (let i = 0; i < 3; i++)
        assert.equal(await throttle.tryAcquire("source:s1", 3, MINUTE, T0 + i), true);
      assert.equal(await throttle.tryAcquire("source:s1", 3, MINUTE, T0 + 10), false);
      assert.equal(await throttle.tryAcquire("source:s1", 3, MINUTE, T0 + 20), false);
      // A higher limit on the same key sees the three taken, not five.
      assert.equal(await throttle.tryAcquire("source:s1", 4, MINUTE, T0 + 30), true);
      assert.equal(await throttle.tryAcquire("source:s1", 4, MINUTE, T0 + 40), false);
    });

    test("the window slides: the previous minute counts in proportion to its overlap", async () => {
      assert.equal(await acquireMany(throttle, 10, "campaign:c1", 10, T0 + 1000), 10);
      // At the start of the next minute the previous one still overlaps fully.
      assert.equal(await throttle.tryAcquire("campaign:c1", 10, MINUTE, T0 + MINUTE), false);
      // Halfway through it, half of the previous minute's 10 is still in the window: 5 more fit.
      assert.equal(await acquireMany(throttle, 10, "campaign:c1", 10, T0 + MINUTE + MINUTE / 2), 5);
      // A minute later, the minute with 10 is out of the window; the 5 of the last one count half: 2.5 + 7 ≤ 10.
      assert.equal(await acquireMany(throttle, 10, "campaign:c1", 10, T0 + 2 * MINUTE + MINUTE / 2), 7);
      assert.equal(await acquireMany(throttle, 20, "campaign:c1", 10, T0 + 5 * MINUTE), 10);
    });

    test("keys and window lengths are counted apart; a limit of 0 admits nothing", async () => {
      assert.equal(await throttle.tryAcquire("source:s1", 1, MINUTE, T0), true);
      assert.equal(await throttle.tryAcquire("source:s2", 1, MINUTE, T0), true);
      assert.equal(await throttle.tryAcquire("source:s1", 1, 1000, T0), true);
      assert.equal(await throttle.tryAcquire("source:s1", 1, MINUTE, T0), false);
      assert.equal(await throttle.tryAcquire("source:s3", 0, MINUTE, T0), false);
    });

    test("200 concurrent pings against a limit of 50 a minute: exactly 50 admitted", async () => {
      assert.equal(await acquireMany(throttle, 200, "source:s1", 50, T0 + 5), 50);
    });

    test("bad arguments are refused", async () => {
      await assert.rejects(throttle.tryAcquire("source:s1", -1, MINUTE, T0), TypeError);
      await assert.rejects(throttle.tryAcquire("source:s1", 1, 0, T0), TypeError);
      await assert.rejects(throttle.tryAcquire("", 1, MINUTE, T0), TypeError);
    });

    test("tryAcquireEach: each key admits or refuses on its own, as tryAcquire would", async () => {
      assert.equal(await throttle.tryAcquire("campaign:full", 1, MINUTE, T0), true);
      const requests = [
        { key: "campaign:full", limit: 1, windowMs: MINUTE },
        { key: "campaign:open", limit: 2, windowMs: MINUTE },
        { key: "campaign:closed", limit: 0, windowMs: MINUTE },
      ];
      assert.deepEqual(await throttle.tryAcquireEach(requests, T0 + 1), [false, true, false]);
      assert.deepEqual(await throttle.tryAcquireEach(requests, T0 + 2), [false, true, false]);
      // The refused keys took nothing, the admitted one took a slot each time: its limit of 2 is now reached.
      assert.equal(await throttle.tryAcquire("campaign:open", 2, MINUTE, T0 + 3), false);
      assert.equal(await throttle.tryAcquire("campaign:full", 2, MINUTE, T0 + 3), true);
      assert.deepEqual(await throttle.tryAcquireEach([], T0 + 4), []);
    });

    test("tryAcquireEach: 100 concurrent calls over two keys admit exactly each key's limit", async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, () =>
          throttle.tryAcquireEach(
            [
              { key: "velocity:email", limit: 30, windowMs: MINUTE },
              { key: "velocity:phone", limit: 10, windowMs: MINUTE },
            ],
            T0 + 5,
          ),
        ),
      );
      assert.equal(results.filter(([email]) => email).length, 30);
      assert.equal(results.filter(([, phone]) => phone).length, 10);
    });

    test("tryAcquireEach refuses bad arguments and a key asked twice, taking nothing", async () => {
      await assert.rejects(
        throttle.tryAcquireEach([{ key: "a", limit: -1, windowMs: MINUTE }], T0),
        TypeError,
      );
      await assert.rejects(
        throttle.tryAcquireEach(
          [
            { key: "twice", limit: 1, windowMs: MINUTE },
            { key: "twice", limit: 1, windowMs: MINUTE },
          ],
          T0,
        ),
        TypeError,
      );
      assert.equal(await throttle.tryAcquire("twice", 1, MINUTE, T0), true);
    });
  });
}
