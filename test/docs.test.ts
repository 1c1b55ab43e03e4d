// The documentation is part of the contract: these checks keep it from drifting away from the code.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfigFile } from "../src/cli/config-file.ts";
import { REASONS } from "../src/domain/outcomes.ts";
import { ConfigService } from "../src/engine/config-service.ts";
import { ERRORS } from "../src/errors.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";

const apiDoc = readFileSync(new URL("../docs/api.md", import.meta.url), "utf8");

test("docs/api.md lists every error code with its status", () => {
  for (const [code, { status }] of Object.entries(ERRORS)) {
    assert.match(apiDoc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} missing from docs/api.md`);
  }
});

test("docs/api.md lists every outcome reason with its code", () => {
  for (const [reason, { code }] of Object.entries(REASONS)) {
    assert.match(
      apiDoc,
      new RegExp(`\\| \`${reason}\` \\| ${code} \\|`),
      `${reason} missing from docs/api.md`,
    );
  }
});

test("the example configuration file is valid", () => {
  const config = loadConfigFile(new URL("../gavel.config.example.json", import.meta.url).pathname);
  assert.ok(config.sources?.length && config.buyers?.length && config.campaigns?.length);
});

test("the example configuration passes the exchange's cross-entity checks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-docs-"));
  const store = new SqliteStore(dir);
  try {
    await store.migrate();
    const file = loadConfigFile(new URL("../gavel.config.example.json", import.meta.url).pathname);
    const service = await ConfigService.open(store, file);
    assert.equal(service.snapshot.campaigns.length, file.campaigns?.length);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
