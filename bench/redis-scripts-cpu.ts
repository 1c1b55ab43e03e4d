// Redis's own CPU for the hot-state scripts of two checkouts, on a private redis-server: cap reservations and
// commits (a direct post's), throttles over 8 keys (a lead's velocity) and a duplicate screen over 12 keys (a rules-5
// ping's), each run N times with 16 in flight, the checkouts alternating round by round. Issue 14.
//
//   node bench/redis-scripts-cpu.ts --base <old checkout> [--n 4000] [--rounds 4] [--only caps|throttle|screen]...
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { processCpuSeconds } from "../src/sim/process-cpu.ts";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    n: { type: "string", default: "4000" },
    rounds: { type: "string", default: "4" },
    only: { type: "string", multiple: true },
  },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
const checkouts = [resolve(values.base!), resolve(new URL("..", import.meta.url).pathname)];

const port = await new Promise<number>((done) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    server.close(() => done(port));
  });
});
const child = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
  stdio: "ignore",
});
const url = `redis://127.0.0.1:${port}`;
for (let attempt = 0; ; attempt++) {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on("error", () => {});
  try {
    await probe.connect();
    probe.disconnect();
    break;
  } catch {
    probe.disconnect();
    if (attempt > 50) throw new Error("redis-server did not start");
    await sleep(100);
  }
}

async function inFlight(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

type Kind = "caps" | "throttle" | "screen";
async function run(checkout: string, kind: Kind, round: number): Promise<number> {
  const prefix = `micro-${round}-${checkouts.indexOf(checkout)}-${kind}`;
  if (kind === "caps") {
    const { RedisCapLedger } = await import(join(checkout, "src/state/counters/redis-cap-ledger.ts"));
    const ledger = await RedisCapLedger.connect({ url, keyPrefix: prefix });
    const periodEndsAt = Date.now() + 3_600_000;
    const units = ["campaign:c1:day", "campaign:c1:month", "buyer:b1:day", "buyer:b1:funds"].map((key) => ({
      key,
      cents: 2500,
      countLimit: 1_000_000,
      centsLimit: 1e12,
      periodEndsAt,
    }));
    const before = processCpuSeconds(child.pid!)!;
    await inFlight(n, async (i) => {
      const ref = { buyerId: "b1", reservationId: `r${i}` };
      await ledger.reserve({ ...ref, units, ttlMs: 60_000 });
      await ledger.commit(ref, units);
    });
    const spent = processCpuSeconds(child.pid!)! - before;
    await ledger.close();
    return spent;
  }
  if (kind === "throttle") {
    const { RedisThrottle } = await import(join(checkout, "src/state/counters/redis-throttle.ts"));
    const throttle = await RedisThrottle.connect({ url, keyPrefix: prefix });
    const before = processCpuSeconds(child.pid!)!;
    await inFlight(n, async (i) => {
      const requests = Array.from({ length: 8 }, (_, k) => ({
        key: `velocity:${k}:${i % 500}`,
        limit: 1_000_000,
        windowMs: 3_600_000,
      }));
      await throttle.tryAcquireEach(requests, Date.now());
    });
    const spent = processCpuSeconds(child.pid!)! - before;
    await throttle.close();
    return spent;
  }
  const { RedisDuplicateWindows } = await import(
    join(checkout, "src/state/duplicates/redis-duplicate-windows.ts")
  );
  const windows = await RedisDuplicateWindows.connect({ url, keyPrefix: prefix });
  const before = processCpuSeconds(child.pid!)!;
  await inFlight(n, async (i) => {
    const groups = [
      [`v:pi:email:${i}`, `v:pi:phone:${i}`],
      ...[1, 2, 3, 4, 5].map((b) => [`b:b${b}:email:${i}`, `b:b${b}:phone:${i}`]),
    ];
    await windows.seenEach(groups);
  });
  const spent = processCpuSeconds(child.pid!)! - before;
  await windows.close();
  return spent;
}

try {
  const kinds: Kind[] = values.only?.length ? (values.only as Kind[]) : ["caps", "throttle", "screen"];
  for (const kind of kinds) {
    const results: number[][] = checkouts.map(() => []);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order)
        results[index]!.push((1e6 * (await run(checkouts[index]!, kind, round))) / n);
    }
    console.log(
      `${kind}: Redis µs per call, base ${results[0]!.map((x) => x.toFixed(0)).join(" ")}; new ${results[1]!.map((x) => x.toFixed(0)).join(" ")}`,
    );
  }
} finally {
  child.kill("SIGTERM");
}
