// Applying the schema migrations (src/store/migrations/) to a PostgreSQL database.
import type pg from "pg";
import { APPLIED_VERSION_SQL, migrationsOf, RECORD_VERSION_SQL } from "../migrations/migration.ts";
import { MIGRATIONS } from "../migrations/migrations.ts";

/** PostgreSQL's migrations in order; a database records how many it applied. */
export const POSTGRES_MIGRATIONS = migrationsOf(MIGRATIONS, "postgres");

/**
 * Brings the schema up to date on `client` (which must not be in a transaction) and returns how many migrations were
 * applied. Everything pending runs in one transaction under an advisory lock, so two instances starting at once
 * neither race nor half-apply: the second waits, then finds nothing left to do.
 */
export async function applyPostgresMigrations(
  client: pg.ClientBase,
  schema: string | undefined,
): Promise<number> {
  await client.query("BEGIN");
  try {
    // Migrations (and waiting for another instance's) may take longer than a request may; the connection's statement
    // timeout is for requests.
    await client.query("SET LOCAL statement_timeout = 0");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`gavel.migrate.${schema ?? ""}`]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
    );
    const { rows } = await client.query<{ version: number }>(APPLIED_VERSION_SQL);
    const current = rows[0]?.version ?? 0;
    for (let version = current + 1; version <= POSTGRES_MIGRATIONS.length; version++) {
      await client.query(POSTGRES_MIGRATIONS[version - 1]!.sql);
      await client.query(RECORD_VERSION_SQL, [version, Date.now()]);
    }
    await client.query("COMMIT");
    return Math.max(0, POSTGRES_MIGRATIONS.length - current);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
