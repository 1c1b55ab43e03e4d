// What this process knows about its post attempts but could not write (DESIGN rule 11). When the write that begins an
// attempt fails, the store may or may not hold it (a connection cut as the COMMIT landed loses only the reply), and the
// ends of earlier attempts it carried are lost with it. The poster knows the truth: that buyer was never called, and
// the earlier ones refused or failed. Left alone, the journal would show the attempt `posting`, and the source's retry
// would stop as uncertain (409 GAVEL_POST_UNCERTAIN, for the operator to reconcile) a post that no buyer ever got.
// So the truth is kept here and written before this auction's lead is posted again (a retry waits for it), or in the
// background once the store is back, as the sale recorder does for sales. A retry that reaches another instance first
// still stops as uncertain: the safe answer for what that instance cannot know.
import type { Logger } from "pino";
import type { PostJournalPort } from "../store/ports.ts";
import type { EndedPostAttempt } from "../store/post-attempts.ts";
import { BackgroundRetry } from "./background-retry.ts";

/** One auction's attempts to write: ends it knows, and attempts begun in the store whose buyer was never called. */
interface Unwritten {
  ended: EndedPostAttempt[];
  withdrawn: string[];
}

export class UnwrittenAttempts {
  readonly #store: Pick<PostJournalPort, "settlePostAttempts">;
  readonly #log: Logger;
  readonly #pending = new Map<string, Unwritten>();
  /** The write under way for each auction: a retried post and the background must not write it at the same time. */
  readonly #writing = new Map<string, Promise<void>>();
  readonly #retry = new BackgroundRetry(async () => {
    await this.#writeAll();
    return this.#pending.size > 0;
  });

  constructor(deps: { store: Pick<PostJournalPort, "settlePostAttempts">; log: Logger }) {
    this.#store = deps.store;
    this.#log = deps.log;
  }

  /** An attempt's beginning failed: `ended` were not written, and `withdrawn` (if any) was never posted. */
  keep(auctionId: string, ended: readonly EndedPostAttempt[], withdrawn?: string): void {
    const kept = this.#pending.get(auctionId);
    this.#pending.set(auctionId, {
      ended: [...(kept?.ended ?? []), ...ended],
      withdrawn: [...(kept?.withdrawn ?? []), ...(withdrawn ? [withdrawn] : [])],
    });
    this.#retry.schedule();
  }

  /**
   * Writes what is kept for this auction before its lead is posted again; rejects, keeping it, while the store is away.
   * Undefined when nothing is kept: every post asks, so the usual answer costs no await.
   */
  settle(auctionId: string): Promise<void> | undefined {
    if (!this.#writing.has(auctionId) && !this.#pending.has(auctionId)) return undefined;
    return this.#settleKept(auctionId);
  }

  async #settleKept(auctionId: string): Promise<void> {
    await this.#writing.get(auctionId)?.catch(() => {});
    if (this.#pending.has(auctionId)) await this.#write(auctionId);
  }

  /** Tries once more to write what is kept, then says what could not be (the reconciler will list it as uncertain). */
  async close(): Promise<void> {
    this.#retry.stop();
    await this.#writeAll();
    if (this.#pending.size > 0) {
      this.#log.error(
        { auctions: [...this.#pending.keys()] },
        "post attempts whose outcome could not be written before shutdown: they will be listed as uncertain",
      );
    }
  }

  #write(auctionId: string): Promise<void> {
    const underWay = this.#writing.get(auctionId);
    if (underWay) return underWay;
    const unwritten = this.#pending.get(auctionId);
    if (!unwritten) return Promise.resolve();
    const writing = this.#store
      .settlePostAttempts(unwritten.ended, unwritten.withdrawn)
      .then(() => this.#forgetWritten(auctionId, unwritten))
      .finally(() => this.#writing.delete(auctionId));
    this.#writing.set(auctionId, writing);
    return writing;
  }

  /** Forgets what was written; anything kept for the auction meanwhile stays for the next write. */
  #forgetWritten(auctionId: string, written: Unwritten): void {
    const now = this.#pending.get(auctionId);
    if (now === written) {
      this.#pending.delete(auctionId);
      return;
    }
    if (!now) return;
    const endedIds = new Set(written.ended.map((end) => end.id));
    const withdrawnIds = new Set(written.withdrawn);
    this.#pending.set(auctionId, {
      ended: now.ended.filter((end) => !endedIds.has(end.id)),
      withdrawn: now.withdrawn.filter((id) => !withdrawnIds.has(id)),
    });
  }

  async #writeAll(): Promise<void> {
    for (const auctionId of [...this.#pending.keys()]) {
      try {
        await this.#write(auctionId);
      } catch {
        return; // The store is still away; the next round tries again.
      }
    }
  }
}
