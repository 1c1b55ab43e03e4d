// Where state lives at start (issue 10, item 11): `DATABASE_URL=` (set but empty) once silently overrode the
// configuration file's PostgreSQL and started on SQLite in ./data of the working directory. Empty now counts as unset,
// and the start-up line names each backend and where its data lives, never a password.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { startGavel } from "../src/app.ts";
import { ConfigFileSchema } from "../src/domain/config-schema.ts";
import { chooseStorage, describeStorage } from "../src/storage-choice.ts";
import { openTestStorage } from "./helpers/test-backend.ts";

const FILE_STORAGE = {
  database_url: "postgres://gavel:file-secret@db.internal:5432/gavel",
  database_schema: "exchange",
  redis_url: "redis://:redis-secret@redis.internal:6380",
  redis_key_prefix: "gx",
};

test("an empty (or blank) DATABASE_URL or REDIS_URL counts as unset: the file's storage applies, and it is named", () => {
  for (const empty of ["", "  "]) {
    const choice = chooseStorage({ storage: FILE_STORAGE }, { DATABASE_URL: empty, REDIS_URL: empty });
    assert.equal(choice.databaseUrl, FILE_STORAGE.database_url);
    assert.equal(choice.redisUrl, FILE_STORAGE.redis_url);
    assert.deepEqual(choice.ignoredVariables, ["DATABASE_URL", "REDIS_URL"]);
  }
  const without = chooseStorage({}, { DATABASE_URL: "" });
  assert.equal(without.databaseUrl, undefined, "nothing else set: the embedded default");
  assert.deepEqual(without.ignoredVariables, ["DATABASE_URL"]);
});

test("first set wins: the explicit option, then the environment, then the file", () => {
  const env = { DATABASE_URL: "postgres://env-host/gavel", REDIS_URL: "redis://env-host:6379" };
  const fromEnv = chooseStorage({ storage: FILE_STORAGE }, env);
  assert.equal(fromEnv.databaseUrl, env.DATABASE_URL);
  assert.equal(fromEnv.redisUrl, env.REDIS_URL);
  assert.equal(fromEnv.databaseSchema, "exchange", "the schema and prefix still come from the file");
  assert.equal(fromEnv.redisKeyPrefix, "gx");
  assert.deepEqual(fromEnv.ignoredVariables, []);
  const explicit = chooseStorage(
    { databaseUrl: "postgres://option-host/gavel", redisUrl: "redis://option-host", storage: FILE_STORAGE },
    env,
  );
  assert.equal(explicit.databaseUrl, "postgres://option-host/gavel");
  assert.equal(explicit.redisUrl, "redis://option-host");
  assert.deepEqual(chooseStorage({}, {}), { ignoredVariables: [] });
});

test("the description names each backend and where its data lives, without passwords", () => {
  const distributed = describeStorage(chooseStorage({ storage: FILE_STORAGE }, {}), "./data");
  assert.equal(
    distributed,
    "PostgreSQL db.internal:5432/gavel (schema exchange) + Redis redis.internal:6380 (key prefix gx)",
  );
  assert.doesNotMatch(distributed, /secret/);
  assert.equal(
    describeStorage(chooseStorage({}, {}), "./data"),
    `SQLite ${join(resolve("./data"), "gavel.db")} + memory`,
    "the SQLite file as an absolute path: which working directory it was is no longer a guess",
  );
});

test("an exchange started with DATABASE_URL= runs on the file's PostgreSQL, and says so", async () => {
  const storage = await openTestStorage("distributed");
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-storage-choice-"));
  const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };
  process.env.DATABASE_URL = "";
  process.env.REDIS_URL = "";
  try {
    const gavel = await startGavel({
      config: { storage: storage.storage },
      dataDir,
      port: 0,
      logLevel: "silent",
    });
    try {
      assert.match(
        gavel.backends,
        /^PostgreSQL \S+ \(schema gavel_t_[0-9a-f]+\) \+ Redis \S+ \(key prefix gavel-t-/,
      );
      await storage.assertInUse();
    } finally {
      await gavel.close();
    }
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dataDir, { recursive: true, force: true });
    await storage.dispose();
  }
});

test("storage.duplicate_window_max_keys reaches the in-process duplicate windows; the schema bounds it", async () => {
  assert.equal(
    chooseStorage({ storage: { duplicate_window_max_keys: 4096 } }, {}).duplicateWindowMaxKeys,
    4096,
  );
  assert.equal(chooseStorage({}, {}).duplicateWindowMaxKeys, undefined);
  const valid = (storage: unknown) => Value.Check(ConfigFileSchema, { storage });
  assert.equal(valid({ duplicate_window_max_keys: 4096 }), true);
  assert.equal(valid({ duplicate_window_max_keys: 10 }), false);
  assert.equal(valid({ duplicate_window_max_keys: 2 ** 30 }), false);
});
