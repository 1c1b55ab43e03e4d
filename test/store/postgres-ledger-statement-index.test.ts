// PostgreSQL's migration 36 (src/store/migrations/36-postgres-ledger-buyer-statement-index.ts): a buyer's statement
// still plans on an index once `ledger_party` gives way to the partial `ledger_buyer_statement`, which a payout or a
// margin entry does not enter; every entry is kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { POSTGRES } from "../../src/store/sql/dialect.ts";
import { ledgerOfParty } from "../../src/store/sql/money-queries.ts";
import { schemaConnectionForFile } from "./postgres-test-schema.ts";

const migrated = schemaConnectionForFile();

test("migration 36 keeps the entries; a buyer's statement plans on the partial index, which a payout does not enter", async () => {
  const at = POSTGRES_MIGRATIONS.findIndex(
    (migration) => migration.name === "postgres-ledger-buyer-statement-index",
  );
  assert.ok(at > 0);
  for (const migration of POSTGRES_MIGRATIONS.slice(0, at)) await migrated.client.query(migration.sql);
  // 10,000 sales' entries: a charge to one of 40 buyers, a payout to one of 5 sources, the exchange's margin.
  await migrated.client.query(`INSERT INTO ledger_entries (id, lead_id, kind, party_id, amount_cents, created_at)
    SELECT 'l' || i || ':' || k.kind, 'l' || i, k.kind,
      CASE k.kind WHEN 'buyer_charge' THEN 'b' || (i % 40) WHEN 'source_payout' THEN 's' || (i % 5) ELSE 'exchange' END,
      100, 1000000 + i
    FROM generate_series(1, 10000) AS i,
      (VALUES ('buyer_charge'), ('source_payout'), ('exchange_margin')) AS k (kind)`);
  const before = (await migrated.client.query("SELECT count(*)::int AS n FROM ledger_entries")).rows[0].n;
  await migrated.client.query(POSTGRES_MIGRATIONS[at]!.sql);
  await migrated.client.query("ANALYZE ledger_entries");
  assert.equal(
    (await migrated.client.query("SELECT count(*)::int AS n FROM ledger_entries")).rows[0].n,
    before,
  );

  const indexes = (
    await migrated.client.query(
      "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'ledger_entries' ORDER BY 1",
      [migrated.schema],
    )
  ).rows.map((row) => row.name);
  assert.ok(indexes.includes("ledger_buyer_statement") && !indexes.includes("ledger_party"), String(indexes));

  const statement = ledgerOfParty(POSTGRES, "b7", 0, 2_000_000, 50);
  const plan = (await migrated.client.query(`EXPLAIN ${statement.text}`, [...statement.values])).rows
    .map((row) => row["QUERY PLAN"])
    .join("\n");
  assert.match(plan, /ledger_buyer_statement/, plan);
  const rows = (await migrated.client.query(statement.text, [...statement.values])).rows;
  assert.equal(rows.length, 50);
  assert.ok(rows.every((row) => row.party_id === "b7" && row.kind === "buyer_charge"));
});
