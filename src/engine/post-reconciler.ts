// Reconciling posts cut off by a crash (DESIGN rule 11). An attempt left `posting` by a process that died (or whose
// lease lapsed) gets no answer recorded by anyone: it is marked `uncertain`, listed for the operator, and resolved by
// them: sold (the sale and its ledger entries are recorded at the bid, and the source's "sold" postbacks owed) or not
// sold (the lead may go to other buyers).
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Source } from "../domain/config-schema.ts";
import type { LeadRecord } from "../domain/records.ts";
import { GavelError } from "../errors.ts";
import type { AuctionLogPort, LeadsPort, PostJournalPort } from "../store/ports.ts";
import type { PostAttempt, PostAttemptResolution } from "../store/post-attempts.ts";
import { saleEntries } from "./ledger.ts";
import { sourcePostbacks } from "./postbacks.ts";

/** How often an instance looks for attempts that outlived every post that could still answer them. */
const SWEEP_INTERVAL_MS = 30_000;

export class PostAttemptReconciler {
  readonly #store: PostJournalPort & LeadsPort & AuctionLogPort;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #staleAfterMs: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: {
    store: PostJournalPort & LeadsPort & AuctionLogPort;
    log: Logger;
    now: () => number;
    /** How old a `posting` attempt must be before no live post can still answer it (post deadline plus lease). */
    staleAfterMs: () => number;
  }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#now = deps.now;
    this.#staleAfterMs = deps.staleAfterMs;
  }

  /**
   * Reconciles once now, then every 30 s. `soleProcess` (embedded: nobody else writes this store) reconciles every
   * attempt at once: no post is under way before this process starts one.
   */
  async start(soleProcess: boolean): Promise<void> {
    await this.reconcile(soleProcess ? this.#now() : this.#now() - this.#staleAfterMs());
    this.#timer = setInterval(
      () => void this.reconcile(this.#now() - this.#staleAfterMs()).catch(() => {}),
      SWEEP_INTERVAL_MS,
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  async reconcile(startedBefore: number): Promise<number> {
    try {
      const count = await this.#store.reconcilePostAttempts(startedBefore);
      if (count > 0) {
        this.#log.warn(
          { count },
          "posts cut off before their buyers' answers were recorded: listed as uncertain (GET /v1/admin/post-attempts?state=uncertain)",
        );
      }
      return count;
    } catch (error) {
      this.#log.warn({ err: error }, "reconciling post attempts failed; tried again later");
      return 0;
    }
  }
}

/**
 * The operator's decision on an uncertain attempt. Sold records the sale at the buyer's bid (the source is paid what
 * it was quoted) with its ledger entries and, in the same write, the postbacks the source's configuration owes a sale
 * (as a sale the exchange recorded itself would: `sourceOf` reads the live configuration); the lead record holds the
 * ping's non-PII values, since the full lead of a post cut off by a crash was never written. Not sold frees the lead
 * for the other bids of a retried post, whose outcome tells the source.
 */
export async function resolveUncertainPost(
  store: PostJournalPort & LeadsPort & AuctionLogPort,
  id: string,
  resolution: PostAttemptResolution,
  now: number,
  sourceOf: (id: string) => Source | undefined,
): Promise<PostAttempt> {
  const attempt = await store.getPostAttempt(id);
  if (!attempt) throw new GavelError("GAVEL_NOT_FOUND", `No post attempt ${id}`, "id");
  const recorded = await store.getLeadByAuction(attempt.auction_id);
  if (attempt.resolution || attempt.state !== "uncertain" || recorded) {
    throw new GavelError(
      "GAVEL_ATTEMPT_NOT_UNCERTAIN",
      recorded
        ? `The post of auction ${attempt.auction_id} is recorded (lead ${recorded.id}); nothing to resolve`
        : `Post attempt ${id} is ${attempt.resolution ? `resolved (${attempt.resolution})` : attempt.state}, not uncertain`,
      "id",
    );
  }
  if (resolution === "sold") {
    const sale = await resolvedSale(store, attempt, now);
    const postbacks = sourcePostbacks(
      sourceOf(sale.lead.source_id),
      { type: "posted", lead: sale.lead },
      now,
    );
    await store.saveLead(sale.lead, [sale.outcome], postbacks, saleEntries(sale.lead));
  }
  if (!(await store.resolvePostAttempt(id, resolution, now))) {
    throw new GavelError("GAVEL_ATTEMPT_NOT_UNCERTAIN", `Post attempt ${id} was resolved meanwhile`, "id");
  }
  return (await store.getPostAttempt(id))!;
}

async function resolvedSale(
  store: PostJournalPort & LeadsPort & AuctionLogPort,
  attempt: PostAttempt,
  now: number,
) {
  const ping = await store.getPing(attempt.auction_id);
  if (!ping) {
    throw new GavelError(
      "GAVEL_AUCTION_NOT_STORED",
      `The auction ${attempt.auction_id} of this attempt is not stored`,
      "id",
    );
  }
  const bid = ping.bids.find((candidate) => candidate.campaign_id === attempt.campaign_id);
  // A ping's source was quoted its price; a direct post (quoted nothing) or a shared sale is paid from the bid.
  const priceCents = ping.kind === "ping" && !bid?.shared ? ping.price_cents : (bid?.source_price_cents ?? 0);
  const lead: LeadRecord = {
    id: randomUUID(),
    auction_id: ping.id,
    kind: ping.kind,
    source_id: ping.source_id,
    vertical: ping.vertical,
    lead: ping.lead,
    consent: {},
    test: ping.test,
    ...(ping.sub_id === undefined ? {} : { sub_id: ping.sub_id }),
    status: "sold",
    price_cents: priceCents,
    buyer_price_cents: attempt.bid_cents,
    campaign_id: attempt.campaign_id,
    buyer_id: attempt.buyer_id,
    ...(attempt.buyer_lead_id ? { buyer_lead_id: attempt.buyer_lead_id } : {}),
    created_at: now,
  };
  const outcome = {
    auction_id: ping.id,
    phase: "post" as const,
    at: now,
    campaign_id: attempt.campaign_id,
    buyer_id: attempt.buyer_id,
    bid_cents: attempt.bid_cents,
    reason: "post_accepted" as const,
    detail: `recorded by the operator: attempt ${attempt.id} was uncertain`,
  };
  return { lead, outcome };
}
