// The backend the engine tests run on, chosen by GAVEL_TEST_BACKEND: "embedded" (SQLite + memory, the default) or
// "distributed" (PostgreSQL + Redis). One suite over both, the way kysely runs one suite over every dialect.
import { randomBytes } from "node:crypto";
import type { ConfigFile } from "../../src/domain/config-schema.ts";
import {
  dropTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
  withAdminClient,
} from "../store/postgres-test-schema.ts";
import { connectTestHotState, deleteKeysWithPrefix, TEST_REDIS_URL } from "../store/redis-test-helpers.ts";

export type BackendName = "embedded" | "distributed";

export const BACKEND: BackendName = backendFromEnv(process.env.GAVEL_TEST_BACKEND);

// The backend is the test run's choice: a DATABASE_URL or REDIS_URL left in the developer's shell would otherwise win
// over the storage the tests configure (in this process and in the exchanges it spawns).
delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;

/** Where one exchange under test keeps its state, and how to remove it afterwards. */
export interface TestStorage {
  /** The config file's `storage` section; undefined on the embedded backend (a data folder is enough). */
  storage: ConfigFile["storage"];
  /**
   * Throws unless an exchange has migrated the PostgreSQL schema: proof that it runs on this storage rather than
   * quietly on the embedded default. Resolves at once on the embedded backend.
   */
  assertInUse(): Promise<void>;
  /** Drops the PostgreSQL schema and deletes the Redis keys; call once, after every exchange using them has stopped. */
  dispose(): Promise<void>;
}

/**
 * Fresh storage for one exchange (or one exchange restarted several times): on the distributed backend, its own
 * PostgreSQL schema and Redis key prefix. When PostgreSQL or Redis is unreachable this rejects within seconds with a
 * message saying which and where, so the tests fail instead of hanging or being skipped. A test that runs on both
 * backends whatever GAVEL_TEST_BACKEND says (the fault suite) names the backend.
 */
export async function openTestStorage(backend: BackendName = BACKEND): Promise<TestStorage> {
  if (backend === "embedded")
    return { storage: undefined, assertInUse: async () => {}, dispose: async () => {} };
  await Promise.all([
    requireTestDatabase().catch(unreachable("PostgreSQL", TEST_DATABASE_URL)),
    requireTestRedis(),
  ]);
  const id = randomBytes(6).toString("hex");
  const schema = `gavel_t_${id}`;
  const keyPrefix = `gavel-t-${id}`;
  return {
    storage: {
      database_url: TEST_DATABASE_URL,
      database_schema: schema,
      redis_url: TEST_REDIS_URL,
      redis_key_prefix: keyPrefix,
    },
    async assertInUse() {
      const { rows } = await withAdminClient((client) =>
        client.query(
          "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'pings'",
          [schema],
        ),
      );
      if (rows.length === 0)
        throw new Error(`the exchange under test did not use its PostgreSQL schema ${schema}`);
    },
    async dispose() {
      await Promise.all([dropTestSchema(schema), deleteKeysWithPrefix(keyPrefix)]);
    },
  };
}

/** The config file with the test storage in it (unchanged on the embedded backend). */
export function withTestStorage(config: ConfigFile, storage: TestStorage): ConfigFile {
  return storage.storage ? { ...config, storage: storage.storage } : config;
}

let redisReachable: Promise<void> | undefined;

function requireTestRedis(): Promise<void> {
  // Connecting the way the exchange does gives its clear reason (refused, timed out, auth) when Redis is unreachable.
  redisReachable ??= connectTestHotState({ keyPrefix: "gavel-t-probe" })
    .then((state) => state.close())
    .catch(unreachable("Redis", TEST_REDIS_URL));
  return redisReachable;
}

function unreachable(service: "PostgreSQL" | "Redis", url: string): (error: unknown) => never {
  const variable = service === "Redis" ? "GAVEL_TEST_REDIS_URL" : "GAVEL_TEST_DATABASE_URL";
  return (error) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `GAVEL_TEST_BACKEND=distributed needs ${service} (${variable}=${withoutPassword(url)}): ${reason}`,
      { cause: error },
    );
  };
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

function backendFromEnv(value: string | undefined): BackendName {
  if (value === undefined || value === "" || value === "embedded") return "embedded";
  if (value === "distributed") return "distributed";
  throw new Error(`GAVEL_TEST_BACKEND must be "embedded" or "distributed", not "${value}"`);
}
