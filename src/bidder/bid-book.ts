// Where the bidder keeps the bids it made (awaiting their posts) and the budget each holds. Two books:
//
// - MemoryBidBook (one process, the default): bids in a Map, budgets in the BudgetLedger, both in memory; the check and
//   the hold are one synchronous step, so nothing can run between them.
// - StoreBidBook (`shared_data_dir: true`: several `gavel bid` processes on one machine, one data folder): bids and
//   their holds are rows of the bidder's SQLite file, and every decision that must not race — a hold against what is
//   spent and held, a post's commit with its duplicate check and the lead's insert — is one IMMEDIATE transaction,
//   which SQLite serialises across processes. Spend is counted from the bought leads themselves, so no counter can
//   drift from them. The ping path pays one local write transaction for it (measured in docs/bidder.md).
import { type CapPeriod, periodKey, periodStart } from "../domain/rules/periods.ts";
import type { BidderStore } from "./bidder-store.ts";
import { BudgetLedger, type BudgetLimit } from "./budget-ledger.ts";

/** A bid awaiting its post: everything the post needs to check and store the lead. */
export interface HeldBid {
  bidId: string;
  exchangeId: string;
  campaignId: string;
  segment: string;
  vertical: string;
  priceCents: number;
  lead: Record<string, unknown>;
  source: string;
  subId: string;
  test: boolean;
  heldAt: number;
  expiresAt: number;
}

export type HoldResult = { ok: true } | { ok: false; reason: string };
export type BookCommitResult = { ok: true } | { ok: false; reason: string; duplicate?: true };

export interface BudgetUsage {
  period: CapPeriod;
  key: string;
  spentCents: number;
  heldCents: number;
  leads: number;
  spendLimitCents?: number;
  leadLimit?: number;
}

export interface PostSteps {
  /** The buyer's own duplicate check, run inside the commit (a consumer bought since counts). */
  isDuplicate(): boolean;
  /** Stores the lead (and its deliveries): inside the commit, so its spend is counted the moment the hold is gone. */
  record(): void;
}

export interface BidBook {
  /** Keeps the bid; a live bid also holds its price and one lead in every budget period, or is refused naming which. */
  hold(bid: HeldBid, now: number): HoldResult;
  /** The bid, while it awaits its post (expired ones may still be returned: the post checks the expiry). */
  get(bidId: string): HeldBid | undefined;
  /** The post: duplicate check, spend checked against the periods current now, lead stored; all or nothing. */
  commit(bid: HeldBid, now: number, steps: PostSteps): BookCommitResult;
  /** A bid that will not be posted: its hold is freed at once. */
  release(bidId: string): void;
  usage(campaignId: string, now: number): BudgetUsage[];
  /** Forgets bids past their expiry. */
  sweep(now: number): void;
}

export class MemoryBidBook implements BidBook {
  readonly #ledger: BudgetLedger;
  readonly #bids = new Map<string, HeldBid>();

  constructor(timeZone: string, limits: ReadonlyMap<string, readonly BudgetLimit[]>) {
    this.#ledger = new BudgetLedger(timeZone, limits);
  }

  /** Seeds committed spend from the store at start: one bought lead at `boughtAt`. */
  seedBought(campaignId: string, priceCents: number, boughtAt: number, now: number): void {
    this.#ledger.seedBought(campaignId, priceCents, boughtAt, now);
  }

  hold(bid: HeldBid, now: number): HoldResult {
    // Test bids are priced as live ones but hold no budget: an exchange's integration check must not spend.
    if (!bid.test) {
      const held = this.#ledger.reserve(bid.bidId, bid.campaignId, bid.priceCents, now, bid.expiresAt);
      if (!held.ok) return held;
    }
    this.#bids.set(bid.bidId, bid);
    return { ok: true };
  }

  get(bidId: string): HeldBid | undefined {
    return this.#bids.get(bidId);
  }

  commit(bid: HeldBid, now: number, steps: PostSteps): BookCommitResult {
    if (!bid.test && steps.isDuplicate()) {
      this.release(bid.bidId);
      return { ok: false, reason: "duplicate", duplicate: true };
    }
    if (!bid.test) {
      const committed = this.#ledger.commit(bid.bidId, now);
      if (!committed.ok) {
        this.#bids.delete(bid.bidId);
        return committed;
      }
    }
    this.#bids.delete(bid.bidId);
    // If this write fails the budget stays committed: spend is over-counted, never under-counted.
    steps.record();
    return { ok: true };
  }

  release(bidId: string): void {
    this.#bids.delete(bidId);
    this.#ledger.release(bidId);
  }

  usage(campaignId: string, now: number): BudgetUsage[] {
    return this.#ledger.usage(campaignId, now);
  }

  sweep(now: number): void {
    for (const [id, bid] of this.#bids) if (bid.expiresAt <= now) this.#bids.delete(id);
  }
}

export class StoreBidBook implements BidBook {
  readonly #store: BidderStore;
  readonly #timeZone: string;
  readonly #limits: ReadonlyMap<string, readonly BudgetLimit[]>;

  constructor(store: BidderStore, timeZone: string, limits: ReadonlyMap<string, readonly BudgetLimit[]>) {
    this.#store = store;
    this.#timeZone = timeZone;
    this.#limits = limits;
  }

  hold(bid: HeldBid, now: number): HoldResult {
    return this.#store.transaction(() => {
      if (!bid.test) {
        // Held bids count in the periods they were made in; spend in the periods it was bought in.
        for (const limit of this.#limits.get(bid.campaignId) ?? []) {
          const since = periodStart(limit.period, this.#timeZone, now);
          const spent = this.#store.spentSince(bid.campaignId, since);
          const held = this.#store.heldSince(bid.campaignId, since, now);
          const full = fullness(
            limit,
            spent.cents + held.cents + bid.priceCents,
            spent.leads + held.leads + 1,
          );
          if (full) return { ok: false, reason: full };
        }
      }
      this.#store.insertHeldBid(bid);
      return { ok: true };
    }, "process");
  }

  get(bidId: string): HeldBid | undefined {
    return this.#store.heldBid(bidId);
  }

  commit(bid: HeldBid, now: number, steps: PostSteps): BookCommitResult {
    return this.#store.transaction(() => {
      // Taken out first: whatever happens next, no other post can commit this bid (it was read outside this lock).
      if (!this.#store.deleteHeldBid(bid.bidId))
        return { ok: false, reason: "no bid held (expired or already posted)" };
      if (bid.expiresAt <= now) return { ok: false, reason: "the bid expired" };
      if (!bid.test && steps.isDuplicate())
        return { ok: false, reason: "duplicate", duplicate: true as const };
      if (!bid.test)
        // Spend alone (other bids' holds aside) against the periods current now: a hold made in an earlier period is
        // checked again in this one, and committed spend can never pass a limit.
        for (const limit of this.#limits.get(bid.campaignId) ?? []) {
          const since = periodStart(limit.period, this.#timeZone, now);
          const spent = this.#store.spentSince(bid.campaignId, since);
          const full = fullness(limit, spent.cents + bid.priceCents, spent.leads + 1);
          if (full) return { ok: false, reason: full };
        }
      steps.record();
      return { ok: true };
    });
  }

  release(bidId: string): void {
    this.#store.transaction(() => this.#store.deleteHeldBid(bidId), "process");
  }

  usage(campaignId: string, now: number): BudgetUsage[] {
    return (this.#limits.get(campaignId) ?? []).map((limit) => {
      const since = periodStart(limit.period, this.#timeZone, now);
      const spent = this.#store.spentSince(campaignId, since);
      const held = this.#store.heldSince(campaignId, since, now);
      return {
        period: limit.period,
        key: periodKey(limit.period, this.#timeZone, now),
        spentCents: spent.cents,
        heldCents: held.cents,
        leads: spent.leads,
        ...(limit.spendCents !== undefined ? { spendLimitCents: limit.spendCents } : {}),
        ...(limit.leads !== undefined ? { leadLimit: limit.leads } : {}),
      };
    });
  }

  sweep(now: number): void {
    this.#store.deleteExpiredHeldBids(now);
  }
}

/** Which limit `cents` and `leads` would pass, as the no-bid reason; undefined when within every one. */
function fullness(limit: BudgetLimit, cents: number, leads: number): string | undefined {
  if (limit.spendCents !== undefined && cents > limit.spendCents) return `${limit.period} budget reached`;
  if (limit.leads !== undefined && leads > limit.leads) return `${limit.period} lead cap reached`;
  return undefined;
}
