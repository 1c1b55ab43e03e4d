// Where the fixed-rate phase's tail comes from: the same paced wrk run (bench/wrk/post-bodies.lua, open loop) against
// each layer of the reference's path alone, so the reference's p99 can be read against what the bench itself adds.
//
//   node bench/latency-floor.ts [--rate 860] [--duration 10] [--rounds 3] [--connections 64] [--buyers 5]
//
// Layers, each in rounds: `buyer` (one of the farm's buyers pinged directly at the rate: a trivial Node server
// behind the same generator), `farm` (one buyer at the rate times the number of buyers: the farm's load when the
// reference fans out), `reference` (the bare fan-out over the whole farm, as `gavel bench` runs it). Each line: the
// latency percentiles, slots late, how late the sends left against their slots and how long wrk waited for a core,
// and the CPU of wrk, the farm and the reference over the run, with the load average.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchPingBodies, instantBuyers } from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import { startChildService } from "../src/sim/child-service.ts";
import type { LoadTarget } from "../src/sim/load-generator.ts";
import { processesCpuMeter } from "../src/sim/process-cpu.ts";
import { findWrk, runWrk, writeBodiesFile } from "../src/sim/wrk-load.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "860" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
    buyers: { type: "string", default: "5" },
    layers: { type: "string", default: "buyer,farm,reference" },
  },
});
const rate = Number(values.rate);
const durationMs = Number(values.duration) * 1000;
const buyersCount = Number(values.buyers);
const connections = Number(values.connections);

const wrk = findWrk();
if (!wrk) throw new Error("wrk is not installed");
const farm = await startBuyerFarm(instantBuyers(buyersCount), { recordLimit: 0 });
const workDir = mkdtempSync(join(tmpdir(), "gavel-floor-"));
const pingUrls = Object.values(farm.buyers).map((urls) => urls.ping);
const reference = await startChildService({
  name: "reference",
  args: [new URL("./reference-fanout.ts", import.meta.url).pathname, JSON.stringify(pingUrls)],
  readyLine: (line) => /listening on (http:\/\/[^\s)]+)/.exec(line)?.[1],
});
const farmPid = await fetch(`${farm.control}/stats`).then(() => findFarmPid());
try {
  const bodies = benchPingBodies("rules-5");
  const bodiesFile = writeBodiesFile(workDir, "ping", bodies);
  const headers = { "content-type": "application/json" };
  const firstBuyer = new URL(pingUrls[0]!);
  const layers: Record<string, { target: LoadTarget; rate: number }> = {
    buyer: { target: { url: firstBuyer.origin, path: "/ping", headers, bodies }, rate },
    farm: { target: { url: firstBuyer.origin, path: "/ping", headers, bodies }, rate: rate * buyersCount },
    reference: { target: { url: reference.ready, path: "/", headers, bodies }, rate },
  };
  const meter = (pid: number | undefined) => processesCpuMeter(() => (pid === undefined ? [] : [pid]));
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of values.layers.split(",")) {
      const layer = layers[name]!;
      const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0];
      const result = await runWrk(wrk, layer.target, bodiesFile, {
        connections: Math.max(connections, 2 * Math.ceil(layer.rate / 50)),
        durationMs,
        warmupMs: 2000,
        ratePerSecond: layer.rate,
        meters: { farm: meter(farmPid), reference: meter(reference.child.pid) },
      });
      const { p50, p90, p99, max } = result.latency;
      const perSecond = (seconds: number | undefined) =>
        seconds === undefined ? "?" : (seconds / result.measuredS).toFixed(2);
      console.log(
        `${name.padEnd(9)} ${String(layer.rate).padStart(5)}/s load ${load}: p50 ${p50.toFixed(2)} p90 ${p90.toFixed(2)} ` +
          `p99 ${p99.toFixed(2)} max ${max.toFixed(1)} ms, late ${result.lateSlots}, send lag p99 ` +
          `${result.sendLag?.p99.toFixed(2)} max ${result.sendLag?.max.toFixed(1)} ms, p99 from due ≤ ` +
          `${result.sendLag?.dueP99Bound.toFixed(2)} ms, waited for a core ` +
          `${((result.generatorWaitShare ?? Number.NaN) * 1000).toFixed(1)} ms/s, cores: wrk ` +
          `${result.generatorCpuShare?.toFixed(2)} farm ${perSecond(result.metered.farm)} reference ` +
          `${perSecond(result.metered.reference)}`,
      );
    }
  }
} finally {
  await reference.stop();
  await farm.stop();
  rmSync(workDir, { recursive: true, force: true });
}

/** The farm's pid: the child of this process running buyer-farm.ts. */
function findFarmPid(): number | undefined {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8")
    .trim()
    .split(/\s+/);
  return children
    .map(Number)
    .find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("buyer-farm"));
}
