// The in-memory hot state forgets expired pings on its 5-second sweep, oldest first, without walking every held ping:
// a ping that expires before one held earlier waits for that one, never served meanwhile.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import type { PingRecord } from "../../src/domain/records.ts";
import { MemoryHotState } from "../../src/state/memory-hot-state.ts";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const SWEEP_MS = 5_000;

function ping(id: string, expires_at: number): PingRecord {
  return {
    id,
    kind: "ping",
    source_id: "src-1",
    vertical: "personal_injury",
    lead: { state: "CA" },
    test: false,
    created_at: T0,
    expires_at,
    status: "bid",
    price_cents: 2500,
    bids: [{ campaign_id: "c", buyer_id: "b", bid_cents: 4000, source_price_cents: 2500, expires_at }],
  };
}

/** A hot state on mock timers and clock, from T0. */
function withMockTime<T>(body: () => Promise<T>): Promise<T> {
  mock.timers.enable({ apis: ["setInterval", "Date"], now: T0 });
  return body().finally(() => mock.timers.reset());
}

test("the sweep forgets the pings that have expired, and keeps the rest", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      for (let i = 0; i < 10; i++) await state.holdPing(ping(`p-${i}`, T0 + 1_000 * (i + 1)));
      mock.timers.tick(SWEEP_MS);
      // p-0 to p-4 expire at T0 + 1..5 s: the sweep at T0 + 5 s forgets them (expires_at itself is expired).
      assert.equal(state.heldCount, 5);
      assert.equal(await state.getHeldPing("p-4", Date.now() - 1), undefined, "forgotten");
      assert.ok(await state.getHeldPing("p-5", Date.now()));
      assert.ok(await state.getHeldPing("p-9", Date.now()));
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 0);
    } finally {
      await state.close();
    }
  }));

test("a ping that expires before one held earlier is never served, and is forgotten once that one has expired", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("long", T0 + 3 * SWEEP_MS));
      await state.holdPing(ping("short", T0 + 1_000));
      mock.timers.tick(SWEEP_MS);
      assert.equal(await state.getHeldPing("short", Date.now()), undefined, "expired: not served");
      assert.equal(state.heldCount, 2, "behind a ping that has not expired");
      assert.ok(await state.getHeldPing("long", Date.now()));
      mock.timers.tick(2 * SWEEP_MS);
      assert.equal(state.heldCount, 0, "both gone once the first has expired");
    } finally {
      await state.close();
    }
  }));

test("pings restored on start are swept in order of expiry, whatever order the store gave them in", () =>
  withMockTime(async () => {
    const state = new MemoryHotState([ping("late", T0 + 60_000), ping("early", T0 + 1_000)]);
    try {
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 1);
      assert.ok(await state.getHeldPing("late", Date.now()));
    } finally {
      await state.close();
    }
  }));

test("a claim on a ping that expires goes with it; a claim on a dropped ping goes at the next sweep", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("expiring", T0 + 1_000));
      await state.holdPing(ping("posted", T0 + 60_000));
      assert.ok(await state.claimPost("expiring", 30_000));
      const posted = await state.claimPost("posted", 30_000);
      assert.ok(posted);
      await posted.complete();
      await state.dropPing("posted");
      assert.equal(await state.claimPost("posted", 30_000), undefined, "completed: not claimable again");
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 0);
      // Both claims are forgotten: what answers a retry now is the store (the post's lead) or "not found".
      assert.ok(await state.claimPost("posted", 30_000), "the claim was forgotten with the sweep");
    } finally {
      await state.close();
    }
  }));
