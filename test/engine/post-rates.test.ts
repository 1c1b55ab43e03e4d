// Each source's learned post rate and the overbook factor it gives (src/engine/post-rates.ts): a ping counts posted
// when its post arrives, unposted once its bid expires; too few resolved pings keep the default; the factor stays
// between the floor and the ceiling.
// Backend-independent: src/engine/post-rates.ts in process with no store and no hot state.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LEARNED_OVERBOOK, learnedOverbook, MAX_PENDING, PostRates } from "../../src/engine/post-rates.ts";

describe("learned post rates", () => {
  test("1 in 5 posted: the source's holds overbook by 1.25 × 5, bounded by the ceiling", () => {
    const rates = new PostRates();
    for (let i = 0; i < 100; i++) {
      rates.won("aggregator", `a${i}`, 1_000);
      if (i % 5 === 0) rates.posted("aggregator", `a${i}`);
    }
    // Before the bids expire only the posted ones are resolved: 20, under the minimum sample.
    assert.deepEqual(rates.rate("aggregator", 999), { rate: 1, sample: 20 });
    assert.equal(rates.overbook("aggregator", 999, 2), 2);
    assert.deepEqual(rates.rate("aggregator", 1_000), { rate: 0.2, sample: 100 });
    assert.equal(rates.overbook("aggregator", 1_000, 2), LEARNED_OVERBOOK.ceiling);
    // Another source is learned apart, and a post of a ping never seen here changes nothing.
    rates.posted("publisher", "unknown");
    assert.deepEqual(rates.rate("publisher", 1_000), { rate: 0, sample: 0 });
  });

  test("the window keeps the last pings only, so a source that starts posting is relearned", () => {
    const rates = new PostRates();
    for (let i = 0; i < LEARNED_OVERBOOK.window; i++) rates.won("s", `old${i}`, 10);
    assert.equal(rates.rate("s", 10).rate, 0);
    for (let i = 0; i < LEARNED_OVERBOOK.window; i++) {
      rates.won("s", `new${i}`, 1_000);
      rates.posted("s", `new${i}`);
    }
    assert.deepEqual(rates.rate("s", 20), { rate: 1, sample: LEARNED_OVERBOOK.window });
    assert.equal(rates.overbook("s", 20, 2), 1.25);
  });

  test("unposted winning pings stay bounded though nothing asks for the rate (a fixed overbook factor)", () => {
    const rates = new PostRates();
    for (let i = 0; i < 3 * MAX_PENDING; i++) rates.won("s", `a${i}`, 1_000_000 + i);
    assert.ok(rates.pending("s") <= MAX_PENDING + 1_024, `${rates.pending("s")} pending`);
    // The oldest were counted unposted; the newest can still be posted.
    rates.posted("s", `a${3 * MAX_PENDING - 1}`);
    assert.equal(rates.rate("s", 0).sample, LEARNED_OVERBOOK.window);
    assert.ok(rates.rate("s", 0).rate > 0);
    assert.equal(rates.pending("s"), MAX_PENDING);
  });

  test("the factor's bounds", () => {
    assert.equal(learnedOverbook(0.5, LEARNED_OVERBOOK.minSample - 1, 2), 2, "too few pings: the default");
    assert.equal(learnedOverbook(0.5, LEARNED_OVERBOOK.minSample, 2), 2.5);
    assert.equal(learnedOverbook(1, 500, 2), 1.25);
    assert.equal(learnedOverbook(0, 500, 2), LEARNED_OVERBOOK.ceiling);
    assert.equal(learnedOverbook(0.01, 500, 2), LEARNED_OVERBOOK.ceiling);
  });
});
