// The SQLite writer's checkpoint policy: its WAL grows past SQLite's default of 1,000 pages (a checkpoint copies a page
// rewritten by many commits once), stays under WAL_CHECKPOINT_PAGES and one commit more however long the writes go on,
// and a WAL that a long read made grow past that is cut back to WAL_SIZE_LIMIT_BYTES once the read ends.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { NO_PII_KEYS } from "../../src/compliance/privacy/pii-cipher.ts";
import {
  openSqlite,
  WAL_CHECKPOINT_PAGES,
  WAL_SIZE_LIMIT_BYTES,
} from "../../src/store/sqlite/open-sqlite.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { SqliteWriter } from "../../src/store/sqlite/sqlite-writer.ts";

/** A WAL frame: its 24-byte header and a 4 KiB page; the file starts with a 32-byte header. */
const walBytes = (frames: number) => 32 + frames * (24 + 4096);
/**
 * ~32 pages a commit: a source whose JSON spills to overflow pages, all of them new (SQLite leaves a page that an update
 * of the same size would not change as it is).
 */
const bulky = () => ({ id: "src-1", name: randomBytes(64 * 1024).toString("hex"), status: "live" });

async function withWriter(work: (writer: SqliteWriter, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "gavel-wal-"));
  const store = new SqliteStore(dir);
  const writer = new SqliteWriter(join(dir, "gavel.db"), NO_PII_KEYS);
  try {
    await store.migrate();
    await work(writer, dir);
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the writer's WAL grows past SQLite's default and stays under its checkpoint limit", async () => {
  await withWriter(async (writer, dir) => {
    const wal = join(dir, "gavel.db-wal");
    let largest = 0;
    // ~32 pages a commit, one commit at a time: ~2.5 checkpoints' worth of frames.
    for (let n = 0; n < 300; n++) {
      await writer.write("putEntity", ["source", "src-1", bulky()]);
      largest = Math.max(largest, statSync(wal).size);
    }
    assert.ok(
      largest > walBytes(2 * 1000),
      `the WAL reached ${largest} bytes: checkpointed at SQLite's default`,
    );
    assert.ok(largest <= walBytes(WAL_CHECKPOINT_PAGES + 64), `the WAL reached ${largest} bytes`);
  });
});

test("a WAL grown past its limit during a long read is cut back once the read has ended", async () => {
  await withWriter(async (writer, dir) => {
    const wal = join(dir, "gavel.db-wal");
    const reader = openSqlite(join(dir, "gavel.db"));
    try {
      // A read transaction holds its snapshot: no checkpoint may overwrite what it reads, so the WAL cannot restart.
      reader.exec("BEGIN");
      reader.prepare("SELECT count(*) FROM config_entities").get();
      while (statSync(wal).size <= WAL_SIZE_LIMIT_BYTES + walBytes(100))
        await writer.write("putEntity", ["source", "src-1", bulky()]);
      reader.exec("COMMIT");
      // The next commits checkpoint it all; the one after restarts the WAL from its start and truncates the file.
      for (let n = 0; n < 20; n++) await writer.write("putEntity", ["source", "src-1", bulky()]);
      const size = statSync(wal).size;
      assert.ok(size <= WAL_SIZE_LIMIT_BYTES, `the WAL is still ${size} bytes`);
      assert.ok(new DatabaseSync(join(dir, "gavel.db")).prepare("SELECT 1 FROM config_entities").get());
    } finally {
      if (reader.isOpen) reader.close();
    }
  });
});
