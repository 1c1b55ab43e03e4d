// Where a ping→post pair's CPU goes, against a ping and a direct post at the same rate (issue 14, session 27). Each
// `--gavel` entry is started as its own `gavel serve` (rules-5, five instant buyers) and, one phase after another,
// loaded by wrk at one rate of leads: pings at `--rate`/s, direct posts at `--rate`/s, ping→post pairs at `--rate`
// pairs/s (every ping and post takes a send slot of a paced wrk run at twice the rate). Per phase and thread name, the
// server's CPU per lead from /proc; rounds alternate the phases' order and the exchanges'.
//
//   node bench/pair-post-split.ts --gavel <checkout>/src/cli/gavel.ts [--gavel ...] [--rate 150] [--seconds 6]
//        [--rounds 4] [--phases ping,direct,pair] [--syscalls] [--perf <dir>] [--together]
//   node bench/pair-post-split.ts --gavel ... --phases pingC,directC,pairC,pingT,ping2T [--connections 64]
//
// The second form is the bench's saturation phases (closed loops of `--connections`), then pings paced at the pair
// run's pairs a second (pingT) and at its requests a second (ping2T): CPU per request falls as the rate rises (more
// requests per wake-up), so a pair's post half is not its CPU less a saturated ping's.
//
// `--syscalls` counts syscalls per thread and lead (perf stat on syscall tracepoints: fsync, pwrite64, writev,
// epoll_wait, futex...; counts, which load does not change). `--perf <dir>` samples each phase with `perf record -e
// cpu-clock` (sampled only while a thread runs: syscalls and wake-ups are not counted as waits) and prints each
// thread's top symbols per lead; give the exchange `--perf-basic-prof` for JavaScript names:
// `--gavel="--perf-basic-prof <checkout>/src/cli/gavel.ts"`. `--together` loads every exchange at once in a phase.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  benchDirectPostBodies,
  benchPairBodies,
  benchPingBodies,
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
    rate: { type: "string", default: "150" },
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "4" },
    phases: { type: "string", default: "ping,direct,pair" },
    syscalls: { type: "boolean", default: false },
    perf: { type: "string" },
    together: { type: "boolean", default: false },
    top: { type: "string", default: "25" },
    connections: { type: "string", default: "64" },
  },
});
const entries = gavelEntries(
  values.gavel,
  "node bench/pair-post-split.ts --gavel <checkout>/src/cli/gavel.ts [--rate 150]",
);
// ping, direct, pair: paced at --rate leads a second. pingC, directC, pairC: closed loops of --connections (the
// bench's saturation phases). pingT, ping2T: pings paced at the last pairC run's pairs a second, and at twice that
// (its requests a second): what the ping half of those pairs costs on its own.
type Phase = "ping" | "direct" | "pair" | "pingC" | "directC" | "pairC" | "pingT" | "ping2T";
const phases = values.phases!.split(",") as Phase[];
const kindOf = (phase: Phase) =>
  phase.startsWith("ping") ? "ping" : phase.startsWith("direct") ? "direct" : "pair";
let lastPairThroughput = 0;
const wrk = findWrk();
if (!wrk) throw new Error("wrk is not installed (apt-get install wrk)");
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const SYSCALLS = [
  "fsync",
  "fdatasync",
  "pwrite64",
  "pread64",
  "write",
  "writev",
  "read",
  "epoll_wait",
  "epoll_pwait",
  "futex",
];

/** Runs a command for the phase's duration (perf stat / record attached to the server), resolves with its stderr. */
function attach(command: string, args: string[]): { stop: () => Promise<string> } {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const closed = new Promise<void>((done) => child.once("close", () => done()));
  return {
    stop: async () => {
      child.kill("SIGINT");
      await closed;
      return output;
    },
  };
}

/** perf stat -x, --per-thread lines: "<comm>-<tid>,<count>,,<event>,...": counts by thread name and syscall. */
function parseSyscalls(text: string): Map<string, Map<string, number>> {
  const byThread = new Map<string, Map<string, number>>();
  for (const line of text.split("\n")) {
    const fields = line.split(",");
    if (fields.length < 4) continue;
    const thread = fields[0]!.replace(/-\d+$/, "").trim();
    const count = Number(fields[1]);
    const event = /sys_enter_(\w+)/.exec(fields[3] ?? "")?.[1];
    if (!event || !Number.isFinite(count)) continue;
    const counts = byThread.get(thread) ?? new Map<string, number>();
    counts.set(event, (counts.get(event) ?? 0) + count);
    byThread.set(thread, counts);
  }
  return byThread;
}

const workDir = mkdtempSync(join(tmpdir(), "gavel-split-"));
const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
const servers: ChildService<string>[] = [];
try {
  const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
  const files: Record<"ping" | "direct" | "pair", string> = {
    ping: writeBodiesFile(workDir, "pings", benchPingBodies("rules-5")),
    direct: writeBodiesFile(workDir, "direct", benchDirectPostBodies()),
    pair: writeBodiesFile(workDir, "pairs", benchPairBodies("rules-5")),
  };
  const paths: Record<"ping" | "direct" | "pair", string> = {
    ping: "/v1/ping",
    direct: "/v1/leads",
    pair: "/v1/ping",
  };
  const headers = { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" };
  for (const [index, entry] of entries.entries()) {
    const configPath = join(workDir, `gavel.config-${index}.json`);
    writeFileSync(configPath, JSON.stringify(config, null, 2));
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
  const load = async (index: number, phase: Phase, round: number) => {
    const server = servers[index]!;
    const pid = server.child.pid!;
    const kind = kindOf(phase);
    const target = {
      url: server.ready,
      path: paths[kind],
      headers,
      bodies: readFileSync(files[kind], "utf8").trim().split("\n"),
    };
    const closed = phase.endsWith("C");
    const requestRate =
      phase === "pair"
        ? 2 * rate
        : phase === "pingT"
          ? Math.round(lastPairThroughput)
          : phase === "ping2T"
            ? Math.round(2 * lastPairThroughput)
            : rate;
    const options = {
      connections: closed ? Number(values.connections) : Math.max(64, 2 * Math.ceil(requestRate / 50)),
      ...(closed ? {} : { ratePerSecond: requestRate }),
      ...(kind === "pair" ? { pairs: { postPath: "/v1/post" } } : {}),
    };
    await runWrk(wrk, target, files[kind], { ...options, durationMs: 1000, warmupMs: 0 });
    const before = threadCpuSeconds(pid);
    const stat = values.syscalls
      ? attach("perf", [
          "stat",
          "-x,",
          "--per-thread",
          "-p",
          String(pid),
          ...SYSCALLS.flatMap((name) => ["-e", `syscalls:sys_enter_${name}`]),
        ])
      : undefined;
    const perfFile = values.perf ? join(values.perf, `${index}-${phase}-${round}.data`) : undefined;
    const record = perfFile
      ? attach("perf", [
          "record",
          "-e",
          "cpu-clock",
          "-F",
          "2000",
          ...(process.env.GAVEL_PERF_ARGS?.split(" ").filter(Boolean) ?? []),
          "-p",
          String(pid),
          "-o",
          perfFile,
          "-q",
        ])
      : undefined;
    const run = await runWrk(wrk, target, files[kind], {
      ...options,
      durationMs: seconds * 1000,
      warmupMs: 0,
    });
    if (phase === "pairC") lastPairThroughput = run.throughput;
    const after = threadCpuSeconds(pid);
    const syscalls = stat ? parseSyscalls(await stat.stop()) : undefined;
    await record?.stop();
    const leads = Math.max(1, run.ok);
    const byName = new Map<string, number>();
    for (const [tid, { name, seconds: end }] of after) {
      const spent = end - (before.get(tid)?.seconds ?? 0);
      byName.set(name, (byName.get(name) ?? 0) + spent);
    }
    const total = [...byName.values()].reduce((sum, spent) => sum + spent, 0);
    const shares = [...byName]
      .filter(([, spent]) => spent > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([name, spent]) => `${name} ${((1e6 * spent) / leads).toFixed(0)}`)
      .join(", ");
    console.log(
      `  [${index}] ${phase.padEnd(7)} ${((1e6 * total) / leads).toFixed(0)} µs/lead (${shares}); ${run.ok} leads, ${run.throughput.toFixed(0)}/s, p50 ${run.latency.p50.toFixed(1)} ms${run.lateSlots ? `, late ${run.lateSlots}` : ""}${run.errors ? `, ERRORS ${run.errors}` : ""}`,
    );
    if (syscalls) {
      for (const [thread, counts] of [...syscalls].sort()) {
        const listed = [...counts]
          .filter(([, count]) => count > 0)
          .map(([name, count]) => `${name} ${(count / leads).toFixed(2)}`)
          .join(", ");
        if (listed) console.log(`        ${thread}: ${listed} per lead`);
      }
    }
    if (perfFile) await perfTop(perfFile, leads);
    return { total: total / leads, byName, leads };
  };
  console.log(
    `pair-post-split: ${entries.length} exchanges, rules-5, ${rate} leads/s (pairs: ${2 * rate} requests/s), ${seconds} s, ${rounds} rounds${values.together ? ", together" : ""}; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  for (const [index, entry] of entries.entries()) console.log(`  [${index}] ${entry.join(" ")}`);
  // A round unmeasured first: each phase's code compiled and its tables warm before any is measured.
  for (const index of entries.keys())
    for (const kind of ["ping", "direct", "pair"] as const) {
      const server = servers[index]!;
      const requestRate = kind === "pair" ? 2 * rate : rate;
      await runWrk(wrk, { url: server.ready, path: paths[kind], headers, bodies: [] }, files[kind], {
        connections: 64,
        ratePerSecond: requestRate,
        ...(kind === "pair" ? { pairs: { postPath: "/v1/post" } } : {}),
        durationMs: 3000,
        warmupMs: 0,
      });
    }
  const totals = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1} (load ${loadavg()[0]!.toFixed(1)})`);
    // pingT and ping2T need the pairC run before them: only the exchanges' order alternates then.
    const paced = phases.some((phase) => phase === "pingT" || phase === "ping2T");
    const order = round % 2 === 1 && !paced ? [...phases].reverse() : phases;
    for (const phase of order) {
      const servers = entries.map((_, index) => index);
      if (round % 2 === 1) servers.reverse();
      const results = values.together
        ? await Promise.all(servers.map((index) => load(index, phase, round)))
        : await (async () => {
            const list = [];
            for (const index of servers) list.push(await load(index, phase, round));
            return list;
          })();
      results.forEach((result, at) => {
        const key = `[${servers[at]}] ${phase}`;
        totals.set(key, [...(totals.get(key) ?? []), 1000 * result.total]);
      });
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  for (const [key, list] of [...totals].sort()) {
    console.log(
      `${key}: median ${median(list).toFixed(3)} ms per lead (${Math.min(...list).toFixed(3)}–${Math.max(...list).toFixed(3)})`,
    );
  }
} finally {
  for (const server of servers) await server.stop();
  await farm.stop();
  rmSync(workDir, { recursive: true, force: true });
}

/** The samples' top symbols per thread name, as µs per lead (2 kHz: one sample is 0.5 ms on the CPU). */
async function perfTop(file: string, leads: number): Promise<void> {
  const report = spawn(
    "perf",
    [
      "report",
      "-i",
      file,
      "--stdio",
      "--no-children",
      "--sort",
      "comm,dso,sym",
      "-F",
      "overhead,sample,comm,dso,sym",
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  let text = "";
  report.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  await new Promise((done) => report.once("close", done));
  const byThread = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const match = /^\s+([\d.]+)%\s+(\d+)\s+(\S+)\s+(\S+)\s+\[.\]\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, , samples, comm, dso, symbol] = match;
    const list = byThread.get(comm!) ?? [];
    if (list.length < Number(values.top))
      list.push(
        `${((500 * Number(samples)) / leads).toFixed(1).padStart(6)} µs  ${dso}  ${symbol!.slice(0, 110)}`,
      );
    byThread.set(comm!, list);
  }
  for (const [comm, list] of byThread) {
    console.log(`        perf ${comm}:`);
    for (const entry of list) console.log(`          ${entry}`);
  }
}
