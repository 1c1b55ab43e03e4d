// What starting an exchange costs in CPU when a process starts several (the test shards, `gavel simulate`): starts and
// closes N embedded exchanges one after another in this process (a temporary SQLite folder each, memory hot state,
// no configuration, port 0) and prints each start's CPU time (user + system of this process, `process.cpuUsage`), so
// the first (modules warming up, schemas compiled) can be told from the later ones. Prints one JSON line at the end.
//
//   node bench/exchange-starts.ts [--starts 10]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startGavel } from "../src/app.ts";

const { values } = parseArgs({ options: { starts: { type: "string", default: "10" } } });
const starts = Number(values.starts);
const loadBefore = loadavg()[0]!;

const startMs: number[] = [];
const closeMs: number[] = [];
for (let i = 0; i < starts; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-starts-"));
  let used = process.cpuUsage();
  const gavel = await startGavel({
    dataDir,
    databaseUrl: "",
    redisUrl: "",
    port: 0,
    adminKey: "bench-admin-key",
    logLevel: "silent",
  });
  startMs.push(cpuMsSince(used));
  used = process.cpuUsage();
  await gavel.close();
  closeMs.push(cpuMsSince(used));
  rmSync(dataDir, { recursive: true, force: true });
}

const later = startMs.slice(1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(
  JSON.stringify({
    firstStartMs: round(startMs[0] ?? 0),
    laterStartsMedianMs: round(median(later)),
    laterStartsMeanMs: round(later.reduce((sum, ms) => sum + ms, 0) / Math.max(1, later.length)),
    startsMs: startMs.map(round),
    closeMedianMs: round(median(closeMs)),
    loadBefore: round(loadBefore),
    loadAfter: round(loadavg()[0]!),
  }),
);

function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
