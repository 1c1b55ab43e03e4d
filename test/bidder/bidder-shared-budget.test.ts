// Two real `gavel bid` processes sharing one data folder (shared_data_dir) serve the same firm: pings are spread over
// both, every bid is posted to the OTHER process, and more pings race the posts. Each round spends one campaign's day
// (a campaign per round, chosen by the lead's days_since_accident, since real processes keep the real clock). Budgets
// and lead caps must hold exactly: never a bid or a sale past them, whichever process answers.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { checkBidderConfig } from "../../src/bidder/bidder-config.ts";
import { ADMIN_KEY, NATIVE_KEY, testBidderConfig, uniqueLead } from "./bidder-harness.ts";

const CLI = new URL("../../src/cli/gavel.ts", import.meta.url).pathname;
const ROUNDS = 12;
const CONCURRENT = 60;
const PRICE = 250;
const DAY_BUDGET = 1000; // four leads at $250 ...
const DAY_LEADS = 3; // ... but only three leads a day

const dir = mkdtempSync(join(tmpdir(), "gavel-bid-shared-"));
const children: ChildProcess[] = [];
const urls: string[] = [];

async function startProcess(configPath: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [CLI, "bid", "--config", configPath, "--port", "0", "--data-dir", join(dir, "data")],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, GAVEL_BIDDER_ADMIN_KEY: ADMIN_KEY } },
  );
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("gavel bid not listening after 30 s")), 30_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /gavel bidder listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`gavel bid exited with ${code}`)));
  });
}

async function call(url: string, path: string, body: unknown) {
  const response = await fetch(`${url}${path}?key=${NATIVE_KEY}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  // biome-ignore lint/suspicious/noExplicitAny: the native protocol's JSON
  return (await response.json()) as any;
}

async function status(url: string) {
  const response = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  // biome-ignore lint/suspicious/noExplicitAny: the status JSON
  return (await response.json()) as any;
}

describe("bidder-shared-budget", () => {
  before(async () => {
    const base = testBidderConfig();
    const config = checkBidderConfig({
      ...base,
      shared_data_dir: true,
      campaigns: Array.from({ length: ROUNDS }, (_, round) => ({
        id: `round-${round}`,
        vertical: "personal_injury",
        filters: { field: "days_since_accident", op: "eq", value: round + 1 },
        cost_per_case_target: 3000,
        conversion_rate: 0.1,
        assumed_rate_weight: 100_000,
        price_rules: [{ name: "all", when: { field: "injury_severity", op: "gte", value: 1 }, price: PRICE }],
        budgets: [{ period: "day", spend: DAY_BUDGET, leads: DAY_LEADS }],
      })),
    });
    const configPath = join(dir, "bidder.config.json");
    writeFileSync(configPath, JSON.stringify(config));
    urls.push(...(await Promise.all([startProcess(configPath), startProcess(configPath)])));
  });

  after(async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test(`two processes, ${CONCURRENT} concurrent pings a round, posts to the other process: 0 overshoot in ${ROUNDS} rounds`, async () => {
    let overshoot = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const campaign = `round-${round}`;
      const leads = Array.from({ length: CONCURRENT }, () => uniqueLead({ days_since_accident: round + 1 }));
      const answers = await Promise.all(
        leads.map((lead, index) =>
          call(urls[index % 2]!, "/bid/gavel/ping", { vertical: "personal_injury", lead: lead.ping }),
        ),
      );
      const bids = answers.flatMap((answer, index) =>
        answer.bid ? [{ bidId: String(answer.bid_id), lead: leads[index]!, pingedAt: index % 2 }] : [],
      );
      assert.equal(bids.length, DAY_LEADS, `round ${round}: ${bids.length} bids held across both processes`);
      assert.ok(
        new Set(bids.map((b) => b.pingedAt)).size >= 1 &&
          answers.every((a) => a.bid || /lead cap|budget/.test(a.reason)),
        `round ${round}: ${JSON.stringify(answers.filter((a) => !a.bid).slice(0, 2))}`,
      );
      const late = Array.from({ length: CONCURRENT }, () => uniqueLead({ days_since_accident: round + 1 }));
      const [posts, latePings] = await Promise.all([
        Promise.all(
          bids.map((bid) =>
            // Posted to the process that did NOT make the bid.
            call(urls[(bid.pingedAt + 1) % 2]!, "/bid/gavel/post", {
              bid_id: bid.bidId,
              price: PRICE,
              lead: bid.lead.full,
            }),
          ),
        ),
        Promise.all(
          late.map((lead, index) =>
            call(urls[index % 2]!, "/bid/gavel/ping", { vertical: "personal_injury", lead: lead.ping }),
          ),
        ),
      ]);
      assert.ok(
        posts.every((p) => p.accepted === true),
        `round ${round}: ${JSON.stringify(posts)}`,
      );
      assert.equal(latePings.filter((a) => a.bid).length, 0, `round ${round}: a bid past the cap`);
      for (const url of urls) {
        const day = (await status(url)).campaigns
          .find((c: { id: string }) => c.id === campaign)
          .budgets.find((b: { period: string }) => b.period === "day");
        assert.equal(day.leads, DAY_LEADS, `round ${round}: both processes see the same ${DAY_LEADS} leads`);
        overshoot += Math.max(0, day.spent - DAY_BUDGET) + Math.max(0, day.leads - DAY_LEADS);
      }
    }
    assert.equal(overshoot, 0);
    for (const url of urls) {
      const own = (await status(url)).own_time_ms;
      // Every ping is a write transaction on the shared file, and a process waiting for the other's lock sleeps in
      // SQLite's busy handler: slower than the in-memory book (whose p99 < 50 ms the other tests assert). Bounded here
      // well inside what an exchange's 300 ms tmax leaves; the measured numbers are in docs/bidder.md.
      assert.ok(own.p99 < 200, `own time p99 ${own.p99} ms over ${own.pings} pings`);
      console.log(`# process ${url}: own time p50 ${own.p50} ms, p99 ${own.p99} ms over ${own.pings} pings`);
    }
  });
});
