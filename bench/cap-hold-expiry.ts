// The in-memory cap ledger's reserve() once won pings' holds begin to expire (issue 14): 600 holds a second of 120 s
// each (hold_s' default), so 72,000 held, with the clock advancing 1/600 s per hold, as at 600 won pings a second.
// Prints the main thread's CPU per reserve in that steady state. A/B: `--root <checkout>` measures that checkout's.
//
//   node bench/cap-hold-expiry.ts [--root /tmp/base] [--holds 30000]
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { root: { type: "string", default: "." }, holds: { type: "string", default: "30000" } },
});
const root = resolve(values.root!);
const { MemoryCapLedger } = (await import(
  `${root}/src/state/counters/memory-cap-ledger.ts`
)) as typeof import("../src/state/counters/memory-cap-ledger.ts");

const PER_SECOND = 600;
const TTL_MS = 120_000;
let now = Date.UTC(2026, 11, 1);
const ledger = new MemoryCapLedger({ now: () => now });
const periodEndsAt = now + 365 * 86_400_000;
const units = [
  { key: "campaign:c1:day:d", countLimit: 1_000_000_000, cents: 1000, periodEndsAt },
  { key: "buyer:b1:month:m", centsLimit: 1e15, cents: 1000, periodEndsAt },
];
let made = 0;
async function hold(): Promise<void> {
  now += 1000 / PER_SECOND;
  const reservationId = `r${made++}`;
  await ledger.reserve({ buyerId: "b1", reservationId, units, ttlMs: TTL_MS, hold: { overbook: 2 } });
}
// Past the first expiries: from here on holds expire as fast as they are made.
for (let i = 0; i < (PER_SECOND * TTL_MS) / 1000 + 10 * PER_SECOND; i++) await hold();
const holds = Number(values.holds);
const before = process.threadCpuUsage();
for (let i = 0; i < holds; i++) await hold();
const spent = process.threadCpuUsage(before);
const perHold = (spent.user + spent.system) / holds;
console.log(
  `${root}: ${perHold.toFixed(1)} µs of CPU per reserve, ${(PER_SECOND * TTL_MS) / 1000} holds held`,
);
await ledger.close();
