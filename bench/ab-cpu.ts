// Same-moment CPU A/B of exchanges (one checkout each) on the shared machine: each `--gavel` entry is started as its
// own `gavel serve` against one buyer farm (rules-5 by default) and loaded by wrk; CPU per request is read from /proc
// (main thread and other threads; `--threads` prints each thread's share), rounds alternate the order.
//
//   node bench/ab-cpu.ts --gavel <base>/src/cli/gavel.ts --gavel <yours>/src/cli/gavel.ts [--rate 300] [--rounds 6]
//        [--seconds 6] [--together] [--threads] [--path /v1/leads] [--storage] [--pairs [--connections 6]]
//
// `--together` loads every exchange at once (else one after another); `--path /v1/leads` sends direct posts instead
// of pings; `--storage` runs each exchange distributed (its own PostgreSQL schema and private redis-server);
// `--pairs` sends ping→post pairs in a closed loop of `--connections` pairs in flight (no rate): CPU per pair.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type BenchMarket,
  benchDirectPostBodies,
  benchPairBodies,
  benchPingBodies,
  buildBenchConfig,
  instantBuyers,
} from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { type ChildService, startGavelServe } from "../src/sim/child-service.ts";
import { startPrivateRedis } from "../src/sim/private-redis.ts";
import { processCpuSeconds } from "../src/sim/process-cpu.ts";
import { findWrk, runWrk, type WrkResult, writeBodiesFile } from "../src/sim/wrk-load.ts";
import { DistributedServices } from "./distributed-services.ts";
import { gavelEntries } from "./gavel-entries.ts";

const { values } = parseArgs({
  options: {
    gavel: { type: "string", multiple: true },
    rate: { type: "string", default: "300" },
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "6" },
    market: { type: "string", default: "rules-5" },
    path: { type: "string", default: "/v1/ping" },
    pairs: { type: "boolean", default: false },
    connections: { type: "string", default: "6" },
    together: { type: "boolean", default: false },
    threads: { type: "boolean", default: false },
    storage: { type: "boolean", default: false },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const entries = gavelEntries(
  values.gavel,
  "node bench/ab-cpu.ts --gavel <checkout>/src/cli/gavel.ts [--gavel ...] [--rate 300]",
);
const wrk = findWrk();
if (!wrk) throw new Error("wrk is not installed (apt-get install wrk)");
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const direct = values.path === "/v1/leads";
// Ping→post pairs are closed loops (see runWrk): --connections pairs in flight; no rate.
const pairs = values.pairs;
if (pairs && direct) throw new Error("--pairs pings /v1/ping then posts /v1/post: no --path");

/**
 * CPU seconds (user + system) of each thread of a process, by thread id, with the thread's name and the bytes it has
 * passed to write(2) and its kin (`wchar`: files and sockets alike).
 */
function threadCpu(pid: number): Map<string, { name: string; seconds: number; written: number }> {
  const threads = new Map<string, { name: string; seconds: number; written: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const io = readFileSync(`/proc/${pid}/task/${tid}/io`, "utf8");
      const written = Number(/^wchar: (\d+)$/m.exec(io)?.[1] ?? 0);
      threads.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100, written });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** A distributed exchange's own services: its schema and key prefix, and the private redis-server holding them. */
interface Storage {
  services: DistributedServices;
  redisPid: number;
  stopRedis: () => void;
}

/** The CPU seconds so far of a distributed exchange's PostgreSQL backends and of its Redis. */
async function storageCpu(storage: Storage | undefined): Promise<{ pg: Map<number, number>; redis: number }> {
  const pg = new Map<number, number>();
  if (!storage) return { pg, redis: 0 };
  for (const pid of await storage.services.backendPids()) pg.set(pid, processCpuSeconds(pid) ?? 0);
  return { pg, redis: processCpuSeconds(storage.redisPid) ?? 0 };
}

/** What the services spent since `before` (a backend that appeared meanwhile counts from zero). */
function storageSpent(before: Awaited<ReturnType<typeof storageCpu>>, after: typeof before) {
  let pg = 0;
  for (const [pid, seconds] of after.pg) pg += seconds - (before.pg.get(pid) ?? 0);
  return { pg, redis: after.redis - before.redis };
}

interface Sample {
  requests: number;
  mainMs: number;
  otherMs: number;
  /** Distributed: its PostgreSQL backends' and its Redis's CPU per request. */
  pgMs: number;
  redisMs: number;
  p50: number;
  p99: number;
  late: number;
  errors: number;
}

function perRequest(
  index: number,
  pid: number,
  before: ReturnType<typeof threadCpu>,
  run: WrkResult,
  services: { pg: number; redis: number },
): Sample {
  const after = threadCpu(pid);
  let main = 0;
  let other = 0;
  const byName = new Map<string, number>();
  const writtenByName = new Map<string, number>();
  for (const [tid, { name, seconds: end, written }] of after) {
    const spent = end - (before.get(tid)?.seconds ?? 0);
    if (tid === String(pid)) main += spent;
    else other += spent;
    byName.set(name, (byName.get(name) ?? 0) + spent);
    writtenByName.set(name, (writtenByName.get(name) ?? 0) + written - (before.get(tid)?.written ?? 0));
  }
  if (values.threads) {
    const shares = [...byName].filter(([, spent]) => spent > 0).sort((a, b) => b[1] - a[1]);
    const writes = [...writtenByName].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
    const perRun = (amount: number) => (amount / Math.max(1, run.ok)).toFixed(0);
    console.log(
      `    [${index}] threads: ${shares.map(([name, spent]) => `${name} ${perRun(1e6 * spent)} µs`).join(", ")}; bytes written: ${writes.map(([name, bytes]) => `${name} ${perRun(bytes)}`).join(", ")}`,
    );
  }
  const requests = Math.max(1, run.ok);
  return {
    requests: run.ok,
    mainMs: (1000 * main) / requests,
    otherMs: (1000 * other) / requests,
    pgMs: (1000 * services.pg) / requests,
    redisMs: (1000 * services.redis) / requests,
    p50: run.latency.p50,
    p99: run.latency.p99,
    late: run.lateSlots,
    errors: run.errors,
  };
}

const workDir = mkdtempSync(join(tmpdir(), "gavel-ab-"));
const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
const servers: ChildService<string>[] = [];
const storages: Storage[] = [];
try {
  const { config, sourceKey } = buildBenchConfig(farm.buyers, values.market as BenchMarket);
  const bodiesFile = writeBodiesFile(
    workDir,
    "bodies",
    pairs
      ? benchPairBodies(values.market as BenchMarket)
      : direct
        ? benchDirectPostBodies()
        : benchPingBodies(values.market as BenchMarket),
  );
  const headers = { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" };
  for (const [index, entry] of entries.entries()) {
    const configPath = join(workDir, `gavel.config-${index}.json`);
    let storage: Storage | undefined;
    if (values.storage) {
      const redis = await startPrivateRedis();
      const services = new DistributedServices({
        databaseUrl: values["database-url"]!,
        redisUrl: `redis://127.0.0.1:${redis.port}`,
      });
      storage = { services, redisPid: redis.pid, stopRedis: () => void redis.stop() };
      storages[index] = storage;
    }
    writeFileSync(
      configPath,
      JSON.stringify(storage ? { ...config, storage: storage.services.storage() } : config, null, 2),
    );
    servers.push(
      await startGavelServe({
        name: `exchange ${index}`,
        entry: entry.at(-1)!,
        nodeArgs: entry.slice(0, -1),
        configPath,
        dataDir: join(workDir, `data-${index}`),
      }),
    );
  }
  const bodies = readFileSync(bodiesFile, "utf8").trim().split("\n");
  const load = async (index: number): Promise<Sample> => {
    const server = servers[index]!;
    const target = { url: server.ready, path: values.path!, headers, bodies };
    const pid = server.child.pid!;
    const pairLoad = { connections: Number(values.connections), pairs: { postPath: "/v1/post" } };
    await runWrk(wrk, target, bodiesFile, {
      ...(pairs ? pairLoad : { connections: 64, ratePerSecond: rate }),
      durationMs: 1500,
      warmupMs: 0,
    });
    const servicesBefore = await storageCpu(storages[index]);
    const before = threadCpu(pid);
    const run = await runWrk(wrk, target, bodiesFile, {
      ...(pairs ? pairLoad : { connections: Math.max(64, 2 * Math.ceil(rate / 50)), ratePerSecond: rate }),
      durationMs: seconds * 1000,
      warmupMs: 0,
    });
    const services = storageSpent(servicesBefore, await storageCpu(storages[index]));
    return perRequest(index, pid, before, run, services);
  };
  console.log(
    `ab-cpu: ${entries.length} exchanges${values.storage ? " (distributed)" : ""}, ${values.market}, ${pairs ? `ping→post pairs, ${values.connections} in flight (closed loop),` : `${values.path} at ${rate}/s`} for ${seconds} s, ${rounds} rounds${values.together ? ", together" : ""}; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  for (const [index, entry] of entries.entries()) console.log(`  [${index}] ${entry.join(" ")}`);
  const ratios: number[][] = entries.map(() => []);
  const totals: number[][] = entries.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = entries.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    const samples: Sample[] = [];
    if (values.together) {
      const all = await Promise.all(order.map((index) => load(index)));
      order.forEach((index, at) => {
        samples[index] = all[at]!;
      });
    } else {
      for (const index of order) samples[index] = await load(index);
    }
    const totalOf = (sample: Sample) => sample.mainMs + sample.otherMs + sample.pgMs + sample.redisMs;
    const line = samples.map((sample, index) => {
      const total = totalOf(sample);
      totals[index]!.push(total);
      ratios[index]!.push(total / totalOf(samples[0]!));
      const services = values.storage
        ? `, pg ${(1000 * sample.pgMs).toFixed(0)}, redis ${(1000 * sample.redisMs).toFixed(0)}`
        : "";
      return `[${index}] ${(1000 * total).toFixed(0)} µs (main ${(1000 * sample.mainMs).toFixed(0)}, other ${(1000 * sample.otherMs).toFixed(0)}${services}) ${sample.requests} ${pairs ? "pairs" : "ok"} p50 ${sample.p50.toFixed(1)} p99 ${sample.p99.toFixed(1)} ms${sample.late ? ` late ${sample.late}` : ""}${sample.errors ? ` ERRORS ${sample.errors}` : ""}`;
    });
    console.log(`round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ${line.join("  ")}`);
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  for (let index = 0; index < entries.length; index++) {
    console.log(
      `[${index}] median ${(1000 * median(totals[index]!)).toFixed(0)} µs per request; ratio to [0] ${median(ratios[index]!).toFixed(3)}× (${Math.min(...ratios[index]!).toFixed(3)}–${Math.max(...ratios[index]!).toFixed(3)})`,
    );
  }
} finally {
  for (const server of servers) await server.stop();
  for (const storage of storages) {
    if (!storage) continue;
    await storage.services.remove().catch(() => {});
    storage.stopRedis();
  }
  await farm.stop();
  rmSync(workDir, { recursive: true, force: true });
}
