// SQLite's post attempts became a WITHOUT ROWID table (src/store/migrations/26-post-attempts-without-rowid.ts): an
// upgrade keeps every attempt as it was, and the journal's constraints still hold on the rebuilt table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.ts";
import { openSqlite } from "../../src/store/sqlite/open-sqlite.ts";

test("the rebuild of post_attempts keeps its rows, its unique key and its indexes", () => {
  const db = openSqlite(":memory:");
  const at = SQLITE_MIGRATIONS.findIndex((migration) => migration.name === "post-attempts-without-rowid");
  assert.ok(at > 0);
  for (const migration of SQLITE_MIGRATIONS.slice(0, at)) db.exec(migration.sql);
  const insert = db.prepare(
    `INSERT INTO post_attempts (id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state, buyer_lead_id,
       ended_at, resolution, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const rows = [
    ["a1", "auction-1", "c1", "b1", 1200, 1000, "accepted", "buyer-lead-9", 1100, null, null],
    ["a2", "auction-1", "c2", "b2", 900, 1001, "uncertain", null, null, "sold", 5000],
  ] as const;
  for (const row of rows) insert.run(...row);
  const before = db.prepare("SELECT * FROM post_attempts ORDER BY id").all();
  // This migration alone: later ones change the indexes (29-sqlite-fewer-pages-per-sale.ts has its own test).
  db.exec(SQLITE_MIGRATIONS[at]!.sql);

  assert.deepEqual(db.prepare("SELECT * FROM post_attempts ORDER BY id").all(), before);
  assert.match(
    String(
      (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'post_attempts'").get() as { sql: string }).sql,
    ),
    /WITHOUT ROWID\s*$/,
  );
  const indexes = db.prepare("SELECT name FROM pragma_index_list('post_attempts') ORDER BY name").all();
  assert.deepEqual(
    indexes
      .map((index) => (index as { name: string }).name)
      .filter((name) => !name.startsWith("sqlite_autoindex")),
    ["post_attempts_started", "post_attempts_state_started"],
  );
  assert.throws(
    () => insert.run("a3", "auction-1", "c1", "b1", 1, 2, "posting", null, null, null, null),
    /UNIQUE/,
  );
  assert.throws(
    () => insert.run("a1", "auction-2", "c1", "b1", 1, 2, "posting", null, null, null, null),
    /UNIQUE/,
  );
  db.close();
});
