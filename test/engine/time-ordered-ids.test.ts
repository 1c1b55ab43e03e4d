// Auction and lead ids (src/engine/time-ordered-ids.ts): UUIDv7 strings (RFC 9562), their 48-bit millisecond
// timestamp first, strictly increasing in one process (a counter within a millisecond), 62 random bits each.
// Backend-independent: the generator alone, no store and no hot state.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TimeOrderedIds, timeOrderedId } from "../../src/engine/time-ordered-ids.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const hex = (id: string): string => id.replaceAll("-", "");
const timestampOf = (id: string): number => Number.parseInt(hex(id).slice(0, 12), 16);
const counterOf = (id: string): number => Number.parseInt(hex(id).slice(13, 16), 16);
/** The 62 bits after the variant, as a bigint. */
const randomBitsOf = (id: string): bigint => BigInt(`0x${hex(id).slice(16)}`) & ((1n << 62n) - 1n);

function assertIncreasing(ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]} (#${i})`);
}

describe("time-ordered ids", () => {
  test("a UUIDv7 string: version 7, variant 10, the clock's millisecond in the first 48 bits", () => {
    const ms = Date.UTC(2026, 11, 7, 1, 30, 0, 123);
    const ids = new TimeOrderedIds({ clock: () => ms });
    const id = ids.next();
    assert.match(id, UUID_V7);
    assert.equal(timestampOf(id), ms);
    assert.equal(
      id.slice(0, 13),
      `${ms.toString(16).padStart(12, "0").slice(0, 8)}-${ms.toString(16).slice(-4)}`,
    );
    // The largest timestamp 48 bits hold is written in full.
    assert.equal(timestampOf(new TimeOrderedIds({ clock: () => 2 ** 48 - 1 }).next()), 2 ** 48 - 1);
    for (let i = 0; i < 1_000; i++) assert.match(timeOrderedId(), UUID_V7);
  });

  test("62 bits of each id come from the random source, and only the counter's seed besides", () => {
    const withBytes = (byte: number) =>
      new TimeOrderedIds({ clock: () => 1_000, fillRandom: (buffer) => buffer.fill(byte) }).next();
    const ones = withBytes(0xff);
    const zeros = withBytes(0x00);
    assert.equal(ones, "00000000-03e8-77ff-bfff-ffffffffffff");
    assert.equal(zeros, "00000000-03e8-7000-8000-000000000000");
    assert.equal(randomBitsOf(ones), (1n << 62n) - 1n);
    // From the real source: 10,000 ids in a few milliseconds share their timestamps, never their random bits.
    const random = new Set<bigint>();
    for (let i = 0; i < 10_000; i++) random.add(randomBitsOf(timeOrderedId()));
    assert.equal(random.size, 10_000);
  });

  test("strictly increasing within one millisecond, across a counter rollover, and when the clock steps back", () => {
    let now = 5_000;
    const ids = new TimeOrderedIds({ clock: () => now });
    const sameMs = Array.from({ length: 10_000 }, () => ids.next());
    assertIncreasing(sameMs);
    assert.equal(timestampOf(sameMs[0]!), 5_000);
    // The counter starts below half its range, so 2,049 ids fit in any millisecond before it borrows the next.
    assert.ok(counterOf(sameMs[0]!) <= 0x7ff);
    assert.equal(timestampOf(sameMs[2_048]!), 5_000);
    assert.ok(timestampOf(sameMs.at(-1)!) > 5_000, "4,096 ids a millisecond borrow the next one");
    now = 1_000; // the clock stepped back: the ids do not
    const after = [sameMs.at(-1)!, ids.next(), ids.next()];
    assertIncreasing(after);
    now = 1_000_000;
    const later = ids.next();
    assertIncreasing([...after, later]);
    assert.equal(timestampOf(later), 1_000_000);
  });

  test("the process's ids increase with the clock and carry the time they were made", () => {
    const before = Date.now();
    const ids = Array.from({ length: 5_000 }, () => timeOrderedId());
    const after = Date.now();
    assertIncreasing(ids);
    for (const id of [ids[0]!, ids.at(-1)!]) {
      const at = timestampOf(id);
      // Over 2,048 ids in a millisecond may run a few milliseconds ahead of the clock (borrowed), never behind.
      assert.ok(at >= before && at <= after + 10, `${at} within ${before}..${after}`);
    }
  });
});
