// What posting to a worker thread costs the poster, by where the worker waits (issue 14, session 26).
//
//   node bench/writer-wake.ts [--messages 3000] [--work-us 1000] [--writes 8] [--modes none,loop,nap,notify]
//
// The poster does a fixed amount of work between messages (a loop calibrated to `--work-us`, like a loaded main thread
// between two turns' posts) and sends `--writes`-write messages to a worker that only counts them. Whole-run CPU of
// each thread (`process.threadCpuUsage` at the start and end; over seconds it is the scheduler's exact runtime, while a
// single call's delta is not: with tick accounting the kernel brings a running thread's runtime up to date only at a
// tick or a scheduling event, and a wake-up can be one, so the delta around one `postMessage` that wakes a thread
// collects the runtime since the last tick, up to 4 ms on this VM) minus the run without posting (`none`) is what the
// posts cost. Worker modes:
// - `loop`: the worker waits in its event loop (`port.on("message")`), as the SQLite writer does: each message that
//   finds it asleep must wake it (eventfd write, futex, and on a VM an inter-processor interrupt to a halted CPU).
// - `nap`: the worker waits in `Atomics.wait` with a timeout (0.1 ms, doubling to 0.4 ms) nobody notifies and drains
//   its port with `receiveMessageOnPort`: its own timer wakes it; the poster's post wakes no one.
// - `notify`: as `nap`, but the poster also calls `Atomics.notify` (a futex wake per message), for comparison.
// Printed per mode: the poster's CPU and wall time per message beyond `none`, the sum of per-call CPU deltas around
// `postMessage` (to compare with the first), its wall time per call, the worker's CPU per message, and the
// latency from post to receipt (median, p99).
import { parseArgs } from "node:util";
import { MessageChannel, Worker } from "node:worker_threads";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "3000" },
    "work-us": { type: "string", default: "1000" },
    writes: { type: "string", default: "8" },
    "worker-work-us": { type: "string", default: "0" },
    modes: { type: "string", default: "none,loop,nap,notify,none,loop,nap,notify" },
  },
});
const count = Number(values.messages);
const writes = Number(values.writes);

const workerSource = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { port, mode, shared } = workerData;
const flags = new Int32Array(shared, 0, 4);
const sent = new Float64Array(shared, 16, ${count});
const latencies = [];
const start = process.threadCpuUsage();
const take = (message) => {
  latencies.push(performance.timeOrigin + performance.now() - sent[message.seq]);
  const busyUntil = performance.now() + ${Number(values["worker-work-us"])} / 1000;
  while (performance.now() < busyUntil);
  if (!message.last) return false;
  const cpu = process.threadCpuUsage(start);
  port.postMessage({ latencies, cpuUs: cpu.user + cpu.system });
  port.close();
  return true;
};
if (mode === "loop") {
  port.on("message", take);
} else {
  let nap = 0.1;
  for (;;) {
    const next = receiveMessageOnPort(port);
    if (next) {
      nap = 0.1;
      if (take(next.message)) break;
      continue;
    }
    Atomics.wait(flags, 0, Atomics.load(flags, 0), mode === "notify" ? 50 : nap);
    nap = Math.min(2 * nap, 0.4);
  }
}
`;

/** Work that takes about `us` µs, always the same instructions: a fixed number of iterations. */
let sink = 0;
function work(iterations: number): void {
  let x = sink;
  for (let i = 0; i < iterations; i++) x = (x * 1103515245 + 12345) % 2147483647;
  sink = x;
}
function calibrate(us: number): number {
  let iterations = 100_000;
  for (let warm = 0; warm < 20; warm++) work(iterations);
  for (;;) {
    const start = performance.now();
    work(iterations);
    const spent = (performance.now() - start) * 1000;
    if (spent > 20_000) return Math.round((iterations * us) / spent);
    iterations *= 2;
  }
}
const iterations = calibrate(Number(values["work-us"]));

type Run = {
  posterCpuUs: number;
  wallUs: number;
  workerCpuUs: number;
  latencies: number[];
  postWalls: number[];
  /** The sum of `process.threadCpuUsage` deltas around each post: what a per-call measurement would conclude. */
  perCallCpuUs: number;
};

async function run(mode: string): Promise<Run> {
  const shared = new SharedArrayBuffer(16 + 8 * count);
  const flags = new Int32Array(shared, 0, 4);
  const sent = new Float64Array(shared, 16, count);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { port: port2, mode: mode === "none" ? "loop" : mode, shared },
    transferList: [port2],
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const payload = Array.from({ length: writes }, (_, index) => ({
    op: "appendAuctionEvents",
    args: [{ id: `0193a1b2-c3d4-7e5f-8a9b-${index.toString().padStart(12, "0")}`, body: "x".repeat(200) }],
  }));
  const done = new Promise<{ latencies: number[]; cpuUs: number }>((resolve) =>
    port1.once("message", resolve),
  );
  const postWalls: number[] = [];
  let perCallCpuUs = 0;
  const cpuBefore = process.threadCpuUsage();
  const wallBefore = performance.now();
  for (let seq = 0; seq < count; seq++) {
    work(iterations);
    if (mode === "none" && seq < count - 1) continue;
    sent[seq] = performance.timeOrigin + performance.now();
    const callCpu = process.threadCpuUsage();
    const postedAt = performance.now();
    port1.postMessage({ seq, last: seq === count - 1, payload });
    if (mode === "notify") {
      Atomics.add(flags, 0, 1);
      Atomics.notify(flags, 0);
    }
    postWalls.push((performance.now() - postedAt) * 1000);
    const callSpent = process.threadCpuUsage(callCpu);
    perCallCpuUs += callSpent.user + callSpent.system;
  }
  const wallUs = (performance.now() - wallBefore) * 1000;
  const cpu = process.threadCpuUsage(cpuBefore);
  const { latencies, cpuUs } = await done;
  await worker.terminate();
  port1.close();
  return {
    posterCpuUs: cpu.user + cpu.system,
    wallUs,
    workerCpuUs: cpuUs,
    latencies,
    postWalls,
    perCallCpuUs,
  };
}

const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
const at = (list: number[], q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))]!;
let none: Run | undefined;
for (const mode of values.modes!.split(",")) {
  const result = await run(mode);
  if (mode === "none") none = result;
  const base = none ?? result;
  const latency = sorted(result.latencies.map((ms) => ms * 1000));
  const postWall = sorted(result.postWalls);
  const postWallMean = result.postWalls.reduce((a, b) => a + b, 0) / Math.max(1, result.postWalls.length);
  console.log(
    `${mode.padEnd(7)} poster CPU ${(result.posterCpuUs / count).toFixed(1)} µs/msg (+${((result.posterCpuUs - base.posterCpuUs) / count).toFixed(1)}), wall +${((result.wallUs - base.wallUs) / count).toFixed(1)} µs/msg; per-call CPU deltas ${(result.perCallCpuUs / count).toFixed(1)} µs/msg; postMessage wall µs p50 ${at(postWall, 0.5).toFixed(1)} mean ${postWallMean.toFixed(1)} p90 ${at(postWall, 0.9).toFixed(0)}; worker CPU ${(result.workerCpuUs / count).toFixed(1)} µs/msg; latency µs p50 ${at(latency, 0.5).toFixed(0)} p99 ${at(latency, 0.99).toFixed(0)}`,
  );
}
