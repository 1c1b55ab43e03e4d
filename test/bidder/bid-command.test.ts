// `gavel bid` as a real process, started the way docs/bidder.md says: a config file and one command.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { ADMIN_KEY, NATIVE_KEY, testBidderConfig, uniqueLead } from "./bidder-harness.ts";

const CLI = new URL("../../src/cli/gavel.ts", import.meta.url).pathname;

test("gavel bid starts from a config file, answers a native ping and shows the status page", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gavel-bid-cli-"));
  const configPath = join(dir, "bidder.config.json");
  writeFileSync(configPath, JSON.stringify(testBidderConfig()));
  const child = spawn(
    process.execPath,
    [CLI, "bid", "--config", configPath, "--port", "0", "--data-dir", join(dir, "data")],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GAVEL_BIDDER_ADMIN_KEY: ADMIN_KEY } },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("gavel bid not listening after 15 s")), 15_000);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const match = /gavel bidder listening on (http:\/\/\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`gavel bid exited with ${code}`)));
    });
    const ping = await fetch(`${url}/bid/gavel/ping?key=${NATIVE_KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ vertical: "personal_injury", lead: uniqueLead().ping, tmax_ms: 300 }),
    });
    assert.equal(((await ping.json()) as { bid: boolean }).bid, true);
    const page = await fetch(`${url}/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(page.status, 200);
    const html = await page.text();
    for (const [label, value] of [
      ["Pings", "1"],
      ["Bids", "1"],
      ["Won", "0"],
    ])
      assert.match(html, new RegExp(`>${label}</div><div class="value">${value}<`), `${label} ${value}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)));
    rmSync(dir, { recursive: true, force: true });
  }
});
