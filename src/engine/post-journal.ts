// The post attempts of one delivery, journaled in the store before each buyer is called (DESIGN rule 11). When the
// journal shows that this lead was posted to a campaign before (the exchange died, or another instance's lease on
// the post lapsed), the buyer is not posted to again: refused then, the fallback moves on; with no recorded answer,
// the buyer may hold the lead, so the whole post stops as uncertain and the operator reconciles it (src/http/
// post-attempt-routes.ts). An exclusive lead a buyer may hold is never offered to another buyer either. A beginning
// that could not be written is not such a case: this process knows nobody was called, and says so before the lead is
// posted again (./unwritten-attempts.ts).

import type { Logger } from "pino";
import type { BuyerOutcome, Reason } from "../domain/outcomes.ts";
import type { Bid } from "../domain/ranking.ts";
import type { LeadRecord } from "../domain/records.ts";
import type { LeadsPort, PostJournalPort } from "../store/ports.ts";
import type { BeginPostAttempt, EndedPostAttempt, PostAttempt } from "../store/post-attempts.ts";
import { timeOrderedId } from "./time-ordered-ids.ts";
import type { UnwrittenAttempts } from "./unwritten-attempts.ts";

/** Whether the buyer of this bid may be posted to, or, when not, the trace line that says why it was skipped. */
export type PostVerdict = { post: true } | { post: false; outcome: Pick<BuyerOutcome, "reason" | "detail"> };

/** A buyer may hold this lead from a post whose answer was never recorded: nothing more is posted. */
export class PostUncertainError extends Error {
  readonly attempt: PostAttempt;
  constructor(attempt: PostAttempt) {
    super(
      `the post of auction ${attempt.auction_id} to campaign ${attempt.campaign_id} has no recorded answer`,
    );
    this.name = "PostUncertainError";
    this.attempt = attempt;
  }
}

/** The post was carried out and recorded by its first poster meanwhile: answer from its lead. */
export class PostAnsweredError extends Error {
  readonly lead: LeadRecord;
  constructor(lead: LeadRecord) {
    super(`auction ${lead.auction_id} was answered meanwhile`);
    this.name = "PostAnsweredError";
    this.lead = lead;
  }
}

/** This poster's lease on the post lapsed: another caller may be carrying it out now; post nothing more. */
export class PostLeaseLostError extends Error {
  constructor(auctionId: string) {
    super(`the lease on posting auction ${auctionId} lapsed`);
    this.name = "PostLeaseLostError";
  }
}

export class PostJournal {
  readonly #store: PostJournalPort & LeadsPort;
  readonly #auctionId: string;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #leaseHeld: () => Promise<boolean>;
  readonly #unwritten: UnwrittenAttempts;
  /** Whether what an earlier post of this auction could not write has been written (before the first attempt). */
  #settled = false;
  /** The attempts this delivery began, by campaign. */
  readonly #began = new Map<string, string>();
  /** Attempts that ended without a sale, written with the next one's beginning (or their end, with the sale). */
  #ended: EndedPostAttempt[] = [];

  constructor(deps: {
    store: PostJournalPort & LeadsPort;
    auctionId: string;
    now: () => number;
    log: Logger;
    /** What this process's earlier posts could not write, shared by its journals. */
    unwritten: UnwrittenAttempts;
    /** Renews the poster's lease; false when it lapsed. Asked before each buyer is posted to. */
    leaseHeld?: () => Promise<boolean>;
  }) {
    this.#store = deps.store;
    this.#auctionId = deps.auctionId;
    this.#now = deps.now;
    this.#log = deps.log;
    this.#unwritten = deps.unwritten;
    this.#leaseHeld = deps.leaseHeld ?? (async () => true);
  }

  /** Records the attempt durably before its buyer is called; throws PostUncertain/PostAnswered/PostLeaseLost. */
  async begin(bid: Bid): Promise<PostVerdict> {
    if (!(await this.#leaseHeld())) throw new PostLeaseLostError(this.#auctionId);
    if (!this.#settled) {
      const settling = this.#unwritten.settle(this.#auctionId);
      if (settling) await settling;
      this.#settled = true;
    }
    const attempt: PostAttempt = {
      id: timeOrderedId(),
      auction_id: this.#auctionId,
      campaign_id: bid.campaign_id,
      buyer_id: bid.buyer_id,
      bid_cents: bid.bid_cents,
      started_at: this.#now(),
      state: "posting",
    };
    const ended = this.#ended;
    this.#ended = [];
    let begun: BeginPostAttempt;
    try {
      begun = await this.#store.beginPostAttempt(attempt, ended);
    } catch (error) {
      // Written or not, this attempt's buyer is not called now, and the ends it carried are known: kept to be said.
      this.#unwritten.keep(this.#auctionId, ended, attempt.id);
      throw error;
    }
    if (begun.begun) {
      this.#began.set(bid.campaign_id, attempt.id);
      return { post: true };
    }
    const { earlier } = begun;
    if (earlier.state === "rejected" || earlier.state === "failed") {
      const answer = earlier.state === "rejected" ? "refused it" : "failed";
      return {
        post: false,
        outcome: {
          reason: earlier.state === "rejected" ? "post_rejected" : "post_error",
          detail: `posted before (attempt ${earlier.id}) and the buyer ${answer}; not posted again`,
        },
      };
    }
    const lead = await this.#store.getLeadByAuction(this.#auctionId);
    if (lead) throw new PostAnsweredError(lead);
    if (earlier.state === "posting" && (await this.#store.markPostAttemptUncertain(earlier.id))) {
      this.#log.warn(
        { auction: this.#auctionId, campaign: earlier.campaign_id, attempt: earlier.id },
        "a post cut off before its answer was recorded: the buyer may hold the lead; listed as uncertain",
      );
    }
    throw new PostUncertainError({
      ...earlier,
      state: earlier.state === "posting" ? "uncertain" : earlier.state,
    });
  }

  /** How a begun attempt ended; a refusal is written when the next attempt begins, or with the sale. */
  ended(bid: Bid, reason: Reason): void {
    const id = this.#began.get(bid.campaign_id);
    if (!id) return;
    if (reason === "post_rejected") this.#ended.push({ id, state: "rejected", ended_at: this.#now() });
    else if (reason === "post_error" || reason === "post_timeout")
      this.#ended.push({ id, state: "failed", ended_at: this.#now() });
  }
}
