// Encryption at rest of leads' PII over both stores (docs/privacy.md): the SQLite file (and its WAL) and a pg_dump of
// the PostgreSQL schema hold no PII in clear; every read with the key answers what was saved; a start without the key
// (or with the wrong one) is a clear error; `gavel keys rotate` reseals old and plain values and retires the old key.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { promisify } from "node:util";
import { rotatePiiKeys } from "../../src/cli/keys-command.ts";
import {
  loadPiiKeyRing,
  NO_PII_KEYS,
  PiiKeyError,
  type PiiKeyRing,
  piiKeyId,
} from "../../src/compliance/privacy/pii-cipher.ts";
import { hashContact } from "../../src/compliance/suppression/suppression-hash.ts";
import type { LeadRecord, PiiRedaction } from "../../src/domain/records.ts";
import { PostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { soldLead, T0 } from "./lead-records.ts";
import {
  dropTestSchema,
  newTestSchema,
  requireTestDatabase,
  TEST_DATABASE_URL,
} from "./postgres-test-schema.ts";

const PII = {
  first_name: "Ottoline",
  last_name: "Brackenridge",
  email: "ottoline.brackenridge@example.com",
  phone: "3125550188",
};
const CLEAR_TEXTS = ["Ottoline", "Brackenridge", "ottoline.brackenridge", "3125550188", "203.0.113.77"];

const key = () => randomBytes(32).toString("base64");
const ring = (current: string, ...old: string[]): PiiKeyRing =>
  loadPiiKeyRing({ GAVEL_PII_KEY: current, GAVEL_PII_OLD_KEYS: old.join(",") });

const leadWithPii = (id: string, at = T0): LeadRecord =>
  soldLead(id, {
    auction_id: `a-${id}`,
    lead: { ...PII, state: "IL", injury_type: "fracture" },
    consent: { trustedform_cert_url: "https://cert.trustedform.com/abc", ip_address: "203.0.113.77" },
    created_at: at,
  });

/** A database a test opens with the keys it chooses; `raw` is what someone without the key reads of it. */
interface KeyedDatabase {
  open(piiKeys: PiiKeyRing): Store;
  raw(): Promise<string>;
  destroy(): Promise<void>;
}

const DATABASES: { name: string; create(): Promise<KeyedDatabase> }[] = [
  {
    name: "SqliteStore",
    async create() {
      const dir = mkdtempSync(join(tmpdir(), "gavel-pii-"));
      return {
        open: (piiKeys) => new SqliteStore(dir, { piiKeys }),
        // The file and its write-ahead log, byte for byte.
        raw: async () =>
          readdirSync(dir)
            .map((name) => readFileSync(join(dir, name)).toString("latin1"))
            .join("\n"),
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
        open: (piiKeys) =>
          new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2, piiKeys }),
        raw: async () =>
          (
            await promisify(execFile)("pg_dump", ["--data-only", `--schema=${schema}`, TEST_DATABASE_URL], {
              maxBuffer: 64 * 1024 * 1024,
            })
          ).stdout,
        destroy: () => dropTestSchema(schema),
      };
    },
  },
];

const holding = (text: string) =>
  CLEAR_TEXTS.filter((clear) => text.toLowerCase().includes(clear.toLowerCase()));

for (const impl of DATABASES) {
  describe(`${impl.name}: PII encrypted at rest`, () => {
    let database: KeyedDatabase;
    const opened: Store[] = [];
    const open = async (piiKeys: PiiKeyRing): Promise<Store> => {
      const store = database.open(piiKeys);
      opened.push(store);
      await store.migrate();
      return store;
    };
    const close = async (store: Store) => {
      opened.splice(opened.indexOf(store), 1);
      await store.close();
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await database?.destroy();
    });

    test("the stored data holds no PII in clear; every read with the key is unchanged", async () => {
      database = await impl.create();
      const keyA = key();
      const store = await open(ring(keyA));
      const lead = leadWithPii("l-1");
      await store.saveLead(lead, []);
      await store.saveLead(leadWithPii("l-2", T0 + 1), []);
      assert.deepEqual(await store.getLead("l-1"), lead);
      assert.deepEqual(await store.getLeadByAuction("a-l-1"), lead);
      assert.deepEqual(
        (await store.listLeads({ limit: 10 })).find((found) => found.id === "l-1"),
        lead,
      );
      assert.deepEqual(
        (await store.leadsOfContact(hashContact("email", PII.email)!, 10)).map((found) => found.id),
        ["l-2", "l-1"],
        "search by consumer works through the hashes",
      );
      assert.deepEqual(
        (await store.listPurchases({ buyer_id: "buyer-a", limit: 10 })).find((found) => found.id === "l-1"),
        lead,
      );
      await close(store);
      assert.deepEqual(holding(await database.raw()), [], "no PII in clear in the stored data");

      const plain = database.open(NO_PII_KEYS);
      opened.push(plain);
      await assert.rejects(plain.migrate(), (error: Error) => {
        assert.ok(error instanceof PiiKeyError, String(error));
        assert.match(error.message, /no key is configured: set GAVEL_PII_KEY/);
        return true;
      });
      const wrong = database.open(ring(key()));
      opened.push(wrong);
      await assert.rejects(wrong.migrate(), (error: Error) => {
        assert.match(error.message, new RegExp(`sealed with key ${piiKeyId(Buffer.from(keyA, "base64"))}`));
        assert.match(error.message, /GAVEL_PII_OLD_KEYS/);
        return true;
      });
    });

    test("a purge under encryption writes sealed values too", async () => {
      database = await impl.create();
      const store = await open(ring(key()));
      await store.saveLead(leadWithPii("l-1"), []);
      const redact: PiiRedaction = () => ({ lead: { state: "IL" }, consent: {} });
      assert.deepEqual(await store.erasePii(["l-1"], redact, T0 + 1), { leads: 1, deliveries_cancelled: 0 });
      assert.deepEqual((await store.getLead("l-1"))?.lead, { state: "IL" });
    });

    test("rotation: old and plain values resealed under the new key, the old key retired", async () => {
      database = await impl.create();
      const plain = await open(NO_PII_KEYS);
      const before = leadWithPii("l-plain");
      await plain.saveLead(before, []);
      await close(plain);
      assert.notDeepEqual(holding(await database.raw()), [], "stored in clear before a key was set");

      const keyA = key();
      const withA = await open(ring(keyA));
      assert.deepEqual(await withA.getLead("l-plain"), before, "plain values still read once a key is set");
      const sealedA = leadWithPii("l-a", T0 + 1);
      await withA.saveLead(sealedA, []);
      await close(withA);

      const keyB = key();
      const rotating = await open(ring(keyB, keyA));
      for (let i = 0; i < 7; i++) await rotating.saveLead(leadWithPii(`l-b${i}`, T0 + 10 + i), []);
      const totals = await rotatePiiKeys(rotating, 3);
      assert.deepEqual(totals, { scanned: 9, resealed: 2 });
      assert.deepEqual(await rotatePiiKeys(rotating, 3), { scanned: 9, resealed: 0 });
      assert.deepEqual(await rotating.retirePiiKeys(piiKeyId(Buffer.from(keyB, "base64"))), [
        piiKeyId(Buffer.from(keyA, "base64")),
      ]);
      await close(rotating);

      const onlyB = await open(ring(keyB));
      assert.deepEqual(await onlyB.getLead("l-plain"), before);
      assert.deepEqual(await onlyB.getLead("l-a"), sealedA);
      await close(onlyB);
      // The plain row was rewritten: what is read without the key is sealed now (SQLite may keep the old page in free
      // space until reused, so only PostgreSQL's dump, which holds live rows only, can prove that here).
      if (impl.name === "PostgresStore") assert.deepEqual(holding(await database.raw()), []);
    });
  });
}
