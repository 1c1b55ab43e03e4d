// What the HTTP framework costs per ping: the exchange's `POST /v1/ping` through fastify with the auction replaced by a
// constant answer, against the same work behind a bare node:http handler (the source key's sha256 and lookup, the body
// read, fastify's own JSON parser, the route's compiled validator, the reply's serializer), each in its own process,
// loaded at the same moment by its own wrk at one fixed rate; CPU per request from /proc. The difference is fastify's
// routing, hooks, content-type parsing, request/reply objects and reply path. `--full` adds the real exchange (rules-5,
// a buyer farm of 5 instant buyers), bench/reference-fanout.ts, and the exchange with its buyers answering in process
// (no buyer sockets) at the same rate, to put the difference in scale and split a ping's CPU into the HTTP layer, the
// engine (rules, hot state, the writer thread) and the buyer calls' I/O.
//
//   node bench/http-layer-cost.ts [--rate 300] [--seconds 6] [--rounds 6] [--full]
//
// Each round takes the servers in another order (rotated, reversed every other cycle); a round's figures were
// measured in the same seconds, so read the per-round differences, not the medians of a loaded machine.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import AjvCompiler from "@fastify/ajv-compiler";
import SerializerSelector from "@fastify/fast-json-stringify-compiler";
import Fastify from "fastify";
import { startGavel } from "../src/app.ts";
import { BuyerHttpClient, type BuyerHttpResponse } from "../src/buyers/buyer-http-client.ts";
import { sha256Hex } from "../src/compliance/sha256-hex.ts";
import type { ConfigSnapshot } from "../src/engine/config-snapshot.ts";
import type { PingInput } from "../src/engine/exchange.ts";
import { PingBody, PingReply } from "../src/http/seller-schemas.ts";
import { benchPingBodies, buildBenchConfig, instantBuyers } from "../src/sim/bench-scenario.ts";
import { startBuyerFarm } from "../src/sim/buyer-farm-client.ts";
import type { BuyerUrls } from "../src/sim/buyer-farm-protocol.ts";
import { type ChildService, startChildService } from "../src/sim/child-service.ts";
import { processCpuSeconds } from "../src/sim/process-cpu.ts";
import { findWrk, runWrk, writeBodiesFile } from "../src/sim/wrk-load.ts";

const { values } = parseArgs({
  options: {
    serve: { type: "string" },
    rate: { type: "string", default: "300" },
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "6" },
    full: { type: "boolean", default: false },
  },
});

const SELF = fileURLToPath(import.meta.url);
const REFERENCE = join(SELF, "..", "reference-fanout.ts");
/** The constant answer standing in for the auction: a bid, as most benchmark pings get. */
const ANSWER = {
  ping_id: "0b8d3c1e-8a5c-4a43-9a3e-2f8c1c7e9d11",
  status: "bid",
  price: 12.5,
  expires_at: "2026-12-07T02:00:00.000Z",
};

/** A server under test (a child process): prints one line of JSON, its URL and source key, once it listens. */
async function serve(mode: string): Promise<void> {
  const buyers: Record<string, BuyerUrls> = process.env["BENCH_BUYERS"]
    ? JSON.parse(process.env["BENCH_BUYERS"])
    : Object.fromEntries(
        [1, 2, 3, 4, 5].map((i) => [
          `bench-buyer-${i}`,
          { ping: `http://127.0.0.1:9/ping${i}`, post: `http://127.0.0.1:9/post${i}` },
        ]),
      );
  const { config, sourceKey } = buildBenchConfig(buyers, "rules-5");
  const dataDir = mkdtempSync(join(tmpdir(), "gavel-http-layer-"));
  process.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  process.once("SIGTERM", () => process.exit(0));
  const running = await startGavel({
    config,
    dataDir,
    port: 0,
    logLevel: "warn",
    adminKey: "x".repeat(40),
    ...(mode === "no-buyer-io" ? { buyerClient: new InstantBids({ maxResponseBytes: 1 << 20 }) } : {}),
  });
  const exchange = running.exchange;
  if (mode === "fastify" || mode === "bare") {
    Object.assign(exchange, { ping: async () => ANSWER });
  }
  let url = running.url;
  if (mode === "bare")
    url = await bareServer(
      (input, source, receivedAt) => exchange.ping(source, input, receivedAt),
      () => exchange.config,
    );
  console.log(JSON.stringify({ url, key: sourceKey }));
}

/** Buyers that bid at once, in process: the exchange's whole ping without the buyer calls' sockets. */
class InstantBids extends BuyerHttpClient {
  #next = 0;
  override send(): Promise<BuyerHttpResponse> {
    this.#next = (this.#next + 1) % 40;
    return Promise.resolve({ status: 200, body: `{"bid":true,"price":${10 + this.#next}}`, latencyMs: 0 });
  }
}

/**
 * The seller ping route's work without fastify: what a lean path would still do. Only what the benchmark's pings
 * need (valid pings with a valid key); any other request is answered with a bare status.
 */
async function bareServer(
  ping: (input: PingInput, source: never, receivedAt: number) => Promise<unknown>,
  config: () => ConfigSnapshot,
): Promise<string> {
  // The server's ajv options (src/http/server.ts) and fastify's default JSON parser (prototype poisoning refused).
  const validate = AjvCompiler()({}, {
    customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: true },
  } as never)({ schema: PingBody, method: "POST", url: "/v1/ping", httpPart: "body" } as never);
  const serialize = SerializerSelector()()({
    schema: PingReply,
    method: "POST",
    url: "/v1/ping",
    httpStatus: "200",
  } as never);
  const parseJson = Fastify().getDefaultJsonParser("error", "error") as unknown as (
    request: unknown,
    body: string,
    done: (error: Error | null, value?: unknown) => void,
  ) => void;
  const limit = 64 * 1024;
  const server = createServer((request, response) => {
    const receivedAt = performance.now();
    const header = request.headers.authorization;
    const source = header?.startsWith("Bearer ")
      ? config().sourceByKeyHash.get(sha256Hex(header.slice(7).trim()))
      : undefined;
    if (!source || request.method !== "POST" || request.url !== "/v1/ping") {
      response.writeHead(source ? 404 : 401).end();
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) chunks.push(chunk);
    });
    request.on("end", () => {
      if (bytes > limit) return void response.writeHead(413).end();
      const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
      parseJson(request, text, (error, body) => {
        if (error || !validate(body)) return void response.writeHead(400).end();
        ping(body as PingInput, source as never, receivedAt).then((answer) => {
          const json = serialize(answer);
          response
            .writeHead(200, {
              "content-type": "application/json; charset=utf-8",
              "content-length": Buffer.byteLength(json),
            })
            .end(json);
        });
      });
    });
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function measure(): Promise<void> {
  const wrk = findWrk();
  if (!wrk) throw new Error("wrk is not installed (apt-get install wrk)");
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const farm = values.full ? await startBuyerFarm(instantBuyers(5), { recordLimit: 0 }) : undefined;
  const modes = values.full
    ? ["fastify", "bare", "exchange", "reference", "no-buyer-io"]
    : ["fastify", "bare"];
  const servers: { name: string; service: ChildService<{ url: string; key: string }> }[] = [];
  for (const mode of modes) {
    const service =
      mode === "reference"
        ? await startChildService({
            name: mode,
            args: [REFERENCE, JSON.stringify(Object.values(farm!.buyers).map((buyer) => buyer.ping))],
            readyLine: (line) => {
              const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
              return url ? { url, key: "none" } : undefined;
            },
          })
        : await startChildService({
            name: mode,
            args: [SELF, "--serve", mode],
            env: { ...process.env, ...(farm ? { BENCH_BUYERS: JSON.stringify(farm.buyers) } : {}) },
            readyLine: (line) =>
              line.startsWith("{") ? (JSON.parse(line) as { url: string; key: string }) : undefined,
            timeoutMs: 120_000,
          });
    const names: Record<string, string> = {
      fastify: "fastify (auction stubbed)",
      bare: "node:http (auction stubbed)",
      "no-buyer-io": "exchange, buyers in process",
    };
    servers.push({ name: names[mode] ?? mode, service });
  }
  const bodies = benchPingBodies("rules-5");
  const dir = mkdtempSync(join(tmpdir(), "gavel-http-layer-bench-"));
  const file = writeBodiesFile(dir, "pings.txt", bodies);
  console.log(
    `${servers.length} servers, ${rate} pings/s each at once, ${rounds} rounds of ${seconds} s; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  const perServer = servers.map(() => [] as number[]);
  try {
    for (let round = -1; round < rounds; round++) {
      const shift = Math.max(round, 0) % servers.length;
      let order = [...servers.keys()].map((_, i) => (i + shift) % servers.length);
      if (Math.floor(Math.max(round, 0) / servers.length) % 2 === 1) order = order.reverse();
      const before = order.map((i) => processCpuSeconds(servers[i]!.service.child.pid!) ?? 0);
      const results = await Promise.all(
        order.map((i) => {
          const { url, key } = servers[i]!.service.ready;
          return runWrk(
            wrk,
            {
              url,
              path: "/v1/ping",
              headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
              bodies,
            },
            file,
            { connections: 16, durationMs: seconds * 1000, warmupMs: 0, ratePerSecond: rate },
          );
        }),
      );
      if (round < 0) continue; // warm-up: JIT, connections
      const cells = order.map((i, k) => {
        const cpu = (processCpuSeconds(servers[i]!.service.child.pid!) ?? 0) - before[k]!;
        const answered = results[k]!.ok + results[k]!.errors;
        const us = (cpu / Math.max(answered, 1)) * 1e6;
        perServer[i]!.push(us);
        return `${servers[i]!.name} ${us.toFixed(0)} µs (${results[k]!.ok} ok, ${results[k]!.errors} errors)`;
      });
      console.log(`round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ${cells.join("; ")}`);
    }
  } finally {
    await Promise.all(servers.map((server) => server.service.stop()));
    await farm?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (list: readonly number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  servers.forEach((server, i) => {
    const list = perServer[i]!;
    console.log(
      `${server.name}: CPU per request median ${median(list).toFixed(0)} µs (${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)})`,
    );
  });
  const difference = perServer[0]!.map((us, round) => us - perServer[1]![round]!);
  console.log(
    `fastify's own cost per ping (per-round difference): median ${median(difference).toFixed(0)} µs (${Math.min(...difference).toFixed(0)}–${Math.max(...difference).toFixed(0)})`,
  );
  if (values.full) {
    const share = perServer[2]!.map((us, round) => difference[round]! / us);
    console.log(
      `… of the exchange's CPU per ping: median ${(100 * median(share)).toFixed(1)}% (${(100 * Math.min(...share)).toFixed(1)}–${(100 * Math.max(...share)).toFixed(1)}%)`,
    );
    const noBuyerIo = perServer[4]!;
    const split = (label: string, list: readonly number[]) =>
      `${label} ${median(list).toFixed(0)} µs (${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)})`;
    console.log(
      `the exchange's ping, split (per-round differences): ${split("HTTP layer (fastify stubbed)", perServer[0]!)}; ${split(
        "engine, state and writer (buyers in process − fastify stubbed)",
        noBuyerIo.map((us, round) => us - perServer[0]![round]!),
      )}; ${split(
        "buyer calls' I/O (exchange − buyers in process)",
        perServer[2]!.map((us, round) => us - noBuyerIo[round]!),
      )}`,
    );
    const ratio = perServer[2]!.map((us, round) => us / perServer[3]![round]!);
    console.log(
      `exchange / reference CPU per ping at this rate: median ${median(ratio).toFixed(2)}× (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)}×)`,
    );
  }
}

// Last: the class above must be initialised before either runs.
if (values.serve) await serve(values.serve);
else await measure();
