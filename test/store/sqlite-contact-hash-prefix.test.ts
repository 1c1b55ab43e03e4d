// SQLite migration 30 (src/store/migrations/30-sqlite-contact-hash-prefix-indexes.ts): the contact-hash indexes keyed
// by the hash's first 16 hex digits. An upgrade keeps finding the leads stored before it, the lookup seeks the index
// (not a walk of every lead in time order), and two consumers whose hashes share the prefix are told apart.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hashContact } from "../../src/compliance/suppression/suppression-hash.ts";
import type { LeadRecord } from "../../src/domain/records.ts";
import { SQLITE } from "../../src/store/sql/dialect.ts";
import { leadsOfContact } from "../../src/store/sql/lead-queries.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/sqlite/migrations.ts";
import { openSqlite } from "../../src/store/sqlite/open-sqlite.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { soldLead, T0 } from "./lead-records.ts";

const lead = (id: string, contact: { email?: string; phone?: string }, createdAt: number) =>
  soldLead(id, { lead: { first_name: "Pat", state: "CA", ...contact }, created_at: createdAt });
const email = (value: string) => hashContact("email", value)!;
const phone = (value: string) => hashContact("phone", value)!;
const ids = (leads: LeadRecord[]) => leads.map((found) => found.id);

/** The contact indexes as migration 17 made them, and the schema's version set back to before migration 30. */
const BEFORE_PREFIX_INDEXES = `
  DROP INDEX leads_email; DROP INDEX leads_phone;
  CREATE INDEX leads_email ON leads (email_sha256, created_at) WHERE email_sha256 IS NOT NULL;
  CREATE INDEX leads_phone ON leads (phone_sha256, created_at) WHERE phone_sha256 IS NOT NULL;
  DELETE FROM schema_migrations WHERE version >= ${
    SQLITE_MIGRATIONS.findIndex((migration) => migration.name === "sqlite-contact-hash-prefix-indexes") + 1
  };`;

test("an upgraded file finds the leads stored before it, newest first, through the prefix indexes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-store-"));
  try {
    const first = new SqliteStore(dir);
    await first.migrate();
    for (const record of [
      lead("l-1", { email: "pat@example.com", phone: "2125550101" }, T0 + 1),
      lead("l-2", { email: "someone@example.com", phone: "2125550101" }, T0 + 2),
      lead("l-3", { email: "pat@example.com" }, T0 + 3),
      lead("l-4", { phone: "3105550199" }, T0 + 4),
    ])
      await first.saveLead(record, []);
    await first.close();
    const db = openSqlite(join(dir, "gavel.db"));
    db.exec(BEFORE_PREFIX_INDEXES);
    db.close();

    const store = new SqliteStore(dir);
    await store.migrate();
    assert.deepEqual(ids(await store.leadsOfContact(email("pat@example.com"), 10)), ["l-3", "l-1"]);
    assert.deepEqual(ids(await store.leadsOfContact(phone("2125550101"), 10)), ["l-2", "l-1"]);
    assert.deepEqual(ids(await store.leadsOfContact(phone("2125550101"), 1)), ["l-2"]);
    assert.deepEqual(await store.leadsOfContact(email("nobody@example.com"), 10), []);
    await store.close();

    const upgraded = openSqlite(join(dir, "gavel.db"));
    const indexSql = (name: string) =>
      (upgraded.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").get(name) as { sql: string }).sql;
    assert.match(
      indexSql("leads_email"),
      /\(substr\(email_sha256, 1, 16\)\)\s+WHERE email_sha256 IS NOT NULL$/,
    );
    assert.match(
      indexSql("leads_phone"),
      /\(substr\(phone_sha256, 1, 16\)\)\s+WHERE phone_sha256 IS NOT NULL$/,
    );
    for (const [contact, index] of [
      [email("pat@example.com"), "leads_email"],
      [phone("2125550101"), "leads_phone"],
    ] as const) {
      const { text, values } = leadsOfContact(SQLITE, contact, 10);
      const plan = (
        upgraded.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...(values as string[])) as { detail: string }[]
      )
        .map((step) => step.detail)
        .join("; ");
      assert.match(plan, new RegExp(`SEARCH leads USING INDEX ${index} \\(<expr>=\\?\\)`), plan);
    }
    upgraded.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two consumers whose hashes share the indexed prefix are told apart by the whole hash", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-store-"));
  try {
    const store = new SqliteStore(dir);
    await store.migrate();
    const shared = "0123456789abcdef";
    const [a, b] = [`${shared}${"a".repeat(48)}`, `${shared}${"b".repeat(48)}`];
    await store.saveLead(lead("l-a", { email: "a@example.com" }, T0 + 1), [], [], [], { email_sha256: a });
    await store.saveLead(lead("l-b", { email: "b@example.com" }, T0 + 2), [], [], [], { email_sha256: b });
    assert.deepEqual(ids(await store.leadsOfContact({ kind: "email", sha256: a }, 10)), ["l-a"]);
    assert.deepEqual(ids(await store.leadsOfContact({ kind: "email", sha256: b }, 10)), ["l-b"]);
    assert.deepEqual(
      await store.leadsOfContact({ kind: "email", sha256: `${shared}${"c".repeat(48)}` }, 10),
      [],
    );
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
