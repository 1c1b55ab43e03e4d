// The duplicate windows' key table (open addressing in a typed array): every key found for its window and only its
// own, removed slots reused, the table grown as keys arrive and rebuilt smaller once they leave.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Metrics } from "../../../src/metrics.ts";
import { MemoryDuplicateWindows } from "../../../src/state/duplicates/memory-duplicate-windows.ts";
import { MemoryKeyTable } from "../../../src/state/duplicates/memory-key-table.ts";

const words = (i: number): [number, number, number] => {
  const digest = createHash("sha256").update(String(i)).digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8)];
};

test("keys are found with their end, per scope, and absent keys are not", () => {
  const table = new MemoryKeyTable();
  for (let i = 0; i < 50_000; i++) table.set(i % 3, ...words(i), 1_000 + i);
  assert.equal(table.size, 50_000);
  for (let i = 0; i < 50_000; i += 7) {
    assert.equal(table.endOf(i % 3, ...words(i)), 1_000 + i);
    // The same hash under another scope is another key.
    assert.equal(table.endOf((i + 1) % 3, ...words(i)), 0);
  }
  assert.equal(table.endOf(0, ...words(50_001)), 0);
  // Setting again updates, never duplicates.
  table.set(0, ...words(0), 5_000);
  assert.equal(table.endOf(0, ...words(0)), 5_000);
  assert.equal(table.size, 50_000);
  // At most three quarters full after growing: 20 bytes a slot, so under 80 bytes a key (27 at best).
  assert.ok(table.bytes / table.size < 80, `${(table.bytes / table.size).toFixed(1)} bytes per key`);
});

test("keys sharing a home slot (same first word) are told apart by the rest", () => {
  const table = new MemoryKeyTable();
  for (let i = 0; i < 100; i++) table.set(1, 42, i, 7, 100 + i);
  for (let i = 0; i < 100; i++) assert.equal(table.endOf(1, 42, i, 7), 100 + i);
  assert.equal(table.endOf(1, 42, 100, 7), 0);
  assert.equal(table.endOf(1, 42, 5, 8), 0);
  // Sweeping the first half leaves holes in the probe chain: the rest are still found past them, and reuse them.
  table.sweep(149);
  assert.equal(table.size, 50);
  for (let i = 0; i < 50; i++) assert.equal(table.endOf(1, 42, i, 7), 0);
  for (let i = 50; i < 100; i++) assert.equal(table.endOf(1, 42, i, 7), 100 + i);
  table.set(1, 42, 3, 7, 500);
  assert.equal(table.endOf(1, 42, 3, 7), 500);
  assert.equal(table.size, 51);
});

test("the table grows with its keys and gives the memory back once they leave their windows", () => {
  const table = new MemoryKeyTable();
  const empty = table.bytes;
  for (let i = 0; i < 200_000; i++) table.set(0, ...words(i), 10 + Math.floor(i / 1000));
  const full = table.bytes;
  assert.ok(full >= 200_000 * 20 * (4 / 3), `${full} bytes for 200,000 keys`);
  // Half the keys leave: still correct, for both halves.
  table.sweep(10 + 99);
  assert.equal(table.size, 100_000);
  assert.equal(table.endOf(0, ...words(99_999)), 0);
  assert.equal(table.endOf(0, ...words(100_000)), 110);
  // All leave: back to the empty table's size.
  table.sweep(1_000);
  assert.equal(table.size, 0);
  assert.equal(table.bytes, empty);
  assert.equal(table.endOf(0, ...words(150_000)), 0);
});

test("the exchange's metrics report the duplicate windows' keys and table bytes (memory held by design)", async () => {
  const windows = new MemoryDuplicateWindows({ now: () => 1_750_000_000_000 });
  const metrics = new Metrics({ defaultMetrics: false });
  metrics.watchDuplicateWindows(windows);
  const hash = createHash("sha256").update("consumer@example.com").digest("hex");
  await windows.remember([`v:auto:email:${hash}`, `b:b1:email:${hash}`], 30 * 86_400_000);
  const text = await metrics.registry.metrics();
  assert.match(text, /^gavel_duplicate_window_keys 2$/m);
  assert.match(text, new RegExp(`^gavel_duplicate_window_table_bytes ${windows.tableBytes}$`, "m"));
  await windows.close();
});
