// The SQLite writer's messages: the writes of one turn travel together, so one the thread cannot receive (a value
// structured clone refuses) must fail alone, and the others of its turn still be written, in order.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NO_PII_KEYS } from "../../src/compliance/privacy/pii-cipher.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { SqliteWriter } from "../../src/store/sqlite/sqlite-writer.ts";

test("a write that cannot be sent to the thread fails alone; the rest of its turn is written in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-writer-"));
  const store = new SqliteStore(dir);
  const writer = new SqliteWriter(join(dir, "gavel.db"), NO_PII_KEYS);
  try {
    await store.migrate();
    const source = (name: string) => ({
      id: "src-1",
      name,
      status: "live",
      payout: { model: "fixed", amount: 5 },
    });
    const settled = await Promise.allSettled([
      writer.write("putEntity", ["source", "src-1", source("first")]),
      writer.write("putEntity", ["source", "src-1", { ...source("bad"), clone: () => "not cloneable" }]),
      writer.write("putEntity", ["source", "src-1", source("last")]),
    ]);
    assert.deepEqual(
      settled.map((result) => result.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /could not be cloned/);
    assert.deepEqual(
      (await store.loadConfig()).sources.map((s) => s.name),
      ["last"],
    );
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
