// The dashboard's ring of recent answer times: the window's times sorted, older ones forgotten, the oldest overwritten
// when full, and recording costs the same at any fill (no trimming of an array from its front).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AnswerTimeRing } from "../../src/console/answer-time-ring.ts";

test("answers within the window come back sorted; older ones are forgotten", () => {
  const ring = new AnswerTimeRing(10);
  ring.record(1_000, 9);
  ring.record(2_000, 3);
  ring.record(3_000, 7);
  ring.record(4_000, 1);
  assert.deepEqual(ring.sortedSince(2_000), [1, 3, 7]);
  // The answer at 1,000 was dropped by that read, not only left out of it.
  assert.deepEqual(ring.sortedSince(0), [1, 3, 7]);
  assert.deepEqual(ring.sortedSince(5_000), []);
  assert.deepEqual(ring.sortedSince(0), []);
});

test("a full ring overwrites its oldest answers and keeps the newest `capacity`", () => {
  const ring = new AnswerTimeRing(4);
  for (let at = 1; at <= 11; at++) ring.record(at, at * 10);
  assert.deepEqual(ring.sortedSince(0), [80, 90, 100, 110]);
  ring.record(12, 5);
  assert.deepEqual(ring.sortedSince(10), [5, 100, 110]);
});

test("a ring of 20,000 filled five times over keeps exactly the newest 20,000", () => {
  const ring = new AnswerTimeRing(20_000);
  for (let at = 0; at < 100_000; at++) ring.record(at, at % 97);
  const recent = ring.sortedSince(0);
  assert.equal(recent.length, 20_000);
  assert.equal(ring.sortedSince(99_990).length, 10);
});
