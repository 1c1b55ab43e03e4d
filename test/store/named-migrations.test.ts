// Migrations became named {name, sqlite, postgres} pairs (src/store/migrations/). A database records only how many
// migrations it applied, so the pairs must give each database the same list, in the same order, as the releases
// before them did (frozen in ./legacy/), and a database those releases made must upgrade in place.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type pg from "pg";
import { MIGRATIONS } from "../../src/store/migrations/migrations.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.ts";
import { openSqlite } from "../../src/store/sqlite/open-sqlite.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { soldLead } from "./lead-records.ts";
import { LEGACY_POSTGRES_MIGRATIONS } from "./legacy/postgres-migrations.ts";
import { LEGACY_SQLITE_MIGRATIONS } from "./legacy/sqlite-migrations.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
  withAdminClient,
} from "./postgres-test-schema.ts";

/** How far back an upgrade starts: a database of the first release, one of the release before last, today's. */
const RELEASES = (count: number) => [1, count - 3, count];

describe("named migrations", () => {
  test("give each database the migrations of the positional lists, in their order", () => {
    // The frozen lists end where named migrations began; migrations named since then come after them.
    assert.deepEqual(
      SQLITE_MIGRATIONS.slice(0, LEGACY_SQLITE_MIGRATIONS.length).map((migration) => migration.sql),
      LEGACY_SQLITE_MIGRATIONS,
    );
    assert.deepEqual(
      POSTGRES_MIGRATIONS.slice(0, LEGACY_POSTGRES_MIGRATIONS.length).map((migration) => migration.sql),
      LEGACY_POSTGRES_MIGRATIONS,
    );
    const names = MIGRATIONS.map((migration) => migration.name);
    assert.equal(new Set(names).size, names.length, "names are unique");
  });

  for (const applied of RELEASES(LEGACY_SQLITE_MIGRATIONS.length)) {
    test(`a SQLite database made with the first ${applied} positional migrations upgrades in place`, async () => {
      const legacyDir = mkdtempSync(join(tmpdir(), "gavel-legacy-"));
      const freshDir = mkdtempSync(join(tmpdir(), "gavel-fresh-"));
      try {
        // As the releases before named migrations did (SqliteStore.migrate then): one transaction per migration.
        const db = openSqlite(join(legacyDir, "gavel.db"));
        db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
        for (const [i, sql] of LEGACY_SQLITE_MIGRATIONS.slice(0, applied).entries()) {
          db.exec(`BEGIN; ${sql}; INSERT INTO schema_migrations VALUES (${i + 1}, 0); COMMIT;`);
        }
        db.close();
        const upgraded = new SqliteStore(legacyDir);
        const fresh = new SqliteStore(freshDir);
        try {
          await upgraded.migrate();
          await fresh.migrate();
          await assertWorks(upgraded);
        } finally {
          await upgraded.close();
          await fresh.close();
        }
        assert.deepEqual(sqliteSchema(legacyDir), sqliteSchema(freshDir));
      } finally {
        rmSync(legacyDir, { recursive: true, force: true });
        rmSync(freshDir, { recursive: true, force: true });
      }
    });
  }

  for (const applied of RELEASES(LEGACY_POSTGRES_MIGRATIONS.length)) {
    test(`a PostgreSQL database made with the first ${applied} positional migrations upgrades in place`, async () => {
      await requireTestDatabase();
      const legacy = newTestSchema();
      const fresh = newTestSchema();
      try {
        await withAdminClient(async (client) => {
          // As applyPostgresMigrations did before named migrations.
          await client.query(`CREATE SCHEMA "${legacy}"`);
          await client.query(`SET search_path TO "${legacy}"`);
          await client.query(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
          );
          for (const [i, sql] of LEGACY_POSTGRES_MIGRATIONS.slice(0, applied).entries()) {
            await client.query(sql);
            await client.query("INSERT INTO schema_migrations VALUES ($1, 0)", [i + 1]);
          }
        });
        for (const schema of [legacy, fresh]) {
          const store = new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });
          try {
            await store.migrate();
            if (schema === legacy) await assertWorks(store);
          } finally {
            await store.close();
          }
        }
        assert.deepEqual(
          await withAdminClient((client) => postgresSchema(client, legacy)),
          await withAdminClient((client) => postgresSchema(client, fresh)),
        );
      } finally {
        await dropTestSchema(legacy);
        await dropTestSchema(fresh);
      }
    });
  }
});

/** The upgraded database records every migration and takes today's writes. */
async function assertWorks(store: SqliteStore | PostgresStore): Promise<void> {
  const lead = soldLead("upgraded-1");
  await store.saveLead(lead, []);
  assert.equal((await store.getLead(lead.id))?.id, lead.id);
}

function sqliteSchema(dir: string): unknown {
  const db = openSqlite(join(dir, "gavel.db"));
  try {
    return {
      objects: db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").all(),
      versions: db.prepare("SELECT COUNT(*) AS applied, MAX(version) AS last FROM schema_migrations").get(),
    };
  } finally {
    db.close();
  }
}

async function postgresSchema(client: pg.Client, schema: string): Promise<unknown> {
  const columns = await client.query(
    `SELECT table_name, column_name, data_type, is_nullable, replace(column_default, $1, 'S') AS column_default,
       collation_name
     FROM information_schema.columns WHERE table_schema = $2 ORDER BY table_name, ordinal_position`,
    [`${schema}.`, schema],
  );
  const indexes = await client.query(
    "SELECT tablename, indexname, replace(indexdef, $1, 'S') AS def FROM pg_indexes WHERE schemaname = $2 ORDER BY indexname",
    [`${schema}.`, schema],
  );
  const versions = await client.query(
    `SELECT COUNT(*) AS applied, MAX(version) AS last FROM "${schema}".schema_migrations`,
  );
  return { columns: columns.rows, indexes: indexes.rows, versions: versions.rows };
}
