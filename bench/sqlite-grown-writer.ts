// The SQLite writer thread's work per direct post on a grown database: a real exchange's file holds many leads, so the
// random-key indexes (contact hashes, price sorts) outgrow the writer's page cache, which the bench's fresh files
// never do. Grows one data folder once (`--grow` direct posts through the first checkout, 32 in flight; kept at
// `--seed` for later runs), then each round copies it for every checkout, starts them all (one buyer farm, rules-5,
// instant buyers), sends `--warm` posts to each, and then `--leads` posts to each at the same moment (`--in-flight`
// per exchange, a closed loop). Per post it prints the writer thread's CPU, its read and write syscalls and bytes
// (`/proc/<pid>/task/<tid>/io`: `syscr` counts read and pread, `syscw` write and pwrite; fsyncs are not counted), and
// the main thread's CPU and reads (sockets included). An entry may carry node flags (a preload that sets a PRAGMA), and
// a seed made by one checkout is migrated by another on its copy, as an upgrade would.
//
//   node bench/sqlite-grown-writer.ts --gavel <base>/src/cli/gavel.ts --gavel src/cli/gavel.ts [--seed /tmp/seed]
//        [--grow 100000] [--warm 1000] [--leads 4000] [--in-flight 16] [--rounds 3]
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { benchDirectPostBodies, buildBenchConfig, instantBuyers } from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { type ChildService, startGavelServe } from "../src/sim/child-service.ts";
import { gavelEntries } from "./gavel-entries.ts";

const { values } = parseArgs({
  options: {
    gavel: { type: "string", multiple: true },
    seed: { type: "string", default: join(tmpdir(), "gavel-grown-seed") },
    grow: { type: "string", default: "100000" },
    warm: { type: "string", default: "1000" },
    leads: { type: "string", default: "4000" },
    "in-flight": { type: "string", default: "16" },
    rounds: { type: "string", default: "3" },
  },
});
const entries = gavelEntries(
  values.gavel,
  "node bench/sqlite-grown-writer.ts --gavel <checkout>/src/cli/gavel.ts [--gavel ...]",
).map((words) => ({
  nodeArgs: words.slice(0, -1),
  entry: words.at(-1)!,
}));
const seedDir = resolve(values.seed);
const [grow, warm, leads, inFlight, rounds] = [
  values.grow,
  values.warm,
  values.leads,
  values["in-flight"],
  values.rounds,
].map(Number) as [number, number, number, number, number];

const bodies = benchDirectPostBodies();
/** A distinct phone per post: the contact hashes' index keys are then as random as real contacts'. */
const phone = (n: number) =>
  `${200 + (Math.floor(n / 7_000_000) % 800)}${200 + (Math.floor(n / 10_000) % 700)}`.concat(
    String(n % 10_000).padStart(4, "0"),
  );

/** Sends `count` direct posts, `concurrency` at a time, numbering their contacts from `first`. */
async function sendPosts(url: string, sourceKey: string, first: number, count: number, concurrency: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = first + next++;
        const body = bodies[n % bodies.length]!.replace("@N@", String(n)).replace("@PHONE@", phone(n));
        const response = await fetch(`${url}/v1/leads`, {
          method: "POST",
          headers: { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" },
          body,
        });
        await response.arrayBuffer();
      }
    }),
  );
}

interface ThreadCounts {
  ticks: number;
  syscr: number;
  syscw: number;
  wchar: number;
  rchar: number;
}

/** CPU ticks and I/O counts of the thread named `name` (the writer: `WorkerThread`; the event loop: `MainThread`). */
function threadCounts(pid: number, name: string): ThreadCounts {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() !== name) continue;
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const io = readFileSync(`/proc/${pid}/task/${tid}/io`, "utf8");
    const field = (key: string) => Number(new RegExp(`^${key}: (\\d+)$`, "m").exec(io)?.[1] ?? 0);
    return {
      ticks: Number(fields[11]) + Number(fields[12]),
      syscr: field("syscr"),
      syscw: field("syscw"),
      wchar: field("wchar"),
      rchar: field("rchar"),
    };
  }
  throw new Error(`no ${name} in process ${pid}`);
}

const counts = (pid: number) => ({
  writer: threadCounts(pid, "WorkerThread"),
  main: threadCounts(pid, "MainThread"),
});

const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
const workDir = mkdtempSync(join(tmpdir(), "gavel-grown-"));
try {
  const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
  const configPath = join(workDir, "gavel.config.json");
  writeFileSync(configPath, JSON.stringify(config));
  if (!existsSync(join(seedDir, "gavel.db"))) {
    mkdirSync(seedDir, { recursive: true });
    const grower = await startGavelServe({ name: "grower", ...entries[0]!, configPath, dataDir: seedDir });
    const started = Date.now();
    await sendPosts(grower.ready, sourceKey, 1_000_000, grow, 32);
    console.log(`grew ${seedDir} by ${grow} posts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    grower.child.kill("SIGTERM");
    await new Promise((done) => grower.child.once("exit", done));
  }
  console.log(
    `sqlite-grown-writer: ${entries.length} exchanges on copies of ${seedDir}, ${warm} warm + ${leads} posts each, ${inFlight} in flight`,
  );
  const perEntry = entries.map(() => [] as string[]);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? entries.map((_, i) => i) : entries.map((_, i) => entries.length - 1 - i);
    const servers: ChildService<string>[] = [];
    for (const i of order) {
      const dataDir = join(workDir, `round-${round}-${i}`);
      cpSync(seedDir, dataDir, { recursive: true });
      servers[i] = await startGavelServe({ name: `exchange-${i}`, ...entries[i]!, configPath, dataDir });
    }
    const first = 2_000_000 + round * 100_000;
    await Promise.all(servers.map((server) => sendPosts(server.ready, sourceKey, first, warm, inFlight)));
    const before = servers.map((server) => counts(server.child.pid!));
    const load = loadavg()[0]!.toFixed(1);
    console.log(`round ${round + 1}: measuring pids ${servers.map((server) => server.child.pid).join(" ")}`);
    await Promise.all(
      servers.map((server) => sendPosts(server.ready, sourceKey, first + warm, leads, inFlight)),
    );
    const after = servers.map((server) => counts(server.child.pid!));
    const lines: string[] = [];
    for (const i of order) {
      const [a, b] = [before[i]!.writer, after[i]!.writer];
      const [mainBefore, mainAfter] = [before[i]!.main, after[i]!.main];
      const per = (x: number) => x / leads;
      const line =
        `writer ${((per(b.ticks - a.ticks) * 1e6) / 100).toFixed(0)} µs, reads ${per(b.syscr - a.syscr).toFixed(2)}, ` +
        `writes ${per(b.syscw - a.syscw).toFixed(2)}, ${(per(b.wchar - a.wchar) / 1024).toFixed(1)} KB written, ` +
        `${(per(b.rchar - a.rchar) / 1024).toFixed(1)} KB read per post (main thread ` +
        `${((per(mainAfter.ticks - mainBefore.ticks) * 1e6) / 100).toFixed(0)} µs, reads ${per(mainAfter.syscr - mainBefore.syscr).toFixed(2)})`;
      perEntry[i]!.push(line);
      lines.push(`[${i}] ${line}`);
    }
    console.log(`round ${round + 1} (load ${load}): ${lines.join("; ")}`);
    for (const server of servers) {
      server.child.kill("SIGTERM");
      await new Promise((done) => server.child.once("exit", done));
    }
    for (const i of order) rmSync(join(workDir, `round-${round}-${i}`), { recursive: true, force: true });
  }
  entries.forEach((entry, i) => {
    console.log(`[${i}] ${[...entry.nodeArgs, entry.entry].join(" ")}`);
    for (const line of perEntry[i]!) console.log(`    ${line}`);
  });
} finally {
  await farm.stop();
  rmSync(workDir, { recursive: true, force: true });
}
