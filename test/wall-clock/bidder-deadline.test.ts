// The deadline guard: the bidder answers within the exchange's tmax, saying no bid when its logic cannot finish in
// time (and holding no budget for it); its own time per ping stays under 50 ms at p99.
// Real time: the bidder's own time per ping is CPU time spent in its code, which only a real clock measures.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestBidder, testBidderConfig, uniqueLead } from "../bidder/bidder-harness.ts";

test("logic slower than the own-time bound answers no bid (deadline) and holds no budget", async () => {
  let slow = true;
  const bidder = await startTestBidder(
    testBidderConfig({ budgets: [{ period: "day", leads: 1 }] }, { max_own_time_ms: 50 }),
    {
      slowLogicForTest: () => {
        const until = performance.now() + 80;
        while (slow && performance.now() < until) {}
      },
    },
  );
  try {
    const answer = await bidder.nativePing({
      vertical: "personal_injury",
      lead: uniqueLead().ping,
      tmax_ms: 300,
    });
    assert.deepEqual(answer.body, { bid: false, reason: "deadline" });
    slow = false;
    const status = await bidder.admin("GET", "/v1/status");
    assert.deepEqual(
      status.body.campaigns[0].budgets.map((b: { held: number; leads: number }) => [b.held, b.leads]),
      [[0, 0]],
      "the late answer holds none of the day's one lead",
    );
    assert.equal(status.body.no_bids.deadline, 1);
  } finally {
    await bidder.stop();
  }
});

test("a short tmax shrinks the bidder's own budget below the configured 50 ms", async () => {
  const bidder = await startTestBidder(testBidderConfig({}, { max_own_time_ms: 50 }), {
    slowLogicForTest: () => {
      const until = performance.now() + 20;
      while (performance.now() < until) {}
    },
  });
  try {
    const tight = await bidder.nativePing({
      vertical: "personal_injury",
      lead: uniqueLead().ping,
      tmax_ms: 20,
    });
    assert.deepEqual(tight.body, { bid: false, reason: "deadline" });
  } finally {
    await bidder.stop();
  }
});

test("own time p99 under 50 ms over 1000 pings, 20 at a time", async () => {
  const bidder = await startTestBidder(testBidderConfig());
  try {
    for (let batch = 0; batch < 50; batch += 1)
      await Promise.all(
        Array.from({ length: 20 }, () =>
          bidder.nativePing({ vertical: "personal_injury", lead: uniqueLead().ping, tmax_ms: 300 }),
        ),
      );
    const status = await bidder.admin("GET", "/v1/status");
    assert.equal(status.body.own_time_ms.pings, 1000);
    assert.ok(status.body.own_time_ms.p99 < 50, JSON.stringify(status.body.own_time_ms));
  } finally {
    await bidder.stop();
  }
});
