// The duplicate windows' key table (open addressing in a typed array): every key found for its window and only its
// own, removed slots reused, the table grown as keys arrive and rebuilt smaller once they leave, a slice at a time,
// and bounded by a ceiling at which the keys ending first are evicted and counted.
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
  assert.match(text, /^gavel_duplicate_window_max_keys 8388608$/m);
  assert.match(text, /^gavel_duplicate_window_evicted_total 0$/m);
  await windows.close();
});

test("the windows' upkeep runs a slice per turn of the event loop; evictions at the ceiling reach the metrics", async () => {
  const now = 1_750_000_000_000;
  const windows = new MemoryDuplicateWindows({ now: () => now, maxKeys: 50_000 });
  const metrics = new Metrics({ defaultMetrics: false });
  metrics.watchDuplicateWindows(windows);
  const key = (i: number) => `v:auto:email:${createHash("sha256").update(String(i)).digest("hex")}`;
  let grew = 0;
  for (let i = 0; i < 60_000; i++) {
    const before = windows.tableBytes;
    await windows.remember([key(i)], 30 * 86_400_000 + i * 1000);
    if (windows.tableBytes > before) grew++;
  }
  // Growing left the old array to the upkeep: turns of the event loop empty it, and only the new array is left.
  const held = windows.tableBytes;
  for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(grew > 3 && windows.tableBytes < held, `${grew} growths; ${held} → ${windows.tableBytes} bytes`);
  // 60,000 keys into a ceiling of 50,000: the first ones evicted, counted, and no longer seen.
  assert.ok(windows.evicted >= 10_000, `${windows.evicted} evicted`);
  assert.equal(await windows.seen([key(0)]), undefined);
  assert.equal(await windows.seen([key(59_999)]), key(59_999));
  const text = await metrics.registry.metrics();
  assert.match(text, new RegExp(`^gavel_duplicate_window_evicted_total ${windows.evicted}$`, "m"));
  assert.match(text, /^gavel_duplicate_window_max_keys 50000$/m);
  await windows.close();
});

test("growing is a migration a slice at a time: every key found in either array meanwhile, updates included", () => {
  const table = new MemoryKeyTable();
  let i = 0;
  while (!table.migrating) table.set(0, ...words(i), 100_000 + i++);
  // The insert that started growing moved a few slots, not the table: both arrays are held until the old one is empty.
  const grownFrom = i;
  assert.ok(table.bytes > 1024 * 20 * 2, "the old array and the new one");
  // Keys keep arriving while it migrates; each insert moves a few slots more.
  const added = 200;
  for (let n = 0; n < added; n++) table.set(0, ...words(i), 100_000 + i++);
  assert.equal(table.migrating, true, `${added} inserts did not finish moving a table of ${grownFrom} keys`);
  // A key still in the old array gets a later end: it moves to the new array with it, never found twice.
  table.set(0, ...words(1), 900_000);
  for (let k = 0; k < i; k++) assert.equal(table.endOf(0, ...words(k)), k === 1 ? 900_000 : 100_000 + k);
  assert.equal(table.size, i);
  // Upkeep slices finish it; a slice of 64 slots is more than one call's work.
  let slices = 0;
  while (!table.maintain(1, 64)) slices++;
  assert.ok(slices > 5, `${slices} slices`);
  assert.equal(table.migrating, false);
  for (let k = 0; k < i; k++) assert.equal(table.endOf(0, ...words(k)), k === 1 ? 900_000 : 100_000 + k);
  assert.equal(table.bytes, 2048 * 20);
  // Held once: when every other key has ended, the moved key is the one left, with its later end.
  table.sweep(500_000);
  assert.equal(table.size, 1);
  assert.equal(table.endOf(0, ...words(1)), 900_000);
});

test("expired keys are swept a slice at a time, found until swept past and never after their end", () => {
  const table = new MemoryKeyTable();
  for (let i = 0; i < 3000; i++) table.set(0, ...words(i), i % 2 === 0 ? 50 : 500);
  table.sweep(10);
  const bytes = table.bytes;
  let slices = 0;
  while (!table.maintain(60, 256)) {
    slices++;
    // Mid-pass: the expired half is on its way out, the rest all there.
    for (let i = 1; i < 3000; i += 2) assert.equal(table.endOf(0, ...words(i)), 500);
  }
  assert.ok(slices >= 3, `${slices} slices`);
  assert.equal(table.size, 1500);
  for (let i = 0; i < 3000; i += 2) assert.equal(table.endOf(0, ...words(i)), 0);
  // Half emptied: a rebuild to the same size drops the removed slots, no bigger.
  assert.ok(table.bytes <= bytes, `${table.bytes} > ${bytes}`);
});

test("at its ceiling the table evicts the keys that end first, counts and reports them, and stays bounded", () => {
  const evictions: { keys: number; throughS: number }[] = [];
  const maxKeys = 10_000;
  const table = new MemoryKeyTable({ maxKeys, onEvict: (eviction) => evictions.push(eviction) });
  // Key i ends at 1,000,000 + 60 i: ten keys per ten-minute bucket of ends, the oldest sales ending first.
  const endOf = (i: number) => 1_000_000 + 60 * i;
  let largestBytes = 0;
  for (let i = 0; i < 30_000; i++) {
    table.set(0, ...words(i), endOf(i));
    assert.ok(table.size <= maxKeys, `${table.size} keys held`);
    largestBytes = Math.max(largestBytes, table.bytes);
    if (i % 1000 === 0) table.maintain(1);
  }
  assert.ok(table.evicted >= 20_000, `${table.evicted} evicted`);
  assert.equal(
    evictions.reduce((sum, e) => sum + e.keys, 0),
    table.evicted,
  );
  assert.ok(
    evictions.length >= 20_000 / Math.ceil(maxKeys / 64) / 2,
    `${evictions.length} evictions reported`,
  );
  // The newest keys are all there; the oldest are not found (the lookback shortened for them, loudly).
  for (let i = 30_000 - 9_000; i < 30_000; i++) assert.equal(table.endOf(0, ...words(i)), endOf(i));
  for (let i = 0; i < 20_000; i += 37) assert.equal(table.endOf(0, ...words(i)), 0);
  // A key ending within what was evicted is evicted as it comes: counted, not held.
  const before = table.evicted;
  table.set(0, ...words(99_999), endOf(5));
  assert.equal(table.endOf(0, ...words(99_999)), 0);
  assert.equal(table.evicted, before + 1);
  // Memory: 20,000 slots at most (room for twice the ceiling), twice that while a migration holds both arrays.
  assert.ok(largestBytes <= 2 * 32_768 * 20, `${largestBytes} bytes at most`);
  table.sweep(1);
  assert.ok(table.bytes <= 32_768 * 20, `${table.bytes} bytes after upkeep`);
  assert.ok(table.size <= maxKeys);
});

test("keys already past their end are evicted first at the ceiling, and not counted as evictions", () => {
  const table = new MemoryKeyTable({ maxKeys: 1000 });
  for (let i = 0; i < 1000; i++) table.set(0, ...words(i), 10_000);
  // Time passes their end but no sweep has run: they still fill the table.
  table.maintain(20_000, 0);
  for (let i = 1000; i < 1500; i++) table.set(0, ...words(i), 50_000);
  assert.equal(table.evicted, 0);
  for (let i = 1000; i < 1500; i++) assert.equal(table.endOf(0, ...words(i)), 50_000);
});

test("evictions at the ceiling are in force (an operator's alert) from the first until every evicted window has ended", async () => {
  let now = 1_750_000_000_000;
  const windows = new MemoryDuplicateWindows({ now: () => now, maxKeys: 1024 });
  const key = (i: number) => `v:auto:email:${createHash("sha256").update(String(i)).digest("hex")}`;
  const DAY_MS = 86_400_000;
  // A function, not the property: a type narrowed by one assertion would not be read again.
  const evictions = () => windows.evictionsInForce;
  try {
    for (let i = 0; i < 1024; i++) await windows.remember([key(i)], DAY_MS + i * 60_000);
    assert.equal(windows.evicted, 0);
    assert.equal(evictions(), undefined, "full, but nothing evicted yet");
    const firstAt = now;
    await windows.remember([key(1024)], DAY_MS);
    const inForce = evictions();
    assert.ok(inForce, "evicted at the ceiling");
    assert.equal(inForce.since, firstAt);
    assert.equal(inForce.maxKeys, 1024);
    assert.equal(inForce.evicted, windows.evicted);
    assert.ok(inForce.evicted > 0);
    // The keys evicted first end a day and some minutes from now: until the last of them ends, their checks may miss.
    assert.ok(inForce.through > now + DAY_MS && inForce.through < now + 2 * DAY_MS, String(inForce.through));
    assert.equal(await windows.seen([key(0)]), undefined, "the first key was evicted");
    // A later eviction in the same stretch keeps its start, and moves its end.
    now += 60_000;
    for (let i = 1025; i < 1100; i++) await windows.remember([key(i)], 3 * DAY_MS + i * 60_000);
    const later = evictions();
    assert.ok(later && later.since === firstAt && later.through >= inForce.through, JSON.stringify(later));
    now = later.through - 1;
    assert.ok(evictions(), "in force until the last evicted window ends");
    now = later.through;
    assert.equal(evictions(), undefined, "every evicted window has ended: nothing is missed any more");
  } finally {
    await windows.close();
  }
});
