// PostgreSQL's migration 27 (src/store/migrations/27-postgres-per-post-indexes.ts): it keeps every row, and the
// queries that walked the indexes it drops or narrows still plan on an index — the reconciler and the list of open
// attempts on the partial index, a buyer's purchases, sales count and spend on `leads_sold_buyer_created`. An ended
// attempt gets no entry in the partial index.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reconcileAttemptsSql } from "../../src/store/post-attempts.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { POSTGRES } from "../../src/store/sql/dialect.ts";
import { listPurchases, salesCount, spendTotals } from "../../src/store/sql/lead-queries.ts";
import { newestFirstPage } from "../../src/store/sql/page-queries.ts";
import { schemaConnectionForFile } from "./postgres-test-schema.ts";

const migrated = schemaConnectionForFile();

/** The plan of a statement as text (parameters bound, as node-postgres's unnamed statements are planned). */
async function plan(text: string, values: readonly unknown[]): Promise<string> {
  const { rows } = await migrated.client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, [...values]);
  return rows.map((row) => row["QUERY PLAN"]).join("\n");
}

const indexes = async (table: string) =>
  (
    await migrated.client.query<{ name: string }>(
      "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname",
      [migrated.schema, table],
    )
  ).rows.map((row) => row.name);

test("migration 27 keeps the rows, and the open attempts and a buyer's sales still plan on an index", async () => {
  const at = POSTGRES_MIGRATIONS.findIndex((migration) => migration.name === "postgres-per-post-indexes");
  assert.ok(at > 0);
  for (const migration of POSTGRES_MIGRATIONS.slice(0, at)) await migrated.client.query(migration.sql);

  // 20,000 attempts, 1 in 400 still posting and 1 in 1,000 uncertain; 20,000 leads, 60% sold among 40 buyers.
  await migrated.client.query(`INSERT INTO post_attempts (id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state,
      buyer_lead_id, ended_at, resolution, resolved_at)
    SELECT 'pa-' || lpad(i::text, 6, '0'), 'auction-' || i, 'c' || (i % 7), 'b' || (i % 40), 100 + i % 900,
      1000000 + i, CASE WHEN i % 400 = 0 THEN 'posting' WHEN i % 1000 = 1 THEN 'uncertain'
        WHEN i % 3 = 0 THEN 'rejected' WHEN i % 11 = 0 THEN 'failed' ELSE 'accepted' END,
      CASE WHEN i % 3 = 1 THEN 'bl-' || i END, CASE WHEN i % 400 <> 0 THEN 1000100 + i END,
      CASE WHEN i = 1001 THEN 'sold' END, CASE WHEN i = 1001 THEN 5000000 END
    FROM generate_series(1, 20000) AS i`);
  await migrated.client.query(`INSERT INTO leads (id, auction_id, kind, source_id, vertical, test, status, price_cents,
      buyer_price_cents, campaign_id, buyer_id, lead, consent, created_at)
    SELECT 'lead-' || lpad(i::text, 6, '0'), 'auction-' || i, 'post', 's' || (i % 5), 'auto', i % 50 = 0,
      CASE WHEN i % 5 < 3 THEN 'sold' ELSE 'unsold' END, 100, CASE WHEN i % 5 < 3 THEN 150 END,
      CASE WHEN i % 5 < 3 THEN 'c' || (i % 40) END, CASE WHEN i % 5 < 3 THEN 'b' || (i % 40) END,
      '{}'::jsonb, '{}'::jsonb, 1000000 + i
    FROM generate_series(1, 20000) AS i`);
  const rows = async () => ({
    attempts: (await migrated.client.query("SELECT * FROM post_attempts ORDER BY id")).rows,
    leads: (await migrated.client.query("SELECT * FROM leads ORDER BY id")).rows,
  });
  const beforeRows = await rows();

  await migrated.client.query(POSTGRES_MIGRATIONS[at]!.sql);
  await migrated.client.query("ANALYZE post_attempts; ANALYZE leads");

  assert.deepEqual(await rows(), beforeRows);
  assert.deepEqual(await indexes("post_attempts"), [
    "post_attempts_auction_id_campaign_id_key",
    "post_attempts_open_started",
    "post_attempts_pkey",
    "post_attempts_started",
  ]);
  assert.ok(!(await indexes("leads")).includes("leads_sold_buyer"));
  assert.ok((await indexes("leads")).includes("leads_sold_buyer_created"));

  // The reconciler, and the operator's list of posting or uncertain attempts (a page, and the page after one).
  assert.match(
    await plan(reconcileAttemptsSql, [1010000]),
    /Index Scan (using|on) post_attempts_open_started/,
  );
  for (const state of ["posting", "uncertain"] as const) {
    const first = newestFirstPage(POSTGRES, "post_attempts", { state, limit: 50 });
    assert.match(
      await plan(first.text, first.values),
      /Index Scan (Backward )?(using|on) post_attempts_open_started/,
    );
    const next = newestFirstPage(POSTGRES, "post_attempts", { state, before: "pa-010000", limit: 50 });
    assert.match(
      await plan(next.text, next.values),
      /Index Scan (Backward )?(using|on) post_attempts_open_started/,
    );
  }
  // An ended attempt has no entry in the partial index (only the open ones do).
  const { rows: stats } = await migrated.client.query<{ entries: string }>(
    "SELECT reltuples::bigint AS entries FROM pg_class WHERE relname = 'post_attempts_open_started' AND relnamespace = $1::regnamespace",
    [migrated.schema],
  );
  assert.equal(Number(stats[0]!.entries), 50 + 20);

  // A buyer's purchases, sales count and spend, on the wider index under the same condition.
  const purchases = listPurchases(POSTGRES, { buyer_id: "b7", limit: 50, direction: "desc" });
  assert.match(
    await plan(purchases.text, purchases.values),
    /Index Scan Backward using leads_sold_buyer_created/,
  );
  const count = salesCount(POSTGRES, "b7");
  assert.match(
    await plan(count.text, count.values),
    /Index (Only )?Scan (using|on) leads_sold_buyer_created/,
  );
  // One buyer's spend seeks that buyer in the index (it walked every sale's entry before the buyer was matched in
  // each branch of its UNION ALL).
  const spend = spendTotals(POSTGRES, "b7");
  assert.match(
    await plan(spend.text, spend.values),
    /Index (Only )?Scan (using|on) leads_sold_buyer_created[^\n]*\n(\s+Index Cond: [^\n]*buyer_id = 'b7'|[^\n]*\n\s+Index Cond: [^\n]*buyer_id = 'b7')/,
  );
});
