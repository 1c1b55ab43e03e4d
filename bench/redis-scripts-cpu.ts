import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startPrivateRedis } from "../src/sim/private-redis.ts";
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

const server = await startPrivateRedis();
const url = server.url;

async function inFlight(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Cap units on `keys` with limits no run reaches, their period ending in an hour. */
function benchUnits(keys: readonly string[]) {
  const periodEndsAt = Date.now() + 3_600_000;
  return keys.map((key) => ({ key, cents: 2500, countLimit: 1_000_000, centsLimit: 1e12, periodEndsAt }));
}

type Kind = "caps" | "post" | "throttle" | "screen";
async function run(checkout: string, kind: Kind, round: number): Promise<number> {
  const prefix = `micro-${round}-${checkouts.indexOf(checkout)}-${kind}`;
  if (kind === "post") return await postCaps(checkout, prefix);
  if (kind === "caps") {
    const { RedisCapLedger } = await import(join(checkout, "src/state/counters/redis-cap-ledger.ts"));
    const ledger = await RedisCapLedger.connect({ url, keyPrefix: prefix });
    const units = benchUnits(["campaign:c1:day", "campaign:c1:month", "buyer:b1:day", "buyer:b1:funds"]);
    const before = processCpuSeconds(server.pid)!;
    await inFlight(n, async (i) => {
      const ref = { buyerId: "b1", reservationId: `r${i}` };
      await ledger.reserve({ ...ref, units, ttlMs: 60_000 });
      await ledger.commit(ref, units);
    });
    const spent = processCpuSeconds(server.pid)! - before;
    await ledger.close();
    return spent;
  }
  if (kind === "throttle") {
    const { RedisThrottle } = await import(join(checkout, "src/state/counters/redis-throttle.ts"));
    const throttle = await RedisThrottle.connect({ url, keyPrefix: prefix });
    const before = processCpuSeconds(server.pid)!;
    await inFlight(n, async (i) => {
      const requests = Array.from({ length: 8 }, (_, k) => ({
        key: `velocity:${k}:${i % 500}`,
        limit: 1_000_000,
        windowMs: 3_600_000,
      }));
      await throttle.tryAcquireEach(requests, Date.now());
    });
    const spent = processCpuSeconds(server.pid)! - before;
    await throttle.close();
    return spent;
  }
  const { RedisDuplicateWindows } = await import(
    join(checkout, "src/state/duplicates/redis-duplicate-windows.ts")
  );
  const windows = await RedisDuplicateWindows.connect({ url, keyPrefix: prefix });
  const before = processCpuSeconds(server.pid)!;
  await inFlight(n, async (i) => {
    const groups = [
      [`v:pi:email:${i}`, `v:pi:phone:${i}`],
      ...[1, 2, 3, 4, 5].map((b) => [`b:b${b}:email:${i}`, `b:b${b}:phone:${i}`]),
    ];
    await windows.seenEach(groups);
  });
  const spent = processCpuSeconds(server.pid)! - before;
  await windows.close();
  return spent;
}

/**
 * A sold ping's cap scripts as the exchange runs them: the ping's hold, the post's firm claim of it, the commit; four
 * units (three caps and funds), on a seeded ledger (the marker checked). Redis CPU per post.
 */
async function postCaps(checkout: string, prefix: string): Promise<number> {
  const { RedisCapLedger } = await import(join(checkout, "src/state/counters/redis-cap-ledger.ts"));
  const { RedisSeedMarker } = await import(join(checkout, "src/state/redis/seed-marker.ts"));
  const marker = await RedisSeedMarker.connect({ url, keyPrefix: prefix });
  marker.seedWith(async () => ({}));
  await marker.ensureSeeded();
  const ledger = await RedisCapLedger.connect({ url, keyPrefix: prefix, seedGuard: marker });
  const units = benchUnits(["campaign:c1:day:d", "campaign:c1:month:m", "buyer:b1:day:d", "buyer:b1:funds"]);
  const before = processCpuSeconds(server.pid)!;
  await inFlight(n, async (i) => {
    const ref = { buyerId: "b1", reservationId: `a${i}:c1` };
    await ledger.reserve({ ...ref, units, ttlMs: 120_000, hold: { overbook: 2 } });
    await ledger.reserve({ ...ref, units, ttlMs: 60_000 });
    await ledger.commit(ref, units);
  });
  const spent = processCpuSeconds(server.pid)! - before;
  await ledger.close();
  await marker.close();
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
  await server.stop();
}
