// How long the in-process duplicate windows hold the event loop while their key table grows to millions of keys, and
// while its expired keys are swept (issue 14: growing copied the whole table at once, ~320 MB at 16 million keys).
//
//   node bench/duplicate-table-pauses.ts [--keys 4000000,16000000] [--batch 2000]
//                                        [--windows src/state/duplicates/memory-duplicate-windows.ts ...]
//
// For each windows module (give the base checkout's file and this one's to compare) and each key count, a child
// process remembers that many keys (30-day windows, keys as the engine names them) through
// `MemoryDuplicateWindows.remember`, `--batch` keys per turn of the event loop (a busy exchange's sales arrive between
// requests), with perf_hooks.monitorEventLoopDelay watching, and reports the worst event-loop delay, the longest
// batch, and the table's bytes. Then half the keys expire and the bench waits for the windows' own sweep (the
// minute's timer, hurried by an injected clock that is a minute on at each check), reporting the worst delay again.
// Wall-clock figures: on a shared machine compare runs made together, and read the worst, not the mean.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const DAY_MS = 86_400_000;

interface Windows {
  remember(keys: readonly string[], ttlMs: number): Promise<void>;
  readonly size: number;
  readonly tableBytes: number;
  close(): Promise<void>;
}

const { values } = parseArgs({
  options: {
    keys: { type: "string", default: "4000000,16000000" },
    batch: { type: "string", default: "2000" },
    windows: { type: "string", multiple: true },
    child: { type: "boolean", default: false },
  },
});

function compare(): void {
  const modules = values.windows ?? [
    new URL("../src/state/duplicates/memory-duplicate-windows.ts", import.meta.url).pathname,
  ];
  const counts = values.keys!.split(",").map(Number);
  console.log(
    `duplicate table pauses: batches of ${values.batch} keys; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  for (const keys of counts) {
    for (const module of modules) {
      const run = spawnSync(
        process.execPath,
        [
          "--max-old-space-size=4096",
          new URL(import.meta.url).pathname,
          "--child",
          "--keys",
          String(keys),
          "--batch",
          values.batch!,
          "--windows",
          module,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      if (run.status !== 0) throw new Error(`the run for ${module} failed (${run.status})`);
      console.log(`${module}\n${run.stdout.trimEnd()}`);
    }
  }
  console.log(`load average ${loadavg()[0]!.toFixed(1)} at the end`);
}

async function measure(module: string, keys: number, batch: number): Promise<void> {
  const { MemoryDuplicateWindows } = (await import(module)) as {
    MemoryDuplicateWindows: new (options: { now: () => number; maxKeys?: number }) => Windows;
  };
  let now = Date.UTC(2026, 11, 6);
  // The ceiling above the run's keys: this measures growth (a table at its ceiling stops growing).
  const windows = new MemoryDuplicateWindows({ now: () => now, maxKeys: keys * 2 });
  const names = new KeyNames();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // Garbage collections pause the thread too (not the table's doing): the longest, to tell the two apart.
  let longestGcMs = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
  });
  gcs.observe({ entryTypes: ["gc"] });
  // The main thread's CPU time between two turns of this loop: what ran without yielding (a batch, and the upkeep
  // slices run between batches), unlike wall time not stretched by other processes on a loaded machine.
  const turns = new CpuTurns();
  const started = performance.now();
  for (let done = 0; done < keys; ) {
    const until = Math.min(keys, done + batch);
    // Half the keys end in a day, half in 30 days: the sweep below expires the first half.
    for (; done < until; done++)
      await windows.remember([names.next()], done % 2 === 0 ? DAY_MS : 30 * DAY_MS);
    await new Promise((resolve) => setImmediate(resolve));
    turns.turn();
  }
  const loadS = (performance.now() - started) / 1000;
  // Let upkeep started by the last insert finish (it runs a slice per turn).
  await sleep(200);
  const grow = {
    maxMs: delay.max / 1e6,
    p99Ms: delay.percentile(99) / 1e6,
    cpuMs: turns.longestMs,
    gcMs: longestGcMs,
  };
  longestGcMs = 0;
  const grownBytes = windows.tableBytes;
  const grownSize = windows.size;
  delay.reset();
  // The sweep: every minute by its own timer. Two days on, half the keys have expired; a ticker keeps a turn every
  // millisecond or so, so a long sweep shows as delay.
  now += 2 * DAY_MS;
  const sweepStarted = performance.now();
  const sweepTurns = new CpuTurns();
  while (windows.size > grownSize / 2 + batch && performance.now() - sweepStarted < 90_000) {
    await sleep(1);
    sweepTurns.turn();
  }
  const sweepS = (performance.now() - sweepStarted) / 1000;
  await sleep(500);
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    sweepTurns.turn();
  }
  const sweep = {
    maxMs: delay.max / 1e6,
    p99Ms: delay.percentile(99) / 1e6,
    cpuMs: sweepTurns.longestMs,
    gcMs: longestGcMs,
  };
  gcs.disconnect();
  delay.disable();
  console.log(
    `  ${keys.toLocaleString("en")} keys in ${loadS.toFixed(1)} s; table ${(grownBytes / 2 ** 20).toFixed(0)} MiB; ` +
      `growing: worst event-loop delay ${grow.maxMs.toFixed(1)} ms (p99 ${grow.p99Ms.toFixed(1)}), ` +
      `longest CPU time between two turns ${grow.cpuMs.toFixed(1)} ms, longest GC ${grow.gcMs.toFixed(1)} ms\n` +
      `  sweeping half of them (waited ${sweepS.toFixed(1)} s for the minute's timer, ${windows.size.toLocaleString("en")} left, ` +
      `table ${(windows.tableBytes / 2 ** 20).toFixed(0)} MiB): worst event-loop delay ${sweep.maxMs.toFixed(1)} ms ` +
      `(p99 ${sweep.p99Ms.toFixed(1)}), longest CPU time between two turns ${sweep.cpuMs.toFixed(1)} ms, longest GC ${sweep.gcMs.toFixed(1)} ms`,
  );
  await windows.close();
}

/** The longest CPU time (this thread's) between two calls of `turn`. */
class CpuTurns {
  #last = cpuMs();
  longestMs = 0;
  turn(): void {
    const now = cpuMs();
    this.longestMs = Math.max(this.longestMs, now - this.#last);
    this.#last = now;
  }
}

function cpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** Keys as the engine names them (a scope, then a sha256 in hex), from a fast generator: sha256 is not measured here. */
class KeyNames {
  #state = 0x9e3779b9;
  next(): string {
    let hex = "";
    for (let i = 0; i < 8; i++) hex += this.#word().toString(16).padStart(8, "0");
    return `v:auto:email:${hex}`;
  }
  #word(): number {
    // xorshift32
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }
}

// Last, so the classes above are initialised before the run uses them.
if (values.child) await measure(resolve(values.windows![0]!), Number(values.keys), Number(values.batch));
else compare();
