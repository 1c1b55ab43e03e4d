// Every Store implementation, for suites that run over all of them (kysely-style): each supplies a factory for an
// empty database that can be opened several times (to test durability, or two instances sharing it).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, beforeEach } from "node:test";
import { loadPiiKeyRing } from "../../src/compliance/privacy/pii-cipher.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import {
  dropTestSchema,
  emptyTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
} from "./postgres-test-schema.ts";

/** A database that outlives its connections: `open` connects a fresh Store to the same data. */
export interface StoreDatabase {
  open(): Store;
  destroy(): Promise<void>;
  /**
   * Deletes every row but the record of applied migrations, once every store opened on it is closed: the database is
   * then as a freshly migrated one, for the next test of the suite, without creating and migrating another. Only
   * PostgreSQL has it, where a new schema and its migrations took ~3 s of wall time per test on the loaded machine.
   */
  empty?(): Promise<void>;
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
        empty: () => emptyTestSchema(schema),
      };
    },
  },
];

/**
 * Gives each test of the enclosing suite an empty, migrated store of `impl`, passed to `use` before the suite's own
 * beforeEach hooks run. `reopen()` connects another Store to the same database (durability, two instances); every
 * store opened is closed after the test, and the database removed (or, where it can be, emptied for the suite's next
 * test and removed after the suite). Call it inside a `describe`: its hooks belong to the enclosing suite.
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
  /** The suite's database kept for its next test, emptied. */
  let reusable: StoreDatabase | undefined;
  beforeEach(async () => {
    database = reusable ?? (await impl.create());
    reusable = undefined;
    use(await reopen());
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    if (database.empty) {
      await database.empty();
      reusable = database;
    } else await database.destroy();
  });
  after(async () => {
    await reusable?.destroy();
    reusable = undefined;
  });
  // Closes a store before the test ends (a restart), so afterEach does not close it again.
  const close = async (store: Store): Promise<void> => {
    opened.splice(opened.indexOf(store), 1);
    await store.close();
  };
  return { reopen, close };
}
