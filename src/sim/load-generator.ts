// HTTP load for the benchmark, in the style of autocannon: a closed loop to find the saturation throughput, and an
// open loop at a fixed rate to measure latency honestly (arrivals do not wait for answers, as in production).
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { type LatencySummary, summarizeLatencies } from "./latency-stats.ts";
import { runAtRate } from "./pacer.ts";

export interface LoadTarget {
  /** Origin, e.g. http://127.0.0.1:8080. */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Request bodies, sent in turn: varied leads, encoded once so the generator spends its CPU on sending. */
  bodies: string[];
}

export interface LoadResult {
  /** Requests answered with a 2xx in the measured window. */
  ok: number;
  /** Transport failures and non-2xx answers in the measured window. */
  errors: number;
  measuredS: number;
  /** Successful answers per second. */
  throughput: number;
  latency: LatencySummary;
  /** What each of the `meters` measured over the window (closed loop only); a meter that could not read is left out. */
  metered: Record<string, number>;
}

/**
 * Measures something over the measured window, e.g. a server's CPU seconds: called as the window opens, it resolves
 * to a function called as the window closes, which resolves to the amount (undefined when it could not be read).
 */
export type WindowMeter = () => Promise<() => Promise<number | undefined>>;

/**
 * Keeps `concurrency` requests in flight for `warmupMs + durationMs`; only the last `durationMs` are measured, so
 * connection set-up and JIT warm-up do not count. The `meters` (e.g. the servers' CPU time) run over the measured
 * window.
 */
export async function closedLoop(
  target: LoadTarget,
  options: {
    concurrency: number;
    durationMs: number;
    warmupMs: number;
    meters?: Record<string, WindowMeter>;
  },
): Promise<LoadResult> {
  const pool = new Pool(target.url, { connections: options.concurrency, pipelining: 1 });
  const recorder = new LoadRecorder();
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  let next = 0;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const sentAt = performance.now();
      const ok = await send(pool, target, target.bodies[next++ % target.bodies.length]!);
      const doneAt = performance.now();
      if (sentAt >= measureFrom && doneAt <= stopAt) recorder.add(ok, doneAt - sentAt);
    }
  };
  const metering = Object.entries(options.meters ?? {}).map(([name, meter]) =>
    sleep(options.warmupMs)
      .then(meter)
      .then(async (close) => {
        await sleep(Math.max(0, stopAt - performance.now()));
        return [name, await close()] as const;
      })
      .catch(() => [name, undefined] as const),
  );
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await pool.close();
  const metered: Record<string, number> = {};
  for (const [name, amount] of await Promise.all(metering)) if (amount !== undefined) metered[name] = amount;
  return { ...recorder.result(options.durationMs), metered };
}

/**
 * Sends `ratePerSecond` requests a second for `warmupMs + durationMs`, whatever the answers' pace; latency runs from
 * when each request was due. Requests still in flight at the end are awaited and counted.
 */
export async function openLoop(
  target: LoadTarget,
  options: { ratePerSecond: number; durationMs: number; warmupMs: number; maxConnections?: number },
): Promise<LoadResult> {
  const pool = new Pool(target.url, { connections: options.maxConnections ?? 256, pipelining: 1 });
  const recorder = new LoadRecorder();
  const measureFrom = performance.now() + options.warmupMs;
  const stop = AbortSignal.timeout(options.warmupMs + options.durationMs);
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  await runAtRate(options.ratePerSecond, stop, (dueAt) => {
    const sending = send(pool, target, target.bodies[next++ % target.bodies.length]!).then((ok) => {
      if (dueAt >= measureFrom) recorder.add(ok, performance.now() - dueAt);
      inFlight.delete(sending);
    });
    inFlight.add(sending);
  });
  await Promise.all(inFlight);
  await pool.close();
  return { ...recorder.result(options.durationMs), metered: {} };
}

async function send(pool: Pool, target: LoadTarget, body: string): Promise<boolean> {
  try {
    const response = await pool.request({ method: "POST", path: target.path, headers: target.headers, body });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 300;
  } catch {
    return false;
  }
}

class LoadRecorder {
  #ok = 0;
  #errors = 0;
  #latencies: number[] = [];

  add(ok: boolean, latencyMs: number): void {
    if (ok) {
      this.#ok++;
      this.#latencies.push(latencyMs);
    } else {
      this.#errors++;
    }
  }

  result(measuredMs: number): Omit<LoadResult, "metered"> {
    const measuredS = measuredMs / 1000;
    return {
      ok: this.#ok,
      errors: this.#errors,
      measuredS,
      throughput: this.#ok / measuredS,
      latency: summarizeLatencies(this.#latencies),
    };
  }
}
