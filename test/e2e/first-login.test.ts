// The README's first login, end to end: `gavel user add` (password on stdin) writes an operator into the data folder,
// `gavel serve` on that folder lets it log in, and its session opens the admin API. A short password is refused.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startGavelProcess } from "../helpers/gavel-process.ts";

const CLI = new URL("../../src/cli/gavel.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gavel-first-login-"));
const dataDir = join(dir, "data");

function gavelUser(args: string[], stdin: string) {
  const { DATABASE_URL: _database, ...env } = process.env;
  return spawnSync(process.execPath, [CLI, "user", ...args, "--data-dir", dataDir], {
    input: stdin,
    encoding: "utf8",
    env,
  });
}

before(() => writeFileSync(join(dir, "gavel.config.json"), "{}"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("gavel user add, then gavel serve: the operator logs in and its session opens the admin API", async () => {
  const short = gavelUser(
    ["add", "--role", "operator", "--email", "ops@example.com", "--password-stdin"],
    "short\n",
  );
  assert.equal(short.status, 1);
  assert.match(short.stderr, /at least 8 characters/);
  const added = gavelUser(
    ["add", "--role", "operator", "--email", "Ops@Example.com", "--password-stdin"],
    "a long enough password\n",
  );
  assert.equal(added.status, 0, added.stderr);
  assert.match(added.stdout, /ops@example\.com \(operator\) saved/);
  assert.match(gavelUser(["list"], "").stdout, /^ops@example\.com\toperator\t-$/m);

  const gavel = await startGavelProcess({
    configPath: join(dir, "gavel.config.json"),
    dataDir,
    adminKey: "unused-key",
  });
  try {
    const login = await fetch(`${gavel.url}/v1/console/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ops@example.com", password: "a long enough password" }),
    });
    assert.equal(login.status, 200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const config = await fetch(`${gavel.url}/v1/admin/config`, { headers: { cookie } });
    assert.equal(config.status, 200);
    // The audit trail: the user saved from the command line, then the login.
    const audit = (await (await fetch(`${gavel.url}/v1/admin/audit`, { headers: { cookie } })).json()) as {
      events: { kind: string; actor: { type: string; id: string }; changes: { path: string }[] }[];
    };
    assert.deepEqual(
      audit.events.map((event) => [event.kind, event.actor.type, event.changes.map((change) => change.path)]),
      [
        ["login.success", "user", []],
        ["user.put", "system", ["email", "role"]],
      ],
    );
    assert.ok(!JSON.stringify(audit).includes("a long enough password"));
    const page = await fetch(`${gavel.url}/console/leads`);
    assert.equal(page.status, 200, "the built console answers every /console path");
    assert.match(await page.text(), /<div id="root">/);
  } finally {
    await gavel.stop();
  }
});
