// What the embedded ping path allocates and spends on the main thread, per ping, in process: one or more checkouts'
// exchanges (each its own module graph, data dir and in-memory hot state) started in this process against one buyer
// farm (its own process), rules-5, pinged through `exchange.ping` (no HTTP layer) a few at a time; rounds alternate
// between the checkouts so the machine's other work falls on each alike. `--phase post` measures the post half of
// ping→post pairs instead (each round pings its consumers first, unmeasured, then posts them: `exchange.post`), and
// `--phase direct` direct posts (`exchange.directPost`); every consumer is new, as in the bench's pair phase.
//
//   node --expose-gc bench/ping-alloc.ts --root <base checkout> --root <yours> [--rounds 6] [--pings 3000]
//        [--phase ping|post|direct] [--fake-buyers]
//   node bench/ping-alloc.ts --root . --sample [--top 40]     # a sampling heap profile: bytes per ping by function
//   node --expose-gc bench/ping-alloc.ts --root . --cpu-sample --fake-buyers [--rounds 6] [--top 40]   # V8 CPU
//        profile of posts and direct posts alternating: µs per request by function, self and inclusive
//   node --expose-gc bench/ping-alloc.ts --root . --alternate --fake-buyers [--marks]   # posts and direct posts
//        alternating, CPU and bytes per request; --marks prints each measured run's CLOCK_MONOTONIC window for perf
//
// Bytes allocated: the heap used at the end minus at the start plus what every GC in between freed (`v8.GCProfiler`),
// so collected garbage counts. CPU: this thread's (`process.threadCpuUsage`; the SQLite writer thread's is not in it).
// `hold_s` is 3600 so no hold expires.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { GCProfiler } from "node:v8";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: ["."] },
    rounds: { type: "string", default: "6" },
    pings: { type: "string", default: "3000" },
    parallel: { type: "string", default: "8" },
    sample: { type: "boolean", default: false },
    // A V8 CPU profile of the measured requests only, rounds alternating posts and direct posts (`--phase` ignored):
    // self and inclusive time per request by function. Pure JS frames are trustworthy; `postMessage` and other
    // native calls that wake a thread count wall time.
    "cpu-sample": { type: "boolean", default: false },
    "save-profile": { type: "string" }, // with --cpu-sample: each round's profile to <prefix>-<kind>-<round>.cpuprofile
    // Posts and direct posts alternating in one process (one checkout, `--phase` ignored): CPU and bytes per request
    // of each kind, round by round. With `--marks`, each measured run's start and end on CLOCK_MONOTONIC (ns) are
    // printed, for the samples of `perf record -k CLOCK_MONOTONIC` to be kept to the measured runs (`perf script`
    // prints each sample's time in seconds on the same clock).
    alternate: { type: "boolean", default: false },
    marks: { type: "boolean", default: false },
    top: { type: "string", default: "40" },
    phase: { type: "string", default: "ping" },
    // Buyers answered in process (a bid, at once) instead of the farm over HTTP: no undici, sockets or timeouts, so
    // what is left is the exchange's own work, and its bytes per ping repeat to within a few bytes.
    "fake-buyers": { type: "boolean", default: false },
  },
});
const roots = values.root.map((root) => resolve(root));
const rounds = Number(values.rounds);
const pings = Number(values.pings);
const parallel = Number(values.parallel);
const phase = values.phase as "ping" | "post" | "direct";
if (!["ping", "post", "direct"].includes(phase)) throw new Error("--phase is ping, post or direct");

const sim = (await import(
  pathToFileURL(join(roots[0]!, "src/sim/bench-scenario.ts")).href
)) as typeof import("../src/sim/bench-scenario.ts");
const farmClient = (await import(
  pathToFileURL(join(roots[0]!, "src/sim/buyer-farm-client.ts")).href
)) as typeof import("../src/sim/buyer-farm-client.ts");
const farm = await farmClient.startBuyerFarm(sim.instantBuyers(5), { recordLimit: 0 });
const { config } = sim.buildBenchConfig(farm.buyers, "rules-5");
config.settings = { ...config.settings, hold_s: 3600 };
const inputs = sim.benchPingBodies("rules-5").map((body) => JSON.parse(body));
const pairTemplates = sim
  .benchPairBodies("rules-5")
  .map((line) => line.split(sim.PAIR_SEPARATOR) as [string, string]);
const directTemplates = sim.benchDirectPostBodies();

type App = typeof import("../src/app.ts");
const dirs: string[] = [];
const exchanges: { root: string; gavel: Awaited<ReturnType<App["startGavel"]>>; source: never }[] = [];
for (const root of roots) {
  const app = (await import(pathToFileURL(join(root, "src/app.ts")).href)) as App;
  const dir = mkdtempSync(join(tmpdir(), "gavel-alloc-"));
  dirs.push(dir);
  const gavel = await app.startGavel({
    config,
    dataDir: dir,
    port: 0,
    adminKey: "alloc-admin",
    logLevel: "silent",
    ...(values["fake-buyers"] ? { buyerClient: instantBids() as never } : {}),
  });
  const source = gavel.exchange.config.sourceById.get("bench-source") as never;
  exchanges.push({ root, gavel, source });
}

/** A buyer client that bids on every ping and accepts every post, answered on the next microtask. */
function instantBids() {
  let price = 0;
  return {
    send: () =>
      Promise.resolve({
        status: 200,
        body: `{"bid":true,"price":${10 + (price++ % 7)}.5,"accepted":true}`,
        latencyMs: 1,
      }),
    close: async () => {},
  };
}

/** Consumers never seen before, as the wrk pair script makes them: e-mail and phone numbered, their sha256. */
let consumer = 0;
function fill(template: string, n: number, pingId = ""): string {
  const email = `bench.${n}@example.com`;
  const phone = `${200 + (Math.floor(n / 7_000_000) % 800)}${200 + (Math.floor(n / 10_000) % 700)}${String(n % 10_000).padStart(4, "0")}`;
  return template
    .replaceAll("@N@", String(n))
    .replaceAll("@PHONE@", phone)
    .replaceAll("@EMAIL_SHA256@", createHash("sha256").update(email).digest("hex"))
    .replaceAll("@PHONE_SHA256@", createHash("sha256").update(phone).digest("hex"))
    .replaceAll("@PING_ID@", pingId);
}

/** The requests of one run, made before it is measured: for posts, their pings answered (not measured). */
async function prepare(
  index: number,
  count: number,
  kind: "ping" | "post" | "direct" = phase,
): Promise<(() => Promise<{ status: string }>)[]> {
  const { gavel, source } = exchanges[index]!;
  const exchange = gavel.exchange;
  if (kind === "ping")
    return Array.from({ length: count }, () => {
      const input = inputs[next++ % inputs.length];
      return () => exchange.ping(source, input);
    });
  if (kind === "direct")
    return Array.from({ length: count }, () => {
      const input = JSON.parse(fill(directTemplates[next++ % directTemplates.length]!, consumer++));
      return () => exchange.directPost(source, input);
    });
  const posts: (() => Promise<{ status: string }>)[] = [];
  const pingOne = async () => {
    while (posts.length < count) {
      const [ping, post] = pairTemplates[next++ % pairTemplates.length]!;
      const n = consumer++;
      const answer = await exchange.ping(source, JSON.parse(fill(ping, n)));
      if (answer.status !== "bid") continue;
      const input = JSON.parse(fill(post, n, answer.ping_id));
      posts.push(() => exchange.post(source, input));
    }
  };
  await Promise.all(Array.from({ length: parallel }, pingOne));
  return posts;
}

let next = 0;
async function run(index: number, count: number): Promise<{ bytes: number; cpuUs: number; noBid: number }> {
  return measure(await prepare(index, count));
}

async function measure(
  requests: (() => Promise<{ status: string }>)[],
): Promise<{ bytes: number; cpuUs: number; noBid: number }> {
  const count = requests.length;
  let noBid = 0;
  let sent = 0;
  const profiler = new GCProfiler();
  const heapBefore = process.memoryUsage().heapUsed;
  profiler.start();
  const markStart = process.hrtime.bigint();
  const cpu = process.threadCpuUsage();
  const worker = async () => {
    while (sent < count) {
      const answer = await requests[sent++]!();
      if (answer.status !== "bid" && answer.status !== "sold") noBid++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const used = process.threadCpuUsage(cpu);
  if (values.marks) console.log(`mark ${markKind} ${markStart} ${process.hrtime.bigint()}`);
  const heapAfter = process.memoryUsage().heapUsed;
  const gcs = profiler.stop()?.statistics ?? [];
  let freed = 0;
  for (const gc of gcs)
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return { bytes: heapAfter - heapBefore + freed, cpuUs: used.user + used.system, noBid };
}

async function sample(): Promise<void> {
  const session = new Session();
  session.connect();
  await run(0, pings);
  const requests = await prepare(0, pings);
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await measure(requests);
  const { profile } = await session.post("HeapProfiler.stopSampling");
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  const bySite = new Map<string, number>();
  const walk = (node: Node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules\/)/, "$1").replace(/^.*\/src\//, "src/");
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head as unknown as Node);
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  console.log(`sampled ${(total / pings / 1024).toFixed(1)} KB per request; by function (self):`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(
      `  ${(bytes / pings).toFixed(0).padStart(7)} B  ${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${site}`,
    );
  session.disconnect();
}

/** What the next measured run is, for `--marks`. */
let markKind: string = phase;

/** Posts and direct posts in alternating rounds of one exchange: CPU and bytes per request of each. */
async function alternate(): Promise<void> {
  const kinds = ["post", "direct"] as const;
  const results = {
    post: [] as { bytes: number; cpuUs: number }[],
    direct: [] as { bytes: number; cpuUs: number }[],
  };
  markKind = "warm-up";
  for (const kind of kinds) await measure(await prepare(0, pings / 2, kind));
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
      const requests = await prepare(0, pings, kind);
      global.gc?.();
      markKind = kind;
      results[kind].push(await measure(requests));
    }
    const line = kinds.map((kind) => {
      const last = results[kind].at(-1)!;
      return `${kind} ${(last.bytes / pings / 1024).toFixed(1)} KB ${(last.cpuUs / pings).toFixed(0)} µs`;
    });
    console.log(`round ${round + 1}: ${line.join("  ")}  load ${loadavg()[0]!.toFixed(1)}`);
  }
}

async function cpuSample(): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  interface Frame {
    functionName: string;
    url: string;
    lineNumber: number;
  }
  interface Node {
    id: number;
    callFrame: Frame;
    children?: number[];
  }
  const kinds = ["post", "direct"] as const;
  const self = { post: new Map<string, number>(), direct: new Map<string, number>() };
  const incl = { post: new Map<string, number>(), direct: new Map<string, number>() };
  const done = { post: 0, direct: 0 };
  const cpuUs = { post: 0, direct: 0 };
  const sampledUs = { post: 0, direct: 0 };
  for (const kind of kinds) await measure(await prepare(0, pings / 2, kind));
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 ? [...kinds].reverse() : kinds) {
      const requests = await prepare(0, pings, kind);
      global.gc?.();
      await session.post("Profiler.start");
      const result = await measure(requests);
      const { profile } = await session.post("Profiler.stop");
      if (values["save-profile"])
        writeFileSync(`${values["save-profile"]}-${kind}-${round + 1}.cpuprofile`, JSON.stringify(profile));
      done[kind] += requests.length;
      cpuUs[kind] += result.cpuUs;
      const nodes = new Map<number, Node>();
      const parent = new Map<number, number>();
      for (const node of profile.nodes as unknown as Node[]) {
        nodes.set(node.id, node);
        for (const child of node.children ?? []) parent.set(child, node.id);
      }
      const key = ({ functionName, url, lineNumber }: Frame) =>
        `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules\/)/, "$1").replace(/^.*\/src\//, "src/")}:${lineNumber + 1}`;
      const samples = profile.samples ?? [];
      const deltas = profile.timeDeltas ?? [];
      for (let i = 0; i < samples.length; i++) {
        const us = deltas[i + 1] ?? 0;
        let id: number | undefined = samples[i]!;
        const leaf = nodes.get(id)!;
        if (leaf.callFrame.functionName === "(idle)" || leaf.callFrame.functionName === "(program)") continue;
        sampledUs[kind] += us;
        const first = key(leaf.callFrame);
        self[kind].set(first, (self[kind].get(first) ?? 0) + us);
        const seen = new Set<string>();
        while (id !== undefined) {
          const k = key(nodes.get(id)!.callFrame);
          if (!seen.has(k)) {
            seen.add(k);
            incl[kind].set(k, (incl[kind].get(k) ?? 0) + us);
          }
          id = parent.get(id);
        }
      }
    }
    console.log(`round ${round + 1} done, load ${loadavg()[0]!.toFixed(1)}`);
  }
  const top = Number(values.top);
  for (const kind of kinds) {
    const n = done[kind];
    console.log(
      `\n${kind}: thread CPU ${(cpuUs[kind] / n).toFixed(0)} µs, sampled busy ${(sampledUs[kind] / n).toFixed(0)} µs per request`,
    );
    console.log("  self:");
    for (const [site, us] of [...self[kind]].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`    ${(us / n).toFixed(1).padStart(7)} µs  ${site}`);
    console.log("  inclusive (src/ and node: frames):");
    for (const [site, us] of [...incl[kind]]
      .filter(([site]) => / src\/| node:/.test(site))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top))
      console.log(`    ${(us / n).toFixed(1).padStart(7)} µs  ${site}`);
  }
  session.disconnect();
}

try {
  console.log(
    `load average ${loadavg()[0]!.toFixed(2)}; ${pings} ${phase} requests a round, ${parallel} at a time`,
  );
  if (values.sample) {
    await sample();
  } else if (values.alternate) {
    await alternate();
  } else if (values["cpu-sample"]) {
    await cpuSample();
  } else {
    for (let i = 0; i < exchanges.length; i++) await run(i, pings / 2);
    const results = exchanges.map(() => [] as { bytes: number; cpuUs: number; noBid: number }[]);
    for (let round = 0; round < rounds; round++) {
      const order = exchanges.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        global.gc?.();
        results[i]!.push(await run(i, pings));
      }
      console.log(
        `round ${round + 1}: ` +
          results
            .map((r, i) => {
              const last = r.at(-1)!;
              return `#${i} ${(last.bytes / pings / 1024).toFixed(1)} KB ${(last.cpuUs / pings).toFixed(0)} µs${last.noBid ? ` (${last.noBid} no bid)` : ""}`;
            })
            .join("  ") +
          `  load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (let i = 0; i < exchanges.length; i++) {
      const r = results[i]!;
      console.log(
        `#${i} ${exchanges[i]!.root}: heap ${(median(r.map((x) => x.bytes)) / pings / 1024).toFixed(1)} KB/request ` +
          `(${(Math.min(...r.map((x) => x.bytes)) / pings / 1024).toFixed(1)}–${(Math.max(...r.map((x) => x.bytes)) / pings / 1024).toFixed(1)}), ` +
          `CPU ${(median(r.map((x) => x.cpuUs)) / pings).toFixed(0)} µs/request ` +
          `(${(Math.min(...r.map((x) => x.cpuUs)) / pings).toFixed(0)}–${(Math.max(...r.map((x) => x.cpuUs)) / pings).toFixed(0)})`,
      );
    }
  }
} finally {
  for (const { gavel } of exchanges) await gavel.close();
  await farm.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
