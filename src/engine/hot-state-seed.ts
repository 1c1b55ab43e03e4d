// What the store can put back into a hot state that lost its data (Redis restarted empty): the same rebuild the
// embedded default does on every start. Every write is idempotent (a held ping set again, a counter raised to at least
// the store's figure, a duplicate window extended), so seeding twice or racing live traffic never counts a sale twice.
//
// Rebuilt: held pings (unexpired, not yet posted), cap counters of the current periods (campaign, buyer and
// source × campaign; leads and spend), prepaid buyers' spend, duplicate windows of sold consumers. Not rebuilt (the
// store does not keep them): ping throttles (they start again from zero for the current minute), the replay guard's
// fingerprints, post-failure streaks, and reservations of pings held at that moment (each is reserved again when its
// post comes, against the re-seeded counters).

import { CAP_SEED_LOOKBACK_MS } from "../domain/rules/periods.ts";
import type { CapUsageSeed } from "../state/counters/memory-cap-ledger.ts";
import type { DuplicateWindows } from "../state/duplicates/duplicate-windows.ts";
import type { HotState } from "../state/hot-state.ts";
import type { AuctionLogPort, FundsPort, LeadsPort } from "../store/ports.ts";
import { capUsageSeed, fundsUsageSeed } from "./caps.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import { DuplicateChecks } from "./duplicates.ts";

export interface HotStateSeedTargets {
  store: AuctionLogPort & LeadsPort & FundsPort;
  config: () => ConfigSnapshot;
  hotState: Pick<HotState, "holdPing">;
  caps: { seedCommitted(seeds: readonly CapUsageSeed[]): Promise<number> };
  duplicates: DuplicateWindows;
  now: () => number;
  /**
   * How long to wait before reading the store: SEED_SETTLE_MS unless told otherwise (0 at start: nothing of this
   * instance is in flight; then no late pass either).
   */
  settleMs?: number;
  /** Told when the late pass over held pings (below) fails; it is best effort. */
  onLatePassError?: (error: unknown) => void;
}

/**
 * Ping records reach the store in batches (every 50 ms, DESIGN rule 9), and a sale is saved just after it is counted:
 * what was in flight when Redis lost its data lands in the store within this long, so the seed waits for it before
 * reading. (Requests meanwhile wait for the seed, or answer 503: Redis has just come back, a rare moment.)
 */
export const SEED_SETTLE_MS = 500;
/** One more pass over held pings this much later holds those whose records were written later still (a slow store). */
export const LATE_HELD_PINGS_PASS_MS = 2_000;

export type HotStateSeedReport = {
  held_pings: number;
  cap_counters: number;
  sold_leads_remembered: number;
};

export async function seedHotStateFromStore(targets: HotStateSeedTargets): Promise<HotStateSeedReport> {
  const { store, hotState, caps, duplicates } = targets;
  const config = targets.config();
  const settleMs = targets.settleMs ?? SEED_SETTLE_MS;
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const now = targets.now();
  const held = await store.heldPings(now);
  for (const ping of held) await hotState.holdPing(ping);
  if (settleMs > 0) {
    const seededPings = new Set(held.map((ping) => ping.id));
    setTimeout(() => {
      holdLatePings(targets, seededPings).catch((error: unknown) => targets.onLatePassError?.(error));
    }, LATE_HELD_PINGS_PASS_MS).unref();
  }
  // Period caps need the last month of sales; funds need every sale ever (Redis losing its data refills nothing).
  const capCounters = await caps.seedCommitted([
    ...capUsageSeed(await store.salesSince(now - CAP_SEED_LOOKBACK_MS), config),
    ...fundsUsageSeed(await store.spendTotals()),
  ]);
  const remembered = await new DuplicateChecks(duplicates).rebuild(store, config, now);
  return { held_pings: held.length, cap_counters: capCounters, sold_leads_remembered: remembered };
}

/** Holds the pings the store has now but did not have when the seed read it. */
async function holdLatePings(targets: HotStateSeedTargets, seeded: ReadonlySet<string>): Promise<void> {
  for (const ping of await targets.store.heldPings(targets.now())) {
    if (!seeded.has(ping.id)) await targets.hotState.holdPing(ping);
  }
}
