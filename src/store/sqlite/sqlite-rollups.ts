// Recomputing every report rollup from the raw events on SQLite (see Store.rebuildReportRollups), in one transaction:
// one pass over each table, the upserts run synchronously as the rows are read.
import type { DatabaseSync } from "node:sqlite";
import { rollupRowValues } from "../../domain/rollup.ts";
import { type Row, SQLITE_CODEC } from "../record-rows.ts";
import { SQLITE } from "../sql/dialect.ts";
import { rebuildRollupsFrom } from "../sql/rollup-rebuild.ts";
import { rollupUpsertSql } from "../sql/rollup-rows.ts";
import { inTransaction } from "./open-sqlite.ts";
import { sqliteRunner } from "./sqlite-tx.ts";

export function rebuildSqliteRollups(db: DatabaseSync): void {
  const runner = sqliteRunner(db);
  const upsert = rollupUpsertSql(SQLITE);
  inTransaction(db, () => {
    db.exec("DELETE FROM report_rollup");
    rebuildRollupsFrom(
      (sql) => db.prepare(sql).iterate() as Iterable<Row>,
      SQLITE_CODEC,
      (batch) => {
        for (const row of batch.rows())
          runner.run({ text: upsert, values: rollupRowValues(row, SQLITE.bool) });
      },
    );
  });
}
