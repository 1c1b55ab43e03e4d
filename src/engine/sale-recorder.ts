// Writes each posted lead (its sale, post outcomes and postbacks) durably before the source is answered (DESIGN
// rule 9). Once a buyer has accepted a lead, the sale must not be lost, nor the lead delivered twice: when the store
// is down, the sale is kept here and written again in the background until it succeeds, while the source hears 503
// and the ping's post claim stays taken, so a retry answers from this sale instead of posting to a buyer again.
import type { Logger } from "pino";
import type { ContactHashes } from "../compliance/suppression/suppression-hash.ts";
import type { LeadRecord, LedgerEntry, OutboxItem, OutcomeRecord } from "../domain/records.ts";
import type { LeadsPort } from "../store/ports.ts";
import { BackgroundRetry } from "./background-retry.ts";

export interface Sale {
  lead: LeadRecord;
  outcomes: OutcomeRecord[];
  outbox: OutboxItem[];
  /** The money it moves (see ledger.ts), written in the same transaction. */
  ledger?: LedgerEntry[];
  /** Where the (first) buyer wants the consumer sent next: for the seller's answer only, not stored. */
  redirectUrl?: string;
  /** The lead's contact hashes, hashed once for the post's checks, for the duplicate windows once it is saved. */
  contact?: ContactHashes;
}

export class SaleRecorder {
  readonly #store: LeadsPort;
  readonly #log: Logger;
  readonly #onSaved: (sale: Sale) => void;
  /** Sales a buyer has but the store does not yet, by auction id. */
  readonly #unsaved = new Map<string, Sale>();
  /**
   * The write under way for each auction. A source's retry and the background retry can want the same unsaved sale
   * at once; both must wait on one write, or the second INSERT is refused as a duplicate and surfaces as a 500.
   */
  readonly #writing = new Map<string, Promise<void>>();
  readonly #retry = new BackgroundRetry(async () => {
    await this.#retryAll();
    return this.#unsaved.size > 0;
  });

  constructor(deps: { store: LeadsPort; log: Logger; onSaved: (sale: Sale) => void }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#onSaved = deps.onSaved;
  }

  /** Writes the sale; on failure keeps it for the background retry and rethrows (the caller answers 503). */
  async save(sale: Sale): Promise<void> {
    try {
      await this.#write(sale);
    } catch (error) {
      if (!this.#unsaved.has(sale.lead.auction_id)) {
        this.#unsaved.set(sale.lead.auction_id, sale);
        this.#log.warn(
          { err: error, lead_id: sale.lead.id },
          "a posted lead could not be written yet; retrying",
        );
      }
      this.#retry.schedule();
      throw error;
    }
  }

  /** The sale of this auction still waiting to be written, if any (a retried post answers from it). */
  unsaved(auctionId: string): Sale | undefined {
    return this.#unsaved.get(auctionId);
  }

  /** Tries once more to write what is left, then reports what could not be written (it is lost to the store). */
  async close(): Promise<void> {
    this.#retry.stop();
    await this.#retryAll();
    if (this.#unsaved.size > 0) {
      this.#log.error(
        { lead_ids: [...this.#unsaved.values()].map((sale) => sale.lead.id) },
        "posted leads that could not be written before shutdown",
      );
    }
  }

  #write(sale: Sale): Promise<void> {
    const auctionId = sale.lead.auction_id;
    const underWay = this.#writing.get(auctionId);
    if (underWay) return underWay;
    const writing = this.#writeOnce(sale).finally(() => this.#writing.delete(auctionId));
    this.#writing.set(auctionId, writing);
    return writing;
  }

  async #writeOnce(sale: Sale): Promise<void> {
    // A write whose commit succeeded but whose reply was lost must not be written twice: look first when retrying.
    const retrying = this.#unsaved.has(sale.lead.auction_id);
    if (!retrying || !(await this.#store.getLeadByAuction(sale.lead.auction_id))) {
      await this.#store.saveLead(sale.lead, sale.outcomes, sale.outbox, sale.ledger ?? [], sale.contact);
    }
    this.#unsaved.delete(sale.lead.auction_id);
    this.#onSaved(sale);
  }

  async #retryAll(): Promise<void> {
    for (const sale of [...this.#unsaved.values()]) {
      try {
        await this.#write(sale);
      } catch {
        return; // The store is still down; the next round tries again.
      }
    }
  }
}
