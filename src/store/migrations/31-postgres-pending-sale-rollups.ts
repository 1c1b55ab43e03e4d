// PostgreSQL: a sale's report rollups queued with the sale, folded into `report_rollup` later (bench/README.md, issue
// 14, session 26). A sale upserted its 9 rollup rows (5 auction rows, 4 of its campaign) into the partitioned
// `report_rollup` in its own statement: about half of the server's CPU for that statement (the ON CONFLICT check per
// row, routing into 9 partitions, each partition's arbiter index looked up in the catalogue). Now the sale's statement
// appends its rows as one JSON document to this table (no index, nothing to check), in the same transaction, so a
// durable sale always has its counts somewhere; `PostgresStore` folds what is queued into `report_rollup` every few
// hundred milliseconds, and before every report, summing many sales' rows into one upsert per key.
// The table churns (a row in per sale, all of them out per fold): autovacuum is told to vacuum it after 1,000 dead
// rows, and the store vacuums it itself every few seconds for servers that run without autovacuum. A group of sales'
// document may pass 2 KB: kept in its row as it is (toast_tuple_target) rather than compressed, which costs CPU.
import type { Migration } from "./migration.ts";

export const postgresPendingSaleRollups: Migration = {
  name: "postgres-pending-sale-rollups",
  sqlite: null,
  postgres: `
  CREATE TABLE report_rollup_pending (rows json NOT NULL)
    WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0,
          autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0,
          toast_tuple_target = 8160);
  `,
};
