// What the HTTP layer allocates and spends per seller request, in process: one or more checkouts' servers (each its
// own module graph: `startGavel` from `<root>/src/app.ts`, rules-5) with the exchange's answer replaced by a constant
// one, so what is left is fastify, the hooks, auth, the body parser, validation, serialisation and Node's http. A
// client in this process sends real requests over loopback sockets (prebuilt bytes, a few in flight); rounds alternate
// between the checkouts. The client's own work is the same for every checkout, so differences are the server's.
//
//   node --expose-gc bench/http-layer-alloc.ts --root <base checkout> --root <yours> [--path /v1/leads]
//        [--rounds 6] [--requests 4000] [--parallel 8]
//   node bench/http-layer-alloc.ts --root . --sample [--top 40]   # sampling heap profile: bytes per request by site
//   ... --inject   # through fastify's inject (light-my-request) instead of sockets: no Node http, no syscalls, so
//                  # less of the machine's noise in the CPU figure (fastify, hooks, parsing, validation, serialising)
//
// Bytes: heap used at the end minus at the start plus what every GC in between freed (`v8.GCProfiler`), as
// bench/ping-alloc.ts counts them. CPU: this thread's (client included, alike for every checkout).
import { mkdtempSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { connect, type Socket } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { GCProfiler } from "node:v8";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: ["."] },
    path: { type: "string", default: "/v1/ping" },
    rounds: { type: "string", default: "6" },
    requests: { type: "string", default: "4000" },
    parallel: { type: "string", default: "8" },
    sample: { type: "boolean", default: false },
    inject: { type: "boolean", default: false },
    top: { type: "string", default: "40" },
  },
});
const roots = values.root.map((root) => resolve(root));
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const parallel = Number(values.parallel);
const path = values.path;
if (path !== "/v1/ping" && path !== "/v1/leads") throw new Error("--path is /v1/ping or /v1/leads");

/** The constant answers standing in for the exchange: a bid, a sale (as http-layer-cost.ts). */
const PING_ANSWER = {
  ping_id: "0b8d3c1e-8a5c-4a43-9a3e-2f8c1c7e9d11",
  status: "bid",
  price: 12.5,
  expires_at: "2026-12-07T02:00:00.000Z",
};
const LEAD_ANSWER = { lead_id: "0b8d3c1e-8a5c-4a43-9a3e-2f8c1c7e9d12", status: "sold", price: 21.75 };

const sim = (await import(
  pathToFileURL(join(roots[0]!, "src/sim/bench-scenario.ts")).href
)) as typeof import("../src/sim/bench-scenario.ts");
const buyers = Object.fromEntries(
  [1, 2, 3, 4, 5].map((i) => [
    `bench-buyer-${i}`,
    { ping: `http://127.0.0.1:9/ping${i}`, post: `http://127.0.0.1:9/post${i}` },
  ]),
);
const { config, sourceKey } = sim.buildBenchConfig(buyers, "rules-5");
const bodies =
  path === "/v1/ping"
    ? sim.benchPingBodies("rules-5")
    : sim
        .benchDirectPostBodies()
        .map((body, i) =>
          body.replace("@N@", String(i)).replace("@PHONE@", `555${String(i).padStart(7, "0")}`),
        );

type App = typeof import("../src/app.ts");
const dirs: string[] = [];
type Gavel = Awaited<ReturnType<App["startGavel"]>>;
const servers: { root: string; gavel: Gavel; port: number; requests: Buffer[] }[] = [];
for (const root of roots) {
  const app = (await import(pathToFileURL(join(root, "src/app.ts")).href)) as App;
  const dir = mkdtempSync(join(tmpdir(), "gavel-http-alloc-"));
  dirs.push(dir);
  const gavel = await app.startGavel({
    config,
    dataDir: dir,
    port: 0,
    adminKey: "x".repeat(40),
    logLevel: "warn",
  });
  Object.assign(gavel.exchange, { ping: async () => PING_ANSWER, directPost: async () => LEAD_ANSWER });
  const port = Number(new URL(gavel.url).port);
  servers.push({
    root,
    gavel,
    port,
    requests: bodies.map((body) => request(port, body)),
  });
}

/** A request's bytes as wrk sends them: the Host, the script's headers, the body's length. */
function request(port: number, body: string): Buffer {
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${sourceKey}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** One keep-alive connection sending requests one at a time; resolves each answer's status code. */
class Connection {
  readonly #socket: Socket;
  #pending: Buffer[] = [];
  #waiting: ((status: number) => void) | undefined;

  constructor(port: number) {
    this.#socket = connect(port, "127.0.0.1");
    this.#socket.setNoDelay(true);
    this.#socket.on("data", (chunk: Buffer) => this.#read(chunk));
  }

  send(bytes: Buffer, _body?: string): Promise<number> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#socket.write(bytes);
    });
  }

  #read(chunk: Buffer): void {
    this.#pending.push(chunk);
    const all = this.#pending.length === 1 ? chunk : Buffer.concat(this.#pending);
    const end = all.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = all.toString("latin1", 0, end);
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (all.length < end + 4 + length) {
      this.#pending = [all];
      return;
    }
    this.#pending = [];
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(Number(head.slice(9, 12)));
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A request through fastify's inject, with the headers the socket client sends. */
class InjectConnection {
  readonly #gavel: Gavel;

  constructor(gavel: Gavel) {
    this.#gavel = gavel;
  }

  async send(_bytes: Buffer, body?: string): Promise<number> {
    const reply = await this.#gavel.inject({
      method: "POST",
      url: path,
      headers: { authorization: `Bearer ${sourceKey}`, "content-type": "application/json" },
      payload: body ?? "",
    });
    return reply.statusCode;
  }

  close(): void {}
}

const connections = servers.map((server) =>
  Array.from({ length: parallel }, () =>
    values.inject ? new InjectConnection(server.gavel) : new Connection(server.port),
  ),
);
let next = 0;

async function run(index: number, count: number): Promise<{ bytes: number; cpuUs: number; failed: number }> {
  const server = servers[index]!;
  let sent = 0;
  let failed = 0;
  const profiler = new GCProfiler();
  const heapBefore = process.memoryUsage().heapUsed;
  profiler.start();
  const cpu = process.threadCpuUsage();
  await Promise.all(
    connections[index]!.map(async (connection) => {
      while (sent < count) {
        sent++;
        const index = next++ % server.requests.length;
        const status = await connection.send(server.requests[index]!, bodies[index]);
        if (status !== 200) failed++;
      }
    }),
  );
  const used = process.threadCpuUsage(cpu);
  const heapAfter = process.memoryUsage().heapUsed;
  let freed = 0;
  for (const gc of profiler.stop()?.statistics ?? [])
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return { bytes: heapAfter - heapBefore + freed, cpuUs: used.user + used.system, failed };
}

async function sample(): Promise<void> {
  const session = new Session();
  session.connect();
  await run(0, requests);
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await run(0, requests);
  const { profile } = await session.post("HeapProfiler.stopSampling");
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  const bySite = new Map<string, number>();
  const walk = (node: Node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules\/)/, "$1").replace(/^.*\/(src|bench)\//, "$1/");
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head as unknown as Node);
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  console.log(`sampled ${(total / requests / 1024).toFixed(2)} KB per request; by function (self):`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(
      `  ${(bytes / requests).toFixed(0).padStart(7)} B  ${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${site}`,
    );
  session.disconnect();
}

const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const range = (list: readonly number[], digits: number) =>
  `${median(list).toFixed(digits)} (${Math.min(...list).toFixed(digits)}–${Math.max(...list).toFixed(digits)})`;

try {
  console.log(
    `load average ${loadavg()[0]!.toFixed(2)}; ${path}${values.inject ? " (inject)" : ""}, ${requests} requests a round, ${parallel} at a time`,
  );
  if (values.sample) {
    await sample();
  } else {
    for (let i = 0; i < servers.length; i++) await run(i, requests); // warm-up: JIT, connections
    const bytes = servers.map(() => [] as number[]);
    const cpu = servers.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      const order = [...servers.keys()];
      if (round % 2 === 1) order.reverse();
      const cells: string[] = [];
      for (const i of order) {
        globalThis.gc?.();
        const result = await run(i, requests);
        bytes[i]!.push(result.bytes / requests);
        cpu[i]!.push(result.cpuUs / requests);
        cells.push(
          `[${i}] ${(result.bytes / requests).toFixed(0)} B, ${(result.cpuUs / requests).toFixed(1)} µs${result.failed ? `, ${result.failed} not 200` : ""}`,
        );
      }
      console.log(`round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ${cells.join("; ")}`);
    }
    servers.forEach((server, i) => {
      console.log(
        `[${i}] ${server.root}: ${range(bytes[i]!, 0)} B and ${range(cpu[i]!, 1)} µs of this thread per request`,
      );
    });
  }
} finally {
  for (const list of connections) for (const connection of list) connection.close();
  for (const server of servers) await server.gavel.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
