// How long the in-memory hot state's sweep of held pings blocks the event loop: one or more checkouts'
// `MemoryHotState` holding N winning pings (a rules-5 ping record with five bids each, their expiries spread over
// 120 s as a steady stream of pings makes them), swept as its 5-second timer would sweep it: once with nothing
// expired yet, then with the oldest 5 s of them expired. Rounds alternate between the checkouts.
//
//   node --expose-gc bench/held-ping-sweep.ts --root <base checkout> --root <yours> [--held 300000] [--rounds 4]
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { PingRecord } from "../src/domain/records.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: ["."] },
    held: { type: "string", default: "300000" },
    rounds: { type: "string", default: "4" },
  },
});
const roots = values.root.map((root) => resolve(root));
const heldCount = Number(values.held);
const HOLD_MS = 120_000;
const SWEEP_MS = 5_000;

type HotStateModule = typeof import("../src/state/memory-hot-state.ts");
const modules = await Promise.all(
  roots.map(
    (root) =>
      import(pathToFileURL(join(root, "src/state/memory-hot-state.ts")).href) as Promise<HotStateModule>,
  ),
);

/** A winning rules-5 ping's record, as the engine holds it. */
function pingRecord(index: number, heldAt: number): PingRecord {
  const bids = [5, 4, 3, 2, 1].map((buyer) => ({
    campaign_id: `bench-buyer-${buyer}-rules-${buyer}`,
    buyer_id: `bench-buyer-${buyer}`,
    bid_cents: 1000 + 100 * buyer,
    source_price_cents: 800 + 80 * buyer,
    expires_at: heldAt + HOLD_MS,
  }));
  return {
    id: `01a24ffb-5c80-7302-b963-${String(index).padStart(12, "0")}`,
    kind: "ping",
    source_id: "bench-source",
    vertical: "personal_injury",
    lead: {
      injury_type: "burn",
      injury_severity: 1 + (index % 5),
      zip: "98101",
      city: "Seattle",
      state: "WA",
      crash_type: "head_on",
      liability: "clear",
      property_damage: "severe",
      insured: true,
      other_party_insured: true,
      days_since_accident: index % 90,
      consent_verified: true,
    },
    test: false,
    created_at: heldAt,
    expires_at: heldAt + HOLD_MS,
    status: "bid",
    price_cents: bids[0]!.source_price_cents,
    bids,
  };
}

/** A hot state and its sweep, caught from the interval its constructor starts. */
function hotStateWithSweep(module: HotStateModule) {
  const realSetInterval = globalThis.setInterval;
  let sweep: (() => void) | undefined;
  globalThis.setInterval = ((callback: () => void, ms: number) => {
    sweep ??= callback;
    return realSetInterval(() => {}, ms);
  }) as typeof setInterval;
  try {
    return { hotState: new module.MemoryHotState(), sweep: () => sweep!() };
  } finally {
    globalThis.setInterval = realSetInterval;
  }
}

console.log(
  `held-ping-sweep: ${heldCount} held pings, ${values.rounds} rounds; load average ${loadavg()[0]!.toFixed(2)}`,
);
const realNow = Date.now;
const results = roots.map(() => ({ nothingExpired: [] as number[], oldestExpired: [] as number[] }));
for (let round = 0; round < Number(values.rounds); round++) {
  const order = roots.map((_, index) => index);
  if (round % 2 === 1) order.reverse();
  for (const index of order) {
    const { hotState, sweep } = hotStateWithSweep(modules[index]!);
    const start = realNow();
    // Held as a steady stream over HOLD_MS would hold them: the newest just now, the oldest about to expire.
    for (let i = 0; i < heldCount; i++)
      await hotState.holdPing(pingRecord(i, start - HOLD_MS + (HOLD_MS * i) / heldCount + 1));
    // The timer's callback runs every 5 s, optimised after its first few runs: measured warm, each after a full GC
    // (when run with --expose-gc) so a collection the holding left due is not counted as the sweep's.
    Date.now = () => start;
    for (let warm = 0; warm < 3; warm++) sweep();
    globalThis.gc?.();
    let began = performance.now();
    sweep();
    results[index]!.nothingExpired.push(performance.now() - began);
    Date.now = () => start + SWEEP_MS;
    globalThis.gc?.();
    began = performance.now();
    sweep();
    results[index]!.oldestExpired.push(performance.now() - began);
    Date.now = realNow;
    await hotState.close();
  }
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const range = (list: number[]) => `${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)}`;
for (const [index, root] of roots.entries()) {
  const { nothingExpired, oldestExpired } = results[index]!;
  console.log(
    `[${index}] ${root}: sweep with nothing expired ${median(nothingExpired).toFixed(2)} ms (${range(nothingExpired)}), with the oldest ${SWEEP_MS / 1000} s expired ${median(oldestExpired).toFixed(2)} ms (${range(oldestExpired)})`,
  );
}
