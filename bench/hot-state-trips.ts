import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import type { ConfigFile } from "../src/domain/config-schema.ts";
import type { LeadValues } from "../src/domain/vertical.ts";
import {
  BENCH_VERTICAL,
  benchPingBodies,
  buildBenchConfig,
  instantBuyers,
  withValidation,
} from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { type ChildService, startGavelServe } from "../src/sim/child-service.ts";
import { generateLead, pingPart } from "../src/sim/lead-generator.ts";
import { closedLoop, type LoadTarget, type WindowMeter } from "../src/sim/load-generator.ts";
import { startPrivateRedis as startRedisServer } from "../src/sim/private-redis.ts";
import { processesCpuMeter } from "../src/sim/process-cpu.ts";
import { seededRandom } from "../src/sim/random.ts";
import { DistributedServices } from "./distributed-services.ts";

const { values } = parseArgs({
  options: {
    gavel: { type: "string", multiple: true },
    requests: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    sql: { type: "boolean", default: false },
    commandstats: { type: "boolean", default: false },
    "monitor-log": { type: "string" },
    "database-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const entries = values.gavel?.length
  ? values.gavel
  : [new URL("../src/cli/gavel.ts", import.meta.url).pathname];
const requests = Number(values.requests);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const databaseUrl = values["database-url"]!;
const PRELOAD = new URL("./count-statements-preload.ts", import.meta.url).pathname;

interface Contender {
  entry: string;
  redis: {
    port: number;
    pid: number;
    client: Redis;
    stop: () => void;
    stopMonitor: () => void;
    monitor: MonitorCounts;
  };
  statementsFile: string;
  services: DistributedServices;
  server: ChildService<string>;
  ping: LoadTarget;
  direct: LoadTarget;
}

const workDir = mkdtempSync(join(tmpdir(), "gavel-trips-"));
const cleanups: (() => Promise<void> | void)[] = [];
let leadSeq = 0;
/** The bench's direct-post leads, with their own phone numbers (valid for their state: validation is on). */
const directLeads = Array.from({ length: 200 }, (_, i) =>
  generateLead(BENCH_VERTICAL, seededRandom(7000 + i)),
);

/** Exchange codes libphonenumber takes as assigned: N11 service codes and 555 left out. */
const EXCHANGES = Array.from({ length: 800 }, (_, i) => 200 + i).filter(
  (code) => code % 100 !== 11 && code !== 555,
);

/**
 * Direct-post bodies, each a consumer never seen before: the template's e-mail numbered, and its phone keeps its area
 * code (valid for the lead's state: validation is on) with an exchange and line number unique to the request.
 */
function directBodies(count: number): string[] {
  return Array.from({ length: count }, () => {
    const n = leadSeq++;
    const { lead, consent } = directLeads[n % directLeads.length]!;
    const areaCode = String(lead.phone).replace(/\D/g, "").slice(-10, -7);
    const exchange = EXCHANGES[Math.floor(n / 10_000) % EXCHANGES.length]!;
    const phone = `${areaCode}${exchange}${String(n % 10_000).padStart(4, "0")}`;
    return JSON.stringify({
      vertical: BENCH_VERTICAL,
      lead: { ...lead, email: `bench.${n}@example.com`, phone },
      consent,
    });
  });
}

/** Each contender's last statement histogram (count, then count and text per statement). */
const lastStatements = new Map<Contender, string>();

/** How many snapshots were taken: each reads INFO once, which Redis counts as a read. */
let snapshots = 0;

try {
  const farm = await startBuyerFarm(instantBuyers(5), { recordLimit: 0 });
  cleanups.push(() => farm.stop());
  const { config, sourceKey } = buildBenchConfig(farm.buyers, "rules-5");
  const everyRule = everyRuleOn(withValidation(config));
  const headers = { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" };
  // Enough consumers that none comes back within the replay guard's second at saturation.
  const pingBodies = benchPingBodies("rules-5", 20_000);

  const contenders: Contender[] = [];
  for (const [index, entry] of entries.entries()) {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const services = new DistributedServices({ databaseUrl, redisUrl: `redis://127.0.0.1:${redis.port}` });
    cleanups.push(() => services.remove());
    const configPath = join(workDir, `config-${index}.json`);
    writeFileSync(configPath, JSON.stringify({ ...everyRule, storage: services.storage() }));
    const server = await startGavelServe({
      name: `exchange ${index}`,
      entry,
      nodeArgs: ["--import", PRELOAD],
      configPath,
      dataDir: join(workDir, `data-${index}`),
      env: { GAVEL_TRIPS_STATEMENTS_FILE: join(workDir, `statements-${index}`) },
    });
    cleanups.push(() => server.stop());
    contenders.push({
      entry,
      statementsFile: join(workDir, `statements-${index}`),
      redis,
      services,
      server,
      ping: { url: server.ready, path: "/v1/ping", headers, bodies: pingBodies },
      direct: { url: server.ready, path: "/v1/leads", headers, bodies: [] },
    });
  }

  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  for (const contender of contenders) {
    // Warm-up: connections, JIT, the seed marker.
    // Other consumers than the measured ones: the replay guard and velocity would refuse those repeated.
    await sequential(contender.ping, pingBodies.slice(-20));
    await sequential(contender.direct, directBodies(10));
    const pings = await counted(contender, () => sequential(contender.ping, pingBodies.slice(0, requests)));
    const posts = await counted(contender, () => sequential(contender.direct, directBodies(requests)));
    const pairs = await counted(contender, () => pingThenPost(contender, requests));
    console.log(`\n${contender.entry}`);
    for (const [name, count] of [
      ["ping", pings],
      ["direct post", posts],
      ["ping + its post", pairs],
    ] as const) {
      console.log(
        `  per ${name}: ${fmt(count.roundTrips / requests)} Redis round trips, ${fmt(count.topLevel / requests)} top-level commands, ${fmt(count.all / requests)} in all, ${fmt(count.statements / requests)} PostgreSQL statements (${count.failed} not 2xx)`,
      );
      console.log(`    ${count.byCommand}`);
      if (values.sql) for (const line of count.sql) console.log(`    ${line}`);
    }
  }

  // MONITOR costs Redis CPU for every command it relays (those in scripts too): off before CPU is measured.
  for (const contender of contenders) contender.redis.stopMonitor();

  // CPU per request under load, alternating between the contenders round by round.
  for (const kind of ["ping", "direct"] as const) {
    const perRequest = new Map<Contender, number[]>();
    for (let round = 0; round < rounds; round++) {
      // ABBA: each contender goes first as often as the other (the one measured first after a pause costs more).
      for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
        const target =
          kind === "ping" ? contender.ping : { ...contender.direct, bodies: directBodies(3_000) };
        const commandstats = { stats: "" };
        const result = await closedLoop(target, {
          concurrency,
          durationMs: seconds * 1000,
          warmupMs: 1000,
          meters: {
            exchange: processesCpuMeter(() => [contender.server.child.pid!]),
            redis: processesCpuMeter(() => [contender.redis.pid]),
            postgres: contender.services.meters()["PostgreSQL backends"]!,
            redisReads: redisReads(contender),
            exchangeWrites: writeSyscalls(contender.server.child.pid!),
            ...(values.commandstats ? { commandstats: commandTimes(contender, commandstats) } : {}),
          },
        });
        const cpu =
          (result.metered.exchange ?? 0) + (result.metered.redis ?? 0) + (result.metered.postgres ?? 0);
        const ms = (cpu * 1000) / Math.max(1, result.ok);
        perRequest.set(contender, [...(perRequest.get(contender) ?? []), ms]);
        if (commandstats.stats) console.log(`  ${perRequestTimes(commandstats.stats, result.ok)}`);
        const eachRequest = (count: number | undefined) => fmt((count ?? 0) / Math.max(1, result.ok));
        console.log(
          `${kind} round ${round + 1} ${contender.entry}: ${result.throughput.toFixed(0)}/s, ${ms.toFixed(3)} ms CPU per ${kind === "ping" ? "ping" : "lead"} (exchange ${perMs(result.metered.exchange, result.ok)}, Redis ${perMs(result.metered.redis, result.ok)}, PostgreSQL ${perMs(result.metered.postgres, result.ok)}), Redis reads ${eachRequest(result.metered.redisReads)}, exchange write syscalls ${eachRequest(result.metered.exchangeWrites)}, ${result.errors} errors, load ${loadavg()[0]!.toFixed(2)}`,
        );
      }
    }
    for (const [contender, list] of perRequest) {
      const sorted = [...list].sort((a, b) => a - b);
      console.log(
        `${kind} median ${contender.entry}: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} ms CPU`,
      );
    }
  }
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  rmSync(workDir, { recursive: true, force: true });
}

/** rules-5 with validation, plus the rules the bench's market leaves off: a source throttle, the replay guard, funds, auto-pause. */
function everyRuleOn(config: ConfigFile): ConfigFile {
  return {
    ...config,
    sources: (config.sources ?? []).map((source) => ({ ...source, max_pings_per_minute: 1_000_000 })),
    buyers: (config.buyers ?? []).map((buyer) => ({
      ...buyer,
      funds: { credit_limit: 100_000_000 },
      auto_pause_after_failures: 1000,
    })),
    settings: { ...config.settings, replay_guard_s: 1 },
  } as ConfigFile;
}

async function sequential(target: LoadTarget, bodies: string[]): Promise<number> {
  let failed = 0;
  for (const body of bodies) {
    const response = await fetch(target.url + target.path, { method: "POST", headers: target.headers, body });
    const text = await response.text();
    if (!response.ok && failed++ === 0)
      console.log(`first failure: ${response.status} ${text.slice(0, 300)}`);
  }
  return failed;
}

async function pingThenPost(contender: Contender, count: number): Promise<number> {
  let failed = 0;
  for (const body of directBodies(count)) {
    const lead = JSON.parse(body) as { vertical: string; lead: Record<string, unknown>; consent: unknown };
    const pingResponse = await fetch(`${contender.ping.url}/v1/ping`, {
      method: "POST",
      headers: contender.ping.headers,
      body: JSON.stringify({
        vertical: lead.vertical,
        lead: pingPart(lead.vertical, lead.lead as LeadValues),
        contact_hash: {
          email_sha256: sha256(String(lead.lead.email).trim().toLowerCase()),
          phone_sha256: sha256(String(lead.lead.phone)),
        },
      }),
    });
    const answer = (await pingResponse.json()) as { ping_id?: string; status?: string };
    if (answer.status !== "bid") {
      if (failed++ === 0) console.log(`first failed ping: ${JSON.stringify(answer)}`);
      continue;
    }
    const postResponse = await fetch(`${contender.ping.url}/v1/post`, {
      method: "POST",
      headers: contender.ping.headers,
      body: JSON.stringify({ ping_id: answer.ping_id, lead: lead.lead, consent: lead.consent }),
    });
    const posted = await postResponse.text();
    if ((!postResponse.ok || !posted.includes('"sold"')) && failed++ === 0) {
      console.log(`first failed post: ${postResponse.status} ${posted.slice(0, 300)}`);
    }
  }
  return failed;
}

interface Counts {
  roundTrips: number;
  topLevel: number;
  all: number;
  statements: number;
  failed: number;
  byCommand: string;
  /** Statements per request, with the first 80 characters of each. */
  sql: string[];
}

/** Redis and PostgreSQL counts over `work`, less what the exchange does by itself over as long idle (timers). */
async function counted(contender: Contender, work: () => Promise<number>): Promise<Counts> {
  const before = await snapshot(contender);
  const started = performance.now();
  const failed = await work();
  const elapsed = performance.now() - started;
  const after = await snapshot(contender);
  const idleStart = await snapshot(contender);
  await sleep(Math.min(elapsed, 5000));
  const idleEnd = await snapshot(contender);
  const scale = elapsed / Math.min(elapsed, 5000);
  const delta = (key: string) =>
    (after.get(key) ?? 0) -
    (before.get(key) ?? 0) -
    Math.round(((idleEnd.get(key) ?? 0) - (idleStart.get(key) ?? 0)) * scale);
  const keys = [...new Set([...after.keys(), ...before.keys()])];
  const sum = (prefix: string) =>
    keys.filter((key) => key.startsWith(prefix)).reduce((total, key) => total + delta(key), 0);
  const topLevel = sum("top:");
  const all = topLevel + sum("lua:");
  const byCommand = keys
    .filter((key) => key.startsWith("top:") || key.startsWith("lua:"))
    .map(
      (key) => [key.startsWith("lua:") ? `${key.slice(4)} (in scripts)` : key.slice(4), delta(key)] as const,
    )
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${fmt(count / requests)}`)
    .join(", ");
  const sql = keys
    .filter((key) => key.startsWith("sql:"))
    .map((key) => [key.slice(4), delta(key)] as const)
    .filter(([, count]) => count > 0)
    .map(([text, count]) => `${fmt(count / requests)} × ${text}`);
  return {
    sql,
    roundTrips: delta("reads"),
    topLevel,
    all,
    statements: delta("pg:statements"),
    failed,
    byCommand,
  };
}

/** Counters so far: Redis reads, commands by name, PostgreSQL statements in all and by text. */
async function snapshot(contender: Contender): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  const stats = await contender.redis.client.info("stats");
  // Less the reads of this function's own INFO commands so far (one per snapshot).
  snapshots++;
  result.set("reads", Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]) - snapshots);
  const monitor = contender.redis.monitor;
  for (const [name, count] of monitor.topLevel) result.set(`top:${name}`, count);
  for (const [name, count] of monitor.inScripts) result.set(`lua:${name}`, count);
  result.set("pg:statements", await statementCount(contender));
  for (const line of (lastStatements.get(contender) ?? "").split("\n").slice(1)) {
    const [count, text] = line.split("\t");
    result.set(`sql:${text}`, Number(count));
  }
  return result;
}

/** The exchange's PostgreSQL statements so far, as its preload counted them (written on SIGUSR2). */
async function statementCount(contender: Contender): Promise<number> {
  contender.server.child.kill("SIGUSR2");
  for (let attempt = 0; attempt < 50; attempt++) {
    await sleep(20);
    try {
      const text = readFileSync(contender.statementsFile, "utf8");
      rmSync(contender.statementsFile);
      lastStatements.set(contender, text);
      return Number(text.split("\n")[0]);
    } catch {
      // not written yet
    }
  }
  throw new Error("the exchange did not write its statement count");
}

/** Commands Redis received from the exchange, as MONITOR shows them: top level, and run by scripts ("lua"). */
interface MonitorCounts {
  topLevel: Map<string, number>;
  inScripts: Map<string, number>;
}

async function startPrivateRedis(): Promise<Contender["redis"]> {
  const server = await startRedisServer();
  const port = server.port;
  const client = await server.admin();
  const monitor: MonitorCounts = { topLevel: new Map(), inScripts: new Map() };
  // A raw socket: ioredis's monitor mode lost track of its replies when a line arrived with its MONITOR answer.
  const monitorSocket = connect(port, "127.0.0.1");
  monitorSocket.write("MONITOR\r\n");
  let pending = "";
  const log = values["monitor-log"] ? `${values["monitor-log"]}.${port}` : undefined;
  monitorSocket.setEncoding("utf8").on("data", (text: string) => {
    const lines = (pending + text).split("\r\n");
    pending = lines.pop() ?? "";
    if (log) appendFileSync(log, lines.map((line) => `${line}\n`).join(""));
    for (const line of lines) {
      // +<time> [<db> <client address, or lua>] "<command>" "<arg>"...
      const match = /^\+[0-9.]+ \[\d+ ([^\]]+)\] "([^"]*)"/.exec(line);
      if (!match) continue;
      const name = match[2]!.toLowerCase();
      // This process's own INFO commands are the only ones named "info": the exchange sends none on its request path.
      if (name === "info") continue;
      const counts = match[1] === "lua" ? monitor.inScripts : monitor.topLevel;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  });
  monitorSocket.on("error", () => {});
  return {
    port,
    pid: server.pid,
    client,
    monitor,
    stopMonitor: () => monitorSocket.destroy(),
    stop: () => {
      monitorSocket.destroy();
      void server.stop();
    },
  };
}

/**
 * Where Redis's time went over the measured window, from `INFO commandstats` (reset as the window opens), left in
 * `into.stats`: the calls and µs inside Redis of each command (a script's µs include the commands it runs, which are
 * listed too). What the process's CPU holds beyond them is reading, parsing and answering requests.
 */
function commandTimes(contender: Contender, into: { stats: string }): WindowMeter {
  return async () => {
    await contender.redis.client.config("RESETSTAT");
    return async () => {
      into.stats = await contender.redis.client.info("commandstats");
      return undefined;
    };
  };
}

/** Reads Redis processed over the window (one per request or batch of commands that reached it), less the meter's own. */
function redisReads(contender: Contender): WindowMeter {
  const reads = async () =>
    Number(/total_reads_processed:(\d+)/.exec(await contender.redis.client.info("stats"))?.[1]);
  return async () => {
    const before = await reads();
    return async () => (await reads()) - before - 1;
  };
}

/** The exchange's write system calls over the window (/proc/<pid>/io syscw: write and writev, every socket). */
function writeSyscalls(pid: number): WindowMeter {
  const writes = () => Number(/^syscw: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))?.[1]);
  return async () => {
    const before = writes();
    return async () => writes() - before;
  };
}

/** The commandstats of a window, per request: calls and µs of each command. */
function perRequestTimes(stats: string, requests: number): string {
  const times: string[] = [];
  for (const [, name, calls, usec] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    if (name === "info" || name === "config") continue;
    times.push(`${name} ${fmt(Number(calls) / requests)}× ${fmt(Number(usec) / requests)} µs`);
  }
  return `Redis commandstats per request: ${times.join(", ")}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function fmt(value: number): string {
  return value.toFixed(2);
}

function perMs(seconds: number | undefined, count: number): string {
  return seconds === undefined ? "?" : ((seconds * 1000) / Math.max(1, count)).toFixed(3);
}
