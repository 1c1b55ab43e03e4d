// The dashboard's live numbers with and without a live board. Alone (embedded): this process's counts and exact
// percentiles, as before. With a board (several instances): this instance's contribution goes to the board once a
// second even when nobody watches it, and the snapshot sums every contribution the board answers (rates, shares,
// merged-histogram percentiles, buyers); a board that fails leaves this instance's own numbers, marked instances: 1.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Counter, Registry } from "prom-client";
import { BUCKET_GROWTH, LatencyHistogram } from "../../src/console/latency-histogram.ts";
import type { LiveBoard, LiveContribution } from "../../src/console/live-board.ts";
import { LiveStats } from "../../src/console/live-stats.ts";
import type { ConfigSnapshot } from "../../src/engine/config-snapshot.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";

/** A registry holding the exchange's counters, with `auctions` pings (all bid) and requests to buyer alpha. */
function registryWith(auctions: number): Registry {
  const registry = new Registry();
  new Counter({
    name: "gavel_pings_total",
    help: "-",
    labelNames: ["vertical", "status"],
    registers: [registry],
  })
    .labels("personal_injury", "bid")
    .inc(auctions);
  new Counter({
    name: "gavel_posts_total",
    help: "-",
    labelNames: ["kind", "status"],
    registers: [registry],
  });
  const requests = new Counter({
    name: "gavel_buyer_requests_total",
    help: "-",
    labelNames: ["buyer", "phase", "outcome"],
    registers: [registry],
  });
  requests.labels("alpha", "ping", "bid").inc(auctions);
  requests.labels("alpha", "ping", "timeout").inc(1);
  return registry;
}

const config = () =>
  ({
    buyers: [
      { id: "alpha", status: "active" },
      { id: "beta", status: "paused" },
    ],
  }) as unknown as ConfigSnapshot;

/** Another instance's contribution: `auctions` in its 5 s window, each answered in `ms`. */
function otherInstance(auctions: number, ms: number): LiveContribution {
  return {
    instance: "other",
    window: { seconds: 5, auctions, bids: auctions / 2, leads: 0, sold: 0 },
    latency: LatencyHistogram.of(Array(auctions).fill(ms)).toBuckets(),
    totals: { auctions: 100, bids: 50, leads: 0, sold: 0 },
    buyers: {
      beta: { requests: 7, timeouts: 2, errors: 1 },
      retired: { requests: 3, timeouts: 0, errors: 0 },
    },
  };
}

class FakeBoard implements LiveBoard {
  readonly shared: { contribution: LiveContribution; read: boolean }[] = [];
  readonly others: LiveContribution[];
  failing: boolean;
  constructor(others: LiveContribution[], failing = false) {
    this.others = others;
    this.failing = failing;
  }
  async share(contribution: LiveContribution, read: boolean): Promise<LiveContribution[]> {
    this.shared.push({ contribution, read });
    if (this.failing)
      throw new ServiceUnavailableError("Redis live board at 127.0.0.1:6379: share failed: down");
    return read ? [contribution, ...this.others] : [];
  }
  async close(): Promise<void> {}
}

describe("live stats", () => {
  test("alone: this process's numbers and exact percentiles, no instances field", async () => {
    const live = new LiveStats({ registry: registryWith(4), config });
    for (const ms of [10, 20, 30, 40]) live.observeSellerRequest(ms);
    const snapshot = await live.snapshot();
    live.stop();
    assert.deepEqual(snapshot.totals, { auctions: 4, bids: 4, leads: 0, sold: 0 });
    assert.equal(snapshot.p50_ms, 30);
    assert.equal(snapshot.p99_ms, 40);
    assert.equal(snapshot.instances, undefined);
    assert.deepEqual(
      snapshot.buyers.map(({ buyer_id, requests, timeouts }) => [buyer_id, requests, timeouts]),
      [
        ["alpha", 5, 1],
        ["beta", 0, 0],
      ],
    );
  });

  test("with a board: every instance's numbers summed, percentiles from the merged buckets", async () => {
    const board = new FakeBoard([otherInstance(20, 100)]);
    const live = new LiveStats({ registry: registryWith(4), config, board });
    for (const ms of [10, 10, 10, 10, 10]) live.observeSellerRequest(ms);
    const snapshot = await live.snapshot();
    live.stop();
    assert.equal(snapshot.instances, 2);
    assert.deepEqual(snapshot.totals, { auctions: 104, bids: 54, leads: 0, sold: 0 });
    // This instance: no window yet (its first sample), so only the other's 20 auctions in 5 s count as a rate.
    assert.equal(snapshot.pings_per_s, 4);
    assert.equal(snapshot.bid_rate_pct, 50);
    // 25 answers: 5 at 10 ms, 20 at 100 ms. p50 is 100 ms, not the average of the instances' medians.
    assert.ok(Math.abs(snapshot.p50_ms! / 100 - 1) < BUCKET_GROWTH - 1, `p50 ${snapshot.p50_ms}`);
    assert.deepEqual(
      snapshot.buyers.map(({ buyer_id, requests, timeouts, errors }) => [
        buyer_id,
        requests,
        timeouts,
        errors,
      ]),
      [
        ["alpha", 5, 1, 0],
        ["beta", 7, 2, 1],
      ],
      "buyers no longer configured are left out",
    );
  });

  test("a failing board: this instance's own numbers, marked instances: 1", async () => {
    const board = new FakeBoard([otherInstance(20, 100)], true);
    const live = new LiveStats({ registry: registryWith(4), config, board });
    const snapshot = await live.snapshot();
    live.stop();
    assert.equal(snapshot.instances, 1);
    assert.deepEqual(snapshot.totals, { auctions: 4, bids: 4, leads: 0, sold: 0 });
  });

  test("with a board, this instance posts once a second while nobody watches it, without reading", async () => {
    const board = new FakeBoard([]);
    const live = new LiveStats({ registry: registryWith(4), config, board });
    await sleep(2_300);
    live.stop();
    assert.equal(board.shared.length, 2);
    assert.ok(board.shared.every(({ read }) => !read));
    assert.deepEqual(board.shared[1]!.contribution.totals, { auctions: 4, bids: 4, leads: 0, sold: 0 });
  });
});
