// A throwaway schema per test on the test database, so parallel runs and CI reruns never see each other's tables.
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import pg from "pg";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";

export const TEST_DATABASE_URL =
  process.env.GAVEL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

let reachable: Promise<void> | undefined;

/**
 * Resolves once the test database answers; otherwise rejects within seconds with PostgresStore.connect's message, and
 * every later call rejects at once with the same one: each test fails clearly instead of hanging or being skipped.
 */
export function requireTestDatabase(): Promise<void> {
  reachable ??= PostgresStore.connect({ connectionString: TEST_DATABASE_URL }).then((store) => store.close());
  return reachable;
}

/** A fresh, unused schema name (`migrate` creates the schema). */
export function newTestSchema(): string {
  return `gavel_test_${randomBytes(6).toString("hex")}`;
}

/**
 * A connection of the test file's own whose `search_path` is a fresh schema, created before the file's tests and
 * dropped after them: for a migration's test, which runs the migrations up to its own by hand on `client`.
 */
export function schemaConnectionForFile(): { readonly schema: string; readonly client: pg.Client } {
  const schema = newTestSchema();
  let client: pg.Client | undefined;
  before(async () => {
    await requireTestDatabase();
    client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"; SET search_path = "${schema}"`);
  });
  after(async () => {
    await client?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client?.end();
  });
  return {
    schema,
    get client() {
      if (!client) throw new Error("the schema's connection is opened in the test file's before()");
      return client;
    },
  };
}

/** Runs SQL on a short-lived connection of its own, e.g. to inspect or sabotage what a store sees. */
export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Deletes every row of a test schema but `schema_migrations` (the schema stays migrated) and restarts its sequences.
 * DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files for every table cost more than deleting them.
 */
export async function emptyTestSchema(schema: string): Promise<void> {
  await withAdminClient(async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'",
      [schema],
    );
    const { rows: sequences } = await client.query<{ name: string }>(
      "SELECT sequencename AS name FROM pg_sequences WHERE schemaname = $1",
      [schema],
    );
    await client.query(
      [
        "BEGIN",
        ...tables.map((table) => `DELETE FROM "${schema}"."${table.name}"`),
        ...sequences.map((sequence) => `ALTER SEQUENCE "${schema}"."${sequence.name}" RESTART`),
        "COMMIT",
      ].join(";\n"),
    );
  });
}

export async function dropTestSchema(schema: string): Promise<void> {
  await withAdminClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
