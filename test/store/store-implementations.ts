// Every Store implementation, for suites that run over all of them (kysely-style): each supplies a factory for an
// empty database that can be opened several times (to test durability, or two instances sharing it).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "node:test";
import { loadPiiKeyRing } from "../../src/compliance/privacy/pii-cipher.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
} from "./postgres-test-schema.ts";

/** A database that outlives its connections: `open` connects a fresh Store to the same data. */
export interface StoreDatabase {
  open(): Store;
  destroy(): Promise<void>;
}

export interface StoreImplementation {
  name: string;
  /** Creates an empty database for one test. */
  create(): Promise<StoreDatabase>;
}

/**
 * The SQLite store runs the contract with its leads' PII encrypted at rest (docs/privacy.md), PostgreSQL in clear: so
 * every suite also proves that sealing changes no answer, without running twice (pii-encryption-contract covers both
 * stores with and without a key).
 */
const SEALING_KEYS = loadPiiKeyRing({ GAVEL_PII_KEY: randomBytes(32).toString("base64") });

export const STORES: StoreImplementation[] = [
  {
    name: "SqliteStore",
    async create() {
      const dir = mkdtempSync(join(tmpdir(), "gavel-store-"));
      return {
        open: () => new SqliteStore(dir, { piiKeys: SEALING_KEYS }),
        destroy: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgresStore",
    async create() {
      await requireTestDatabase();
      const schema = newTestSchema();
      return {
        open: () => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4 }),
        destroy: () => dropTestSchema(schema),
      };
    },
  },
];

/**
 * Gives each test of the enclosing suite an empty, migrated store of `impl`, passed to `use` before the suite's own
 * beforeEach hooks run. `reopen()` connects another Store to the same database (durability, two instances); every
 * store opened is closed, and the database removed, after the test.
 */
export function freshStoreEach(
  impl: StoreImplementation,
  use: (store: Store) => void,
): { reopen(): Promise<Store>; close(store: Store): Promise<void> } {
  let database: StoreDatabase;
  const opened: Store[] = [];
  const reopen = async (): Promise<Store> => {
    const next = database.open();
    opened.push(next);
    await next.migrate();
    return next;
  };
  beforeEach(async () => {
    database = await impl.create();
    use(await reopen());
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await database.destroy();
  });
  // Closes a store before the test ends (a restart), so afterEach does not close it again.
  const close = async (store: Store): Promise<void> => {
    opened.splice(opened.indexOf(store), 1);
    await store.close();
  };
  return { reopen, close };
}
