// SQLite migration 29 (src/store/migrations/29-sqlite-fewer-pages-per-sale.ts): outcomes rebuilt WITHOUT ROWID keyed by
// (auction_id, seq), and two indexes made partial. An upgrade keeps every outcome, in the order written, and new
// outcomes of an auction written before the upgrade sort after its old ones.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SQLITE_CODEC } from "../../src/store/record-rows.ts";
import * as auctionLog from "../../src/store/sql/auction-log-queries.ts";
import { SQLITE } from "../../src/store/sql/dialect.ts";
import { SqlWrites } from "../../src/store/sql/sql-writes.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.ts";
import { openSqlite } from "../../src/store/sqlite/open-sqlite.ts";
import { sqliteTx } from "../../src/store/sqlite/sqlite-tx.ts";

test("the rebuild of outcomes keeps its rows in the order written, and new ones follow them", async () => {
  const db = openSqlite(":memory:");
  const at = SQLITE_MIGRATIONS.findIndex((migration) => migration.name === "sqlite-fewer-pages-per-sale");
  assert.ok(at > 0);
  for (const migration of SQLITE_MIGRATIONS.slice(0, at)) db.exec(migration.sql);
  const insert = db.prepare(
    `INSERT INTO outcomes (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms, detail, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Interleaved auctions, and a campaign id that sorts before the first one's: the order is the order written.
  insert.run("auction-b", "ping", "c9", "b9", "bid", 0, 1500, 12.5, null, 1000);
  insert.run("auction-a", "ping", "c2", "b2", "no_bid", 204, null, 3, "no reason", 1001);
  insert.run("auction-b", "ping", "c1", "b1", "timeout", 1, null, 80, null, 1002);
  insert.run("auction-b", "post", "c9", "b9", "post_accepted", 3, 1500, 40, null, 1003);
  const before = db.prepare("SELECT *, rowid AS seq FROM outcomes ORDER BY rowid").all();
  db.exec(SQLITE_MIGRATIONS[at]!.sql);

  assert.deepEqual(db.prepare("SELECT * FROM outcomes ORDER BY seq").all(), before);
  const outcomesOf = (id: string) => {
    const { text, values } = auctionLog.outcomesOf(SQLITE, id);
    return db
      .prepare(text)
      .all(...(values as string[]))
      .map((row) => (row as { campaign_id: string }).campaign_id);
  };
  assert.deepEqual(outcomesOf("auction-b"), ["c9", "c1", "c9"]);

  // The sale of an auction pinged before the upgrade: its outcome comes after the stored ones.
  const writes = new SqlWrites(SQLITE, SQLITE_CODEC);
  await writes.appendAuctionEvents(
    sqliteTx(db),
    [],
    [
      {
        auction_id: "auction-a",
        phase: "post",
        campaign_id: "c0",
        buyer_id: "b0",
        reason: "post_rejected",
        at: 2000,
      },
      { auction_id: "auction-a", phase: "ping", campaign_id: "c1", buyer_id: "b1", reason: "bid", at: 2000 },
    ],
  );
  assert.deepEqual(outcomesOf("auction-a"), ["c2", "c1", "c0"]);

  assert.match(
    String(
      (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'outcomes'").get() as { sql: string }).sql,
    ),
    /PRIMARY KEY \(auction_id, seq\)\s*\) WITHOUT ROWID\s*$/,
  );
  const indexes = db
    .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
    .all() as { name: string; sql: string }[];
  const names = indexes.map((index) => index.name);
  for (const gone of ["outcomes_auction", "ledger_party", "post_attempts_state_started"]) {
    assert.ok(!names.includes(gone), gone);
  }
  const partial = Object.fromEntries(indexes.map((index) => [index.name, index.sql]));
  assert.match(partial.ledger_buyer_statement!, /WHERE kind IN \('buyer_charge', 'buyer_refund'\)/);
  assert.match(partial.post_attempts_open_started!, /WHERE state IN \('posting', 'uncertain'\)/);
  db.close();
});
