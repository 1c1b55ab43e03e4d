// Which SQLite pages a direct post writes, per table and index: runs a checkout's `gavel serve` (SQLite, rules-5
// market, five instant buyers), sends `--warm` direct posts (8 in flight) to grow the file, empties the WAL from
// another connection (which then holds a read transaction, so that no checkpoint resets it), sends `--leads` more one at a time, waits for the writes that follow a sale (ping events, outbox
// deliveries; `--in-flight` at once, 1 by default: a commit each), kills the exchange (kill -9, so the WAL stays), and reads the WAL's frames: each frame is one page
// written, named by `dbstat` on a copy of the database.
//
//   node bench/sqlite-lead-pages.ts [checkout] [--warm 400] [--leads 20] [--in-flight 1] [--seed <data dir>]
//
// `--seed` starts from a copy of a grown data folder (e.g. one `bench/sqlite-grown-writer.ts` made) instead of an
// empty one: on a file of many leads the random-key indexes are large, and few of their leaves repeat in the WAL.
// Prints WAL pages (frames) and commits per lead, and the pages per lead of each table and index.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { benchDirectPostBodies, buildBenchConfig, instantBuyers } from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { startGavelServe } from "../src/sim/child-service.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    warm: { type: "string", default: "400" },
    leads: { type: "string", default: "20" },
    "in-flight": { type: "string", default: "1" },
    seed: { type: "string" },
  },
});
const root = resolve(positionals[0] ?? ".");
const warm = Number(values.warm);
const leads = Number(values.leads);
const inFlight = Number(values["in-flight"]);

const workDir = mkdtempSync(join(tmpdir(), "gavel-lead-pages-"));
const dataDir = join(workDir, "data");
if (values.seed) cpSync(resolve(values.seed), dataDir, { recursive: true });
const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
try {
  const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
  const configPath = join(workDir, "gavel.config.json");
  writeFileSync(configPath, JSON.stringify(config));
  const server = await startGavelServe({
    name: "exchange",
    entry: `${root}/src/cli/gavel.ts`,
    configPath,
    dataDir,
  });
  const bodies = benchDirectPostBodies();
  const phone = (n: number) =>
    `${200 + (Math.floor(n / 7_000_000) % 800)}${200 + (Math.floor(n / 10_000) % 700)}`.concat(
      String(n % 10_000).padStart(4, "0"),
    );
  let seq = 0;
  const post = async () => {
    const n = ++seq;
    const body = bodies[n % bodies.length]!.replace("@N@", String(n)).replace("@PHONE@", phone(n));
    const response = await fetch(`${server.ready}/v1/leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" },
      body,
    });
    const answer = (await response.json()) as { status?: string };
    return answer.status;
  };
  let sold = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (seq < warm) if ((await post()) === "sold") sold++;
    }),
  );
  await new Promise((done) => setTimeout(done, 1500));
  const path = join(dataDir, "gavel.db");
  const side = new DatabaseSync(path);
  side.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  // A read transaction from the empty WAL on: no checkpoint can reset the WAL while it lasts, so every frame stays.
  side.exec("BEGIN");
  side.prepare("SELECT count(*) FROM sqlite_schema").get();
  const statuses = new Map<string, number>();
  let sent = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (sent++ < leads) {
        const status = String(await post());
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  await new Promise((done) => setTimeout(done, 2000));
  server.child.kill("SIGKILL");
  await new Promise((done) => server.child.once("exit", done));

  const wal = readFileSync(`${path}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  const pages: number[] = [];
  const commitEnds: number[] = [];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    pages.push(wal.readUInt32BE(at));
    if (wal.readUInt32BE(at + 4) !== 0) {
      commits++;
      commitEnds.push(pages.length);
    }
  }
  const copy = join(workDir, "copy.db");
  copyFileSync(path, copy);
  copyFileSync(`${path}-wal`, `${copy}-wal`);
  side.exec("COMMIT");
  side.close();
  const db = new DatabaseSync(copy);
  const names = new Map<number, string>();
  for (const row of db.prepare("SELECT name, pageno FROM dbstat").all() as { name: string; pageno: number }[])
    names.set(row.pageno, row.name);
  const sizes = new Map<string, number>();
  for (const row of db.prepare("SELECT name, count(*) AS n FROM dbstat GROUP BY name").all() as {
    name: string;
    n: number;
  }[])
    sizes.set(row.name, row.n);
  db.close();
  const perObject = new Map<string, number>();
  for (const page of pages) {
    const name = names.get(page) ?? (page === 1 ? "(header)" : "(free/other)");
    perObject.set(name, (perObject.get(name) ?? 0) + 1);
  }
  if (process.env.GAVEL_BENCH_COMMITS) {
    let start = 0;
    for (const end of commitEnds.slice(0, Number(process.env.GAVEL_BENCH_COMMITS))) {
      console.log(
        `commit of ${end - start} pages: ${pages
          .slice(start, end)
          .map((page) => names.get(page) ?? page)
          .join(" ")}`,
      );
      start = end;
    }
  }
  console.log(
    `${root}: warm ${warm} posts (${sold} sold), then ${leads}, ${inFlight} in flight (${[...statuses].map(([s, n]) => `${s} ${n}`).join(", ")})`,
  );
  console.log(
    `WAL: ${pages.length} frames of ${pageSize} B = ${(((pages.length / leads) * pageSize) / 1024).toFixed(1)} KB per lead; ` +
      `${(pages.length / leads).toFixed(2)} pages and ${(commits / leads).toFixed(2)} commits per lead, ` +
      `${(new Set(pages).size / leads).toFixed(2)} distinct pages per lead (what a checkpoint of these frames copies)`,
  );
  for (const [name, count] of [...perObject].sort((a, b) => b[1] - a[1]))
    console.log(
      `  ${(count / leads).toFixed(2).padStart(6)}  ${name} (${sizes.get(name) ?? "?"} pages in all)`,
    );
} finally {
  await farm.stop();
  rmSync(workDir, { recursive: true, force: true });
}
