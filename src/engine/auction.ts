// The auction, read top to bottom: eligible campaigns → fan-out under one deadline → validate bids → ceiling and floor
// → order by the vertical's routing mode (by price with buyers' bid adjustments, by default).
// Used by the ping and by the direct post. Owns HTTP and time; the native adapter only translates.
import type { AdapterRequest, BuyerAdapter, PingRequestInput } from "../buyers/buyer-adapter.ts";
import {
  type BuyerHttpClient,
  type BuyerHttpResponse,
  BuyerTransportError,
} from "../buyers/buyer-http-client.ts";
import { nativeAdapter } from "../buyers/native-adapter.ts";
import type { LeadContextValues } from "../buyers/template.ts";
import type { Campaign, Source } from "../domain/config-schema.ts";
import { dollarsToCents } from "../domain/money.ts";
import type { BuyerOutcome, Reason } from "../domain/outcomes.ts";
import { sourcePriceCents } from "../domain/pricing.ts";
import { type Bid, rankingCents } from "../domain/ranking.ts";
import { orderBids, type RoundRobinMemory } from "../domain/routing.ts";
import type { RuleContext } from "../domain/rules/rule.ts";
import { chooseSale, type SaleChoice } from "../domain/shared-leads.ts";
import { buildPingPayload, type LeadValues, type Vertical } from "../domain/vertical.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import type { Deadline } from "./deadline.ts";

export interface AuctionRequest {
  auctionId: string;
  source: Source;
  vertical: Vertical;
  /** The lead's validated values; only the vertical's non-PII fields ever reach a buyer. */
  lead: LeadValues;
  /** buildPingPayload(vertical, lead), when the caller has built it already (else built here). */
  pingPayload?: LeadValues;
  test: boolean;
  deadline: Deadline;
  /** Wall clock (epoch ms) at arrival: schedules and day-parting are read at this instant. */
  now: number;
  /**
   * The suppression lists holding this consumer for a buyer (global first), when the seller sent contact hashes on
   * the ping: such a buyer is not even pinged.
   */
  suppressedFor?: (buyerId: string) => readonly string[];
  /**
   * Why this consumer is a duplicate for a buyer (sold in the vertical, or bought by that buyer), when the seller sent
   * contact hashes or the lead came whole: such a buyer is not pinged.
   */
  duplicateFor?: (buyerId: string) => string | undefined;
  /** When the consumer submitted the form (epoch ms), when the source said: lead-age rules read it. */
  formSubmittedAt?: number;
  /** The lead's quality score, when its vertical validates leads: rules read it, and buyers receive it on the ping. */
  qualityScore?: number;
  /** The lead's context: reaches a buyer's ping only where its integration names a field (buyers/template.ts). */
  context?: LeadContextValues;
  /** Which campaigns were chosen lately, for round_robin routing. */
  roundRobin?: RoundRobinMemory;
  /** Sees each buyer ping's raw HTTP exchange ("test this campaign" shows it); absent on live traffic. */
  wiretap?: Wiretap;
}

/** One buyer ping as it went over the wire: the request the buyer received and what it answered (or why not). */
export interface WireExchange {
  campaign_id: string;
  request: AdapterRequest;
  response?: { status: number; body: string; latency_ms: number };
  /** Why no HTTP answer came back (timeout, unreachable, too_large). */
  failure?: string;
}

export type Wiretap = (exchange: WireExchange) => void;

export interface AuctionResult {
  /** Bids that passed every check, best first. */
  ranked: Bid[];
  /** One outcome per campaign of the vertical (DESIGN rule 3). */
  outcomes: BuyerOutcome[];
  /** Wall time spent waiting for buyers: the part of the auction that is not the exchange's own overhead. */
  fanOutMs: number;
  /** What the buyers were sent of the lead (its non-PII fields): also what the ping record keeps. */
  pingPayload: LeadValues;
}

/** Checks backed by hot state (counters shared by every instance), kept out of the pure selection. */
export interface AuctionGates {
  /** The ids of campaigns over their ping throttle, among those otherwise eligible. */
  throttled?(campaigns: readonly Campaign[]): Promise<ReadonlySet<string>>;
  /**
   * Reserves a winning bid's caps and, for a prepaid buyer, its funds; a bid that does not fit answers why and is
   * dropped from the ranking.
   */
  hold?(bid: Bid): Promise<HoldRefusal | undefined>;
  /**
   * Told, just before each `hold` and in the same turn, the ranking the auction answers if that hold admits its
   * winner: a caller that keeps the answer (a ping's held record) can send it with the hold (one round trip to Redis,
   * not two), and replace it when the hold refuses.
   */
  holding?(ranked: readonly Bid[]): void;
}

/** Why a bid could not be held: a cap is reached, or its buyer's balance plus credit does not cover it. */
export interface HoldRefusal {
  reason: "capped" | "held" | "insufficient_funds";
  detail: string;
}

export async function runAuction(
  request: AuctionRequest,
  config: ConfigSnapshot,
  client: BuyerHttpClient,
  now: () => number,
  gates: AuctionGates = {},
): Promise<AuctionResult> {
  const outcomes: BuyerOutcome[] = [];
  let eligible = selectEligibleCampaigns(request, config, outcomes);
  if (gates.throttled && eligible.length > 0) {
    const throttled = await gates.throttled(eligible);
    if (throttled.size > 0) {
      for (const campaign of eligible) {
        if (throttled.has(campaign.id)) {
          outcomes.push({ campaign_id: campaign.id, buyer_id: campaign.buyer_id, reason: "throttled" });
        }
      }
      eligible = eligible.filter((campaign) => !throttled.has(campaign.id));
    }
  }
  const pingPayload = request.pingPayload ?? buildPingPayload(request.vertical, request.lead);
  const fanOutStarted = performance.now();
  const answers = await Promise.all(
    eligible.map((campaign) => askBuyer(campaign, request, pingPayload, config, client, now)),
  );
  const fanOutMs = performance.now() - fanOutStarted;
  const bids: Bid[] = [];
  const limits = priceLimitsFor(request);
  for (const answer of answers) {
    noteContextSent(answer, request, config);
    if (answer.bid) {
      const taken = takeOneBid(answer, limits);
      if (taken) bids.push(taken);
    }
    outcomes.push(answer.outcome);
  }
  const adjustmentPercent = (buyerId: string) => config.buyerById.get(buyerId)?.bid_adjustment_percent ?? 0;
  let candidates = orderBids(request.vertical.routing?.mode ?? "highest_bid", request.auctionId, bids, {
    campaignById: config.campaignById,
    adjustmentPercent,
    ...(request.roundRobin ? { lastChosen: request.roundRobin.lastChosen } : {}),
  });
  noteAdjustments(bids, outcomes, adjustmentPercent);
  const maxBuyers = request.vertical.routing?.max_buyers ?? 1;
  const leadTypeOf = (campaignId: string) => config.campaignById.get(campaignId)?.lead_type ?? "either";
  let choice = chooseSale(candidates, maxBuyers, leadTypeOf);
  // The winner is the first bid whose caps (and buyer's funds) still have room: reserved now, so a quote is never
  // sold past a cap or a balance. A refused winner leaves the running, and exclusive-or-shared is chosen again.
  // (A shared lead's other buyers reserve at the post, where a refusal falls back to a stand-in.)
  let ranked = rankedOf(choice);
  while (gates.hold && choice.bids.length > 0) {
    const winner = choice.bids[0]!;
    gates.holding?.(ranked);
    const refusal = await gates.hold(winner);
    if (!refusal) break;
    candidates = candidates.filter((bid) => bid !== winner);
    const outcome = outcomeOf(outcomes, winner.campaign_id);
    if (outcome) {
      outcome.reason = refusal.reason;
      outcome.detail = refusal.detail;
    }
    choice = chooseSale(candidates, maxBuyers, leadTypeOf);
    ranked = rankedOf(choice);
  }
  markWinnersAndLosers(ranked, candidates, outcomes);
  return { ranked, outcomes, fanOutMs, pingPayload };
}

/**
 * Campaigns that may see this lead; every other campaign of the vertical gets its reason recorded. Pure (gavel replay
 * runs it on recorded leads).
 */
export function selectEligibleCampaigns(
  request: Pick<
    AuctionRequest,
    | "vertical"
    | "lead"
    | "test"
    | "now"
    | "suppressedFor"
    | "duplicateFor"
    | "formSubmittedAt"
    | "qualityScore"
  >,
  config: ConfigSnapshot,
  outcomes: BuyerOutcome[],
): Campaign[] {
  const eligible: Campaign[] = [];
  for (const campaign of config.campaignsByVertical.get(request.vertical.id) ?? []) {
    const buyer = config.buyerById.get(campaign.buyer_id);
    if (campaign.status === "paused" || buyer?.status !== "active") {
      outcomes.push(
        passedOver(campaign, "inactive", campaign.status === "paused" ? "campaign paused" : "buyer paused"),
      );
      continue;
    }
    if (campaign.status === "test" && !request.test) {
      outcomes.push(passedOver(campaign, "test_only"));
      continue;
    }
    // A platform without a test flag (PX) would take a test lead as live: only a campaign the operator marked `test`
    // (its buyer's side in test mode too) receives it.
    if (
      request.test &&
      campaign.status !== "test" &&
      config.adapters.get(campaign.id)?.sendsTestLeads === false
    ) {
      outcomes.push(passedOver(campaign, "no_test_flag"));
      continue;
    }
    if (campaign.lead_type === "shared" && (request.vertical.routing?.max_buyers ?? 1) < 2) {
      // Not even pinged: this vertical never sells a lead to two buyers.
      outcomes.push(
        passedOver(campaign, "filtered", "buys shared leads only; this vertical sells exclusive"),
      );
      continue;
    }
    const suppressedBy = request.suppressedFor?.(campaign.buyer_id);
    if (suppressedBy?.length) {
      outcomes.push(passedOver(campaign, "suppressed", suppressedBy.join(", ")));
      continue;
    }
    const duplicate = request.duplicateFor?.(campaign.buyer_id);
    if (duplicate) {
      outcomes.push(passedOver(campaign, "duplicate", duplicate));
      continue;
    }
    const eligibility = config.eligibility.get(campaign.id);
    const open = eligibility?.schedule?.(request.now);
    if (open && !open.open) {
      outcomes.push(passedOver(campaign, "outside_schedule", open.reason));
      continue;
    }
    const verdict = eligibility?.rule(ruleContext(request, eligibility.timeZone));
    if (verdict && !verdict.pass) {
      outcomes.push(passedOver(campaign, "filtered", verdict.failed));
      continue;
    }
    eligible.push(campaign);
  }
  return eligible;
}

/** The outcome of a campaign left out before the fan-out. */
function passedOver(campaign: Campaign, reason: Reason, detail?: string): BuyerOutcome {
  const outcome: BuyerOutcome = { campaign_id: campaign.id, buyer_id: campaign.buyer_id, reason };
  if (detail !== undefined) outcome.detail = detail;
  return outcome;
}

/** What a campaign's rule reads of the lead (optional facts assigned, not spread: this runs per campaign). */
function ruleContext(
  request: Pick<AuctionRequest, "lead" | "now" | "formSubmittedAt" | "qualityScore">,
  timeZone: string,
): RuleContext {
  const context: RuleContext = { lead: request.lead, now: request.now, timeZone };
  if (request.formSubmittedAt !== undefined) context.formSubmittedAt = request.formSubmittedAt;
  if (request.qualityScore !== undefined) context.qualityScore = request.qualityScore;
  return context;
}

interface BidAnswer {
  campaign: Campaign;
  outcome: BuyerOutcome;
  bid?: Bid;
  /** The reply's other bids, best first, when it listed several (Lead Prosper `bids[]`, PX `Legs`). */
  alternatives?: Bid[];
}

/**
 * The one bid a campaign's answer enters the auction with: its best bid that passes the checks. A reply listing
 * several bids (a platform's own buyers) still sells the lead to this buyer once, so in an exclusive vertical and in
 * a shared one alike at most one of them is taken, the next best when the best is above the campaign's max price or
 * a ceiling; the trace says which of how many. Undefined when none passes (the best one's reason is recorded).
 */
function takeOneBid(answer: BidAnswer, limits: PriceLimits): Bid | undefined {
  const { outcome } = answer;
  const offered = answer.alternatives ? [answer.bid!, ...answer.alternatives] : [answer.bid!];
  let firstRejection: ReturnType<typeof checkBid>;
  for (const bid of offered) {
    const rejection = checkBid(bid, answer.campaign, limits);
    if (rejection) {
      firstRejection ??= rejection;
      continue;
    }
    if (offered.length > 1) {
      outcome.bid_cents = bid.bid_cents;
      const id = bid.bid_id === undefined ? "" : ` ${bid.bid_id}`;
      const skipped =
        bid === offered[0] ? "" : ` (the best: ${firstRejection!.reason}, ${firstRejection!.detail})`;
      const price = (bid.bid_cents / 100).toFixed(2);
      const note = `took bid${id} at ${price}, the best of ${offered.length} usable bids in the reply${skipped}`;
      outcome.detail = outcome.detail ? `${outcome.detail}; ${note}` : note;
    }
    return bid;
  }
  outcome.reason = firstRejection!.reason;
  outcome.detail = firstRejection!.detail;
  return undefined;
}

/** PII-like lead context reaches a ping only where the campaign's integration names it: the trace says what went out. */
function noteContextSent(answer: BidAnswer, request: AuctionRequest, config: ConfigSnapshot): void {
  const named = config.adapters.get(answer.campaign.id)?.pingContext;
  if (!named?.length || !request.context || answer.outcome.latency_ms === undefined) return;
  const sent = named.filter((name) => request.context?.[name as keyof LeadContextValues] !== undefined);
  if (sent.length > 0) {
    const note = `context sent: ${sent.join(", ")}`;
    answer.outcome.detail = answer.outcome.detail ? `${answer.outcome.detail}; ${note}` : note;
  }
}

/**
 * Asks one campaign for its bid. Never throws: whatever the buyer does becomes that buyer's outcome alone. Not an
 * async function: its checks and the request run at once, and only the reply's reading waits (a suspended async
 * function of this size kept a large frame per buyer per ping).
 */
function askBuyer(
  campaign: Campaign,
  request: AuctionRequest,
  pingPayload: LeadValues,
  config: ConfigSnapshot,
  client: BuyerHttpClient,
  now: () => number,
): BidAnswer | Promise<BidAnswer> {
  try {
    return startAsking(campaign, request, pingPayload, config, client, now);
  } catch (error) {
    // A bug, not the buyer's doing: a rejection, as from an async function, so the other buyers are still asked.
    return Promise.reject(error);
  }
}

function startAsking(
  campaign: Campaign,
  request: AuctionRequest,
  pingPayload: LeadValues,
  config: ConfigSnapshot,
  client: BuyerHttpClient,
  now: () => number,
): BidAnswer | Promise<BidAnswer> {
  const outcome: BuyerOutcome = { campaign_id: campaign.id, buyer_id: campaign.buyer_id, reason: "no_bid" };
  if (campaign.pricing.type === "fixed") {
    const bidCents = dollarsToCents(campaign.pricing.price);
    outcome.reason = "bid";
    outcome.bid_cents = bidCents;
    return { campaign, outcome, bid: makeBid(campaign, request, config, now, bidCents) };
  }
  if (!campaign.ping) {
    outcome.reason = "buyer_error";
    outcome.detail = "realtime campaign without a ping endpoint";
    return { campaign, outcome };
  }
  const { settings } = config;
  const budgetMs = request.deadline.buyerBudgetMs(
    campaign.ping.timeout_ms,
    settings.reserve_ms,
    settings.min_buyer_budget_ms,
  );
  if (budgetMs === undefined) {
    outcome.reason = "no_time";
    return { campaign, outcome };
  }
  // The campaign's protocol, compiled with the snapshot; it only ever sees the ping payload (non-PII fields).
  const adapter = config.adapters.get(campaign.id) ?? nativeAdapter(campaign);
  let ping: AdapterRequest | undefined;
  let sending: Promise<BuyerHttpResponse>;
  try {
    const input: PingRequestInput = {
      requestId: request.auctionId,
      vertical: request.vertical.id,
      lead: pingPayload,
      tmaxMs: budgetMs,
      test: request.test,
      sourceId: request.source.id,
    };
    if (request.qualityScore !== undefined) input.qualityScore = request.qualityScore;
    if (request.context) input.context = request.context;
    ping = adapter.buildPing(input);
    sending = client.send({ ...ping, timeoutMs: budgetMs });
  } catch (error) {
    return failedCall(error, campaign, outcome, request, ping);
  }
  const sent = ping;
  return sending.then(
    (response) => {
      try {
        return readReply(campaign, request, config, now, adapter, sent, response, outcome);
      } catch (error) {
        return failedCall(error, campaign, outcome, request, sent);
      }
    },
    (error: unknown) => failedCall(error, campaign, outcome, request, sent),
  );
}

/** A buyer's HTTP answer as its outcome (and bid). */
function readReply(
  campaign: Campaign,
  request: AuctionRequest,
  config: ConfigSnapshot,
  now: () => number,
  adapter: BuyerAdapter,
  ping: AdapterRequest,
  response: BuyerHttpResponse,
  outcome: BuyerOutcome,
): BidAnswer {
  outcome.latency_ms = Math.round(response.latencyMs);
  request.wiretap?.({
    campaign_id: campaign.id,
    request: ping,
    response: { status: response.status, body: response.body, latency_ms: outcome.latency_ms },
  });
  const reply = adapter.parsePing(response.status, response.body);
  switch (reply.kind) {
    case "bid":
      outcome.reason = "bid";
      outcome.bid_cents = reply.priceCents;
      return {
        campaign,
        outcome,
        bid: makeBid(
          campaign,
          request,
          config,
          now,
          reply.priceCents,
          reply.bidId,
          reply.expiresInS,
          reply.captured,
        ),
        ...(reply.alternatives
          ? {
              alternatives: reply.alternatives.map((other) =>
                makeBid(
                  campaign,
                  request,
                  config,
                  now,
                  other.priceCents,
                  other.bidId,
                  reply.expiresInS,
                  reply.captured,
                ),
              ),
            }
          : {}),
      };
    case "no_bid":
      outcome.reason = "no_bid";
      if (reply.detail) outcome.detail = reply.detail;
      return { campaign, outcome };
    case "invalid":
      outcome.reason = "invalid_response";
      outcome.detail = reply.detail;
      return { campaign, outcome };
    case "http_error":
      outcome.reason = "buyer_error";
      outcome.detail = reply.detail;
      return { campaign, outcome };
  }
}

/** A call that got no usable HTTP answer: its outcome. Anything but a transport failure is a bug, thrown on. */
function failedCall(
  error: unknown,
  campaign: Campaign,
  outcome: BuyerOutcome,
  request: AuctionRequest,
  ping: AdapterRequest | undefined,
): BidAnswer {
  if (!(error instanceof BuyerTransportError)) throw error;
  outcome.latency_ms = Math.round(error.latencyMs);
  if (ping) request.wiretap?.({ campaign_id: campaign.id, request: ping, failure: error.failure });
  outcome.reason =
    error.failure === "timeout"
      ? "timeout"
      : error.failure === "too_large"
        ? "invalid_response"
        : "unreachable";
  outcome.detail = error.failure === "too_large" ? "response too large" : error.message;
  return { campaign, outcome };
}

/** A campaign's bid as it enters the auction: what the source would be paid of it, and when it expires. */
function makeBid(
  campaign: Campaign,
  request: AuctionRequest,
  config: ConfigSnapshot,
  now: () => number,
  bidCents: number,
  bidId?: string,
  expiresInS?: number,
  captured?: Record<string, string>,
): Bid {
  const sourcePrice = sourcePriceCents(bidCents, request.source.payout);
  const expiresAt = now() + (expiresInS ?? config.settings.hold_s) * 1000;
  if (bidId === undefined && captured === undefined) {
    // The usual bid, as one literal (its fields in the order the record keeps them).
    return {
      campaign_id: campaign.id,
      buyer_id: campaign.buyer_id,
      bid_cents: bidCents,
      source_price_cents: sourcePrice,
      expires_at: expiresAt,
    };
  }
  return {
    campaign_id: campaign.id,
    buyer_id: campaign.buyer_id,
    bid_cents: bidCents,
    source_price_cents: sourcePrice,
    ...(bidId === undefined ? {} : { bid_id: bidId }),
    expires_at: expiresAt,
    ...(captured === undefined ? {} : { captured }),
  };
}

export interface PriceLimits {
  floorCents: number;
  /** The lowest ceiling of the source's and the vertical's, when either has one. */
  ceilingCents?: number;
}

export function priceLimitsFor(request: Pick<AuctionRequest, "vertical" | "source">): PriceLimits {
  const floorCents = dollarsToCents(Math.max(request.vertical.floor ?? 0, request.source.floor ?? 0));
  const { vertical } = request;
  const ceilings = [vertical.ceiling, request.source.ceiling].filter((c) => c !== undefined);
  return ceilings.length === 0
    ? { floorCents }
    : { floorCents, ceilingCents: dollarsToCents(Math.min(...ceilings)) };
}

/** The raw bid is checked, never the adjusted one: a bid adjustment only moves a bid in the ranking. */
export function checkBid(
  bid: Bid,
  campaign: Campaign,
  limits: PriceLimits,
): { reason: "below_floor" | "above_max_price" | "above_ceiling"; detail: string } | undefined {
  if (campaign.pricing.type === "realtime" && campaign.pricing.max_price !== undefined) {
    // A bid above the campaign's own cap is treated as a typo, not as a windfall.
    if (bid.bid_cents > dollarsToCents(campaign.pricing.max_price))
      return { reason: "above_max_price", detail: `max ${campaign.pricing.max_price}` };
  }
  // The seller's and the vertical's guard against the same kind of typo.
  if (limits.ceilingCents !== undefined && bid.bid_cents > limits.ceilingCents)
    return { reason: "above_ceiling", detail: `ceiling ${limits.ceilingCents / 100}` };
  if (bid.bid_cents < limits.floorCents)
    return { reason: "below_floor", detail: `floor ${limits.floorCents / 100}` };
  if (bid.source_price_cents <= 0)
    return { reason: "below_floor", detail: "does not cover the source's payout" };
  return undefined;
}

/** A ranked bid whose buyer carries an adjustment says so in the trace, with the price it ranked at. */
function noteAdjustments(
  bids: readonly Bid[],
  outcomes: BuyerOutcome[],
  adjustmentPercent: (buyerId: string) => number,
): void {
  for (const bid of bids) {
    const percent = adjustmentPercent(bid.buyer_id);
    if (percent === 0) continue;
    const outcome = outcomeOf(outcomes, bid.campaign_id);
    if (!outcome) continue;
    const note = `bid adjustment ${percent}%: ranked at ${rankingCents(bid.bid_cents, percent) / 100}`;
    outcome.detail = outcome.detail ? `${outcome.detail}; ${note}` : note;
  }
}

/** The bids a sale choice answers, its shared buyers marked. */
function rankedOf(choice: SaleChoice): Bid[] {
  return choice.sellTo > 1
    ? choice.bids.map((bid, index) => (index < choice.sellTo ? { ...bid, shared: true as const } : bid))
    : choice.bids;
}

/**
 * The winner (every chosen buyer of a shared lead) `won`; the other valid bids `lost`, saying why when the lead went
 * to a kind of sale (exclusive or shared) the campaign does not buy.
 */
function markWinnersAndLosers(ranked: readonly Bid[], valid: readonly Bid[], outcomes: BuyerOutcome[]): void {
  const soldShared = ranked[0]?.shared === true;
  for (const bid of valid) {
    const outcome = outcomeOf(outcomes, bid.campaign_id);
    if (!outcome) continue;
    // Scans of the few ranked bids rather than two sets built per auction.
    let won = false;
    let inRunning = false;
    for (let index = 0; index < ranked.length; index++) {
      if (ranked[index]!.campaign_id !== bid.campaign_id) continue;
      inRunning = true;
      if (index === 0 || ranked[index]!.shared) won = true;
    }
    outcome.reason = won ? "won" : "lost";
    if (inRunning) continue;
    outcome.detail = soldShared
      ? "buys exclusive leads only; this lead sold shared"
      : ranked.length > 0
        ? "buys shared leads only; this lead sold exclusive"
        : "buys shared leads only; no other buyer to share this lead with";
  }
}

/** A campaign's outcome in the auction's list (a loop, not a closure per lookup: this runs per bid per ping). */
function outcomeOf(outcomes: readonly BuyerOutcome[], campaignId: string): BuyerOutcome | undefined {
  for (const outcome of outcomes) if (outcome.campaign_id === campaignId) return outcome;
  return undefined;
}
