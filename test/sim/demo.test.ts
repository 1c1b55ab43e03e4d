import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const GAVEL = new URL("../../src/cli/gavel.ts", import.meta.url).pathname;

test("gavel demo --duration runs a market, prints summary lines and exits 0", () => {
  const run = spawnSync(process.execPath, [GAVEL, "demo", "--duration", "4", "--rate", "15"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /API docs {4}http:\/\/127\.0\.0\.1:\d+\/docs/);
  assert.match(run.stdout, /admin key {3}gvl_demo_admin_[0-9a-f]{32}/);
  const summaries = run.stdout.split("\n").filter((line) => /^\s+\d+s\s+leads/.test(line));
  assert.ok(summaries.length >= 1, run.stdout);
  const stopped = /demo stopped after \d+ s: (\d+) leads, (\d+) sold/.exec(run.stdout);
  assert.ok(stopped, run.stdout);
  assert.ok(Number(stopped[1]) >= 30, `only ${stopped[1]} leads in 4 s at 15/s`);
  assert.ok(Number(stopped[2]) > 0, "some leads sold");
  assert.doesNotMatch(run.stdout + run.stderr, /@example\.com|55501\d\d/, "no PII in the output");
});
