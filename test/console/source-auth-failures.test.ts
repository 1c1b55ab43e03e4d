// The per-source count of refused seller keys the dashboard shows: a key rotated away counts against its old source,
// any other key as unknown; the count covers the last hour only, and its memory stays bounded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SourceAuthFailures } from "../../src/console/source-auth-failures.ts";
import type { ConfigSnapshot } from "../../src/engine/config-snapshot.ts";

const snapshotWith = (keys: Record<string, string>, previousKeys: Record<string, string> = {}) =>
  ({
    sourceByKeyHash: new Map(Object.entries(keys).map(([hash, id]) => [hash, { id }])),
    sources: Object.entries(previousKeys).map(([hash, id]) => ({ id, previous_api_key_sha256: hash })),
  }) as unknown as ConfigSnapshot;

test("a key in its rotation's grace period counts against its source, even on an instance that never saw it live", async () => {
  const failures = new SourceAuthFailures(() => 0);
  failures.observe(snapshotWith({ "new-hash": "src-a" }, { "graced-hash": "src-a" }));
  failures.record("graced-hash");
  assert.deepEqual((await failures.report()).sources, [
    { source_id: "src-a", failures: 1, last_at: "1970-01-01T00:00:00.000Z" },
  ]);
  assert.equal((await failures.report()).unknown.failures, 0);
});

test("a key rotated away counts against its source; other keys as unknown; only the last hour", async () => {
  let now = Date.parse("2026-12-06T10:00:00Z");
  const failures = new SourceAuthFailures(() => now);
  failures.observe(snapshotWith({ "old-hash": "src-a", "b-hash": "src-b" }));
  // The key of src-a is rotated: the new snapshot no longer holds the old hash.
  failures.observe(snapshotWith({ "new-hash": "src-a", "b-hash": "src-b" }));
  failures.record("old-hash");
  failures.record("old-hash");
  failures.record("never-seen");
  failures.record(undefined);
  let report = await failures.report();
  assert.deepEqual(report.sources, [
    { source_id: "src-a", failures: 2, last_at: "2026-12-06T10:00:00.000Z" },
  ]);
  assert.equal(report.unknown.failures, 2);
  now += 59 * 60_000;
  failures.record("old-hash");
  assert.equal((await failures.report()).sources[0]?.failures, 3);
  now += 2 * 60_000;
  report = await failures.report();
  assert.equal(report.sources[0]?.failures, 1, "the first two are more than an hour old");
  assert.equal(report.unknown.failures, 0);
});

test("a flood of random keys stays one unknown count", async () => {
  const failures = new SourceAuthFailures(() => 0);
  failures.observe(snapshotWith({ a: "src-a" }));
  for (let i = 0; i < 10_000; i++) failures.record(`random-${i}`);
  const report = await failures.report();
  assert.equal(report.unknown.failures, 10_000);
  assert.deepEqual(report.sources, []);
});
