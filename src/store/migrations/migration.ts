// A schema migration: one named change, spelled for each database. PostgreSQL's side uses its own terms for the same
// tables: jsonb documents, bigint epoch-ms timestamps, and ids in the "C" collation so they sort byte-wise exactly as
// SQLite sorts them (keyset paging must page the same way on both).
import type { DialectName } from "../sql/dialect.ts";

export interface Migration {
  /** Unique and stable: what the migration is known by in reviews and logs. */
  name: string;
  /** The SQL for SQLite; null when the change concerns only the other database. */
  sqlite: string | null;
  /** The SQL for PostgreSQL; null when the change concerns only the other database. */
  postgres: string | null;
  /** SQLite: the store rebuilds the report rollups from the events after an upgrade past this migration. */
  rebuildsReportRollups?: true;
}

/**
 * One database's migrations, in order. A database records how many it applied (`schema_migrations.version`, the
 * position in this list, from 1), so the numbers of databases made before migrations were named still hold: a
 * migration for one database only takes no number on the other.
 */
export function migrationsOf(
  migrations: readonly Migration[],
  dialect: DialectName,
): { name: string; sql: string; rebuildsReportRollups: boolean }[] {
  return migrations.flatMap((migration) => {
    const sql = migration[dialect];
    return sql === null
      ? []
      : [{ name: migration.name, sql, rebuildsReportRollups: !!migration.rebuildsReportRollups }];
  });
}

/** How many migrations a database has applied (0: none yet). */
export const APPLIED_VERSION_SQL = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations";
/** Records one more applied migration ($1 its version, $2 when). */
export const RECORD_VERSION_SQL = "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";
