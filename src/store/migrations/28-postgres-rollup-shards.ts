// PostgreSQL: the report rollups' rows a sale adds to, spread over shards (bench/README.md, issue 14, session 24).
// Every sale upserts the same all-sources rows (and its campaign's), and a row it updated stays locked until its
// transaction's commit is flushed: sales queued one behind another on those rows, each waiting out the one before's
// WAL flush. A sale now adds to one of ROLLUP_SHARDS copies of each row (`shard` 1 to 8, part of the key; everything
// else writes shard 0), so sales at the same moment mostly lock different rows, and never a ping batch's. Reports add their rows up whatever the
// shard (SUM ... GROUP BY); SQLite has one writer and keeps one row per key.
import type { Migration } from "./migration.ts";

export const postgresRollupShards: Migration = {
  name: "postgres-rollup-shards",
  sqlite: null,
  postgres: `
  ALTER TABLE report_rollup ADD COLUMN shard smallint NOT NULL DEFAULT 0;
  ALTER TABLE report_rollup DROP CONSTRAINT report_rollup_pkey;
  ALTER TABLE report_rollup ADD PRIMARY KEY (grain, hour, test, source_id, sub_id, vertical, campaign_id, buyer_id, shard);
  `,
};
