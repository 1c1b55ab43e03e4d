// What posting to a worker thread costs the poster, by where the worker waits (issue 14, session 26).
//
//   node bench/writer-wake.ts [--messages 2000] [--gap-us 1000] [--writes 8]
//
// The poster sends `--writes`-write messages `--gap-us` apart (busy-waiting between them, as a loaded main thread
// would be busy) to a worker that does no work per message but count it, and times `postMessage` with
// `process.threadCpuUsage` (the poster's own CPU). Worker modes:
// - `loop`: the worker waits in its event loop (`port.on("message")`), as the SQLite writer does today: each message
//   that finds it asleep must wake it (eventfd write, futex, and on a VM an inter-processor interrupt).
// - `poll-<us>`: the worker waits in `Atomics.wait` with a `<us>` timeout and drains its port with
//   `receiveMessageOnPort`; nobody notifies it, so its own timer wakes it and the poster's eventfd write wakes no one.
// - `notify`: as `poll`, but the poster also calls `Atomics.notify` (a futex wake per message), for comparison.
// Printed per mode: the poster's CPU per message (median and mean), the worker's CPU per message, and the latency from
// post to receipt (median, p99).

import { parseArgs } from "node:util";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "2000" },
    "gap-us": { type: "string", default: "1000" },
    writes: { type: "string", default: "8" },
    modes: { type: "string", default: "loop,poll-200,poll-500,notify,loop" },
  },
});
const count = Number(values.messages);
const gapUs = Number(values["gap-us"]);
const writes = Number(values.writes);

const workerSource = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { port, mode, shared } = workerData;
const flags = new Int32Array(shared, 0, 4);
const sent = new Float64Array(shared, 16, ${count});
const latencies = [];
let received = 0;
const take = (message) => {
  latencies.push(performance.timeOrigin + performance.now() - sent[message.seq]);
  received++;
  if (message.last) {
    const cpu = process.threadCpuUsage();
    port.postMessage({ latencies, cpuUs: cpu.user + cpu.system });
    port.close();
    return true;
  }
  return false;
};
if (mode === "loop") {
  port.on("message", take);
} else {
  const sliceMs = mode === "notify" ? 50 : Number(mode.slice(5)) / 1000;
  for (;;) {
    const next = receiveMessageOnPort(port);
    if (next) { if (take(next.message)) break; continue; }
    Atomics.wait(flags, 0, Atomics.load(flags, 0), sliceMs);
  }
}
`;

function busyWaitUs(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

async function run(mode: string): Promise<string> {
  const shared = new SharedArrayBuffer(16 + 8 * count);
  const flags = new Int32Array(shared, 0, 4);
  const sent = new Float64Array(shared, 16, count);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { port: port2, mode, shared },
    transferList: [port2],
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const payload = Array.from({ length: writes }, (_, index) => ({
    op: "appendAuctionEvents",
    args: [{ id: `0193a1b2-c3d4-7e5f-8a9b-${index.toString().padStart(12, "0")}`, body: "x".repeat(200) }],
  }));
  const costs: number[] = [];
  const walls: number[] = [];
  const done = new Promise<{ latencies: number[]; cpuUs: number }>((resolve) =>
    port1.once("message", resolve),
  );
  for (let seq = 0; seq < count; seq++) {
    busyWaitUs(gapUs);
    sent[seq] = performance.timeOrigin + performance.now();
    const before = process.threadCpuUsage();
    const wallBefore = performance.now();
    port1.postMessage({ seq, last: seq === count - 1, payload });
    if (mode === "notify") {
      Atomics.add(flags, 0, 1);
      Atomics.notify(flags, 0);
    }
    walls.push((performance.now() - wallBefore) * 1000);
    const spent = process.threadCpuUsage(before);
    costs.push(spent.user + spent.system);
  }
  const { latencies, cpuUs } = await done;
  await worker.terminate();
  port1.close();
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  const at = (list: number[], q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))]!;
  const c = sorted(costs);
  const l = sorted(latencies.map((ms) => ms * 1000));
  const mean = costs.reduce((a, b) => a + b, 0) / costs.length;
  const w = sorted(walls);
  const wallMean = walls.reduce((a, b) => a + b, 0) / walls.length;
  return `${mode.padEnd(9)} poster CPU µs/msg mean ${mean.toFixed(1)}, wall median ${at(w, 0.5).toFixed(1)} mean ${wallMean.toFixed(1)} p90 ${at(w, 0.9).toFixed(1)}; worker CPU µs/msg ${(cpuUs / count).toFixed(1)}; latency µs p50 ${at(l, 0.5).toFixed(0)} p99 ${at(l, 0.99).toFixed(0)}`;
}

for (const mode of values.modes!.split(",")) console.log(await run(mode));
