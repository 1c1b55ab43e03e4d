// The main thread's `perf` samples inside the measured runs of `bench/ping-alloc.ts --alternate --marks`, per request
// of each kind (post, direct): CPU time (cpu-clock samples, not wall time), split into what sends and receives the
// SQLite writer's messages, the event loop's polls and wake-ups, and JS with V8's builtins; then the top leaf symbols.
//
//   perf record -k CLOCK_MONOTONIC -e cpu-clock -F 1999 -g -o perf.data -- \
//     node --perf-basic-prof --expose-gc bench/ping-alloc.ts --root . --alternate --marks --fake-buyers > marks.txt
//   node bench/perf-windows.ts --data perf.data --marks marks.txt [--top 30]
//
// Leaf symbols of native code and builtins are exact; JS names come from `--perf-basic-prof` maps, which keep stale
// entries for code V8 moved (samples of post-path code have come out as ajv or buildPingPayload): read JS names from a
// V8 profile (`ping-alloc.ts --cpu-sample`) instead, and only the native split from here.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "perf.data" },
    marks: { type: "string" },
    top: { type: "string", default: "30" },
  },
});
if (!values.marks) throw new Error("--marks <ping-alloc.ts output with --marks> is required");

const windows: { kind: string; start: number; end: number }[] = [];
let requestsPerRun = 0;
for (const line of readFileSync(values.marks, "utf8").split("\n")) {
  const words = line.split(" ");
  if (words[0] === "mark")
    windows.push({ kind: words[1]!, start: Number(words[2]) / 1e9, end: Number(words[3]) / 1e9 });
  const per = /; (\d+) \w+ requests a round/.exec(line);
  if (per) requestsPerRun = Number(per[1]);
}
const script = execFileSync("perf", ["script", "-i", values.data, "-F", "comm,tid,time,period,ip,sym"], {
  maxBuffer: 2 ** 31 - 1,
  encoding: "utf8",
});

const byKind = new Map<string, { us: number; split: Map<string, number>; leaves: Map<string, number> }>();
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
for (const block of script.split("\n\n")) {
  const lines = block.trim().split("\n");
  const header = lines[0]!.trim().split(/\s+/);
  if (header[0] !== "MainThread" || lines.length < 2) continue;
  const time = Number.parseFloat(header[2]!);
  const window = windows.find((w) => w.start <= time && time <= w.end);
  if (!window || window.kind === "warm-up") continue;
  const us = Number(header[3]) / 1000;
  const frames = lines.slice(1).map((frame) => frame.trim().replace(/^[0-9a-f]+ /, ""));
  const firstJs = frames.findIndex((frame) => frame.startsWith("JS:") || frame.startsWith("Builtins_"));
  const native = (firstJs < 0 ? frames : frames.slice(0, firstJs)).join("\n");
  const part = frames.some((frame) => frame.includes("MessagePort::PostMessage"))
    ? "postMessage (serialise, wake the writer)"
    : firstJs >= 0
      ? "JS and V8 builtins"
      : /ReceiveMessage|OnMessage|Deserialize/.test(native)
        ? "writer answers received (native)"
        : /epoll|uv__io_poll/.test(native)
          ? "event loop poll and wake-ups (native, kernel)"
          : "other native and kernel";
  let kind = byKind.get(window.kind);
  if (!kind) {
    kind = { us: 0, split: new Map(), leaves: new Map() };
    byKind.set(window.kind, kind);
  }
  kind.us += us;
  add(kind.split, part, us);
  add(kind.leaves, frames[0]!.replace(/file:\/\/\S*\/src\//, "src/").slice(0, 110), us);
}

for (const [name, kind] of byKind) {
  const requests = windows.filter((w) => w.kind === name).length * requestsPerRun;
  console.log(
    `${name}: main thread ${(kind.us / requests).toFixed(1)} µs of CPU per request (${requests} requests)`,
  );
  for (const [part, us] of [...kind.split].sort((a, b) => b[1] - a[1]))
    console.log(`  ${(us / requests).toFixed(1).padStart(6)} µs  ${part}`);
  console.log("  leaf symbols:");
  for (const [leaf, us] of [...kind.leaves].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(`  ${(us / requests).toFixed(1).padStart(6)} µs  ${leaf}`);
}
