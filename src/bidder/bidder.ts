// The buyer's side of ping-post, independent of any exchange's wire shape: a ping becomes a bid (or a no-bid with a
// reason) within the deadline, holding budget; the post that follows is checked against its ping and the buyer's own
// duplicate list, commits the budget and stores the lead. Protocol routes (bidder-routes.ts) translate each
// exchange's shape onto ping() and post(). Everything on the ping path is in memory and synchronous.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { type ContactHashes, leadContactHashes } from "../compliance/suppression/suppression-hash.ts";
import { dollarsToCents } from "../domain/money.ts";
import { CAP_SEED_LOOKBACK_MS, periodStart } from "../domain/rules/periods.ts";
import { pingMismatches, validateLead } from "../domain/vertical.ts";
import { GavelError } from "../errors.ts";
import { type BidBook, type HeldBid, MemoryBidBook, StoreBidBook } from "./bid-book.ts";
import { type CampaignOutcomes, rankCampaigns } from "./bid-logic.ts";
import {
  type BidderConfig,
  DEFAULT_BID_TTL_S,
  DEFAULT_DUPLICATE_WINDOW_DAYS,
  DEFAULT_MAX_OWN_TIME_MS,
  verticalById,
} from "./bidder-config.ts";
import type { BidderStore, BoughtLead, DeliveryChannel } from "./bidder-store.ts";
import { ConsumerIndex } from "./consumer-index.ts";
import { OwnTimeRecorder } from "./own-time.ts";

export interface BidderPing {
  exchangeId: string;
  vertical: string;
  /** The ping's lead, non-PII fields only (validated here against the vertical). */
  lead: Record<string, unknown>;
  contactHashes?: ContactHashes;
  source?: string;
  subId?: string;
  test: boolean;
  /** The exchange's deadline for this ping, when it says. */
  tmaxMs?: number;
  /** performance.now() when the request arrived: the deadline counts from there, not from when logic starts. */
  arrivedAt: number;
}

export type BidderPingAnswer =
  | { bid: true; bidId: string; priceCents: number; expiresInS: number }
  | { bid: false; reason: string };

export interface BidderPost {
  exchangeId: string;
  bidId: string;
  lead: Record<string, unknown>;
}

export type BidderPostAnswer =
  | { accepted: true; leadId: string; priceCents: number }
  | { accepted: false; reason: string; duplicate?: true };

/** Today's activity since the process started (bought leads and spend come from the store). */
interface DayCounters {
  day: number;
  pings: number;
  bids: number;
  noBids: Record<string, number>;
}

const DAY_MS = 86_400_000;
/** Part of the exchange's tmax kept for the trip back to it: the answer must arrive, not merely leave. */
const RETURN_TRIP_SHARE = 0.2;
const DEFAULT_EXCHANGE_TMAX_MS = 500;

export interface BidderOptions {
  config: BidderConfig;
  store: BidderStore;
  now?: () => number;
  /** Called after a lead is stored with a CRM delivery, so the delivery worker wakes. */
  onBought?: () => void;
  /** For tests of the deadline guard: runs inside the bid logic, as slow logic would. */
  slowLogicForTest?: () => void;
}

export class Bidder {
  readonly config: BidderConfig;
  readonly store: BidderStore;
  readonly ownTime = new OwnTimeRecorder();
  readonly #now: () => number;
  readonly #book: BidBook;
  readonly #consumers: ConsumerIndex;
  readonly #windowMs: number;
  readonly #outcomes: Map<string, CampaignOutcomes>;
  readonly #onBought: (() => void) | undefined;
  readonly #slowLogic: (() => void) | undefined;
  readonly #bidIdPrefix: string;
  #nextBidId: number;
  #today: DayCounters;

  constructor(options: BidderOptions) {
    this.config = options.config;
    this.store = options.store;
    this.#now = options.now ?? Date.now;
    this.#onBought = options.onBought;
    this.#slowLogic = options.slowLogicForTest;
    const now = this.#now();
    // Numeric ids (boberdoo sellers may keep a Lead_ID as an integer), unique across processes sharing a data folder:
    // the start time and the process id, then a counter.
    this.#bidIdPrefix = `${now}${String(process.pid % 100_000).padStart(5, "0")}`;
    this.#nextBidId = 0;
    this.#today = { day: this.#dayStart(now), pings: 0, bids: 0, noBids: {} };
    const limits = new Map(
      this.config.campaigns.map((campaign) => [
        campaign.id,
        (campaign.budgets ?? []).map((budget) => ({
          period: budget.period,
          ...(budget.spend !== undefined ? { spendCents: dollarsToCents(budget.spend) } : {}),
          ...(budget.leads !== undefined ? { leads: budget.leads } : {}),
        })),
      ]),
    );
    if (this.config.shared_data_dir) this.#book = new StoreBidBook(this.store, this.config.time_zone, limits);
    else {
      const book = new MemoryBidBook(this.config.time_zone, limits);
      // What was bought since the start of the longest budget period covers every current period.
      for (const bought of this.store.spendSince(now - CAP_SEED_LOOKBACK_MS))
        book.seedBought(bought.campaignId, bought.priceCents, bought.boughtAt, now);
      this.#book = book;
    }
    const windowMs = (this.config.duplicate_window_days ?? DEFAULT_DUPLICATE_WINDOW_DAYS) * DAY_MS;
    this.#windowMs = windowMs;
    this.#consumers = new ConsumerIndex(windowMs);
    for (const contact of this.store.contactsSince(now - windowMs))
      this.#consumers.add(contact, contact.boughtAt);
    this.#outcomes = this.store.campaignOutcomes();
  }

  /** A ping: the best campaign's price with its budget held, or no bid with the reason. Never throws for a no-bid. */
  ping(request: BidderPing): BidderPingAnswer {
    const answer = this.#decide(request);
    this.ownTime.record(performance.now() - request.arrivedAt);
    this.#count(answer);
    return answer;
  }

  #decide(request: BidderPing): BidderPingAnswer {
    const deadline = request.arrivedAt + this.#ownBudgetMs(request);
    if (performance.now() >= deadline) return { bid: false, reason: "deadline" };
    const vertical = verticalById(request.vertical);
    if (!vertical) return { bid: false, reason: `vertical ${request.vertical} not bought` };
    const valid = validateLead(vertical, request.lead, "ping");
    if (!valid.ok) throw new GavelError("GAVEL_VALIDATION", valid.issue.message, valid.issue.field);
    const now = this.#now();
    if (request.contactHashes && !request.test) {
      const seen = this.#consumers.find(request.contactHashes, now);
      if (seen) return { bid: false, reason: "duplicate" };
    }
    this.#slowLogic?.();
    const source = request.source ?? request.subId;
    const ranked = rankCampaigns(
      this.config.campaigns,
      vertical.id,
      { lead: valid.lead, now, timeZone: this.config.time_zone, ...(source ? { source } : {}) },
      this.#outcomes,
    );
    let reason = ranked.declined[0]?.reason ?? "no campaign for this vertical";
    for (const candidate of ranked.bids) {
      const campaign = this.config.campaigns.find((c) => c.id === candidate.campaignId)!;
      const ttlS = campaign.bid_ttl_s ?? DEFAULT_BID_TTL_S;
      const expiresAt = now + ttlS * 1000;
      const bidId = `${this.#bidIdPrefix}${this.#nextBidId++}`;
      const held = this.#book.hold(
        {
          bidId,
          exchangeId: request.exchangeId,
          campaignId: campaign.id,
          segment: candidate.segment,
          vertical: vertical.id,
          priceCents: candidate.priceCents,
          lead: valid.lead,
          source: request.source ?? "",
          subId: request.subId ?? "",
          test: request.test,
          heldAt: now,
          expiresAt,
        },
        now,
      );
      if (!held.ok) {
        reason = held.reason;
        continue;
      }
      if (performance.now() >= deadline) {
        this.#book.release(bidId);
        return { bid: false, reason: "deadline" };
      }
      return { bid: true, bidId, priceCents: candidate.priceCents, expiresInS: ttlS };
    }
    return { bid: false, reason };
  }

  /**
   * The post after a bid: accepted (stored, budget committed) or refused with a reason. A retried post of a lead
   * already bought gets the same acceptance again. Throws GavelError when the lead itself is invalid.
   */
  post(request: BidderPost): BidderPostAnswer {
    const now = this.#now();
    const bid = this.#book.get(request.bidId);
    if (!bid || bid.exchangeId !== request.exchangeId) {
      const bought = this.store.leadByBid(request.bidId);
      if (bought) return { accepted: true, leadId: bought.id, priceCents: bought.priceCents };
      return { accepted: false, reason: "no such bid (unknown or expired)" };
    }
    const vertical = verticalById(bid.vertical)!;
    const valid = validateLead(vertical, request.lead, "post");
    if (!valid.ok) throw new GavelError("GAVEL_VALIDATION", valid.issue.message, valid.issue.field);
    const changed = pingMismatches(vertical, bid.lead, valid.lead);
    if (changed.length > 0) return this.#refuse(bid, `post differs from its ping in ${changed.join(", ")}`);
    if (bid.expiresAt <= now) return this.#refuse(bid, "the bid expired");
    const hashes = leadContactHashes(valid.lead);
    const lead: BoughtLead = {
      id: randomUUID(),
      bidId: bid.bidId,
      exchangeId: bid.exchangeId,
      source: bid.source,
      subId: bid.subId,
      campaignId: bid.campaignId,
      segment: bid.segment,
      priceCents: bid.priceCents,
      ...(hashes.email_sha256 ? { emailSha256: hashes.email_sha256 } : {}),
      ...(hashes.phone_sha256 ? { phoneSha256: hashes.phone_sha256 } : {}),
      lead: valid.lead,
      test: bid.test,
      boughtAt: now,
    };
    const channels = deliveryChannels(this.config);
    const committed = this.#book.commit(bid, now, {
      // Another process sharing the data folder may have bought this consumer since: the store knows.
      isDuplicate: () =>
        this.#consumers.find(hashes, now) !== undefined ||
        (this.config.shared_data_dir === true && this.store.contactBoughtSince(hashes, now - this.#windowMs)),
      record: () => this.store.insertLead(lead, crmBody(lead, vertical.id), channels),
    });
    if (!committed.ok) {
      // Another post of the same bid (a retry racing it, perhaps at another process) may have bought it just now.
      const bought = this.store.leadByBid(bid.bidId);
      if (bought) return { accepted: true, leadId: bought.id, priceCents: bought.priceCents };
      return committed.duplicate
        ? { accepted: false, reason: "duplicate: this consumer was bought recently", duplicate: true }
        : { accepted: false, reason: committed.reason };
    }
    if (!bid.test) {
      this.#consumers.add(hashes, now);
      const outcomes = this.#outcomes.get(bid.campaignId) ?? { bought: 0, signed: 0 };
      outcomes.bought += 1;
      this.#outcomes.set(bid.campaignId, outcomes);
    }
    if (channels.length > 0) this.#onBought?.();
    return { accepted: true, leadId: lead.id, priceCents: lead.priceCents };
  }

  /** A lead signed: re-reads bought and signed per campaign, so the rate bid on (and the maximum bid) learns from it. */
  refreshOutcomes(): void {
    this.#outcomes.clear();
    for (const [id, outcome] of this.store.campaignOutcomes()) this.#outcomes.set(id, outcome);
  }

  outcomes(): ReadonlyMap<string, CampaignOutcomes> {
    return this.#outcomes;
  }

  budgetUsage(campaignId: string) {
    return this.#book.usage(campaignId, this.#now());
  }

  today(): Readonly<DayCounters> {
    this.#rollDay(this.#now());
    return this.#today;
  }

  /** Drops bids past their expiry (their budget hold has lapsed already). */
  sweepExpiredBids(): void {
    this.#book.sweep(this.#now());
  }

  now(): number {
    return this.#now();
  }

  #refuse(bid: HeldBid, reason: string): BidderPostAnswer {
    this.#book.release(bid.bidId);
    return { accepted: false, reason };
  }

  /** The bidder's own time on a ping: the configured bound, and never more than what the exchange's tmax leaves. */
  #ownBudgetMs(request: BidderPing): number {
    const exchange = this.config.exchanges.find((e) => e.id === request.exchangeId);
    const tmax = request.tmaxMs ?? exchange?.default_tmax_ms ?? DEFAULT_EXCHANGE_TMAX_MS;
    return Math.min(this.config.max_own_time_ms ?? DEFAULT_MAX_OWN_TIME_MS, tmax * (1 - RETURN_TRIP_SHARE));
  }

  #count(answer: BidderPingAnswer): void {
    this.#rollDay(this.#now());
    this.#today.pings += 1;
    if (answer.bid) this.#today.bids += 1;
    else {
      const key = answer.reason.startsWith("filtered") ? "filtered" : answer.reason;
      this.#today.noBids[key] = (this.#today.noBids[key] ?? 0) + 1;
    }
  }

  #rollDay(now: number): void {
    const day = this.#dayStart(now);
    if (day !== this.#today.day) this.#today = { day, pings: 0, bids: 0, noBids: {} };
  }

  #dayStart(now: number): number {
    return periodStart("day", this.config.time_zone, now);
  }
}

/** The channels each bought lead is delivered on, as configured. */
function deliveryChannels(config: BidderConfig): DeliveryChannel[] {
  return [
    ...(config.crm_webhook ? (["webhook"] as const) : []),
    ...(config.crm_email ? (["email"] as const) : []),
  ];
}

/** What the firm's CRM receives for a bought lead (the e-mail attaches the same JSON). */
function crmBody(lead: BoughtLead, vertical: string): string {
  return JSON.stringify({
    event: "lead.bought",
    lead_id: lead.id,
    vertical,
    exchange: lead.exchangeId,
    source: lead.source || undefined,
    sub_id: lead.subId || undefined,
    campaign: lead.campaignId,
    segment: lead.segment,
    price: lead.priceCents / 100,
    test: lead.test,
    bought_at: new Date(lead.boughtAt).toISOString(),
    lead: lead.lead,
  });
}
