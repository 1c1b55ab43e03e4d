// The exchange: the ping, post and direct-post pipelines over one configuration snapshot, one store, one hot state.
import type { Logger } from "pino";
import type { BuyerHttpClient } from "../buyers/buyer-http-client.ts";
import type { LeadContextValues } from "../buyers/template.ts";
import type { ConsentServices } from "../compliance/consent/consent-providers.ts";
import { type ContactHashes, leadContactHashes } from "../compliance/suppression/suppression-hash.ts";
import type { SuppressionIndex } from "../compliance/suppression/suppression-index.ts";
import { suppressedLists } from "../compliance/suppression/suppression-index.ts";
import { loadAreaCodeStates } from "../compliance/validation/area-code-states.ts";
import { type LeadFacts, LeadValidator } from "../compliance/validation/lead-validator.ts";
import type { MxCheck } from "../compliance/validation/mx-check.ts";
import { campaignDeliveries } from "../deliveries/campaign-deliveries.ts";
import type { FallbackMargin, Source } from "../domain/config-schema.ts";
import type { LeadQuality } from "../domain/lead-quality.ts";
import type { BuyerOutcome } from "../domain/outcomes.ts";
import type { Bid } from "../domain/ranking.ts";
import { type LeadRecord, type OutcomeRecord, type PingRecord, postAnswer } from "../domain/records.ts";
import { RoundRobinMemory } from "../domain/routing.ts";
import { sourcePriceOfSales } from "../domain/shared-leads.ts";
import { buildPingPayload, type LeadValues, pingMismatches, type Vertical } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import { Metrics } from "../metrics.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import type { FailureStreaks } from "../state/counters/failure-streak.ts";
import { MemoryCapLedger } from "../state/counters/memory-cap-ledger.ts";
import { MemoryThrottle } from "../state/counters/memory-throttle.ts";
import type { Throttle } from "../state/counters/throttle.ts";
import type { DuplicateWindows } from "../state/duplicates/duplicate-windows.ts";
import { MemoryDuplicateWindows } from "../state/duplicates/memory-duplicate-windows.ts";
import type { HotState, PostClaim } from "../state/hot-state.ts";
import type { Store } from "../store/store.ts";
import { type AuctionRequest, runAuction, type Wiretap } from "./auction.ts";
import { saleNotices } from "./buyer-notices.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import { Deadline } from "./deadline.ts";
import { deliverWithFallback, type SoldTo } from "./delivery.ts";
import {
  BOUGHT_BY_BUYER,
  DuplicateChecks,
  pingContacts,
  type ReplayMark,
  type ReplayRequest,
  replayRefusal,
  SOLD_IN_VERTICAL,
} from "./duplicates.ts";
import { EventWriter } from "./event-writer.ts";
import { auctionGates, deliveryGates, type GateServices } from "./gates.ts";
import {
  type SellerContext,
  validated,
  validatedConsent,
  validatedContext,
  validatedFormTime,
} from "./lead-input.ts";
import { saleEntries } from "./ledger.ts";
import { PostAnsweredError, PostJournal, PostLeaseLostError, PostUncertainError } from "./post-journal.ts";
import { PostRates } from "./post-rates.ts";
import { sourcePostbacks } from "./postbacks.ts";
import { type Sale, SaleRecorder } from "./sale-recorder.ts";
import { timeOrderedId } from "./time-ordered-ids.ts";
import { UnwrittenAttempts } from "./unwritten-attempts.ts";

/**
 * How long a post's claim on its ping lasts without renewal (renewed every third of it while the post runs), unless
 * settings.post_claim_lease_ms says otherwise. When the instance posting dies, another takes the post over after at
 * most this long (docs/deployment.md).
 */
export const POST_CLAIM_LEASE_MS = 5_000;

export function postClaimLeaseMs(settings: { post_claim_lease_ms?: number | undefined }): number {
  return settings.post_claim_lease_ms ?? POST_CLAIM_LEASE_MS;
}

export interface PingInput {
  vertical: string;
  lead: unknown;
  contact_hash?: { email_sha256?: string; phone_sha256?: string };
  test?: boolean;
  sub_id?: string;
  tmax_ms?: number;
  /** RFC 3339; lead-age rules measure from it. */
  form_submitted_at?: string;
  /** RFC 3339; validation's form-to-submit time measures from it. */
  form_started_at?: string;
  /** The consumer's visit (docs/api.md "Lead context"). */
  context?: SellerContext;
}

export interface PostInput {
  ping_id: string;
  lead: unknown;
  consent?: Record<string, unknown>;
  /** The consumer's visit; the ping's context is not kept, so the post sends its own. */
  context?: SellerContext;
}

export interface DirectPostInput extends Omit<PingInput, "contact_hash"> {
  consent?: Record<string, unknown>;
}

export interface PingAnswer {
  ping_id: string;
  status: "bid" | "no_bid";
  price: number;
  expires_at: string | null;
  reason?: NoBidReason;
}

/** Why nobody bid: buyers declined, none could take the lead, or the consumer was sold in the vertical recently. */
type NoBidReason = "no_bids" | "no_eligible_buyers" | "duplicate" | "suppressed";

/** Duplicate checks made before anyone is pinged, from the consumer's hashes (sent on the ping, or a direct lead's). */
interface DuplicateScreen {
  soldInVertical: boolean;
  duplicateFor?: (buyerId: string) => string | undefined;
}

/**
 * What a post answers: the stored lead's answer, and on the answer of the post that made the sale the buyer's redirect
 * URL, when it gave one (not stored: a retry answered from the store does not repeat it).
 */
export type PostAnswer = ReturnType<typeof postAnswer> & { redirect_url?: string };

export interface ExchangeDeps {
  config: ConfigSnapshot;
  store: Store;
  hotState: HotState;
  client: BuyerHttpClient;
  log: Logger;
  metrics?: Metrics;
  /** Consent verification services; without them a campaign that requires consent proof receives no lead. */
  consent?: ConsentServices;
  /** Suppression lists in memory; without them no lead is suppressed. */
  suppressions?: SuppressionIndex;
  /** Cap counters and throttles (in memory, or Redis shared by every instance). */
  caps?: CapLedger;
  throttle?: Throttle;
  /** Duplicate windows (in memory, or Redis shared by every instance). */
  duplicates?: DuplicateWindows;
  /** Prepaid buyers' deposit totals in memory; without them a buyer with `funds` has only its credit limit. */
  funds?: { depositsCents(buyerId: string): number };
  /** Consecutive post failures per buyer (in memory, or Redis); without them no buyer is auto-paused. */
  failureStreaks?: FailureStreaks;
  /** Pauses a buyer whose posts keep failing (through the configuration service). */
  pauseBuyer?: (buyerId: string) => Promise<void>;
  /** Called after outbox messages were written, so the worker delivers them without waiting for its next poll. */
  onOutbox?: () => void;
  /** MX lookups for verticals whose validation has `check_mx`; without them no domain is looked up. */
  mx?: MxCheck;
  /** Wall clock in epoch ms; injectable so tests can move time. */
  now?: () => number;
}

export class Exchange {
  #config: ConfigSnapshot;
  readonly #store: Store;
  readonly #hotState: HotState;
  readonly #client: BuyerHttpClient;
  readonly #events: EventWriter;
  readonly #now: () => number;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #sales: SaleRecorder;
  /** Post attempts this process knows the truth of but could not write yet (a failed beginning). */
  readonly #unwrittenAttempts: UnwrittenAttempts;
  readonly #gates: GateServices;
  /** Each source's recent post rate, for holds overbooking by it (settings.cap_hold_overbook "learned"). */
  readonly #postRates = new PostRates();
  readonly #throttle: Throttle;
  readonly #duplicates: DuplicateChecks;
  readonly #validator: LeadValidator;
  /** Posts in flight in this process, so a concurrent retry waits for and gets the first answer. */
  readonly #postsInFlight = new Map<string, Promise<PostAnswer>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Per process: under round_robin, each instance rotates its own traffic evenly, so the sum is even as well. */
  readonly #roundRobin = new RoundRobinMemory();

  constructor(deps: ExchangeDeps) {
    this.#config = deps.config;
    preloadValidationData(deps.config);
    this.#store = deps.store;
    this.#hotState = deps.hotState;
    this.#client = deps.client;
    this.#now = deps.now ?? Date.now;
    this.#metrics = deps.metrics ?? new Metrics({ defaultMetrics: false });
    this.#log = deps.log;
    this.#throttle = deps.throttle ?? new MemoryThrottle();
    this.#duplicates = new DuplicateChecks(deps.duplicates ?? new MemoryDuplicateWindows({ now: this.#now }));
    this.#validator = new LeadValidator({
      throttle: this.#throttle,
      log: deps.log,
      ...(deps.mx ? { mx: deps.mx } : {}),
    });
    this.#gates = {
      caps: deps.caps ?? new MemoryCapLedger({ now: this.#now }),
      throttle: this.#throttle,
      consent: deps.consent,
      suppressions: deps.suppressions,
      duplicates: this.#duplicates,
      funds: deps.funds,
      failureStreaks: deps.failureStreaks,
      pauseBuyer: deps.pauseBuyer,
      postRates: this.#postRates,
      log: deps.log,
      now: this.#now,
    };
    const onOutbox = deps.onOutbox ?? (() => {});
    this.#sales = new SaleRecorder({
      store: deps.store,
      log: deps.log,
      onSaved: (sale) => {
        if (sale.outbox.length > 0) onOutbox();
        // Once durable, a sale makes its consumer a duplicate (issued before the answer, so the next request sees it).
        if (sale.lead.status === "sold") this.#rememberSale(sale.lead, sale.contact);
      },
    });
    this.#unwrittenAttempts = new UnwrittenAttempts({ store: deps.store, log: deps.log });
    this.#events = new EventWriter(deps.store, deps.log);
  }

  get config(): ConfigSnapshot {
    return this.#config;
  }

  /** Swaps in a new configuration; auctions already running finish on the snapshot they started with. */
  useConfig(config: ConfigSnapshot): void {
    preloadValidationData(config);
    this.#config = config;
  }

  /** `wiretap` sees each buyer ping's raw HTTP exchange (the console's "test this campaign"). */
  ping(source: Source, input: PingInput, receivedAt?: number, wiretap?: Wiretap): Promise<PingAnswer> {
    return this.#track(this.#ping(source, input, receivedAt, wiretap));
  }

  post(source: Source, input: PostInput): Promise<PostAnswer> {
    return this.#track(this.#post(source, input));
  }

  directPost(source: Source, input: DirectPostInput, receivedAt?: number): Promise<PostAnswer> {
    return this.#track(this.#directPost(source, input, receivedAt));
  }

  async #ping(source: Source, input: PingInput, receivedAt?: number, wiretap?: Wiretap): Promise<PingAnswer> {
    const config = this.#config;
    const vertical = this.#verticalFor(source, input.vertical, config);
    this.#checkSubId(source, input.sub_id);
    const lead = validated(vertical, input.lead, "ping");
    const formSubmittedAt = validatedFormTime(input.form_submitted_at, this.#now());
    const formStartedAt = validatedFormTime(input.form_started_at, this.#now(), "form_started_at");
    const context = validatedContext(input.context, input);
    const deadline = this.#deadlineFor(input.tmax_ms, receivedAt);
    const contact = pingContacts(input.contact_hash);
    // A ping's validated lead holds only the non-PII fields, in the vertical's order: it is the ping payload itself
    // (what buildPingPayload would copy), used by the replay guard's fingerprint, the buyers' pings and the ping record.
    const pingPayload = lead;
    // Awaited only when there is something to wait for (each await is a promise and a turn of the microtask queue).
    if (source.max_pings_per_minute !== undefined || config.settings.replay_guard_s) {
      await this.#admitFromSource(config, source, {
        kind: "ping",
        source,
        vertical,
        pingPayload,
        subId: input.sub_id,
        contact,
      });
    }
    const { quality, screen } = await this.#validateAndScreen(
      config,
      vertical,
      lead,
      this.#leadFacts(source, contact, context, true, formSubmittedAt, formStartedAt),
    );
    // The auction's inputs named one by one (a spread of the request would copy all of it, for every ping).
    const ping = await this.#auction(
      "ping",
      source,
      vertical,
      lead,
      {
        test: input.test,
        sub_id: input.sub_id,
        contact_hash: input.contact_hash,
        formSubmittedAt,
        context,
        quality,
        pingPayload,
        wiretap,
      },
      deadline,
      config,
      screen,
    );
    if (ping.held) await ping.held;
    else if (ping.record.status === "bid") await this.#hotState.holdPing(ping.record);
    if (ping.record.status === "bid") this.#postRates.won(source.id, ping.record.id, ping.record.expires_at);
    this.#events.record(ping.record, ping.outcomes);
    this.#metrics.recordOverhead("ping", deadline.elapsedMs() - ping.fanOutMs);
    return {
      ping_id: ping.record.id,
      status: ping.record.status,
      price: ping.record.price_cents / 100,
      expires_at: ping.record.status === "bid" ? new Date(ping.record.expires_at).toISOString() : null,
      ...(ping.noBidReason ? { reason: ping.noBidReason } : {}),
    };
  }

  async #post(source: Source, input: PostInput): Promise<PostAnswer> {
    // Keyed by source too: another source guessing a ping_id must not be handed this source's answer.
    const key = `${source.id}\u0000${input.ping_id}`;
    const inFlight = this.#postsInFlight.get(key);
    if (inFlight) return inFlight;
    const answer = this.#postOnce(source, input);
    this.#postsInFlight.set(key, answer);
    try {
      return await answer;
    } finally {
      this.#postsInFlight.delete(key);
    }
  }

  async #directPost(source: Source, input: DirectPostInput, receivedAt?: number): Promise<PostAnswer> {
    const config = this.#config;
    const vertical = this.#verticalFor(source, input.vertical, config);
    this.#checkSubId(source, input.sub_id);
    const lead = validated(vertical, input.lead, "post");
    const consent = validatedConsent(vertical, input.consent);
    const formSubmittedAt = validatedFormTime(input.form_submitted_at, this.#now());
    const formStartedAt = validatedFormTime(input.form_started_at, this.#now(), "form_started_at");
    const context = validatedContext(input.context, input);
    const deadline = this.#deadlineFor(input.tmax_ms, receivedAt);
    const contact = leadContactHashes(lead);
    const pingPayload = buildPingPayload(vertical, lead);
    await this.#admitFromSource(config, source, {
      kind: "direct",
      source,
      vertical,
      pingPayload,
      subId: input.sub_id,
      contact,
    });
    const { quality, screen } = await this.#validateAndScreen(
      config,
      vertical,
      lead,
      this.#leadFacts(source, contact, context, true, formSubmittedAt, formStartedAt),
    );
    const ping = await this.#auction(
      "direct",
      source,
      vertical,
      lead,
      // The whole lead is here: a buyer whose lists suppress this consumer is not even pinged.
      { ...input, formSubmittedAt, context, contact_hash: contact, quality, pingPayload },
      deadline,
      config,
      screen,
    );
    this.#events.record(ping.record, ping.outcomes);
    this.#metrics.recordOverhead("direct_post", deadline.elapsedMs() - ping.fanOutMs);
    // Nothing was quoted to the source before the auction, so any ranked bid may buy the lead.
    const journal = this.#journal(ping.record.id);
    return this.#recordSale(
      await this.#deliver(
        ping.record,
        lead,
        consent,
        0,
        config,
        journal,
        ping.noBidReason,
        false,
        context,
        contact,
      ),
    );
  }

  /**
   * Offers a returned lead again, as a direct post from its source, to every buyer but those named (the one that
   * returned it). The consumer was sold in this vertical by the very sale being undone, so the vertical's duplicate
   * check does not apply; each buyer's own does (a buyer that bought this consumer before is still left out).
   */
  resell(original: LeadRecord, excludeBuyers: ReadonlySet<string>): Promise<PostAnswer> {
    return this.#track(this.#resell(original, excludeBuyers));
  }

  async #resell(original: LeadRecord, excludeBuyers: ReadonlySet<string>): Promise<PostAnswer> {
    const config = this.#config;
    const source = config.sourceById.get(original.source_id);
    const vertical = config.verticalById.get(original.vertical);
    if (!source || !vertical) {
      throw new GavelError(
        "GAVEL_NO_LONGER_CONFIGURED",
        "The lead's source or vertical no longer exists",
        "id",
      );
    }
    // What was verified for the first sale is evidence of that sale; the resale verifies afresh.
    const { verification: _, ...consent } = original.consent;
    const contact = leadContactHashes(original.lead);
    const boughtBefore = await this.#duplicates.buyersWhoBought(config, vertical.id, contact);
    const screen: DuplicateScreen = {
      soldInVertical: false,
      duplicateFor: (buyerId) =>
        excludeBuyers.has(buyerId)
          ? "returned this lead"
          : boughtBefore.has(buyerId)
            ? BOUGHT_BY_BUYER
            : undefined,
    };
    const deadline = this.#deadlineFor(undefined);
    const input = {
      test: original.test,
      ...(original.sub_id === undefined ? {} : { sub_id: original.sub_id }),
      contact_hash: contact,
    };
    const ping = await this.#auction(
      "direct",
      source,
      vertical,
      original.lead,
      input,
      deadline,
      config,
      screen,
    );
    this.#events.record(ping.record, ping.outcomes);
    return this.#recordSale(
      await this.#deliver(
        ping.record,
        original.lead,
        consent,
        0,
        config,
        this.#journal(ping.record.id),
        ping.noBidReason,
        true,
        undefined,
        contact,
      ),
    );
  }

  /** Writes buffered ping events, so what was just pinged can be read back from the store. */
  async flush(): Promise<void> {
    await this.#events.flush();
  }

  /**
   * Lets auctions and posts in flight finish (even those whose client went away), then writes the buffered events.
   * Called on shutdown, after the server stopped accepting requests, so a restart keeps every held ping.
   */
  async close(): Promise<void> {
    const deadline = this.#config.settings.post_deadline_ms + this.#config.settings.max_tmax_ms;
    const waited = Promise.allSettled([...this.#inFlight]);
    await Promise.race([waited, new Promise((resolve) => setTimeout(resolve, deadline).unref())]);
    await this.#events.close();
    await this.#sales.close();
    await this.#unwrittenAttempts.close();
  }

  /** Counts a request as in flight until it settles, so close() can wait for it. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const forget = () => this.#inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  async #postOnce(source: Source, input: PostInput): Promise<PostAnswer> {
    // A source paused after its ping (fraud, a complaint) sells nothing more, held pings included.
    if (source.status === "paused") throw new GavelError("GAVEL_SOURCE_PAUSED");
    const now = this.#now();
    const config = this.#config;
    const leaseMs = postClaimLeaseMs(config.settings);
    // The held ping and the claim on its post in one call (one round trip on Redis): a claim this post does not go on
    // to use (another source's ping, a refused lead) is given back before the answer.
    const taken = await this.#hotState.claimHeldPing(input.ping_id, now, leaseMs);
    let held = taken?.ping;
    let claim = taken?.claim;
    if (!held || held.source_id !== source.id) {
      await claim?.release().catch(() => {});
      claim = undefined;
      const unheld = await this.#answerForUnheldPing(source, input.ping_id, now);
      if ("answer" in unheld) return unheld.answer;
      held = unheld.ping;
    }
    let lead: LeadValues;
    let consent: Record<string, unknown>;
    let context: LeadContextValues;
    try {
      ({ lead, consent, context } = await this.#postedLead(source, held, input, config));
    } catch (error) {
      await claim?.release().catch(() => {});
      throw error;
    }
    // A ping held again from the store is claimed now; one the hot state held without a claim is another post's.
    if (taken?.ping !== held) claim = await this.#hotState.claimPost(held.id, leaseMs);
    if (!claim) {
      const answered = await this.#store.getLeadByAuction(held.id);
      if (answered) return postAnswer(answered);
      // This process delivered the lead but could not write the sale yet: try again now, answer from it.
      const unsaved = this.#sales.unsaved(held.id);
      if (unsaved) return this.#recordSale(unsaved);
      throw new GavelError("GAVEL_POST_IN_PROGRESS");
    }
    // Renewed while the post runs; an instance that dies stops renewing, and after the lease another takes over.
    const renewal = setInterval(() => void claim.renew().catch(() => {}), leaseMs / 3);
    renewal.unref();
    this.#postRates.posted(held.source_id, held.id);
    let sale: Sale;
    try {
      const journal = this.#journal(held.id, () => claim.renew());
      sale = await this.#deliver(
        held,
        lead,
        consent,
        held.price_cents,
        config,
        journal,
        undefined,
        false,
        context,
      );
    } catch (error) {
      clearInterval(renewal);
      return this.#postStopped(error, held, claim);
    }
    clearInterval(renewal);
    // From here a buyer may hold the lead: the claim is never given back, so no retry can deliver it twice. It is
    // kept (without lease) even when the sale cannot be written yet, so this process answers retries from it. Not
    // awaited: the answer must not wait on a stalled Redis, and a claim that lapses instead leaves the journal and the
    // stored lead to answer retries.
    const complete = () =>
      void claim
        .complete()
        .catch((error: unknown) =>
          this.#log.warn({ err: error, ping: held.id }, "completing a post claim failed; it lapses"),
        );
    try {
      return await this.#recordSale(sale);
    } finally {
      complete();
    }
  }

  /** A post's lead checked against its held ping, its consent and context, and validated as a full lead. */
  async #postedLead(
    source: Source,
    held: PingRecord,
    input: PostInput,
    config: ConfigSnapshot,
  ): Promise<{ lead: LeadValues; consent: Record<string, unknown>; context: LeadContextValues }> {
    const vertical = config.verticalById.get(held.vertical);
    if (!vertical)
      throw new GavelError(
        "GAVEL_NO_LONGER_CONFIGURED",
        `vertical ${held.vertical} no longer exists`,
        "ping_id",
      );
    const lead = validated(vertical, input.lead, "post");
    const mismatched = pingMismatches(vertical, held.lead, lead);
    if (mismatched.length > 0) {
      throw new GavelError(
        "GAVEL_POST_MISMATCH",
        `These fields differ from the ping: ${mismatched.join(", ")}`,
        `lead.${mismatched[0]}`,
      );
    }
    const consent = validatedConsent(vertical, input.consent);
    const context = validatedContext(input.context, held.sub_id === undefined ? {} : { sub_id: held.sub_id });
    // The full lead's checks (phone, e-mail); its ping was counted for velocity already, so no contact hashes are
    // needed (they are only counted).
    if (vertical.validation)
      await this.#validator.check(
        vertical,
        lead,
        this.#leadFacts(source, {}, context, false, undefined, undefined),
      );
    return { lead, consent, context };
  }

  /** A post whose delivery stopped before a sale: why, and what the source hears. */
  async #postStopped(error: unknown, held: PingRecord, claim: PostClaim): Promise<PostAnswer> {
    if (error instanceof PostAnsweredError) return postAnswer(error.lead);
    // Another caller holds the post now: it answers; this one must neither release its claim nor post.
    if (error instanceof PostLeaseLostError) throw new GavelError("GAVEL_POST_IN_PROGRESS");
    // Give the claim back, so a retry finds the post as it is then (resolved, say): the journal keeps that retry from
    // posting again to any buyer this call posted to.
    await claim.release().catch(() => {});
    if (error instanceof PostUncertainError) {
      const { attempt } = error;
      this.#events.record(undefined, [
        {
          auction_id: held.id,
          phase: "post",
          at: this.#now(),
          campaign_id: attempt.campaign_id,
          buyer_id: attempt.buyer_id,
          bid_cents: attempt.bid_cents,
          reason: "post_uncertain",
          detail: `attempt ${attempt.id} has no recorded answer; not posted again, nor to another buyer`,
        },
      ]);
      throw new GavelError("GAVEL_POST_UNCERTAIN", undefined, "ping_id");
    }
    throw error;
  }

  /** The journal of one delivery's post attempts (a direct post's too: a crash must not leave its sale unseen). */
  #journal(auctionId: string, leaseHeld?: () => Promise<boolean>): PostJournal {
    return new PostJournal({
      store: this.#store,
      auctionId,
      now: this.#now,
      log: this.#log,
      unwritten: this.#unwrittenAttempts,
      ...(leaseHeld ? { leaseHeld } : {}),
    });
  }

  /** Writes the sale (durable before the answer), then forgets the held ping; that last step is best effort. */
  async #recordSale(sale: Sale): Promise<PostAnswer> {
    await this.#sales.save(sale);
    if (sale.lead.kind === "ping") {
      await this.#hotState
        .dropPing(sale.lead.auction_id)
        .catch((error: unknown) =>
          this.#log.warn({ err: error }, "forgetting a posted ping failed; it expires"),
        );
    }
    const answer: PostAnswer = postAnswer(sale.lead);
    if (sale.redirectUrl) answer.redirect_url = sale.redirectUrl;
    return answer;
  }

  /**
   * A post for a ping that is not held: answered before (idempotent retry), expired, unknown; or held in the store
   * but no longer in the hot state (Redis restarted empty): then it is held again from the store and posted.
   */
  async #answerForUnheldPing(
    source: Source,
    pingId: string,
    now: number,
  ): Promise<{ answer: PostAnswer } | { ping: PingRecord }> {
    const lead = await this.#store.getLeadByAuction(pingId);
    if (lead && lead.source_id === source.id) return { answer: postAnswer(lead) };
    const unsaved = this.#sales.unsaved(pingId);
    if (unsaved && unsaved.lead.source_id === source.id) return { answer: await this.#recordSale(unsaved) };
    await this.#events.flush();
    const ping = await this.#store.getPing(pingId);
    if (!ping || ping.source_id !== source.id || ping.kind !== "ping")
      throw new GavelError("GAVEL_PING_NOT_FOUND", undefined, "ping_id");
    if (ping.status === "no_bid") {
      throw new GavelError("GAVEL_PING_NOT_BID", undefined, "ping_id");
    }
    if (ping.expires_at <= now) throw new GavelError("GAVEL_PING_EXPIRED", undefined, "ping_id");
    // The store has its bids: hold it again. The post claim and the attempts journal keep a post that was under way
    // when the hot state lost it from being repeated to a buyer.
    await this.#hotState.holdPing(ping);
    this.#log.info({ ping: ping.id }, "a held ping missing from the hot state was held again from the store");
    return { ping };
  }

  async #auction(
    kind: PingRecord["kind"],
    source: Source,
    vertical: Vertical,
    lead: LeadValues,
    input: {
      test?: boolean | undefined;
      sub_id?: string | undefined;
      contact_hash?: PingInput["contact_hash"] | undefined;
      formSubmittedAt?: number | undefined;
      context?: LeadContextValues;
      /** What validation found (its vertical validates leads): rules and buyers see the score, the trace all. */
      quality?: LeadQuality | undefined;
      /** The lead's non-PII values, when the caller has built them already. */
      pingPayload?: LeadValues;
      wiretap?: Wiretap | undefined;
    },
    deadline: Deadline,
    config: ConfigSnapshot,
    screen: DuplicateScreen,
  ): Promise<{
    record: PingRecord;
    outcomes: OutcomeRecord[];
    fanOutMs: number;
    /** A ping's held record's write (sent with its winner's hold), or the drop of one whose hold was refused. */
    held: Promise<void> | undefined;
    noBidReason?: NoBidReason;
  }> {
    // Time-ordered: each writer batch adds to the right edge of the indexes keyed by it (./time-ordered-ids.ts).
    const auctionId = timeOrderedId();
    const test = input.test === true || source.status === "test";
    const request: AuctionRequest = { auctionId, source, vertical, lead, test, deadline, now: this.#now() };
    // Optional members assigned, not spread: this runs for every ping.
    const suppressedFor = this.#suppressionCheck(input.contact_hash);
    if (suppressedFor) request.suppressedFor = suppressedFor;
    if (screen.duplicateFor) request.duplicateFor = screen.duplicateFor;
    request.roundRobin = this.#roundRobin;
    if (input.formSubmittedAt !== undefined) request.formSubmittedAt = input.formSubmittedAt;
    if (input.quality) request.qualityScore = input.quality.score;
    if (input.context) request.context = input.context;
    if (input.wiretap) request.wiretap = input.wiretap;
    if (input.pingPayload) request.pingPayload = input.pingPayload;
    const gates = auctionGates(this.#gates, config, source, auctionId);
    // A ping's held record goes out with its winner's cap hold, in the same write (one round trip on Redis, not two);
    // when that hold is refused (a cap filled meanwhile: rare), the record is dropped before the next one is held.
    let speculated: { ranked: readonly Bid[]; record: PingRecord; written: Promise<void> } | undefined;
    const pingPayload = input.pingPayload;
    if (kind === "ping" && pingPayload) {
      gates.holding = (ranked) => {
        const record = this.#pingRecord(kind, auctionId, source, vertical, input, test, ranked, pingPayload);
        const written = speculated
          ? speculated.written
              .catch(() => {})
              .then(() => this.#hotState.dropPing(auctionId))
              .then(() => this.#hotState.holdPing(record))
          : this.#hotState.holdPing(record);
        written.catch(() => {}); // awaited by #ping; a failed auction leaves it to its TTL (no answer named the ping)
        speculated = { ranked, record, written };
      };
    }
    const result = await runAuction(request, config, this.#client, this.#now, gates);
    let record: PingRecord;
    let held: Promise<void> | undefined;
    if (speculated?.ranked === result.ranked) {
      ({ record, written: held } = speculated);
    } else {
      record = this.#pingRecord(
        kind,
        auctionId,
        source,
        vertical,
        input,
        test,
        result.ranked,
        result.pingPayload,
      );
      // Every hold refused: the last record written is dropped before the answer names the ping.
      if (speculated)
        held = speculated.written.catch(() => {}).then(() => this.#hotState.dropPing(auctionId));
    }
    const winner = result.ranked[0];
    if (winner?.shared) {
      for (const bid of result.ranked) if (bid.shared) this.#roundRobin.chosen(bid.campaign_id);
    } else if (winner) this.#roundRobin.chosen(winner.campaign_id);
    const outcomes = stampInPlace(auctionId, "ping", result.outcomes, this.#now());
    this.#metrics.recordAuction(vertical.id, record.status, result.outcomes);
    const { fanOutMs } = result;
    if (winner) return { record, outcomes, fanOutMs, held };
    if (screen.soldInVertical) return { record, outcomes, fanOutMs, held, noBidReason: "duplicate" };
    const askedAnyone = result.outcomes.some(
      (o) => o.latency_ms !== undefined || o.reason === "below_floor" || o.reason === "no_bid",
    );
    // Nobody could be asked, and suppression lists are why for some: say so, as a duplicate is said.
    if (!askedAnyone && result.outcomes.some((o) => o.reason === "suppressed"))
      return { record, outcomes, fanOutMs, held, noBidReason: "suppressed" };
    return { record, outcomes, fanOutMs, held, noBidReason: askedAnyone ? "no_bids" : "no_eligible_buyers" };
  }

  /** An auction's record: its answer, and for a bid the ranked bids its post goes through. */
  #pingRecord(
    kind: PingRecord["kind"],
    auctionId: string,
    source: Source,
    vertical: Vertical,
    input: { test?: boolean | undefined; sub_id?: string | undefined; quality?: LeadQuality | undefined },
    test: boolean,
    ranked: readonly Bid[],
    pingPayload: LeadValues,
  ): PingRecord {
    const now = this.#now();
    const winner = ranked[0];
    // A shared lead's chosen buyers: its quote is what they pay the source together, held until the first bid expires.
    const chosen = winner?.shared ? ranked.filter((bid) => bid.shared) : winner ? [winner] : [];
    let expiresAt = winner ? Number.POSITIVE_INFINITY : now;
    for (const bid of chosen) expiresAt = Math.min(expiresAt, bid.expires_at);
    // One literal per shape, the fields in the order the record always had (no spreads of small objects per ping).
    const status = winner ? "bid" : "no_bid";
    const priceCents = winner?.shared
      ? sourcePriceOfSales(chosen, source.payout)
      : winner
        ? winner.source_price_cents
        : 0;
    const bids = ranked as Bid[];
    // Only the non-PII values (the payload the buyers were sent): what a post must match, all a ping record may keep.
    const record: PingRecord =
      input.sub_id === undefined
        ? {
            id: auctionId,
            kind,
            source_id: source.id,
            vertical: vertical.id,
            lead: pingPayload,
            test,
            created_at: now,
            expires_at: expiresAt,
            status,
            price_cents: priceCents,
            bids,
          }
        : {
            id: auctionId,
            kind,
            source_id: source.id,
            vertical: vertical.id,
            lead: pingPayload,
            test,
            sub_id: input.sub_id,
            created_at: now,
            expires_at: expiresAt,
            status,
            price_cents: priceCents,
            bids,
          };
    if (input.quality) record.quality = input.quality;
    return record;
  }

  /** Posts the lead to the ranked bids with fallback, and describes the resulting sale (not yet written). */
  async #deliver(
    ping: PingRecord,
    lead: LeadValues,
    consent: Record<string, unknown>,
    quotedCents: number,
    config: ConfigSnapshot,
    journal: PostJournal,
    noBidReason?: NoBidReason,
    resale = false,
    context?: LeadContextValues,
    /** The lead's contact hashes when the caller hashed them already (a direct post or resale, for its auction). */
    contact?: ContactHashes,
  ): Promise<Sale> {
    const deadline = new Deadline(config.settings.post_deadline_ms);
    // How long after its ping the source posted (a direct post's auction is its own: no such wait).
    const pingToPostMs = ping.kind === "ping" ? Math.max(0, this.#now() - ping.created_at) : undefined;
    const leadId = timeOrderedId();
    const gates = deliveryGates(this.#gates, config, {
      sourceId: ping.source_id,
      auctionId: ping.id,
      leadId,
      lead,
      consent,
      resale,
      contact,
    });
    const delivery =
      ping.bids.length > 0
        ? await deliverWithFallback(
            {
              auctionId: ping.id,
              ranked: ping.bids,
              quotedCents,
              fallbackMargin: fallbackMarginOf(config, ping.source_id, ping.vertical),
              lead,
              consent,
              sourceId: ping.source_id,
              test: ping.test,
              ...(context ? { context } : {}),
              deadline,
              admit: gates.admit,
              settle: gates.settle,
              journal,
            },
            config,
            this.#client,
            this.#now,
          )
        : { sold: [], outcomes: [] };
    // Indexed, not destructured with a rest: that copies the list through an iterator on every post.
    const first = delivery.sold[0];
    const record: LeadRecord = {
      id: leadId,
      auction_id: ping.id,
      kind: ping.kind,
      source_id: ping.source_id,
      vertical: ping.vertical,
      lead,
      // The consent evidence (what each provider verified) is kept with the lead.
      consent: gates.checks.length > 0 ? { ...consent, verification: gates.checks } : consent,
      test: ping.test,
      ...(ping.sub_id === undefined ? {} : { sub_id: ping.sub_id }),
      status: first ? "sold" : "unsold",
      price_cents: sourcePriceCentsOfSale(delivery.sold, quotedCents, config.sourceById.get(ping.source_id)),
      ...(first
        ? {
            buyer_price_cents: first.bid.bid_cents,
            campaign_id: first.bid.campaign_id,
            buyer_id: first.bid.buyer_id,
            ...(first.buyerLeadId ? { buyer_lead_id: first.buyerLeadId } : {}),
            ...(delivery.sold.length > 1
              ? {
                  shares: delivery.sold.slice(1).map((other) => ({
                    campaign_id: other.bid.campaign_id,
                    buyer_id: other.bid.buyer_id,
                    buyer_price_cents: other.bid.bid_cents,
                    ...(other.buyerLeadId ? { buyer_lead_id: other.buyerLeadId } : {}),
                  })),
                }
              : {}),
          }
        : { reason: noBidReason ?? lastRefusal(delivery.outcomes) }),
      created_at: this.#now(),
      ...(pingToPostMs === undefined ? {} : { ping_to_post_ms: pingToPostMs }),
    };
    this.#metrics.recordBuyerOutcomes("post", delivery.outcomes);
    this.#metrics.recordPost(
      ping.kind,
      ping.vertical,
      record.status,
      first !== undefined && first.bid.campaign_id !== ping.bids[0]?.campaign_id,
    );
    const buyersMs = delivery.outcomes.reduce((sum, outcome) => sum + (outcome.latency_ms ?? 0), 0);
    this.#metrics.recordOverhead("post", deadline.elapsedMs() - buyersMs);
    return {
      lead: record,
      // The delivery's own outcome objects, made for this post and only read from here on.
      outcomes: stampInPlace(ping.id, "post", delivery.outcomes, this.#now()),
      // The postbacks it owes the source, and the e-mail or webhook deliveries it owes its buyers, are written with the
      // sale, so the two never disagree.
      outbox: [
        ...sourcePostbacks(
          config.sourceById.get(ping.source_id),
          { type: "posted", lead: record },
          this.#now(),
        ),
        ...campaignDeliveries(config, record, delivery.sold, this.#now()),
        ...saleNotices(config, record, ping.bids, delivery.sold, delivery.outcomes, this.#now()),
      ],
      ledger: saleEntries(record),
      contact: gates.contact,
      // The first buyer's (a seller can send the consumer to one page).
      ...(first?.redirectUrl ? { redirectUrl: first.redirectUrl } : {}),
    };
  }

  /**
   * Validation (velocity counted) and the duplicate screen of a ping or direct post. The screen only reads, so it runs
   * while velocity is counted (one round trip on Redis, not two); a refusal by validation still wins over whatever the
   * screen found.
   */
  async #validateAndScreen(config: ConfigSnapshot, vertical: Vertical, lead: LeadValues, facts: LeadFacts) {
    const screening = this.#duplicateScreen(config, vertical, facts.contact);
    screening.catch(() => {});
    const quality = await this.#validator.check(vertical, lead, facts);
    return { quality, screen: await screening };
  }

  async #duplicateScreen(
    config: ConfigSnapshot,
    vertical: Vertical,
    contact: ContactHashes,
  ): Promise<DuplicateScreen> {
    if (!contact.email_sha256 && !contact.phone_sha256) return { soldInVertical: false };
    const { soldInVertical, buyers } = await this.#duplicates.screen(config, vertical, contact);
    if (soldInVertical) return { soldInVertical: true, duplicateFor: () => SOLD_IN_VERTICAL };
    if (buyers.size === 0) return { soldInVertical: false };
    return {
      soldInVertical: false,
      duplicateFor: (buyerId) => (buyers.has(buyerId) ? BOUGHT_BY_BUYER : undefined),
    };
  }

  /** Best effort: the sale is durable already; a window not written lets one duplicate through, and is logged. */
  #rememberSale(lead: LeadRecord, contact?: ContactHashes): void {
    this.#duplicates
      .rememberSale(this.#config, lead, this.#now(), contact)
      .catch((error: unknown) =>
        this.#log.warn({ err: error, lead_id: lead.id }, "remembering a sale for duplicate checks failed"),
      );
  }

  /** With contact hashes on a ping, buyers who suppress the consumer are left out before anyone is pinged. */
  #suppressionCheck(
    contactHash: PingInput["contact_hash"],
  ): ((buyerId: string) => readonly string[]) | undefined {
    const index = this.#gates.suppressions;
    if (!index || !contactHash || (!contactHash.email_sha256 && !contactHash.phone_sha256)) return undefined;
    return (buyerId) => suppressedLists(index, contactHash, buyerId);
  }

  #leadFacts(
    source: Source,
    contact: ContactHashes,
    context: LeadContextValues,
    countVelocity: boolean,
    formSubmittedAt: number | undefined,
    formStartedAt: number | undefined,
  ): LeadFacts {
    return {
      sourceId: source.id,
      contact,
      ipAddress: context.ip_address,
      timing: { now: this.#now(), formSubmittedAt, formStartedAt },
      countVelocity,
    };
  }

  #verticalFor(source: Source, verticalId: string, config: ConfigSnapshot): Vertical {
    if (source.status === "paused") throw new GavelError("GAVEL_SOURCE_PAUSED");
    const vertical = config.verticalById.get(verticalId);
    if (!vertical)
      throw new GavelError("GAVEL_UNKNOWN_VERTICAL", `Unknown vertical "${verticalId}"`, "vertical");
    if (source.verticals?.length && !source.verticals.includes(verticalId)) {
      throw new GavelError("GAVEL_FORBIDDEN", `This source may not send ${verticalId} leads`, "vertical");
    }
    return vertical;
  }

  /**
   * The source's throttle (pings and direct posts a minute; valid ones only: a malformed request costs nothing) and
   * the replay guard, asked in the same turn: one write and one round trip on Redis, not two in sequence. The
   * throttle's refusal wins, as when it was asked first, and a refused request takes back the replay mark it made,
   * so that the same lead sent again once admitted is not refused as a replay.
   */
  async #admitFromSource(config: ConfigSnapshot, source: Source, replay: ReplayRequest): Promise<void> {
    const limit = source.max_pings_per_minute;
    if (limit === undefined) return await this.#duplicates.guardReplay(config, replay);
    const marking = config.settings.replay_guard_s ? this.#duplicates.markReplay(config, replay) : undefined;
    marking?.catch(() => {});
    let admitted: boolean;
    try {
      admitted = await this.#throttle.tryAcquire(`source:${source.id}`, limit, 60_000, this.#now());
    } catch (error) {
      await this.#forgetReplay(marking);
      throw error;
    }
    if (!admitted) {
      await this.#forgetReplay(marking);
      throw new GavelError("GAVEL_RATE_LIMITED", `This source may send ${limit} pings a minute`);
    }
    const mark = await marking;
    if (mark && !mark.first) throw replayRefusal(mark);
  }

  /** Best effort: a mark not taken back refuses the same lead until its window ends. */
  async #forgetReplay(marking: Promise<ReplayMark | undefined> | undefined): Promise<void> {
    await marking?.then((mark) => this.#duplicates.forgetReplay(mark)).catch(() => {});
  }

  #checkSubId(source: Source, subId: string | undefined): void {
    if (subId !== undefined && source.sub_ids?.length && !source.sub_ids.includes(subId)) {
      throw new GavelError("GAVEL_VALIDATION", `Unknown sub_id "${subId}" for this source`, "sub_id");
    }
  }

  #deadlineFor(tmaxMs: number | undefined, receivedAt?: number): Deadline {
    const { max_tmax_ms, default_tmax_ms } = this.#config.settings;
    return new Deadline(Math.min(tmaxMs ?? default_tmax_ms, max_tmax_ms), receivedAt);
  }
}

/**
 * Builds the area code index (a few hundred ms, once per process) before a validating vertical's first lead needs it,
 * rather than inside that lead's deadline.
 */
function preloadValidationData(config: ConfigSnapshot): void {
  for (const vertical of config.verticalById.values()) {
    if (vertical.validation) {
      loadAreaCodeStates();
      return;
    }
  }
}

/**
 * An auction's or a delivery's own outcomes as trace records, stamped in place rather than copied (one object per
 * campaign per ping fewer): nothing else holds them, and only reads them from here on.
 */
function stampInPlace(
  auctionId: string,
  phase: OutcomeRecord["phase"],
  outcomes: BuyerOutcome[],
  at: number,
): OutcomeRecord[] {
  for (const outcome of outcomes as OutcomeRecord[]) {
    outcome.auction_id = auctionId;
    outcome.phase = phase;
    outcome.at = at;
  }
  return outcomes as OutcomeRecord[];
}

/**
 * What the source is paid for a lead. Exclusive: what it was quoted, even when a fallback buyer pays a different
 * price (a direct post, quoted nothing, is paid from the buyer's bid). Shared: each sale's share under its payout
 * model, for the sales that happened; the quote of a shared lead was the estimate for its chosen buyers.
 */
function sourcePriceCentsOfSale(
  sold: readonly SoldTo[],
  quotedCents: number,
  source: Source | undefined,
): number {
  const [first] = sold;
  if (!first) return 0;
  if (sold.length === 1 && !first.bid.shared) return quotedCents || first.bid.source_price_cents;
  return source
    ? sourcePriceOfSales(
        sold.map((sale) => sale.bid),
        source.payout,
      )
    : 0;
}

/** The fallback rule of a lead: its source's, else its vertical's, else strict (what a bid pays the source). */
function fallbackMarginOf(config: ConfigSnapshot, sourceId: string, verticalId: string): FallbackMargin {
  return (
    config.sourceById.get(sourceId)?.fallback_margin ??
    config.verticalById.get(verticalId)?.fallback_margin ??
    "strict"
  );
}

function lastRefusal(outcomes: readonly BuyerOutcome[]): LeadRecord["reason"] {
  return outcomes.at(-1)?.reason ?? "no_bids";
}
