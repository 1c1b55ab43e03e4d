// The Node.js version guard npm runs before installing (issue 10, item 11): on a Node older than 24, `npm install`
// once failed inside `prepare` with ERR_UNKNOWN_FILE_EXTENSION; now it says plainly that Gavel needs Node.js 24.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

const GUARD = new URL("../../src/cli/node-version-guard.cjs", import.meta.url).pathname;
const { nodeVersionProblem } = createRequire(import.meta.url)(GUARD) as {
  nodeVersionProblem(version: string, executable?: string): string | undefined;
};

test("Node 24 and newer pass; anything older is told plainly that Gavel needs Node.js 24", () => {
  for (const version of ["24.0.0", "v24.22.3", "25.1.0", "30.0.0"])
    assert.equal(nodeVersionProblem(version), undefined);
  for (const version of ["20.20.2", "v22.19.0", "23.11.1", "18.0.0", "8.17.0"]) {
    const problem = nodeVersionProblem(version, "/usr/bin/node");
    assert.match(
      problem ?? "",
      /^Gavel needs Node\.js 24 or newer, but this is Node\.js v?\d+\.\d+\.\d+ \(\/usr\/bin\/node\)/,
    );
    assert.match(problem ?? "", /nvm install 24/);
  }
});

test("run as npm runs it: exit 1 with the message for an old version, exit 0 on this Node", () => {
  const old = spawnSync(process.execPath, [GUARD, "20.20.2"], { encoding: "utf8" });
  assert.equal(old.status, 1);
  assert.match(old.stderr, /Gavel needs Node\.js 24 or newer, but this is Node\.js 20\.20\.2/);
  const current = spawnSync(process.execPath, [GUARD], { encoding: "utf8" });
  assert.equal(current.status, 0, current.stderr);
  assert.equal(current.stderr, "");
});

test("npm runs the guard before anything that needs Node 24 (preinstall, and first in prepare)", () => {
  const { scripts } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    scripts: Record<string, string>;
  };
  assert.equal(scripts.preinstall, "node src/cli/node-version-guard.cjs");
  assert.match(scripts.prepare ?? "", /^node src\/cli\/node-version-guard\.cjs && /);
});

// Where the machine has an older Node (this project's machines have v20 at /usr/bin/node), the guard must run on it.
const OLD_NODE = "/usr/bin/node";
const oldNodeVersion = existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim()
  : "";
test(`on a real older Node (${OLD_NODE} ${oldNodeVersion || "absent"}), the guard itself runs and says so`, {
  skip:
    !oldNodeVersion || nodeVersionProblem(oldNodeVersion) === undefined
      ? "no Node older than 24 here"
      : false,
}, () => {
  const run = spawnSync(OLD_NODE, [GUARD], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(`Gavel needs Node\\.js 24 or newer, but this is Node\\.js ${oldNodeVersion}`),
  );
});
