// The console's reads over a long WAL, and what one checkpoint of it costs: grows a WAL of `--frames` frames that no
// checkpoint has copied, by real ping→post pairs (rules-5, instant buyers, 16 in flight) through `--gavel` with its
// writer's autocheckpoint off (a preload), on a copy of `--seed` (a grown data folder, e.g. bench/sqlite-grown-writer.ts's)
// or a fresh file, and stops the exchange with kill -9 once the WAL is that long. Then it copies the folder and
// checkpoints the copy (timed: wall and CPU), and reads both through SqliteStore in 6 alternating rounds of 20 calls
// each (reports, lead pages, salesSince), printing the process CPU per call. `--dir` measures a folder grown before.
//
//   node bench/sqlite-wal-reads.ts [--frames 4000] [--seed <grown data folder>] [--gavel <checkout>/src/cli/gavel.ts]
//   node bench/sqlite-wal-reads.ts --dir <a data folder with its WAL>      (--keep leaves a grown folder for --dir)
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { benchPairBodies, buildBenchConfig, instantBuyers } from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { startGavelServe } from "../src/sim/child-service.ts";
import { findWrk, runWrk, writeBodiesFile } from "../src/sim/wrk-load.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";

const { values } = parseArgs({
  options: {
    frames: { type: "string", default: "4000" },
    seed: { type: "string" },
    gavel: { type: "string", default: "src/cli/gavel.ts" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const frames = Number(values.frames);
let dir = values.dir;
let work: string | undefined;
if (!dir) {
  work = mkdtempSync(join(tmpdir(), "gavel-wal-reads-"));
  dir = join(work, "data");
  mkdirSync(dir);
  if (values.seed) cpSync(join(values.seed, "gavel.db"), join(dir, "gavel.db"));
  const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
  const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
  const configPath = join(work, "config.json");
  writeFileSync(configPath, JSON.stringify(config));
  const bodiesFile = writeBodiesFile(work, "bodies", benchPairBodies("rules-5"));
  // Every connection of the exchange (its writer thread's too) checkpoints never: the WAL keeps every frame.
  const preload = join(work, "no-autocheckpoint.mjs");
  writeFileSync(
    preload,
    `import { DatabaseSync } from "node:sqlite";
const exec = DatabaseSync.prototype.exec;
DatabaseSync.prototype.exec = function (sql) {
  if (sql.startsWith("PRAGMA wal_autocheckpoint")) return exec.call(this, "PRAGMA wal_autocheckpoint = 0");
  const result = exec.call(this, sql);
  if (sql === "PRAGMA synchronous = FULL") exec.call(this, "PRAGMA wal_autocheckpoint = 0");
  return result;
};
`,
  );
  const server = await startGavelServe({
    name: "exchange",
    entry: resolve(values.gavel!),
    nodeArgs: [`--import=${preload}`],
    configPath,
    dataDir: dir,
    timeoutMs: 120_000,
  });
  const wal = join(dir, "gavel.db-wal");
  const target = 32 + frames * 4120;
  const watcher = setInterval(() => {
    try {
      if (statSync(wal).size >= target) {
        server.child.kill("SIGKILL");
        clearInterval(watcher);
      }
    } catch {}
  }, 20);
  const bodies = readFileSync(bodiesFile, "utf8").trim().split("\n");
  const headers = { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" };
  while (server.child.exitCode === null && server.child.signalCode === null)
    await runWrk(findWrk()!, { url: server.ready, path: "/v1/ping", headers, bodies }, bodiesFile, {
      connections: 16,
      pairs: { postPath: "/v1/post" },
      durationMs: 3000,
      warmupMs: 0,
    }).catch(() => undefined);
  clearInterval(watcher);
  await farm.stop();
  console.log(
    `WAL ${statSync(wal).size} bytes in ${dir}${values.keep ? " (kept: --dir measures it again)" : ""}`,
  );
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const now = Date.now();
const hour = 3_600_000;
const from = Math.floor((now - 7 * 24 * hour) / hour) * hour;
const to = Math.ceil(now / hour) * hour + hour;
const cases: [string, (store: SqliteStore) => Promise<unknown>][] = [
  ["report by buyer", (store) => store.report({ from, to, dimensions: ["buyer"] as never })],
  [
    "report campaign by hour",
    (store) => store.report({ from, to, dimensions: ["campaign"] as never, time: { unit: "hour" } }),
  ],
  ["listLeads 50 newest", (store) => store.listLeads({ limit: 50 })],
  ["listLeads 50 by price", (store) => store.listLeads({ limit: 50, sort: "price" as never })],
  ["salesSince 1 day", (store) => store.salesSince(now - 24 * hour)],
];
/** CPU µs per call of each case, over `reps` calls. */
async function cpuOf(store: SqliteStore, reps: number): Promise<number[]> {
  const out: number[] = [];
  for (const [, run] of cases) {
    const before = process.cpuUsage();
    for (let i = 0; i < reps; i++) await run(store);
    const spent = process.cpuUsage(before);
    out.push((spent.user + spent.system) / reps);
  }
  return out;
}
// Copy B: the same file, checkpointed (WAL emptied). The checkpoint is timed there.
const copyB = `${dir}-ckpt`;
spawnSync("rm", ["-rf", copyB]);
spawnSync("cp", ["-a", dir, copyB]);
const cp = new DatabaseSync(join(copyB, "gavel.db"));
cp.prepare("SELECT count(*) FROM sqlite_schema").get(); // recovery of the WAL index, not timed
const started = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const result = cp.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
const cpu1 = process.cpuUsage(cpu0);
console.log(
  `checkpoint ${JSON.stringify(result)} in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms wall, ${((cpu1.user + cpu1.system) / 1000).toFixed(1)} ms CPU; WAL ${statSync(join(dir, "gavel.db-wal")).size} bytes`,
);
cp.close();
const withWal = new SqliteStore(dir);
const checkpointed = new SqliteStore(copyB);
await cpuOf(withWal, 3);
await cpuOf(checkpointed, 3);
const a: number[][] = [];
const b: number[][] = [];
for (let round = 0; round < 6; round++) {
  if (round % 2 === 0) {
    a.push(await cpuOf(withWal, 20));
    b.push(await cpuOf(checkpointed, 20));
  } else {
    b.push(await cpuOf(checkpointed, 20));
    a.push(await cpuOf(withWal, 20));
  }
}
cases.forEach(([name], index) => {
  const wal = a.map((round) => round[index]!);
  const none = b.map((round) => round[index]!);
  const higher = wal.filter((value, round) => value > none[round]!).length;
  console.log(
    `${name}: CPU µs per call, WAL ${median(wal).toFixed(0)} (${Math.min(...wal).toFixed(0)}–${Math.max(...wal).toFixed(0)}) vs checkpointed ${median(none).toFixed(0)} (${Math.min(...none).toFixed(0)}–${Math.max(...none).toFixed(0)}); higher with the WAL in ${higher} of 6`,
  );
});
await withWal.close();
await checkpointed.close();
rmSync(copyB, { recursive: true, force: true });
if (work && !values.keep) rmSync(work, { recursive: true, force: true });
