// PostgreSQL: the report rollups queued at their finest grains only (bench/README.md, issue 14, session 27). Migration
// 31 queued a sale's 9 rollup rows (5 auction rows, 4 of its campaign: by hour per source and sub-id, per source, over
// all sources, by day...) for a fold to add to `report_rollup`; the fold read each queued row from JSON, ~12 µs a row
// on the server, about 0.1 ms a sale. Every coarser row is a sum of finest-grain rows (the same counts, keyed by a
// coarser period or with the source or sub-id left out), so this queue holds only those (grain 0, an auction's; grain 1,
// a campaign's): 2 rows a sale, and ~6 a ping batch (whose rollups were upserted into `report_rollup` by the batch's
// own statement until now). The fold sums them by key and derives the coarser grains from the few sums.
// A new table, not migration 31's: an instance of the version before folds that one as it is, and must not take rows
// it would not spread over the grains. This version folds both. Settings as migration 31's (the table churns).
import type { Migration } from "./migration.ts";

export const postgresPendingFineRollups: Migration = {
  name: "postgres-pending-fine-rollups",
  sqlite: null,
  postgres: `
  CREATE TABLE report_rollup_pending_fine (rows json NOT NULL)
    WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0,
          autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0,
          toast_tuple_target = 8160);
  `,
};
