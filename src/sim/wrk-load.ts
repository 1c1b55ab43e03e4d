// Load from wrk (a C load generator: Debian's `wrk` package), so the generator is not the bottleneck it is when
// Node shares the cores with the servers it measures. The same phases as load-generator.ts: a closed loop for
// saturation, and a paced one (wrk2-style slots from bench/wrk/post-bodies.lua) for latency at a fixed rate. Each run
// also says how much CPU wrk itself used, so a reader can tell whether the generator was the limit. Ping→post pairs
// (a ping, then the post of its lead when it bid) run as a closed loop of their own (runWrk's `pairs`).
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { LoadResult, LoadTarget, WindowMeter } from "./load-generator.ts";
import { processCpuSeconds, processRunDelaySeconds } from "./process-cpu.ts";

const WRK_SCRIPT = new URL("../../bench/wrk/post-bodies.lua", import.meta.url).pathname;

export interface WrkResult extends LoadResult {
  /** wrk's own CPU over its run, as a share of one core (1 = a whole core). */
  generatorCpuShare: number | undefined;
  /** How long wrk's threads waited for a core over its run, per second of run (the machine's doing, not wrk's). */
  generatorWaitShare: number | undefined;
  /** The `waitMeters`' readings over the measured run: seconds each process waited for a core. */
  waited: Record<string, number>;
  /** Paced runs: send slots that fell due while every connection still awaited an answer (the rate was not held). */
  lateSlots: number;
  /** Pair runs: what the pings and posts were answered (`ok` counts the pairs: posts answered 2xx). */
  pairs?: PairCounts;
  /**
   * Paced runs: how far each send left after its slot fell due, in ms (wrk's latency starts at the send, so the
   * latency from the due time is at most the latency plus this lag). `dueP99Bound`: the p99 from the due time is at
   * most this (the latency's and the lag's 99.5th percentiles added).
   */
  sendLag?: { p50: number; p99: number; max: number; dueP99Bound: number };
}

/** Pair runs: the pings and posts of a run, counted by the wrk script from their answers. */
export interface PairCounts {
  /** Pings answered (any status). */
  pings: number;
  /** Pings answered 2xx without a bid: no post follows. */
  noBids: number;
  /** Posts answered 2xx `sold` (the rest of the pairs were answered `unsold`). */
  sold: number;
  /** Pings answered non-2xx (or a bid without a ping id), posts answered non-2xx. */
  pingFailures: number;
  postFailures: number;
  /** Answers without the X-Request-Id of a request in flight (the server did not echo it): nothing posted. */
  unmatched: number;
}

/** The wrk binary to use (GAVEL_BENCH_WRK, else `wrk` on the PATH), or undefined when there is none. */
export function findWrk(): string | undefined {
  const binary = process.env.GAVEL_BENCH_WRK ?? "wrk";
  const probe = spawnSync(binary, ["-v"], { encoding: "utf8" });
  return probe.error ? undefined : binary;
}

/** Writes the bodies where the Lua script reads them: one per line (JSON bodies have no raw newlines). */
export function writeBodiesFile(dir: string, name: string, bodies: readonly string[]): string {
  const file = join(dir, `${name}.bodies`);
  writeFileSync(file, `${bodies.join("\n")}\n`);
  return file;
}

/**
 * Runs wrk against `target` for `warmupMs` (discarded), then `durationMs` measured, with `connections` connections;
 * paced at `ratePerSecond` when given (open loop), else as fast as the server answers (closed loop). The meters run
 * over the measured run. With `pairs`, the bodies file holds ping→post pairs (benchPairBodies): the connections ping
 * `target.path` and post each bid ping's lead to `pairs.postPath`, in a closed loop, matching each answer to its
 * request by the X-Request-Id the server echoes (a server that does not echo it gets no posts: `pairs.unmatched`):
 * `ok` and `throughput` count the pairs (posts answered 2xx), `latency` is a pair's (its ping sent to its post
 * answered). A pair run with `ratePerSecond` is paced like any other (one thread): every request, ping or post, takes
 * a send slot, so about half the rate in pairs a second (bench/pair-post-split.ts compares them at one rate).
 */
export async function runWrk(
  wrk: string,
  target: LoadTarget,
  bodiesFile: string,
  options: {
    connections: number;
    durationMs: number;
    warmupMs: number;
    ratePerSecond?: number;
    meters?: Record<string, WindowMeter>;
    /** Like `meters`, read into `waited`: how long each process waited for a core (runDelayMeter). */
    waitMeters?: Record<string, WindowMeter>;
    pairs?: PairLoad;
  },
): Promise<WrkResult> {
  if (options.warmupMs > 0)
    await wrkOnce(wrk, target, bodiesFile, { ...options, durationMs: options.warmupMs });
  const open = (meters: Record<string, WindowMeter> | undefined) =>
    Promise.all(
      Object.entries(meters ?? {}).map(
        async ([name, meter]) => [name, await meter().catch(() => undefined)] as const,
      ),
    );
  const read = async (closers: Awaited<ReturnType<typeof open>>) => {
    const amounts: Record<string, number> = {};
    for (const [name, close] of closers) {
      const amount = await close?.().catch(() => undefined);
      if (amount !== undefined) amounts[name] = amount;
    }
    return amounts;
  };
  const [cpuClosers, waitClosers] = await Promise.all([open(options.meters), open(options.waitMeters)]);
  const run = await wrkOnce(wrk, target, bodiesFile, options);
  const [metered, waited] = await Promise.all([read(cpuClosers), read(waitClosers)]);
  return { ...run, metered, waited };
}

interface WrkOutput {
  requests: number;
  duration_us: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  status_errors: number;
  timeouts: number;
  late_slots: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Paced runs only. */
  send_lag_p50_ms?: number;
  send_lag_p99_ms?: number;
  send_lag_max_ms?: number;
  due_p99_bound_ms?: number;
  /** Pair runs only. */
  pairs?: number;
  sold?: number;
  pings?: number;
  no_bids?: number;
  ping_failures?: number;
  post_failures?: number;
  unmatched?: number;
  pair_p50_ms?: number;
  pair_p90_ms?: number;
  pair_p99_ms?: number;
  pair_max_ms?: number;
}

/** A pair run's load: where a bid ping's lead is posted, and how many wrk threads carry its connections. */
export interface PairLoad {
  postPath: string;
  /** At most this many wrk threads (default PAIR_THREADS); fewer when the connections do not divide among them. */
  threads?: number;
}

/**
 * wrk threads for a pair run. The script matches answers to requests by their echoed X-Request-Id, so one thread
 * carries many connections; every thread more is one more to wake per answer (when a thread per connection carried
 * the pairs, wrk cost ~150 µs per request, against ~16 for a one-thread ping run).
 */
export const PAIR_THREADS = 1;

/** The most threads, at most `most`, among which wrk can share `connections` evenly (it gives each the quotient). */
function pairThreads(connections: number, most: number): number {
  let threads = Math.max(1, Math.min(most, connections));
  while (connections % threads !== 0) threads--;
  return threads;
}

let nextSeqBase = 0;

async function wrkOnce(
  wrk: string,
  target: LoadTarget,
  bodiesFile: string,
  options: {
    connections: number;
    durationMs: number;
    ratePerSecond?: number;
    pairs?: PairLoad;
  },
): Promise<Omit<WrkResult, "metered" | "waited">> {
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  // One thread: a paced run's schedule is per thread, and one wrk thread outruns a Node server.
  const threads = options.pairs ? pairThreads(options.connections, options.pairs.threads ?? PAIR_THREADS) : 1;
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${seconds}s`,
    "--timeout",
    "5s",
    "-s",
    WRK_SCRIPT,
    target.url,
    "--",
    target.path,
    bodiesFile,
    target.headers.authorization ?? "",
    ...(options.pairs ? [options.pairs.postPath] : []),
  ];
  // Direct posts and pairs number their consumers from here: every run (warm-up included) a fresh range of 10 million.
  const seqBase = nextSeqBase;
  nextSeqBase += 10_000_000;
  const env = {
    ...process.env,
    GAVEL_WRK_RATE: String(options.ratePerSecond ?? 0),
    GAVEL_WRK_SEQ_BASE: String(seqBase),
    GAVEL_WRK_THREADS: String(threads),
  };
  const child = spawn(wrk, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let cpuSeconds: number | undefined;
  let waitSeconds: number | undefined;
  const readCpu = () => {
    if (child.pid === undefined) return;
    cpuSeconds = processCpuSeconds(child.pid) ?? cpuSeconds;
    waitSeconds = processRunDelaySeconds(child.pid, "all") ?? waitSeconds;
  };
  // wrk's CPU is read until it exits; the last reading is taken as its result line arrives (it exits right after).
  const poll = setInterval(readCpu, 250);
  let output: WrkOutput | undefined;
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!line.startsWith("wrk-result ")) return;
    readCpu();
    output = JSON.parse(line.slice("wrk-result ".length)) as WrkOutput;
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearInterval(poll);
  if (code !== 0 || !output) throw new Error(`wrk failed (exit ${code}): ${stderr.trim()}`);
  const measuredS = output.duration_us / 1e6;
  // An answer the script could not match to its request is an error too: its pair is lost.
  const errors =
    output.connect_errors +
    output.read_errors +
    output.write_errors +
    output.status_errors +
    output.timeouts +
    (output.unmatched ?? 0);
  const generatorCpuShare = cpuSeconds === undefined ? undefined : cpuSeconds / measuredS;
  const generatorWaitShare = waitSeconds === undefined ? undefined : waitSeconds / measuredS;
  if (options.pairs) {
    if (output.pairs === undefined) throw new Error("wrk's script printed no pair counts");
    // Not one answer matched: the server does not echo X-Request-Id (a Gavel older than the header, or another API).
    if (output.pings === 0 && (output.unmatched ?? 0) > 0)
      throw new Error(
        `no answer carried its request's X-Request-Id (${output.unmatched} answers): pair runs need a seller API that echoes it`,
      );
    return {
      ok: output.pairs,
      errors,
      measuredS,
      throughput: output.pairs / measuredS,
      latency: {
        count: output.pairs,
        p50: output.pair_p50_ms ?? 0,
        p90: output.pair_p90_ms ?? 0,
        p99: output.pair_p99_ms ?? 0,
        max: output.pair_max_ms ?? 0,
      },
      generatorCpuShare,
      generatorWaitShare,
      lateSlots: 0,
      pairs: {
        pings: output.pings ?? 0,
        noBids: output.no_bids ?? 0,
        sold: output.sold ?? 0,
        pingFailures: output.ping_failures ?? 0,
        postFailures: output.post_failures ?? 0,
        unmatched: output.unmatched ?? 0,
      },
    };
  }
  const ok = Math.max(0, output.requests - output.status_errors);
  return {
    ok,
    errors,
    measuredS,
    throughput: ok / measuredS,
    latency: {
      count: output.requests,
      p50: output.p50_ms,
      p90: output.p90_ms,
      p99: output.p99_ms,
      max: output.max_ms,
    },
    generatorCpuShare,
    generatorWaitShare,
    lateSlots: output.late_slots,
    ...(output.send_lag_p99_ms !== undefined && {
      sendLag: {
        p50: output.send_lag_p50_ms ?? 0,
        p99: output.send_lag_p99_ms,
        max: output.send_lag_max_ms ?? 0,
        dueP99Bound: output.due_p99_bound_ms ?? 0,
      },
    }),
  };
}
