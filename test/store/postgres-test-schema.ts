// A throwaway schema per test on the test database, so parallel runs and CI reruns never see each other's tables.
import { randomBytes } from "node:crypto";
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

export async function dropTestSchema(schema: string): Promise<void> {
  await withAdminClient((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
