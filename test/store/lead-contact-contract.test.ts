// Finding a consumer's leads by the hash of their email or phone, over every Store implementation: newest first, only
// theirs, at most the limit; and the migration that added the hashes fills them in for leads stored before it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { hashContact, leadContactHashes } from "../../src/compliance/suppression/suppression-hash.ts";
import type { LeadRecord } from "../../src/domain/records.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.ts";
import { openSqlite } from "../../src/store/sqlite/open-sqlite.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead, T0 } from "./lead-records.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
  withAdminClient,
} from "./postgres-test-schema.ts";
import { freshStoreEach, STORES } from "./store-implementations.ts";

/** A lead as validation stores it: email lower-cased, phone as 10 digits. */
const lead = (id: string, contact: { email?: string; phone?: string }, createdAt: number) =>
  soldLead(id, { lead: { first_name: "Pat", state: "CA", ...contact }, created_at: createdAt });

const LEADS = [
  lead("l-1", { email: "pat@example.com", phone: "2125550101" }, T0 + 1),
  lead("l-2", { email: "someone@example.com", phone: "2125550101" }, T0 + 2),
  lead("l-3", { email: "pat@example.com" }, T0 + 3),
  lead("l-4", { phone: "3105550199" }, T0 + 4),
];

const email = (value: string) => hashContact("email", value)!;
const phone = (value: string) => hashContact("phone", value)!;
const ids = (leads: LeadRecord[]) => leads.map((found) => found.id);

for (const impl of STORES) {
  describe(`${impl.name}: leads of a contact`, () => {
    let store: Store;
    freshStoreEach(impl, (fresh) => {
      store = fresh;
    });

    test("by email and by phone, newest first, only that consumer's, at most the limit", async () => {
      for (const record of LEADS) await store.saveLead(record, []);
      assert.deepEqual(ids(await store.leadsOfContact(email(" Pat@Example.com "), 10)), ["l-3", "l-1"]);
      assert.deepEqual(ids(await store.leadsOfContact(phone("(212) 555-0101"), 10)), ["l-2", "l-1"]);
      assert.deepEqual(ids(await store.leadsOfContact(phone("212-555-0101"), 1)), ["l-2"]);
      assert.deepEqual(await store.leadsOfContact(email("nobody@example.com"), 10), []);
    });

    test("a sale's contact hashes, given with it (the engine hashed them for its checks), are the ones stored", async () => {
      for (const record of LEADS) await store.saveLead(record, [], [], [], leadContactHashes(record.lead));
      assert.deepEqual(ids(await store.leadsOfContact(email("pat@example.com"), 10)), ["l-3", "l-1"]);
      assert.deepEqual(ids(await store.leadsOfContact(phone("2125550101"), 10)), ["l-2", "l-1"]);
      assert.deepEqual(ids(await store.leadsOfContact(phone("3105550199"), 10)), ["l-4"]);
    });
  });
}

/** The migration that adds the contact hashes, wherever it sits in a store's list. */
const contactMigration = (migrations: readonly { sql: string }[]): string => {
  const found = migrations.find(({ sql }) => sql.includes("ADD COLUMN email_sha256"));
  assert.ok(found, "a migration adds leads.email_sha256");
  return found.sql;
};

/** Drops the contact columns, as the release before stored its leads; then runs that migration again, as an upgrade. */
const UNDO_CONTACT_COLUMNS = `
  DROP INDEX leads_email; DROP INDEX leads_phone;
  ALTER TABLE leads DROP COLUMN email_sha256; ALTER TABLE leads DROP COLUMN phone_sha256;`;

async function assertUpgradeFindsOldLeads(open: () => Store, upgrade: () => Promise<void>): Promise<void> {
  const before = open();
  await before.migrate();
  for (const record of LEADS) await before.saveLead(record, []);
  await before.close();
  await upgrade();
  const upgraded = open();
  try {
    await upgraded.migrate();
    assert.deepEqual(ids(await upgraded.leadsOfContact(email("pat@example.com"), 10)), ["l-3", "l-1"]);
    assert.deepEqual(ids(await upgraded.leadsOfContact(phone("3105550199"), 10)), ["l-4"]);
  } finally {
    await upgraded.close();
  }
}

describe("the upgrade that adds contact hashes", () => {
  test("SqliteStore hashes the leads already stored", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gavel-store-"));
    try {
      await assertUpgradeFindsOldLeads(
        () => new SqliteStore(dir),
        async () => {
          // openSqlite: the connection the store migrates with (it has the sha256 function the migration calls).
          const db = openSqlite(join(dir, "gavel.db"));
          db.exec(UNDO_CONTACT_COLUMNS);
          db.exec(contactMigration(SQLITE_MIGRATIONS));
          db.close();
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("PostgresStore hashes the leads already stored", async () => {
    await requireTestDatabase();
    const schema = newTestSchema();
    try {
      await assertUpgradeFindsOldLeads(
        () => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
        () =>
          withAdminClient(async (client) => {
            await client.query(`SET search_path TO "${schema}"`);
            await client.query(UNDO_CONTACT_COLUMNS);
            await client.query(contactMigration(POSTGRES_MIGRATIONS));
          }),
      );
    } finally {
      await dropTestSchema(schema);
    }
  });
});
