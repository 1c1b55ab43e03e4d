// The PII cipher (src/compliance/privacy/pii-cipher.ts): keys from the environment or a file, clear errors for a bad
// or missing key, values that round-trip, differ each time, and refuse to open when altered or under an unknown key.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import {
  checkPiiKeysInUse,
  loadPiiKeyRing,
  openPii,
  PiiKeyError,
  piiKeyId,
  sealedKeyId,
  sealPii,
} from "../../src/compliance/privacy/pii-cipher.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { soldLead } from "../store/lead-records.ts";

const base64Key = () => randomBytes(32).toString("base64");

describe("PII cipher", () => {
  test("seals and opens; each sealing differs; the key id is stored with the value", () => {
    const ring = loadPiiKeyRing({ GAVEL_PII_KEY: base64Key() });
    const text = JSON.stringify({ email: "pat@example.com" });
    const a = sealPii(ring, text);
    const b = sealPii(ring, text);
    assert.notEqual(a, b);
    assert.ok(!a.includes("pat@"));
    assert.equal(sealedKeyId(a), ring.current?.id);
    assert.equal(openPii(ring, a), text);
    assert.equal(openPii(ring, b), text);
  });

  test("without a key, values stay as they are; a hex key and a key file work too", () => {
    assert.equal(sealPii(loadPiiKeyRing({}), "plain"), "plain");
    const hex = randomBytes(32).toString("hex");
    assert.equal(loadPiiKeyRing({ GAVEL_PII_KEY: hex }).current?.id, piiKeyId(Buffer.from(hex, "hex")));
    const dir = mkdtempSync(join(tmpdir(), "gavel-key-"));
    try {
      const key = base64Key();
      writeFileSync(join(dir, "pii.key"), `${key}\n`);
      const ring = loadPiiKeyRing({ GAVEL_PII_KEY_FILE: join(dir, "pii.key") });
      assert.equal(ring.current?.id, piiKeyId(Buffer.from(key, "base64")));
      assert.throws(() => loadPiiKeyRing({ GAVEL_PII_KEY_FILE: join(dir, "missing") }), /cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a malformed key is a clear error naming where it came from", () => {
    for (const bad of ["short", randomBytes(16).toString("base64"), `${base64Key()}x`]) {
      assert.throws(
        () => loadPiiKeyRing({ GAVEL_PII_KEY: bad }),
        (error: Error) =>
          error instanceof PiiKeyError && /GAVEL_PII_KEY is not a PII key/.test(error.message),
      );
    }
    assert.throws(
      () => loadPiiKeyRing({ GAVEL_PII_OLD_KEYS: `${base64Key()},nope` }),
      /GAVEL_PII_OLD_KEYS \(key 2\)/,
    );
  });

  test("an unknown key or an altered value is an error, never garbage", () => {
    const ring = loadPiiKeyRing({ GAVEL_PII_KEY: base64Key() });
    const sealed = sealPii(ring, "secret");
    const other = loadPiiKeyRing({ GAVEL_PII_KEY: base64Key() });
    assert.throws(() => openPii(other, sealed), /neither GAVEL_PII_KEY nor in GAVEL_PII_OLD_KEYS/);
    const body = sealed.slice(sealed.lastIndexOf(":") + 1);
    const flipped = Buffer.from(body, "base64url");
    flipped[14] = (flipped[14] ?? 0) ^ 1;
    const altered = `${sealed.slice(0, sealed.lastIndexOf(":") + 1)}${flipped.toString("base64url")}`;
    assert.throws(() => openPii(ring, altered), /does not authenticate/);
    const rotated = loadPiiKeyRing({ GAVEL_PII_KEY: base64Key(), GAVEL_PII_OLD_KEYS: "" });
    assert.throws(() => checkPiiKeysInUse(rotated, [ring.current!.id]), /GAVEL_PII_OLD_KEYS/);
    assert.doesNotThrow(() => checkPiiKeysInUse(ring, [ring.current!.id]));
  });
});

describe("gavel keys rotate (a real process)", () => {
  test("reseals under the new key and retires the old one; then the old key is not needed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gavel-rotate-"));
    try {
      const oldKey = base64Key();
      const newKey = base64Key();
      const first = new SqliteStore(dir, { piiKeys: loadPiiKeyRing({ GAVEL_PII_KEY: oldKey }) });
      await first.migrate();
      const lead = soldLead("l-1", { lead: { email: "pat@example.com", state: "CA" } });
      await first.saveLead(lead, []);
      await first.close();

      const gavel = (args: string[], env: Record<string, string>) =>
        promisify(execFile)(process.execPath, ["src/cli/gavel.ts", ...args, "--data-dir", dir], {
          env: { ...process.env, ...env },
        });
      const run = (env: Record<string, string>) => gavel(["keys", "rotate"], env);
      const { stdout } = await run({ GAVEL_PII_KEY: newKey, GAVEL_PII_OLD_KEYS: oldKey });
      assert.match(stdout, /1 of 1 leads resealed/);
      assert.match(stdout, new RegExp(`${piiKeyId(Buffer.from(oldKey, "base64"))} no longer needed`));
      await assert.rejects(run({}), /gavel keys rotate needs the new key in GAVEL_PII_KEY/);
      // A start without the key stops with a clear message.
      await assert.rejects(
        gavel(["migrate"], {}),
        /PII is encrypted \(key [0-9a-f]{12}\) but no key is configured/,
      );

      const after = new SqliteStore(dir, { piiKeys: loadPiiKeyRing({ GAVEL_PII_KEY: newKey }) });
      await after.migrate();
      assert.deepEqual(await after.getLead("l-1"), lead);
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
