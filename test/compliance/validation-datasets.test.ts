// The validation datasets (src/compliance/validation/validation-datasets.ts) load when validation first needs them,
// not when the engine's modules are imported: zipcodes alone is ~22 MB of heap and a quarter of a second of CPU that an
// exchange whose verticals do not validate never uses. Checked in a child process, whose module cache is its own.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

const VALIDATION = new URL("../../src/compliance/validation/", import.meta.url).href;

/** Runs `body` as an ES module in a new node and returns the dataset packages it has loaded, by name. */
function datasetsLoadedBy(body: string): string[] {
  const script = `
    import { createRequire } from "node:module";
    ${body}
    const loaded = Object.keys(createRequire(import.meta.url).cache)
      .map((path) => /node_modules\\/(zipcodes|google-libphonenumber|mailchecker)\\//.exec(path)?.[1])
      .filter(Boolean);
    console.log(JSON.stringify([...new Set(loaded)].sort()));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(out) as string[];
}

test("importing the validator and the lead checks loads no dataset", () => {
  const loaded = datasetsLoadedBy(`
    await import("${VALIDATION}lead-validator.ts");
    await import("${VALIDATION}area-code-states.ts");
  `);
  assert.deepEqual(loaded, []);
});

test("loadAreaCodeStates (the engine's call at start when a vertical validates) loads every dataset", () => {
  const loaded = datasetsLoadedBy(`
    const { loadAreaCodeStates } = await import("${VALIDATION}area-code-states.ts");
    loadAreaCodeStates();
  `);
  assert.deepEqual(loaded, ["google-libphonenumber", "mailchecker", "zipcodes"]);
});

test("a lead's checks load what they read", () => {
  const loaded = datasetsLoadedBy(`
    const { assessLead } = await import("${VALIDATION}lead-quality.ts");
    assessLead({ zip: "90210", state: "CA" });
  `);
  assert.deepEqual(loaded, ["zipcodes"]);
});
