// gavel bench: what the exchange costs per ping, measured against the least a fan-out server can do, on the embedded
// backends (SQLite + memory) and on the distributed ones (PostgreSQL + Redis) in the same run.
//
// Processes: the buyer farm (instant buyers), the servers under test (the exchange on each backend and a bare
// reference fan-out), and the load generator: wrk (C, Debian's package), or this process as a fallback that says it
// is one. For each server: the throughput at saturation (closed loop), then latency percentiles at one fixed rate,
// half the reference's saturation, for all (open loop). Reported as ratios, because absolute numbers depend on the
// machine far more than on the code; and no ratio at all when the reference was not saturated (then it measured the
// generator or the machine's other work, not the reference).
//
// Each phase runs in `--rounds` short rounds, the servers taking turns in a rotating order (round 1: reference,
// exchange; round 2: exchange, reference; ...), so that no server is always measured first or always after the same
// one: measured back to back in one order, the exchange measured first after the reference came out 25–40% dearer
// than the same code measured second. Each ratio is the median of the rounds' paired ratios (a round's servers ran
// minutes apart at most), printed with its range: a difference inside the range is noise. `--aa` adds a second,
// identical embedded exchange, whose ratio to the first shows the noise floor of the run.
//
//   npm run bench -- [--mode embedded|distributed|both] [--market rules-5|rules|simple] [--duration 5] [--buyers 5]
//                    [--concurrency 64] [--generator wrk|node]
//                    [--database-url postgres://...] [--redis-url redis://...] [--cpu-prof <dir>] [--skip-direct]
//                    [--skip-pairs] [--rounds 4] [--aa] [--validation]
//
// With wrk, each exchange then answers direct posts (`POST /v1/leads`, each a new consumer, durable before the answer)
// in a closed loop, and ping→post pairs (`POST /v1/ping`, then `POST /v1/post` of that ping's lead when it bid, each a
// new consumer): the durable lead throughput both ways a seller sends leads, each against the goal of half the
// exchange's own ping throughput.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  DistributedServices,
  redactUrl,
  type ServiceUrls,
  unreachableReason,
} from "../../bench/distributed-services.ts";
import type { ConfigFile } from "../domain/config-schema.ts";
import {
  BENCH_MARKETS,
  type BenchMarket,
  benchDirectPostBodies,
  benchPairBodies,
  benchPingBodies,
  buildBenchConfig,
  instantBuyers,
  withValidation,
} from "../sim/bench-scenario.ts";
import { startBuyerFarm } from "../sim/buyer-farm-client.ts";
import { type ChildService, startChildService, startGavelServe } from "../sim/child-service.ts";
import {
  closedLoop,
  type LoadResult,
  type LoadTarget,
  openLoop,
  type WindowMeter,
} from "../sim/load-generator.ts";
import { processesCpuMeter, runDelayMeter } from "../sim/process-cpu.ts";
import { findWrk, type PairCounts, runWrk, writeBodiesFile } from "../sim/wrk-load.ts";

const REFERENCE_ENTRY = new URL("../../bench/reference-fanout.ts", import.meta.url).pathname;
const SATURATION_WARMUP_MS = 2000;
const FIXED_RATE_WARMUP_MS = 1000;
const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** Issue 14's goals. */
const GOALS = {
  exchangeVsReference: 0.8,
  cpuPerPingVsReference: 1.3,
  distributedVsEmbedded: 0.6,
  p50OverheadMs: 0.5,
  p99OverheadMs: 2,
  /** Durable leads (direct posts, and ping→post pairs) per second against the exchange's own pings per second. */
  directVsPing: 0.5,
};
/**
 * The reference counts as saturated when it used at least this share of a core (it is one Node thread) while the
 * generator had this much to spare: otherwise its throughput measured the generator or the machine's other work.
 */
const SATURATED_CPU_SHARE = 0.8;
/** Rounds per phase by default: two cycles of rotations (see rotated), at least four. */
const defaultRounds = (servers: number) => Math.max(4, 2 * servers);
const GENERATORS = ["wrk", "node"] as const;
type Generator = (typeof GENERATORS)[number];

const MODES = ["embedded", "distributed", "both"] as const;
type Mode = (typeof MODES)[number];

interface BenchOptions {
  durationS: number;
  buyers: number;
  concurrency: number;
  /** Undefined: both when PostgreSQL and Redis answer, else embedded. */
  mode: Mode | undefined;
  /** simple: one plain campaign per buyer; rules-5: one per buyer, every rule on; rules: 20 such campaigns. */
  market: BenchMarket;
  services: ServiceUrls;
  /** Undefined: wrk when installed, else node (with a warning). */
  generator: Generator | undefined;
  /** A folder holding a subfolder per exchange with its threads' V8 CPU profiles, written when it stops; none when undefined. */
  cpuProfileDir: string | undefined;
  /** Adds the embedded exchange with lead validation on, and what validation costs against it. */
  validation: boolean;
  /** No direct-post phase (it needs wrk: its bodies are numbered per request by the wrk script). */
  skipDirect: boolean;
  /** No ping→post pair phase (it needs wrk too: the script posts each bid ping's lead). */
  skipPairs: boolean;
  /** Rounds per phase, the servers in a rotating order; undefined: defaultRounds of the servers under test. */
  rounds: number | undefined;
  /** Adds a second embedded exchange, identical to the first: their ratio is the run's noise floor. */
  aa: boolean;
}

/** A server under test and how to load and meter it. */
interface Contender {
  kind: "reference" | "embedded" | "twin" | "validating" | "distributed";
  heading: string;
  target: LoadTarget;
  /** CPU meters whose sum is the server's CPU per ping; several for the distributed exchange. */
  meters: Record<string, WindowMeter>;
  /** The server's process (its main thread's waits for a core are metered at the fixed rate). */
  pid: number | undefined;
}

interface Measured {
  contender: Contender;
  /** Each phase's median round (saturation and direct posts by throughput, fixed rate by median latency). */
  saturation: PhaseResult;
  fixedRate: PhaseResult;
  /** Direct posts at saturation (exchanges only, with wrk). */
  direct?: PhaseResult;
  /** Ping→post pairs at saturation (exchanges only, with wrk). */
  pairs?: PhaseResult;
  /** Every round, in order: what the ratios' medians and ranges are taken from. */
  rounds: {
    saturation: PhaseResult[];
    fixedRate: PhaseResult[];
    direct: PhaseResult[];
    pairs: PhaseResult[];
  };
}

/** A phase's load result, with what the generator itself cost when it is wrk (and a pair run's counts). */
type PhaseResult = LoadResult & {
  generatorCpuShare?: number | undefined;
  generatorWaitShare?: number | undefined;
  lateSlots?: number;
  pairs?: PairCounts;
  sendLag?: { p50: number; p99: number; max: number; dueP99Bound: number };
  /** Seconds the server's and the buyer farm's main threads waited for a core (fixed rate, with wrk). */
  waited?: Record<string, number>;
};

export async function runBench(args: string[]): Promise<void> {
  const options = parseBenchArgs(args);
  const mode = await chooseMode(options);
  const wrk = chooseGenerator(options);
  const servers =
    1 +
    (mode !== "distributed" ? 1 + Number(options.aa) + Number(options.validation) : 0) +
    (mode !== "embedded" ? 1 : 0);
  const rounds = options.rounds ?? defaultRounds(servers);
  printIntro(options, mode, wrk, rounds);

  // V8 CPU profiles of each server's threads, written when it stops: where the time goes, per contender.
  const profileArgs = (kind: string): string[] =>
    options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(options.cpuProfileDir, kind)}`] : [];
  const teardown = new Teardown();
  const interrupt = () => void teardown.run().finally(() => process.exit(130));
  process.once("SIGINT", interrupt);
  try {
    const farm = await startBuyerFarm(instantBuyers(options.buyers), { recordLimit: 0 });
    teardown.add(() => farm.stop());
    const workDir = mkdtempSync(join(tmpdir(), "gavel-bench-"));
    teardown.add(() => rmSync(workDir, { recursive: true, force: true }));

    const { config, sourceKey } = buildBenchConfig(farm.buyers, options.market);
    const headers = { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" };
    const bodies = benchPingBodies(options.market);
    const bodiesFile = writeBodiesFile(workDir, "ping", bodies);
    const directBodiesFile = writeBodiesFile(workDir, "direct", benchDirectPostBodies());
    const pairBodiesFile = writeBodiesFile(workDir, "pairs", benchPairBodies(options.market));
    const startExchange = async (
      kind: "embedded" | "twin" | "validating" | "distributed",
      exchangeConfig: ConfigFile,
    ) => {
      const configPath = join(workDir, `gavel.${kind}.config.json`);
      writeFileSync(configPath, JSON.stringify(exchangeConfig, null, 2));
      const server = await startGavelServe({
        name: `exchange (${kind})`,
        nodeArgs: profileArgs(kind),
        configPath,
        dataDir: join(workDir, `data-${kind}`),
      });
      teardown.add(() => server.stop());
      const target: LoadTarget = { url: server.ready, path: "/v1/ping", headers, bodies };
      await expectBids(target);
      return { server, target };
    };

    // The reference first: the fixed rate is half its saturation. It sends exactly the buyer requests the exchange
    // sends: one per campaign's ping endpoint.
    const contenders: Contender[] = [];
    const pingUrls = (config.campaigns ?? []).flatMap((campaign) =>
      campaign.ping ? [campaign.ping.url] : [],
    );
    const reference = await startServer("reference fan-out", [
      ...profileArgs("reference"),
      REFERENCE_ENTRY,
      JSON.stringify(pingUrls),
    ]);
    teardown.add(() => reference.stop());
    contenders.push({
      kind: "reference",
      heading: "reference",
      target: { url: reference.ready, path: "/", headers, bodies },
      meters: { server: processCpu(reference) },
      pid: reference.child.pid,
    });
    if (mode !== "distributed") {
      const { server, target } = await startExchange("embedded", config);
      contenders.push({
        kind: "embedded",
        heading: "exchange (embedded)",
        target,
        meters: { server: processCpu(server) },
        pid: server.child.pid,
      });
    }
    if (mode !== "distributed" && options.aa) {
      // The same code and configuration in a process of its own: any difference from the first is noise.
      const { server, target } = await startExchange("twin", config);
      contenders.push({
        kind: "twin",
        heading: "exchange (embedded, twin)",
        target,
        meters: { server: processCpu(server) },
        pid: server.child.pid,
      });
    }
    if (mode !== "distributed" && options.validation) {
      // The same exchange with lead validation on (every check a ping can run: ZIP and state, form timing, velocity
      // over the contact hashes), its thresholds set so no benchmark lead is refused or scored down.
      const { server, target } = await startExchange("validating", withValidation(config));
      contenders.push({
        kind: "validating",
        heading: "exchange (embedded, validating)",
        target,
        meters: { server: processCpu(server) },
        pid: server.child.pid,
      });
    }
    if (mode !== "embedded") {
      const services = new DistributedServices(options.services);
      // Added before the exchange starts, so it runs after the exchange has stopped (steps run last in, first out).
      teardown.add(() => services.remove());
      const { server, target } = await startExchange("distributed", {
        ...config,
        storage: services.storage(),
      });
      contenders.push({
        kind: "distributed",
        heading: "exchange (distributed)",
        target,
        meters: { "exchange process": processCpu(server), ...services.meters() },
        pid: server.child.pid,
      });
    }

    const saturate = (contender: Contender): Promise<PhaseResult> =>
      wrk
        ? runWrk(wrk, contender.target, bodiesFile, {
            connections: options.concurrency,
            durationMs: options.durationS * 1000,
            warmupMs: SATURATION_WARMUP_MS,
            meters: contender.meters,
          })
        : closedLoop(contender.target, {
            concurrency: options.concurrency,
            durationMs: options.durationS * 1000,
            warmupMs: SATURATION_WARMUP_MS,
            meters: contender.meters,
          });
    const atRate = (contender: Contender, rate: number): Promise<PhaseResult> =>
      wrk
        ? runWrk(wrk, contender.target, bodiesFile, {
            // Enough connections that an answer is back before its connection's next slot.
            connections: Math.max(options.concurrency, 2 * Math.ceil(rate / 50)),
            durationMs: options.durationS * 1000,
            warmupMs: FIXED_RATE_WARMUP_MS,
            ratePerSecond: rate,
            meters: contender.meters,
            // What the machine added: how long the server's event loop and the buyers' waited for a core.
            waitMeters: { server: runDelayMeter(contender.pid), farm: runDelayMeter(farm.pid) },
          })
        : openLoop(contender.target, {
            ratePerSecond: rate,
            durationMs: options.durationS * 1000,
            warmupMs: FIXED_RATE_WARMUP_MS,
          });

    // Every phase in rounds, each round in another order (see the header): the medians and ranges cancel the order.
    const inRounds = async (
      phase: string,
      entries: Contender[],
      run: (contender: Contender) => Promise<PhaseResult>,
    ): Promise<Map<Contender, PhaseResult[]>> => {
      const results = new Map(entries.map((contender) => [contender, [] as PhaseResult[]]));
      for (let round = 0; round < rounds; round++) {
        for (const contender of rotated(entries, round)) {
          progress(`round ${round + 1}/${rounds}, ${contender.heading}: ${phase}`);
          results.get(contender)!.push(await run(contender));
        }
      }
      return results;
    };
    const saturations = await inRounds(
      `saturation, ${options.concurrency} concurrent for ${options.durationS} s`,
      contenders,
      saturate,
    );

    // Half the reference's saturation (the median round's): a busy but healthy server, where latency reflects work
    // rather than queueing. One rate for all, so the rows compare.
    const referenceRounds = saturations.get(contenders[0]!)!;
    const rate = Math.max(1, Math.round(median(referenceRounds.map((round) => round.throughput)) / 2));
    // The machine's floor at that moment: the same paced run against one of the farm's buyers (a trivial Node server
    // behind the same generator), right after each of the reference's rounds. The reference's p99 above it is the
    // reference's; the floor itself is the machine's and the generator's.
    const floors: PhaseResult[] = [];
    const firstBuyer = new URL(Object.values(farm.buyers)[0]!.ping);
    const floorTarget: LoadTarget = { url: firstBuyer.origin, path: firstBuyer.pathname, headers, bodies };
    const fixedRates = await inRounds(
      `fixed rate, ${rate} pings/s for ${options.durationS} s`,
      contenders,
      async (c) => {
        const result = await atRate(c, rate);
        if (wrk && c.kind === "reference") {
          progress(`  the machine's floor: one buyer alone at ${rate}/s`);
          floors.push(
            await runWrk(wrk, floorTarget, bodiesFile, {
              connections: Math.max(options.concurrency, 2 * Math.ceil(rate / 50)),
              durationMs: options.durationS * 1000,
              warmupMs: FIXED_RATE_WARMUP_MS,
              ratePerSecond: rate,
              waitMeters: { server: runDelayMeter(farm.pid) },
            }),
          );
        }
        return result;
      },
    );
    const exchanges = contenders.filter((contender) => contender.kind !== "reference");
    const directs =
      wrk && !options.skipDirect
        ? await inRounds(
            `direct posts, ${options.concurrency} concurrent for ${options.durationS} s`,
            exchanges,
            (c) =>
              runWrk(wrk, { ...c.target, path: "/v1/leads" }, directBodiesFile, {
                connections: options.concurrency,
                durationMs: options.durationS * 1000,
                warmupMs: SATURATION_WARMUP_MS,
                meters: c.meters,
              }),
          )
        : undefined;
    // A seller that pings first: pings, and posts the lead of each ping that bid, matching an answer to its consumer
    // by the X-Request-Id the exchange echoes (see bench/wrk/post-bodies.lua). A pair is one durable lead.
    const pairs =
      wrk && !options.skipPairs
        ? await inRounds(
            `ping→post pairs, ${options.concurrency} concurrent for ${options.durationS} s`,
            exchanges,
            (c) =>
              runWrk(wrk, c.target, pairBodiesFile, {
                connections: options.concurrency,
                durationMs: options.durationS * 1000,
                warmupMs: SATURATION_WARMUP_MS,
                meters: c.meters,
                pairs: { postPath: "/v1/post" },
              }),
          )
        : undefined;
    const measured: Measured[] = contenders.map((contender) => {
      const rounds = {
        saturation: saturations.get(contender)!,
        fixedRate: fixedRates.get(contender)!,
        direct: directs?.get(contender) ?? [],
        pairs: pairs?.get(contender) ?? [],
      };
      return {
        contender,
        rounds,
        saturation: medianRound(rounds.saturation, (round) => round.throughput),
        fixedRate: medianRound(rounds.fixedRate, (round) => -round.latency.p50),
        ...(rounds.direct.length > 0
          ? { direct: medianRound(rounds.direct, (round) => round.throughput) }
          : {}),
        ...(rounds.pairs.length > 0 ? { pairs: medianRound(rounds.pairs, (round) => round.throughput) } : {}),
      };
    });

    printReport(options, rate, measured, floors);
    printFloor(rate, floors, measured[0]!);
  } finally {
    process.off("SIGINT", interrupt);
    await teardown.run();
  }
}

/** The mode asked for, or both when PostgreSQL and Redis answer quickly; fails when an asked-for service does not. */
async function chooseMode(options: BenchOptions): Promise<Mode> {
  if (options.mode === "embedded") return "embedded";
  const reason = await unreachableReason(options.services);
  if (reason === undefined) return options.mode ?? "both";
  if (options.mode !== undefined) {
    throw new Error(
      `--mode ${options.mode} needs PostgreSQL and Redis: ${reason}. Pass --database-url / --redis-url ` +
        "(or GAVEL_BENCH_DATABASE_URL / GAVEL_BENCH_REDIS_URL), or --mode embedded.",
    );
  }
  console.log(
    `note: embedded mode only; the distributed mode needs PostgreSQL and Redis. ${reason}.\n` +
      "      Pass --database-url / --redis-url (or GAVEL_BENCH_DATABASE_URL / GAVEL_BENCH_REDIS_URL) to use others.\n",
  );
  return "embedded";
}

/** wrk's binary, or undefined for the Node generator: asked for, or the fallback when wrk is missing (with a warning). */
function chooseGenerator(options: BenchOptions): string | undefined {
  const wrkOnly =
    options.skipDirect && options.skipPairs
      ? ""
      : "         The direct-post and ping→post pair phases need wrk (its script numbers each lead's consumer): skipped.\n";
  if (options.generator === "node") {
    console.log(
      "warning: --generator node: the load comes from Node on the same cores; it saturates before the servers.\n" +
        wrkOnly,
    );
    return undefined;
  }
  const wrk = findWrk();
  if (wrk) return wrk;
  if (options.generator === "wrk")
    throw new Error("--generator wrk: no wrk found (apt-get install wrk, or set GAVEL_BENCH_WRK)");
  console.log(
    "warning: wrk is not installed (apt-get install wrk): falling back to the Node load generator, which shares the\n" +
      "         cores with the servers and saturates first. Its ratios flatter the slower server; do not quote them.\n" +
      wrkOnly,
  );
  return undefined;
}

/** Starts a server process and resolves with its URL, read from its "listening on http://..." line. */
function startServer(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildService<string>> {
  // The environment would override the config file's storage: each exchange gets exactly the backends its config names.
  const { DATABASE_URL: _, REDIS_URL: __, ...inherited } = process.env;
  return startChildService({
    name,
    args,
    env: { ...inherited, ...env },
    readyLine: (line) => /listening on (http:\/\/[^\s)]+)/.exec(line)?.[1],
    // Generous: a loaded machine takes a while to compile and start an exchange.
    timeoutMs: 90_000,
  });
}

function processCpu(server: ChildService<string>): WindowMeter {
  const pid = server.child.pid;
  return processesCpuMeter(() => (pid === undefined ? [] : [pid]));
}

/** A benchmark of a misconfigured exchange would measure refusals: check one ping really bids first. */
async function expectBids(target: LoadTarget): Promise<void> {
  const response = await fetch(target.url + target.path, {
    method: "POST",
    headers: target.headers,
    body: target.bodies[0],
  });
  const answer = (await response.json()) as { status?: string };
  if (answer.status !== "bid") {
    throw new Error(
      `the exchange did not bid on the benchmark ping (HTTP ${response.status}): ${JSON.stringify(answer)}`,
    );
  }
}

function printIntro(options: BenchOptions, mode: Mode, wrk: string | undefined, rounds: number): void {
  const cores = availableParallelism();
  const distributed = mode !== "embedded";
  console.log(
    `gavel bench: ${options.buyers} instant buyers, ${options.concurrency} concurrent pings, ` +
      `${rounds} rounds of ${options.durationS} s per phase, mode ${mode}, market ${options.market}, ` +
      `generator ${wrk ? `wrk (${wrk})` : "node (fallback)"}`,
  );
  if (distributed) {
    console.log(
      `distributed: PostgreSQL ${redactUrl(options.services.databaseUrl)}, Redis ${redactUrl(options.services.redisUrl)} ` +
        "(a fresh schema and key prefix, removed at the end)",
    );
  }
  const busy = distributed
    ? "3 busy processes (buyer farm, server under test, load generator), plus PostgreSQL and Redis for the distributed exchange"
    : "3 busy processes (buyer farm, server under test, load generator)";
  console.log(
    `note: ${cores} CPU core${cores === 1 ? "" : "s"} shared by ${busy};\n` +
      `      load average before the run ${loadavg()[0]!.toFixed(2)}. ` +
      "Absolute numbers understate a real deployment; compare the ratios.\n",
  );
}

function progress(message: string): void {
  console.log(`  … ${message}`);
}

function printReport(
  options: BenchOptions,
  rate: number,
  measured: Measured[],
  floors: readonly PhaseResult[],
): void {
  const reference = measured.find((entry) => entry.contender.kind === "reference")!;
  const embedded = measured.find((entry) => entry.contender.kind === "embedded");
  const twin = measured.find((entry) => entry.contender.kind === "twin");
  const validating = measured.find((entry) => entry.contender.kind === "validating");
  const distributed = measured.find((entry) => entry.contender.kind === "distributed");
  // Columns: reference first, the yardstick the others are measured against.
  const columns = [
    reference,
    ...(embedded ? [embedded] : []),
    ...(twin ? [twin] : []),
    ...(validating ? [validating] : []),
    ...(distributed ? [distributed] : []),
  ];
  const row = (label: string, cell: (entry: Measured) => string): string[] => [label, ...columns.map(cell)];
  const overhead = (entry: Measured) =>
    entry === reference ? "" : signed(entry.fixedRate.latency.p99 - reference.fixedRate.latency.p99);
  const rows = [
    row("", (entry) => entry.contender.heading),
    row(
      `saturation (${options.concurrency} concurrent; median round of ${reference.rounds.saturation.length})`,
      (entry) => perSecond(entry.saturation.throughput),
    ),
    row("  rounds: lowest–highest", (entry) =>
      range(
        entry.rounds.saturation.map((round) => round.throughput),
        (value) => Math.round(value).toLocaleString("en-US"),
      ),
    ),
    row("  server CPU per ping", (entry) => cpuPerPing(entry)),
    row("  rounds: lowest–highest", (entry) =>
      range(
        entry.rounds.saturation.flatMap((round) => phaseCpuMs(round, entry) ?? []),
        (value) => value.toFixed(3),
      ),
    ),
    row("  server CPU (cores)", (entry) => coresUsed(entry)),
    row("  generator CPU (cores)", (entry) => share(entry.saturation.generatorCpuShare)),
    // Where the distributed exchange's CPU goes: its own process, PostgreSQL, Redis.
    ...(distributed
      ? cpuBreakdownRows(distributed).map(([label, value]) =>
          row(label, (entry) => (entry === distributed ? value : "")),
        )
      : []),
    row("  latency p50", (entry) => ms(entry.saturation.latency.p50)),
    row("  latency p99", (entry) => ms(entry.saturation.latency.p99)),
    row(`fixed rate (${rate}/s, open loop)`, (entry) => perSecond(entry.fixedRate.throughput)),
    // Below saturation, no queue: the steadier CPU figure when other work shares the cores.
    row("  server CPU per ping", (entry) => cpuPerLead(entry.fixedRate)),
    row("  latency p50", (entry) => ms(entry.fixedRate.latency.p50)),
    row("  latency p90", (entry) => ms(entry.fixedRate.latency.p90)),
    row("  latency p99", (entry) => ms(entry.fixedRate.latency.p99)),
    row("  p99 overhead vs reference", overhead),
    row("  generator CPU (cores)", (entry) => share(entry.fixedRate.generatorCpuShare)),
    row("  slots sent late", (entry) =>
      entry.fixedRate.lateSlots === undefined ? "n/a" : String(entry.fixedRate.lateSlots),
    ),
    // wrk's latency starts at the send: a send that left after its slot hides that much of the wait (see the script).
    row("  send lag behind slot p99 (max)", (entry) => {
      const lag = entry.fixedRate.sendLag;
      return lag ? `${ms(lag.p99)} (${ms(lag.max)})` : "n/a";
    }),
    row("  latency p99 from the due time, at most", (entry) =>
      entry.fixedRate.sendLag ? ms(entry.fixedRate.sendLag.dueP99Bound) : "n/a",
    ),
    // The machine's share of the latency: time each process was runnable but had no core, per second of the run.
    row("  waited for a core: server", (entry) =>
      waitedPerSecond(entry.fixedRate, entry.fixedRate.waited?.server),
    ),
    row("  waited for a core: buyer farm", (entry) =>
      waitedPerSecond(entry.fixedRate, entry.fixedRate.waited?.farm),
    ),
    row("  waited for a core: generator", (entry) =>
      waitedPerSecond(
        entry.fixedRate,
        (entry.fixedRate.generatorWaitShare ?? Number.NaN) * entry.fixedRate.measuredS,
      ),
    ),
    ...(columns.some((entry) => entry.direct)
      ? [
          row(`direct posts (${options.concurrency} concurrent)`, (entry) =>
            entry.direct ? perSecond(entry.direct.throughput) : "",
          ),
          row("  server CPU per lead", (entry) => (entry.direct ? cpuPerLead(entry.direct) : "")),
          ...(distributed?.direct
            ? cpuBreakdownRows(distributed, distributed.direct).map(([label, value]) =>
                row(label, (entry) => (entry === distributed ? value : "")),
              )
            : []),
          row("  latency p50", (entry) => (entry.direct ? ms(entry.direct.latency.p50) : "")),
          row("  latency p99", (entry) => (entry.direct ? ms(entry.direct.latency.p99) : "")),
        ]
      : []),
    ...(columns.some((entry) => entry.pairs)
      ? [
          row(`ping→post pairs (${options.concurrency} concurrent)`, (entry) =>
            entry.pairs ? perSecond(entry.pairs.throughput) : "",
          ),
          row("  rounds: lowest–highest", (entry) =>
            entry.pairs
              ? range(
                  entry.rounds.pairs.map((round) => round.throughput),
                  (value) => Math.round(value).toLocaleString("en-US"),
                )
              : "",
          ),
          row("  server CPU per pair", (entry) => (entry.pairs ? cpuPerLead(entry.pairs) : "")),
          row("  rounds: lowest–highest", (entry) =>
            entry.pairs
              ? range(
                  entry.rounds.pairs.flatMap((round) => cpuPerAnswerMs(round) ?? []),
                  (value) => value.toFixed(3),
                )
              : "",
          ),
          // Where a distributed pair's CPU goes: the exchange process, PostgreSQL, Redis.
          ...(distributed?.pairs
            ? cpuBreakdownRows(distributed, distributed.pairs).map(([label, value]) =>
                row(label, (entry) => (entry === distributed ? value : "")),
              )
            : []),
          // A pair: its ping sent to its post answered.
          row("  latency p50", (entry) => (entry.pairs ? ms(entry.pairs.latency.p50) : "")),
          row("  latency p99", (entry) => (entry.pairs ? ms(entry.pairs.latency.p99) : "")),
          row("  sold / pings without a bid", (entry) =>
            entry.pairs?.pairs ? `${entry.pairs.pairs.sold} / ${entry.pairs.pairs.noBids}` : "",
          ),
          row("  generator CPU (cores)", (entry) =>
            entry.pairs ? share(entry.pairs.generatorCpuShare) : "",
          ),
        ]
      : []),
    row("errors (all phases)", (entry) =>
      String(
        entry.saturation.errors +
          entry.fixedRate.errors +
          (entry.direct?.errors ?? 0) +
          (entry.pairs?.errors ?? 0),
      ),
    ),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  console.log("");
  for (const cells of rows) {
    console.log(
      cells
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
        .join("   ")
        .trimEnd(),
    );
  }

  printSummary(rate, reference, embedded, distributed, floors);
  printLeadRatios(columns.filter((entry) => entry.direct || entry.pairs));
  if (embedded && twin) printNoiseFloor(embedded, twin);
  if (embedded && validating) printValidationCost(embedded, validating);
  if (distributed && distributed.saturation.throughput < rate) {
    console.log(
      `\nnote: ${rate}/s is above the distributed exchange's saturation, so its fixed-rate latency includes queueing.`,
    );
  }
}

/**
 * What lead validation costs (issue 17: < 5% of ping throughput): the validating exchange against the same exchange
 * without validation, in throughput and in server CPU per ping (the steadier of the two on a shared machine).
 */
function printValidationCost(embedded: Measured, validating: Measured): void {
  const throughput = pairedRatios(validating, embedded, (round) => round.throughput);
  const lines = [
    `validation cost, throughput: ${((1 - median(throughput)) * 100).toFixed(1)}% (rounds' ratios ${range(throughput, ratio)}; ${perSecond(validating.saturation.throughput)} validating, ${perSecond(embedded.saturation.throughput)} not; goal < 5%)`,
  ];
  const cpu = pairedCpuRatios(validating, embedded);
  if (cpu.length > 0) {
    lines.push(
      `validation cost, server CPU per ping: ${((median(cpu) - 1) * 100).toFixed(1)}% (rounds' ratios ${range(cpu, ratio)}; ${cpuPerPing(validating)} against ${cpuPerPing(embedded)})`,
    );
  }
  console.log(`
${lines.join("\n")}`);
}

/** Whether the reference was the bottleneck of its saturation run; the reason when it was not (or cannot be told). */
function referenceNotSaturated(reference: Measured): string | undefined {
  const cores = serverCores(reference);
  const generator = reference.saturation.generatorCpuShare;
  if (cores === undefined) return "its CPU could not be read (no /proc)";
  if (generator !== undefined && generator >= SATURATED_CPU_SHARE) {
    return `the generator used ${generator.toFixed(2)} of a core: it, not the reference, was the limit`;
  }
  if (cores < SATURATED_CPU_SHARE) {
    return (
      `the reference used ${cores.toFixed(2)} of a core (< ${SATURATED_CPU_SHARE}): it waited on something else, ` +
      "most likely the machine's other work (see the load average)"
    );
  }
  return undefined;
}

/**
 * The machine's latency floor at the fixed rate (a trivial server behind the same generator, right after each of the
 * reference's rounds) against the reference's own rounds: how much of the reference's tail is the machine's.
 */
function printFloor(rate: number, floors: readonly PhaseResult[], reference: Measured): void {
  if (floors.length === 0) return;
  const p99s = floors.map((round) => round.latency.p99);
  const above = floors.map(
    (round, index) => reference.rounds.fixedRate[index]!.latency.p99 - round.latency.p99,
  );
  const lags = floors.flatMap((round) => (round.sendLag ? [round.sendLag.p99] : []));
  const waits = floors.flatMap((round) =>
    round.waited?.server === undefined ? [] : [(round.waited.server * 1000) / round.measuredS],
  );
  console.log(
    `\nthe machine's floor at ${rate}/s (one buyer alone, after each reference round): ` +
      `p50 ${ms(median(floors.map((round) => round.latency.p50)))}, p99 ${ms(median(p99s))} (rounds ${range(p99s, ms)}), ` +
      `send lag p99 ${lags.length > 0 ? ms(median(lags)) : "n/a"}, the buyer waited for a core ` +
      `${waits.length > 0 ? `${median(waits).toFixed(1)} ms/s` : "n/a"}; the reference's p99 above it: ` +
      `${signed(median(above))} (rounds ${range(above, signed)}).`,
  );
}

/** The ratios the notes quote, each with its goal where it has one; none when the reference was not saturated. */
function printSummary(
  rate: number,
  reference: Measured,
  embedded: Measured | undefined,
  distributed: Measured | undefined,
  floors: readonly PhaseResult[],
): void {
  const notSaturated = referenceNotSaturated(reference);
  const saturatedRounds = reference.rounds.saturation.filter(
    (round) => referenceNotSaturated({ ...reference, saturation: round }) === undefined,
  ).length;
  if (!notSaturated && saturatedRounds < reference.rounds.saturation.length) {
    console.log(
      `\nnote: the reference was saturated in ${saturatedRounds} of ${reference.rounds.saturation.length} rounds (its median round was).`,
    );
  }
  if (notSaturated) {
    console.log(`\nno ratios: the reference was not saturated: ${notSaturated}.`);
    console.log("Run it again on a quiet machine (load average well under 1 before the run).");
    return;
  }
  const lines: SummaryLine[] = [];
  // Each ratio: the median of the rounds' paired ratios, then the rounds' range (a difference inside it is noise).
  const throughputRatio = (label: string, of: Measured, to: Measured, goal?: number) => {
    const ratios = pairedRatios(of, to, (round) => round.throughput);
    const value = median(ratios);
    const met = goal === undefined ? undefined : verdict(value >= goal, `goal ≥ ${goal}×`);
    lines.push([`${label} throughput`, `${ratio(value)} (${range(ratios, ratio)})`, met]);
  };
  if (embedded) throughputRatio("embedded / reference", embedded, reference, GOALS.exchangeVsReference);
  if (distributed) throughputRatio("distributed / reference", distributed, reference);
  if (embedded && distributed) {
    throughputRatio("distributed / embedded", distributed, embedded, GOALS.distributedVsEmbedded);
  }
  for (const entry of [embedded, distributed]) {
    if (entry === undefined) continue;
    const cpuRatios = pairedCpuRatios(entry, reference);
    if (cpuRatios.length > 0) {
      const value = median(cpuRatios);
      lines.push([
        `${entry.contender.kind} / reference CPU per ping`,
        `${ratio(value)} (${range(cpuRatios, ratio)})`,
        verdict(value <= GOALS.cpuPerPingVsReference, `goal ≤ ${GOALS.cpuPerPingVsReference}×`),
      ]);
    }
    for (const [name, key, goal] of [
      ["p50", "p50", GOALS.p50OverheadMs],
      ["p99", "p99", GOALS.p99OverheadMs],
    ] as const) {
      const overheads = entry.rounds.fixedRate.map(
        (round, index) => round.latency[key] - reference.rounds.fixedRate[index]!.latency[key],
      );
      const overheadMs = median(overheads);
      // A trivial server's own tail on this machine, at this rate and moment: an overhead smaller than it is noise.
      const floorMs = floors.length > 0 ? median(floors.map((round) => round.latency[key])) : undefined;
      lines.push([
        `${entry.contender.kind} ${name} overhead at ${rate}/s`,
        `${signed(overheadMs)} (${range(overheads, signed)})`,
        floorMs !== undefined && floorMs > goal
          ? `goal ≤ ${goal} ms: not judged (a trivial server's ${name} here was ${ms(floorMs)}: the machine's)`
          : verdict(overheadMs <= goal, `goal ≤ ${goal} ms`),
      ]);
    }
    const late = entry.rounds.fixedRate.reduce((sum, round) => sum + (round.lateSlots ?? 0), 0);
    if (late > 0) {
      lines.push([
        `${entry.contender.kind} fixed rate`,
        "not held",
        `${late} slots sent late over the rounds`,
      ]);
    }
  }
  printLines(lines);
}

type SummaryLine = [label: string, value: string, goal: string | undefined];

function printLines(lines: readonly SummaryLine[]): void {
  if (lines.length === 0) return;
  const labelWidth = Math.max(...lines.map(([label]) => label.length));
  const valueWidth = Math.max(...lines.map(([, value]) => value.length));
  console.log("");
  for (const [label, value, goal] of lines) {
    console.log(`${label.padEnd(labelWidth)}   ${value.padStart(valueWidth)}   ${goal ?? ""}`.trimEnd());
  }
}

/**
 * Each exchange's durable leads (direct posts, ping→post pairs) against its own pings: no ratio to the reference (it
 * stores nothing), so printed whether or not the reference was saturated; on a busy machine the rounds' range says
 * how far the phases, minutes apart, met different loads.
 */
function printLeadRatios(entries: readonly Measured[]): void {
  const lines: SummaryLine[] = [];
  for (const entry of entries) {
    for (const [label, phase] of [
      ["direct posts", entry.rounds.direct],
      ["ping→post pairs", entry.rounds.pairs],
    ] as const) {
      if (phase.length === 0) continue;
      const { value, rounds } = leadsPerPing(phase, entry.rounds.saturation);
      lines.push([
        `${entry.contender.kind} ${label} / pings`,
        `${ratio(value)} (${range(rounds, ratio)})`,
        verdict(value >= GOALS.directVsPing, `goal ≥ ${GOALS.directVsPing}×`),
      ]);
      // The same ratio from the server's CPU: its CPU per ping over its CPU per lead, what the throughput ratio would
      // be were the server's CPU the only limit. Steadier than throughput when other work shares the cores, and free of
      // the generator's own CPU.
      const cpu = cpuPerPingOverLead(phase, entry);
      if (cpu.length > 0) {
        lines.push([
          `${entry.contender.kind} ${label} / pings, by server CPU`,
          `${ratio(median(cpu))} (${range(cpu, ratio)})`,
          "its CPU per ping / per lead",
        ]);
      }
    }
  }
  printLines(lines);
}

/**
 * Same code, two processes: what the run's own noise is (the order, the machine's other work). A difference between
 * two different servers inside this range says nothing.
 */
function printNoiseFloor(embedded: Measured, twin: Measured): void {
  const throughput = pairedRatios(twin, embedded, (round) => round.throughput);
  const cpu = pairedCpuRatios(twin, embedded);
  console.log(
    `\nnoise floor (A/A: the twin exchange against the first, same code): throughput ${ratio(median(throughput))} ` +
      `(rounds ${range(throughput, ratio)})` +
      (cpu.length > 0 ? `, CPU per ping ${ratio(median(cpu))} (rounds ${range(cpu, ratio)})` : ""),
  );
}

/**
 * The servers in the order of a round: the list rotated by the round's number, so each takes each place in turn; and
 * in every other cycle of rotations the reverse, so each also follows each of its neighbours in the list as often
 * (with three servers: all six orders in six rounds; with two: AB, BA, BA, AB).
 */
function rotated<T>(list: readonly T[], round: number): T[] {
  const shift = round % list.length;
  const order = [...list.slice(shift), ...list.slice(0, shift)];
  return Math.floor(round / list.length) % 2 === 1 ? order.reverse() : order;
}

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The round at the median of `key` (the lower of the two middle ones for an even count). */
function medianRound(rounds: readonly PhaseResult[], key: (round: PhaseResult) => number): PhaseResult {
  return rounds.toSorted((a, b) => key(a) - key(b))[Math.floor((rounds.length - 1) / 2)]!;
}

/** Saturation round by round, `of`'s value over `to`'s: both measured in the same round, seconds apart. */
function pairedRatios(of: Measured, to: Measured, value: (round: PhaseResult) => number): number[] {
  return of.rounds.saturation.map((round, index) => value(round) / value(to.rounds.saturation[index]!));
}

function pairedCpuRatios(of: Measured, to: Measured): number[] {
  return of.rounds.saturation.flatMap((round, index) => {
    const own = phaseCpuMs(round, of);
    const theirs = phaseCpuMs(to.rounds.saturation[index]!, to);
    return own === undefined || theirs === undefined ? [] : [own / theirs];
  });
}

/** A saturation round's server CPU per ping in ms (every meter of the server summed); undefined when unreadable. */
function phaseCpuMs(round: PhaseResult, entry: Measured): number | undefined {
  const names = Object.keys(entry.contender.meters);
  if (round.ok === 0 || names.some((name) => round.metered[name] === undefined)) return undefined;
  return (names.reduce((sum, name) => sum + round.metered[name]!, 0) * 1000) / round.ok;
}

function range(values: readonly number[], format: (value: number) => string): string {
  if (values.length === 0) return "n/a";
  return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
}

function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/**
 * A lead phase's throughput against the exchange's pings: the median round's over the median round's, and each
 * round's over the same round's pings (the phases ran minutes apart, so the rounds' ratios show the spread, not
 * pairs measured together).
 */
function leadsPerPing(
  leads: readonly PhaseResult[],
  pings: readonly PhaseResult[],
): { value: number; rounds: number[] } {
  const throughputs = (rounds: readonly PhaseResult[]) => rounds.map((round) => round.throughput);
  return {
    value: median(throughputs(leads)) / median(throughputs(pings)),
    rounds: leads.map((round, index) => round.throughput / pings[index]!.throughput),
  };
}

/** Round by round, the server's CPU per ping at saturation over its CPU per lead in the same round of a lead phase. */
function cpuPerPingOverLead(leads: readonly PhaseResult[], entry: Measured): number[] {
  return leads.flatMap((round, index) => {
    const perLead = cpuPerAnswerMs(round);
    const perPing = phaseCpuMs(entry.rounds.saturation[index]!, entry);
    return perLead === undefined || perPing === undefined ? [] : [perPing / perLead];
  });
}

/** Server CPU time per answered request of a phase (every meter summed). */
function cpuPerLead(phase: PhaseResult): string {
  const value = cpuPerAnswerMs(phase);
  return value === undefined ? "n/a" : `${value.toFixed(3)} ms`;
}

/** Server CPU ms per answered request (a pair run's: per pair) of a phase; undefined when unreadable. */
function cpuPerAnswerMs(phase: PhaseResult): number | undefined {
  const seconds = Object.values(phase.metered).reduce<number | undefined>(
    (sum, value) => (sum === undefined || value === undefined ? undefined : sum + value),
    0,
  );
  return seconds === undefined || phase.ok === 0 ? undefined : (seconds * 1000) / phase.ok;
}

/** Server CPU time per answered ping: steadier than throughput when other work shares the cores. */
function cpuPerPing(entry: Measured): string {
  const total = meteredTotal(entry);
  return total === undefined ? "n/a" : `${perPingMs(total, entry).toFixed(3)} ms`;
}

/** The server's CPU over its saturation run, in cores (1 = one core busy the whole time). */
function serverCores(entry: Measured): number | undefined {
  const total = meteredTotal(entry);
  return total === undefined ? undefined : total / entry.saturation.measuredS;
}

function coresUsed(entry: Measured): string {
  return share(serverCores(entry));
}

/** Seconds waited for a core over a phase, as ms per second of the phase. */
function waitedPerSecond(phase: PhaseResult, seconds: number | undefined): string {
  return seconds === undefined || Number.isNaN(seconds) || phase.measuredS === 0
    ? "n/a"
    : `${((seconds * 1000) / phase.measuredS).toFixed(1)} ms/s`;
}

function share(value: number | undefined): string {
  return value === undefined ? "n/a" : value.toFixed(2);
}

/** One row per meter when a server has several, e.g. the distributed exchange: its process, PostgreSQL, Redis. */
function cpuBreakdownRows(entry: Measured, phase: PhaseResult = entry.saturation): [string, string][] {
  const names = Object.keys(entry.contender.meters);
  if (names.length < 2) return [];
  return names.map((name) => {
    const seconds = phase.metered[name];
    return [
      `    ${name}`,
      seconds === undefined || phase.ok === 0 ? "n/a" : `${((seconds * 1000) / phase.ok).toFixed(3)} ms`,
    ];
  });
}

function meteredTotal(entry: Measured): number | undefined {
  const { metered, ok } = entry.saturation;
  const names = Object.keys(entry.contender.meters);
  if (ok === 0 || names.some((name) => metered[name] === undefined)) return undefined;
  return names.reduce((sum, name) => sum + metered[name]!, 0);
}

function perPingMs(seconds: number, entry: Measured): number {
  return (seconds * 1000) / entry.saturation.ok;
}

function verdict(met: boolean, goal: string): string {
  return `${goal}: ${met ? "met" : "missed"}`;
}

function signed(valueMs: number): string {
  return `${valueMs >= 0 ? "+" : "−"}${ms(Math.abs(valueMs))}`;
}

function perSecond(value: number): string {
  return `${Math.round(value).toLocaleString("en-US")}/s`;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Clean-up steps, run once, last added first, each whatever the others do (also on Ctrl-C). */
class Teardown {
  readonly #steps: (() => unknown)[] = [];
  #running: Promise<void> | undefined;

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.toReversed()) {
        try {
          await step();
        } catch (error) {
          console.error(`bench clean-up: ${(error as Error).message}`);
        }
      }
    })();
    return this.#running;
  }
}

const USAGE =
  "usage: gavel bench [--mode embedded|distributed|both] [--market rules-5|rules|simple] [--duration <seconds>]\n" +
  "                   [--buyers <n>] [--concurrency <n>] [--generator wrk|node]\n" +
  "                   [--database-url postgres://...] [--redis-url redis://...] [--cpu-prof <dir>]\n" +
  "                   [--skip-direct] [--skip-pairs] [--validation] [--rounds <n>] [--aa]";

function parseBenchArgs(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      mode: { type: "string" },
      duration: { type: "string", default: "5" },
      generator: { type: "string" },
      buyers: { type: "string", default: "5" },
      concurrency: { type: "string", default: "64" },
      market: { type: "string", default: "rules-5" },
      "database-url": { type: "string" },
      "redis-url": { type: "string" },
      "cpu-prof": { type: "string" },
      validation: { type: "boolean", default: false },
      "skip-direct": { type: "boolean", default: false },
      "skip-pairs": { type: "boolean", default: false },
      rounds: { type: "string" },
      aa: { type: "boolean", default: false },
    },
  });
  const options = {
    durationS: Number(values.duration),
    buyers: Number(values.buyers),
    concurrency: Number(values.concurrency),
    rounds: values.rounds === undefined ? undefined : Number(values.rounds),
  };
  const mode = values.mode as Mode | undefined;
  if (
    !(options.durationS > 0) ||
    !(options.buyers >= 1) ||
    !(options.concurrency >= 1) ||
    (options.rounds !== undefined && !(Number.isInteger(options.rounds) && options.rounds >= 1)) ||
    (mode !== undefined && !MODES.includes(mode)) ||
    !BENCH_MARKETS.includes(values.market as BenchMarket) ||
    (values.generator !== undefined && !GENERATORS.includes(values.generator as Generator))
  ) {
    throw new Error(USAGE);
  }
  return {
    ...options,
    buyers: Math.floor(options.buyers),
    concurrency: Math.floor(options.concurrency),
    mode,
    market: values.market as BenchMarket,
    generator: values.generator as Generator | undefined,
    cpuProfileDir: values["cpu-prof"],
    validation: values.validation === true,
    skipDirect: values["skip-direct"] === true,
    skipPairs: values["skip-pairs"] === true,
    aa: values.aa === true,
    services: {
      databaseUrl: values["database-url"] ?? process.env.GAVEL_BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL,
      redisUrl: values["redis-url"] ?? process.env.GAVEL_BENCH_REDIS_URL ?? DEFAULT_REDIS_URL,
    },
  };
}
