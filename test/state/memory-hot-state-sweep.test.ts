// The in-memory hot state keeps held pings in 5-second spans of expiry and forgets a span whole, at the first sweep
// after every ping in it has expired: no walk over the held pings, no delete per ping. An expired ping whose span has
// not ended is never served.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import type { PingRecord } from "../../src/domain/records.ts";
import { MemoryHotState } from "../../src/state/memory-hot-state.ts";
import { heldPingRecord } from "../helpers/held-ping.ts";

/** A multiple of the 5-second span and sweep interval, so the spans' ends fall on the sweeps. */
const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const SWEEP_MS = 5_000;

function ping(id: string, expires_at: number): PingRecord {
  return heldPingRecord(id, T0, expires_at);
}

/** A hot state on mock timers and clock, from T0. */
function withMockTime<T>(body: () => Promise<T>): Promise<T> {
  mock.timers.enable({ apis: ["setInterval", "Date"], now: T0 });
  return body().finally(() => mock.timers.reset());
}

test("the sweep forgets the pings whose span of expiry has ended, and keeps the rest", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      // p-0 to p-9 expire at T0 + 1, 2, ... 10 s: p-0 to p-3 in the span ending at T0 + 5 s, p-4 to p-8 in the next.
      for (let i = 0; i < 10; i++) await state.holdPing(ping(`p-${i}`, T0 + 1_000 * (i + 1)));
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 6);
      assert.equal(await state.getHeldPing("p-3", Date.now() - 10_000), undefined, "forgotten");
      assert.equal(await state.getHeldPing("p-4", Date.now()), undefined, "expired at T0 + 5 s: not served");
      assert.ok(await state.getHeldPing("p-4", Date.now() - 1), "but still held");
      assert.ok(await state.getHeldPing("p-9", Date.now()));
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 1, "p-9 expires at T0 + 10 s: its span ends at T0 + 15 s");
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 0);
    } finally {
      await state.close();
    }
  }));

test("a ping held after others but expiring sooner is forgotten with its own span, whatever the order of holding", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("long", T0 + 3 * SWEEP_MS));
      await state.holdPing(ping("short", T0 + 1_000));
      await state.holdPing(ping("middle", T0 + SWEEP_MS + 1_000));
      assert.equal(state.heldCount, 3);
      mock.timers.tick(SWEEP_MS);
      assert.equal(await state.getHeldPing("short", T0), undefined, "forgotten");
      assert.equal(state.heldCount, 2);
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 1);
      assert.ok(await state.getHeldPing("long", Date.now()));
    } finally {
      await state.close();
    }
  }));

test("pings restored on start are swept by their expiry, whatever order the store gave them in", () =>
  withMockTime(async () => {
    const state = new MemoryHotState([ping("late", T0 + 60_000), ping("early", T0 + 1_000)]);
    try {
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 1);
      assert.ok(await state.getHeldPing("late", Date.now()));
      assert.equal(await state.getHeldPing("early", T0), undefined);
    } finally {
      await state.close();
    }
  }));

test("dropPing forgets a ping at once; its claim goes at the next sweep, as does a claim on a ping that expired", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("expiring", T0 + 1_000));
      await state.holdPing(ping("posted", T0 + 60_000));
      await state.holdPing(ping("pending", T0 + 60_000));
      assert.ok(await state.claimPost("expiring", 30_000));
      assert.ok(await state.claimPost("pending", 30_000));
      const posted = await state.claimPost("posted", 30_000);
      assert.ok(posted);
      await posted.complete();
      await state.dropPing("posted");
      assert.equal(await state.getHeldPing("posted", T0), undefined, "dropped");
      assert.equal(state.heldCount, 2);
      assert.equal(await state.claimPost("posted", 30_000), undefined, "completed: not claimable again yet");
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 1);
      // The posted and the expired pings' claims are forgotten (the store answers a retry now); the held one's stays.
      assert.ok(await state.claimPost("posted", 30_000), "the posted ping's claim went with the sweep");
      assert.ok(await state.claimPost("expiring", 30_000), "the expired ping's claim went with the sweep");
      assert.equal(await state.claimPost("pending", 30_000), undefined, "a held ping's claim stays");
    } finally {
      await state.close();
    }
  }));

test("a ping without a usable expiry is not held (it could never be served, nor its span end)", () =>
  withMockTime(async () => {
    const state = new MemoryHotState();
    try {
      await state.holdPing(ping("odd", Number.NaN));
      await state.holdPing(ping("fine", T0 + 1_000));
      assert.equal(state.heldCount, 1);
      assert.equal(await state.getHeldPing("odd", T0), undefined);
      mock.timers.tick(SWEEP_MS);
      assert.equal(state.heldCount, 0);
    } finally {
      await state.close();
    }
  }));
