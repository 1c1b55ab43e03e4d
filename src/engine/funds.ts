// Prepaid buyers: deposits (top-ups) are state in the store, summed per buyer in memory so the ping path never reads
// the database; spending is counted by the cap ledger as one more cap unit per sale (see fundsUnit in caps.ts), so
// reserving, committing, releasing and "never overshoot under concurrency" are the caps' own. A top-up made through
// one instance reaches the others through the store's configuration notification, as suppression lists do.
import type { Buyer } from "../domain/config-schema.ts";
import { dollarsToCents } from "../domain/money.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import type { ChangeFeedPort, FundsPort } from "../store/ports.ts";
import type { BuyerDeposit } from "../store/store.ts";
import { FUNDS_PERIOD_ENDS_AT, fundsKey } from "./caps.ts";

/** A buyer's money, in integer cents. */
export interface FundsReport {
  /** Whether the buyer is funds-checked at all (its configuration has `funds`). */
  prepaid: boolean;
  deposits_cents: number;
  /** What its sold leads cost it, ever. */
  spent_cents: number;
  /** Held by won bids awaiting their post: pings' holds (which may overbook) and posts in progress. */
  reserved_cents: number;
  credit_limit_cents: number;
  /** Deposits minus spend: negative while the buyer is on credit. */
  balance_cents: number;
  /** What it may still commit to: balance plus credit limit minus posts in progress (pings' holds may overbook). */
  available_cents: number;
}

export class BuyerFunds {
  readonly #store: FundsPort & ChangeFeedPort;
  #deposits = new Map<string, number>();
  /** The prepaid buyers whose funds counter was checked against the store's record of their spend. */
  readonly #restored = new Set<string>();
  /** The reload running now, and whether another was asked for meanwhile (it must see changes made after its start). */
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  private constructor(store: FundsPort & ChangeFeedPort) {
    this.#store = store;
  }

  /** Loads every buyer's deposit total from the store. */
  static async open(store: FundsPort & ChangeFeedPort): Promise<BuyerFunds> {
    const funds = new BuyerFunds(store);
    await funds.reload();
    return funds;
  }

  /** A buyer's deposits in cents, from memory (the ping path). */
  depositsCents(buyerId: string): number {
    return this.#deposits.get(buyerId) ?? 0;
  }

  /** Reloads every total: another instance recorded a top-up. Overlapping calls coalesce into one more. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      try {
        do {
          this.#reloadAgain = false;
          const totals = await this.#store.depositTotals();
          this.#deposits = new Map(totals.map((total) => [total.buyer_id, total.cents]));
        } while (this.#reloadAgain);
      } finally {
        this.#reloading = undefined;
      }
    })();
    return this.#reloading;
  }

  /**
   * Records a top-up (idempotent on its id), durably first, then in memory, then tells the other instances.
   * `added` false: the id was known, and `deposit` is the one recorded first.
   */
  async topUp(deposit: BuyerDeposit): Promise<{ added: boolean; deposit: BuyerDeposit }> {
    const result = await this.#store.addDeposit(deposit);
    // Re-read rather than add: exact whatever other instances recorded meanwhile.
    const [total] = await this.#store.depositTotals(deposit.buyer_id);
    this.#deposits.set(deposit.buyer_id, total?.cents ?? 0);
    if (result.added) await this.#store.notifyConfigChanged?.({ topic: "funds" });
    return result;
  }

  /**
   * Makes sure each prepaid buyer's funds counter holds at least its spend on record: at start (Redis may have lost
   * its data; memory was seeded anyway) and when a configuration change makes a buyer prepaid (its sales until then
   * were not counted against funds). Reads the store once per such buyer, never on the ping path.
   */
  async restoreSpent(buyers: readonly Buyer[], caps: CapLedger): Promise<void> {
    for (const buyer of buyers) {
      if (!buyer.funds) {
        this.#restored.delete(buyer.id);
        continue;
      }
      if (this.#restored.has(buyer.id)) continue;
      const [spent] = await this.#store.spendTotals(buyer.id);
      await caps.raiseCommittedCents(buyer.id, fundsKey(buyer.id), spent?.cents ?? 0, FUNDS_PERIOD_ENDS_AT);
      this.#restored.add(buyer.id);
    }
  }

  /** A buyer's money as of now: deposits and spend from the store, reservations from the cap ledger. */
  async report(buyer: Buyer, caps: CapLedger): Promise<FundsReport> {
    const [[deposits], [spent], usage] = await Promise.all([
      this.#store.depositTotals(buyer.id),
      this.#store.spendTotals(buyer.id),
      caps.usage(buyer.id, fundsKey(buyer.id)),
    ]);
    const depositsCents = deposits?.cents ?? 0;
    const spentCents = spent?.cents ?? 0;
    const creditCents = buyer.funds ? dollarsToCents(buyer.funds.credit_limit) : 0;
    const reservedCents = buyer.funds ? usage.reserved.cents : 0;
    const postingCents = buyer.funds ? usage.reserved.cents - usage.held.cents : 0;
    return {
      prepaid: buyer.funds !== undefined,
      deposits_cents: depositsCents,
      spent_cents: spentCents,
      reserved_cents: reservedCents,
      credit_limit_cents: creditCents,
      balance_cents: depositsCents - spentCents,
      available_cents: depositsCents + creditCents - spentCents - postingCents,
    };
  }
}
