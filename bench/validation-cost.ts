// What lead validation (issue 17) costs per ping, in CPU time: robust where a throughput run is not (a shared machine
// moves wall-clock numbers, not a process's own CPU). Runs the validator as the engine does, over the benchmark's own
// 500 ping bodies (ZIP and state, form timing, velocity over the contact hashes) with the in-memory counters and, when
// Redis answers, with the Redis ones (a fresh key prefix, removed at the end), and over full leads as a post checks
// them (phone line, area code, e-mail). Compare with the exchange's server CPU per ping from `npm run bench`.
//
//   node bench/validation-cost.ts [--pings 20000] [--redis-url redis://127.0.0.1:6379]
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import pino from "pino";
import { loadAreaCodeStates } from "../src/compliance/validation/area-code-states.ts";
import { type LeadFacts, LeadValidator } from "../src/compliance/validation/lead-validator.ts";
import type { Vertical } from "../src/domain/vertical.ts";
import { personalInjury } from "../src/domain/verticals/personal-injury.ts";
import { benchPingBodies, withValidation } from "../src/sim/bench-scenario.ts";
import { generateLead } from "../src/sim/lead-generator.ts";
import { seededRandom } from "../src/sim/random.ts";
import { MemoryThrottle } from "../src/state/counters/memory-throttle.ts";
import { RedisThrottle } from "../src/state/counters/redis-throttle.ts";
import type { Throttle } from "../src/state/counters/throttle.ts";

const { values } = parseArgs({
  options: {
    pings: { type: "string", default: "20000" },
    "redis-url": { type: "string", default: process.env.GAVEL_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379" },
  },
});
const pings = Number(values.pings);
const vertical = withValidation({ verticals: [personalInjury] }).verticals![0] as Vertical;
const log = pino({ level: "silent" });
const bodies = benchPingBodies("rules-5").map((text) => JSON.parse(text));
const now = Date.now();

console.log(
  `validation cost: ${pings} checks per case; load average ${loadavg()[0]!.toFixed(2)} before the run`,
);
const started = process.cpuUsage();
loadAreaCodeStates();
console.log(`  area code index built once: ${cpuMs(started).toFixed(0)} ms CPU`);

async function measure(label: string, throttle: Throttle, phase: "ping" | "post"): Promise<void> {
  const validator = new LeadValidator({ throttle, log });
  const random = seededRandom(2024);
  const leads =
    phase === "ping"
      ? bodies.map((body) => body.lead)
      : Array.from({ length: 500 }, () => ({
          ...generateLead("personal_injury", random).lead,
          phone: "3102750199",
        }));
  const facts = (index: number): LeadFacts => ({
    sourceId: "bench-source",
    contact: phase === "ping" ? bodies[index % bodies.length].contact_hash : {},
    timing: { now, formSubmittedAt: now - 60_000, formStartedAt: now - 120_000 },
    countVelocity: phase === "ping",
  });
  // Warm-up: the JIT, and the first lookups.
  for (let i = 0; i < 1000; i++) await validator.check(vertical, leads[i % leads.length], facts(i));
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < pings; i++) await validator.check(vertical, leads[i % leads.length], facts(i));
  const cpuUs = (cpuMs(cpu) * 1000) / pings;
  const wallUs = ((performance.now() - wall) * 1000) / pings;
  console.log(
    `  ${label}: ${cpuUs.toFixed(1)} µs CPU per check (${wallUs.toFixed(1)} µs wall, awaited one by one)`,
  );
}

await measure(
  "ping, memory counters (ZIP and state, timing, velocity over 2 hashes)",
  new MemoryThrottle(),
  "ping",
);
await measure("post, full lead (phone line, area code, e-mail, ZIP, timing)", new MemoryThrottle(), "post");

const keyPrefix = `gavel-validation-bench-${randomBytes(6).toString("hex")}`;
let redis: RedisThrottle | undefined;
try {
  redis = await RedisThrottle.connect({ url: values["redis-url"], keyPrefix });
} catch (error) {
  console.log(`  (no Redis: ${(error as Error).message}; the Redis case is skipped)`);
}
if (redis) {
  try {
    await measure("ping, Redis counters (this process's CPU; Redis's own is not counted)", redis, "ping");
  } finally {
    await redis.close();
    const client = new Redis(values["redis-url"], { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${keyPrefix}:*`, "COUNT", 1000);
      cursor = next;
      await Promise.all(keys.map((key) => client.unlink(key)));
    } while (cursor !== "0");
    client.disconnect();
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}
