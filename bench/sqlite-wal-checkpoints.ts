// What the SQLite writer thread's WAL checkpoints cost per durable lead: each `--gavel` entry (node flags may come
// first, e.g. a preload that sets a PRAGMA) is started as its own `gavel serve` (SQLite, rules-5, one buyer farm of
// instant buyers), all loaded at the same moment with ping→post pairs (`--pairs`, a closed loop of `--connections`) or
// direct posts (`--path /v1/leads` at `--rate`). During each round `perf stat` counts the writer thread's syscalls by
// tracepoint, split by file (its connection's database file and WAL): a checkpoint is the one `fsync` of the database
// file, its pages the `pwrite64`s to it; the WAL's `pwrite64`s are the frames (and headers) and its `fsync`s the
// commits (and checkpoints). The WAL file's size is sampled every 10 ms. Per 1,000 requests it prints those counts and
// the writer thread's CPU (`/proc/<pid>/task/<tid>/stat`). Needs perf and the syscalls tracepoints (root).
//
//   node bench/sqlite-wal-checkpoints.ts --gavel <base>/src/cli/gavel.ts --gavel src/cli/gavel.ts [--pairs]
//        [--connections 16] [--path /v1/leads] [--rate 400] [--seconds 8] [--rounds 4] [--seed <data folder>]
//
// `--seed` copies a data folder (`gavel.db`, e.g. the grown one of bench/sqlite-grown-writer.ts) for each exchange;
// `--record <folder>` also runs `perf record -g -e cpu-clock` on each writer thread (perf-<exchange>-<round>.data).
import { spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  benchDirectPostBodies,
  benchPairBodies,
  buildBenchConfig,
  instantBuyers,
} from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { type ChildService, startGavelServe } from "../src/sim/child-service.ts";
import { threadCpuSeconds } from "../src/sim/process-cpu.ts";
import { findWrk, runWrk, writeBodiesFile } from "../src/sim/wrk-load.ts";
import { gavelEntries } from "./gavel-entries.ts";

const { values } = parseArgs({
  options: {
    gavel: { type: "string", multiple: true },
    pairs: { type: "boolean", default: false },
    connections: { type: "string", default: "16" },
    path: { type: "string", default: "/v1/leads" },
    rate: { type: "string", default: "400" },
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "4" },
    seed: { type: "string" },
    record: { type: "string" },
  },
});
const entries = gavelEntries(
  values.gavel,
  "node bench/sqlite-wal-checkpoints.ts --gavel <checkout>/src/cli/gavel.ts [--gavel ...]",
);
const wrk = findWrk();
if (!wrk) throw new Error("wrk is not installed (apt-get install wrk)");
const pairs = values.pairs;
const seconds = Number(values.seconds);
const rate = Number(values.rate);

/** The process's descriptors of a file (both connections open the database and its WAL). */
function fdsOf(pid: number, path: string): number[] {
  const fds: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) fds.push(Number(fd));
    } catch {
      // Closed meanwhile.
    }
  }
  return fds;
}

const SYSCALLS = ["fsync", "fdatasync", "pwrite64", "pread64", "ftruncate"] as const;

/** Starts `perf stat` on one thread: each syscall counted for the database's descriptors, the WAL's, and in all. */
function startPerf(tid: string, dbFds: number[], walFds: number[]) {
  const filter = (fds: number[]) => fds.map((fd) => `fd == ${fd}`).join(" || ");
  const args = ["stat", "-x", ";", "-t", tid];
  for (const call of SYSCALLS) {
    args.push("-e", `syscalls:sys_enter_${call}`, "--filter", filter(dbFds));
    args.push("-e", `syscalls:sys_enter_${call}`, "--filter", filter(walFds));
    args.push("-e", `syscalls:sys_enter_${call}`);
  }
  const child = spawn("perf", args, { stdio: ["ignore", "ignore", "pipe"] });
  let text = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  return {
    stop: () =>
      new Promise<Record<string, number>>((done) => {
        child.once("exit", () => {
          const counts = text
            .trim()
            .split("\n")
            .filter((line) => line.includes("syscalls:"))
            .map((line) => Number(line.split(";")[0]));
          const result: Record<string, number> = {};
          SYSCALLS.forEach((call, index) => {
            result[`db ${call}`] = counts[3 * index] ?? Number.NaN;
            result[`wal ${call}`] = counts[3 * index + 1] ?? Number.NaN;
            result[`all ${call}`] = counts[3 * index + 2] ?? Number.NaN;
          });
          done(result);
        });
        child.kill("SIGINT");
      }),
  };
}

const workDir = mkdtempSync(join(tmpdir(), "gavel-walcp-"));
const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
const servers: ChildService<string>[] = [];
try {
  const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
  const bodiesFile = writeBodiesFile(
    workDir,
    "bodies",
    pairs ? benchPairBodies("rules-5") : benchDirectPostBodies(),
  );
  const bodies = readFileSync(bodiesFile, "utf8").trim().split("\n");
  const headers = { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" };
  const configPath = join(workDir, "gavel.config.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  for (const [index, entry] of entries.entries()) {
    const dataDir = join(workDir, `data-${index}`);
    mkdirSync(dataDir, { recursive: true });
    if (values.seed) cpSync(join(resolve(values.seed), "gavel.db"), join(dataDir, "gavel.db"));
    servers.push(
      await startGavelServe({
        name: `exchange ${index}`,
        entry: entry.at(-1)!,
        nodeArgs: entry.slice(0, -1),
        configPath,
        dataDir,
        timeoutMs: 120_000,
      }),
    );
  }
  console.log(
    `sqlite-wal-checkpoints: ${entries.length} exchanges at once, ${pairs ? `ping→post pairs, ${values.connections} in flight` : `${values.path} at ${rate}/s`}, ${seconds} s a round${values.seed ? `, seeded from ${values.seed}` : ""}; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  for (const [index, entry] of entries.entries()) console.log(`  [${index}] ${entry.join(" ")}`);
  const load = (index: number, durationMs: number) => {
    const server = servers[index]!;
    const target = { url: server.ready, path: pairs ? "/v1/ping" : values.path!, headers, bodies };
    return runWrk(wrk, target, bodiesFile, {
      ...(pairs
        ? { connections: Number(values.connections), pairs: { postPath: "/v1/post" } }
        : { connections: Math.max(64, 2 * Math.ceil(rate / 50)), ratePerSecond: rate }),
      durationMs,
      warmupMs: 0,
    });
  };
  for (let round = 1; round <= Number(values.rounds); round++) {
    await Promise.all(servers.map((_, index) => load(index, 1500)));
    const measured = servers.map((server, index) => {
      const pid = server.child.pid!;
      const dataDir = join(workDir, `data-${index}`);
      const before = threadCpuSeconds(pid);
      const [writerTid] = [...before]
        .filter(([, { name }]) => name === "WorkerThread")
        .sort((a, b) => b[1].seconds - a[1].seconds)[0]!;
      const wal = join(dataDir, "gavel.db-wal");
      const perf = startPerf(writerTid, fdsOf(pid, join(dataDir, "gavel.db")), fdsOf(pid, wal));
      const output = values.record ? join(resolve(values.record), `perf-${index}-${round}.data`) : undefined;
      const record =
        output !== undefined &&
        spawn("perf", ["record", "-q", "-g", "-e", "cpu-clock", "-t", writerTid, "-o", output], {
          stdio: "ignore",
        });
      let walMax = 0;
      let walSum = 0;
      let walSamples = 0;
      const sampler = setInterval(() => {
        try {
          const size = statSync(wal).size;
          walMax = Math.max(walMax, size);
          walSum += size;
          walSamples++;
        } catch {
          // Not there (yet).
        }
      }, 10);
      return {
        pid,
        writerTid,
        before,
        perf,
        record,
        sampler,
        wal: () => ({ walMax, walMean: walSum / walSamples }),
      };
    });
    await new Promise((done) => setTimeout(done, 300)); // perf attached
    const runs = await Promise.all(servers.map((_, index) => load(index, seconds * 1000)));
    const lines: string[] = [];
    for (const [index, m] of measured.entries()) {
      clearInterval(m.sampler);
      const counts = await m.perf.stop();
      const recorder = m.record;
      if (recorder) {
        const exited = new Promise((done) => recorder.once("exit", done));
        recorder.kill("SIGINT");
        await exited;
      }
      const after = threadCpuSeconds(m.pid);
      const requests = Math.max(1, runs[index]!.ok);
      const writerCpu = after.get(m.writerTid)!.seconds - m.before.get(m.writerTid)!.seconds;
      const per1000 = (count: number) => ((1000 * count) / requests).toFixed(0);
      const { walMax, walMean } = m.wal();
      const fsyncs = (where: string) => counts[`${where} fsync`]! + counts[`${where} fdatasync`]!;
      lines.push(
        `  [${index}] ${requests} ${pairs ? "pairs" : "posts"}; writer ${((1e6 * writerCpu) / requests).toFixed(0)} µs each; per 1,000: checkpoints (db fsync) ${per1000(fsyncs("db"))}, pages copied (db pwrite) ${per1000(counts["db pwrite64"]!)}, db ftruncate ${per1000(counts["db ftruncate"]!)}, WAL pwrite ${per1000(counts["wal pwrite64"]!)}, WAL fsync ${per1000(fsyncs("wal"))}, WAL ftruncate ${per1000(counts["wal ftruncate"]!)}, pread db ${per1000(counts["db pread64"]!)} WAL ${per1000(counts["wal pread64"]!)} all ${per1000(counts["all pread64"]!)}, all fsync ${per1000(fsyncs("all"))}; WAL file max ${(walMax / 1048576).toFixed(1)} MB, mean ${(walMean / 1048576).toFixed(1)} MB`,
      );
    }
    console.log(`round ${round} (load ${loadavg()[0]!.toFixed(1)})`);
    for (const line of lines) console.log(line);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await farm.stop();
  rmSync(workDir, { recursive: true, force: true });
}
