// PostgreSQL's migration 36 (src/store/migrations/36-postgres-ledger-buyer-statement-index.ts): a buyer's statement
// still plans on an index once `ledger_party` gives way to the partial `ledger_buyer_statement`, which a payout or a
// margin entry does not enter; every entry is kept.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { POSTGRES } from "../../src/store/sql/dialect.ts";
import { ledgerOfParty } from "../../src/store/sql/money-queries.ts";
import { newTestSchema, requireTestDatabase, TEST_DATABASE_URL } from "./postgres-test-schema.ts";

const schema = newTestSchema();
let client: pg.Client;

before(async () => {
  await requireTestDatabase();
  client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"; SET search_path = "${schema}"`);
});

after(async () => {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

test("migration 36 keeps the entries; a buyer's statement plans on the partial index, which a payout does not enter", async () => {
  const at = POSTGRES_MIGRATIONS.findIndex(
    (migration) => migration.name === "postgres-ledger-buyer-statement-index",
  );
  assert.ok(at > 0);
  for (const migration of POSTGRES_MIGRATIONS.slice(0, at)) await client.query(migration.sql);
  // 10,000 sales' entries: a charge to one of 40 buyers, a payout to one of 5 sources, the exchange's margin.
  await client.query(`INSERT INTO ledger_entries (id, lead_id, kind, party_id, amount_cents, created_at)
    SELECT 'l' || i || ':' || k.kind, 'l' || i, k.kind,
      CASE k.kind WHEN 'buyer_charge' THEN 'b' || (i % 40) WHEN 'source_payout' THEN 's' || (i % 5) ELSE 'exchange' END,
      100, 1000000 + i
    FROM generate_series(1, 10000) AS i,
      (VALUES ('buyer_charge'), ('source_payout'), ('exchange_margin')) AS k (kind)`);
  const before = (await client.query("SELECT count(*)::int AS n FROM ledger_entries")).rows[0].n;
  await client.query(POSTGRES_MIGRATIONS[at]!.sql);
  await client.query("ANALYZE ledger_entries");
  assert.equal((await client.query("SELECT count(*)::int AS n FROM ledger_entries")).rows[0].n, before);

  const indexes = (
    await client.query(
      "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'ledger_entries' ORDER BY 1",
      [schema],
    )
  ).rows.map((row) => row.name);
  assert.ok(indexes.includes("ledger_buyer_statement") && !indexes.includes("ledger_party"), String(indexes));

  const statement = ledgerOfParty(POSTGRES, "b7", 0, 2_000_000, 50);
  const plan = (await client.query(`EXPLAIN ${statement.text}`, [...statement.values])).rows
    .map((row) => row["QUERY PLAN"])
    .join("\n");
  assert.match(plan, /ledger_buyer_statement/, plan);
  const rows = (await client.query(statement.text, [...statement.values])).rows;
  assert.equal(rows.length, 50);
  assert.ok(rows.every((row) => row.party_id === "b7" && row.kind === "buyer_charge"));
});
