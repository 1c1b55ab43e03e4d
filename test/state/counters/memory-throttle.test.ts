// What only the in-process throttle has: its counters kept beside each key, and swept once they can no longer count.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { MemoryThrottle } from "../../../src/state/counters/memory-throttle.ts";

const MINUTE = 60_000;
const T0 = 29_000_000 * MINUTE;

test("a caller a window behind another still counts in its own window and the one before", async () => {
  const throttle = new MemoryThrottle();
  assert.equal(await throttle.tryAcquire("campaign:c1", 2, MINUTE, T0 + 10), true);
  assert.equal(await throttle.tryAcquire("campaign:c1", 2, MINUTE, T0 + MINUTE + 10), true);
  // Behind: the first minute's window, which holds one already.
  assert.equal(await throttle.tryAcquire("campaign:c1", 2, MINUTE, T0 + 20), true);
  assert.equal(await throttle.tryAcquire("campaign:c1", 2, MINUTE, T0 + 30), false);
  // The second minute: the first one's two count almost in full.
  assert.equal(await throttle.tryAcquire("campaign:c1", 3, MINUTE, T0 + MINUTE + 20), false);
  assert.equal(throttle.counters, 2);
  await throttle.close();
});

test("the sweep drops a window once the one after it is over, and keeps the rest counted", async () => {
  mock.timers.enable({ apis: ["setInterval"] });
  try {
    const throttle = new MemoryThrottle();
    assert.equal(await throttle.tryAcquire("source:s1", 5, MINUTE, T0), true);
    assert.equal(await throttle.tryAcquire("source:s1", 5, 1000, T0), true);
    assert.equal(await throttle.tryAcquire("source:s2", 5, MINUTE, T0), true);
    assert.equal(await throttle.tryAcquire("source:s1", 5, MINUTE, T0 + MINUTE), true);
    assert.equal(throttle.counters, 4);
    mock.timers.tick(10_000);
    // The latest time seen is T0 + 1 min: the 1 s window of T0 is over, the minutes of T0 and T0 + 1 min may count.
    assert.equal(throttle.counters, 3);
    assert.equal(await throttle.tryAcquire("source:s1", 5, MINUTE, T0 + 2 * MINUTE), true);
    mock.timers.tick(10_000);
    // At T0 + 2 min, the minute of T0 can no longer count: gone, s2's key with it.
    assert.equal(throttle.counters, 2);
    // Still counted: 1 in the minute of T0 + 1 min (weighted by its overlap) and 1 in this one.
    for (let i = 0; i < 3; i++)
      assert.equal(await throttle.tryAcquire("source:s1", 5, MINUTE, T0 + 2 * MINUTE), true);
    assert.equal(await throttle.tryAcquire("source:s1", 5, MINUTE, T0 + 2 * MINUTE), false);
    await throttle.close();
  } finally {
    mock.timers.reset();
  }
});
