// Applying the schema migrations (src/store/migrations/) to a SQLite database.
import type { DatabaseSync } from "node:sqlite";
import { APPLIED_VERSION_SQL, migrationsOf, RECORD_VERSION_SQL } from "../migrations/migration.ts";
import { MIGRATIONS } from "../migrations/migrations.ts";
import { SQLITE } from "../sql/dialect.ts";
import { inTransaction } from "./open-sqlite.ts";

/** SQLite's migrations in order; a database records how many it applied. */
export const SQLITE_MIGRATIONS = migrationsOf(MIGRATIONS, "sqlite");

/**
 * Brings the schema up to date, one transaction per migration. Answers whether the report rollups must be rebuilt
 * from the events (an upgrade past a migration that changes what they count).
 */
export function applySqliteMigrations(db: DatabaseSync): { rebuildRollups: boolean } {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
  );
  const row = db.prepare(APPLIED_VERSION_SQL).get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  for (let version = current + 1; version <= SQLITE_MIGRATIONS.length; version++) {
    inTransaction(db, () => {
      db.exec(SQLITE_MIGRATIONS[version - 1]!.sql);
      db.prepare(SQLITE.text(RECORD_VERSION_SQL)).run(version, Date.now());
    });
  }
  const rollupVersion = SQLITE_MIGRATIONS.findLastIndex((migration) => migration.rebuildsReportRollups) + 1;
  return { rebuildRollups: current < rollupVersion };
}
