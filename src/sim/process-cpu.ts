// CPU time used by other processes, for the benchmark's "CPU per ping": unlike throughput, it barely moves when
// other work on the machine competes for the cores.
import { readdirSync, readFileSync } from "node:fs";
import type { WindowMeter } from "./load-generator.ts";

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times; 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far, or undefined where /proc is not available. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU seconds of each thread of a process so far, by thread id, with the thread's name (`node:sqlite`'s
 * writer is Node's only `WorkerThread`; the main thread's id is the process's). The benches' CPU per thread.
 */
export function threadCpuSeconds(pid: number | "self"): Map<string, { name: string; seconds: number }> {
  const threads = new Map<string, { name: string; seconds: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      threads.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * CPU seconds a set of processes spends over a window. The set is listed again when the window closes, so processes
 * that appear meanwhile (a pool opening connections) count from zero; one that exits meanwhile is lost, which is why
 * the benchmark measures steady load. Undefined when none of the processes can be read.
 */
export function processesCpuMeter(listPids: () => Promise<number[]> | number[]): WindowMeter {
  return async () => {
    const before = new Map<number, number>();
    for (const pid of await listPids()) {
      const seconds = processCpuSeconds(pid);
      if (seconds !== undefined) before.set(pid, seconds);
    }
    return async () => {
      let total: number | undefined;
      for (const pid of await listPids()) {
        const seconds = processCpuSeconds(pid);
        if (seconds !== undefined) total = (total ?? 0) + seconds - (before.get(pid) ?? 0);
      }
      return total;
    };
  };
}

/**
 * Seconds a process's threads have spent runnable but waiting for a core (the kernel's run delay, from
 * /proc/<pid>/task/<tid>/schedstat): its main thread only (a Node server's event loop), or every thread (wrk's). What
 * the machine, not the process, added to its latency. Undefined where schedstat is not available.
 */
export function processRunDelaySeconds(pid: number, threads: "main" | "all"): number | undefined {
  try {
    const tids = threads === "main" ? [String(pid)] : readdirSync(`/proc/${pid}/task`);
    let nanoseconds = 0;
    for (const tid of tids) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
      nanoseconds += Number(fields[1]);
    }
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** The run delay of one process's main thread over a window (see processRunDelaySeconds). */
export function runDelayMeter(pid: number | undefined): WindowMeter {
  return async () => {
    const before = pid === undefined ? undefined : processRunDelaySeconds(pid, "main");
    return async () => {
      const after = pid === undefined ? undefined : processRunDelaySeconds(pid, "main");
      return before === undefined || after === undefined ? undefined : after - before;
    };
  };
}
