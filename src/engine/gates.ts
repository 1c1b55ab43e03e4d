// The checks around the auction and the post that need shared state or outside services: campaign ping throttles,
// cap and funds reservations (reserved when a bid wins or is tried, committed when the post is accepted, released when
// it fails), suppression lists, consent verification, and auto-pausing a buyer whose posts keep failing. Each is a
// small closure the pipeline calls; the pipeline itself stays pure.
import type { Logger } from "pino";
import {
  type ConsentMemo,
  type ConsentTokens,
  checkConsent,
  createConsentMemo,
} from "../compliance/consent/consent-policy.ts";
import type { ConsentServices } from "../compliance/consent/consent-providers.ts";
import type { ConsentCheck } from "../compliance/consent/consent-verifier.ts";
import { type ContactHashes, leadContactHashes } from "../compliance/suppression/suppression-hash.ts";
import { type SuppressionIndex, suppressedLists } from "../compliance/suppression/suppression-index.ts";
import type { Campaign, Source } from "../domain/config-schema.ts";
import type { Reason } from "../domain/outcomes.ts";
import type { Bid } from "../domain/ranking.ts";
import type { LeadValues } from "../domain/vertical.ts";
import type { CapLedger, CapUnit } from "../state/counters/cap-ledger.ts";
import type { FailureStreaks } from "../state/counters/failure-streak.ts";
import type { Throttle, ThrottleRequest } from "../state/counters/throttle.ts";
import type { AuctionGates, HoldRefusal } from "./auction.ts";
import { capUnits, fundsUnit, isFundsKey, reservationId } from "./caps.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";
import type { DeliveryRequest } from "./delivery.ts";
import { BOUGHT_BY_BUYER, type DuplicateChecks, SOLD_IN_VERTICAL } from "./duplicates.ts";
import type { PostRates } from "./post-rates.ts";

const MINUTE_MS = 60_000;

export interface GateServices {
  caps: CapLedger;
  throttle: Throttle;
  consent: ConsentServices | undefined;
  /** Suppression lists in memory; without them no lead is suppressed. */
  suppressions?: SuppressionIndex | undefined;
  /** The vertical's and each buyer's duplicate checks. */
  duplicates: DuplicateChecks;
  /** Prepaid buyers' deposit totals in memory (cents); without them a buyer with `funds` has only its credit. */
  funds?: { depositsCents(buyerId: string): number } | undefined;
  /** Consecutive post failures per buyer; without them no buyer is auto-paused. */
  failureStreaks?: FailureStreaks | undefined;
  /** Pauses a buyer through the configuration (persisted, heard by every instance). */
  pauseBuyer?: ((buyerId: string) => Promise<void>) | undefined;
  /** Each source's recent post rate (settings.cap_hold_overbook "learned"); without it, the default factor. */
  postRates?: PostRates | undefined;
  log: Logger;
  now: () => number;
}

/** Throttles and the winner's cap reservation for one auction. */
export function auctionGates(
  services: GateServices,
  config: ConfigSnapshot,
  source: Source,
  auctionId: string,
): AuctionGates {
  return {
    async throttled(campaigns) {
      const limited = campaigns.filter((campaign) => campaign.max_pings_per_minute !== undefined);
      if (limited.length === 0) return NONE_THROTTLED;
      // Every campaign's throttle in one call: one script and one round trip on Redis, not one per campaign.
      const admitted = await services.throttle.tryAcquireEach(limited.map(throttleRequest), services.now());
      let throttled: Set<string> | undefined;
      for (let index = 0; index < limited.length; index++) {
        if (admitted[index]) continue;
        throttled ??= new Set();
        throttled.add(limited[index]!.id);
      }
      return throttled ?? NONE_THROTTLED;
    },
    async hold(bid) {
      const ttlMs = holdTtlMs(bid, services.now());
      const overbook = holdOverbook(services, config, source.id);
      const result = await reserveCaps(services, config, source.id, auctionId, bid, ttlMs, { overbook });
      return result.refusal;
    },
  };
}

/** What `throttled` answers when every campaign was admitted (most pings): one shared empty set. */
const NONE_THROTTLED: ReadonlySet<string> = new Set();

/** A campaign's ping throttle request; its key built once per campaign object (configuration snapshots are immutable). */
function throttleRequest(campaign: Campaign): ThrottleRequest {
  let key = throttleKeys.get(campaign);
  if (key === undefined) {
    key = `campaign:${campaign.id}`;
    throttleKeys.set(campaign, key);
  }
  return { key, limit: campaign.max_pings_per_minute!, windowMs: MINUTE_MS };
}

const throttleKeys = new WeakMap<Campaign, string>();

/**
 * Suppression, consent verification and cap reservations for one post, and what was verified (kept with the lead).
 */
export function deliveryGates(
  services: GateServices,
  config: ConfigSnapshot,
  sale: {
    sourceId: string;
    auctionId: string;
    leadId: string;
    lead: LeadValues;
    consent: Record<string, unknown>;
    /** A returned lead offered again: it was sold in its vertical (by this very sale), so only buyers' own checks apply. */
    resale?: boolean;
    /** The lead's contact hashes when the caller has them already (a direct post hashed them for its auction). */
    contact?: ContactHashes | undefined;
  },
): Pick<DeliveryRequest, "admit" | "settle"> & { checks: ConsentCheck[]; contact: ContactHashes } {
  // Made when a campaign first requires consent (most require none): one verification per token for the whole post.
  let memo: ConsentMemo | undefined;
  const checks: ConsentCheck[] = [];
  /** The units each admitted campaign reserved, by campaign id: committed (or recounted) when its post is accepted. */
  const reserved = new Map<string, CapUnit[]>();
  // Hashed once per post (or given); each campaign then costs a few Set lookups.
  const contact = sale.contact ?? leadContactHashes(sale.lead);
  const duplicateOf = duplicateCheck(services, config, contact, sale.resale === true);
  return {
    checks,
    contact,
    async admit(campaign, bid, budgetMs) {
      // Cheapest first: memory only, and a suppressed consumer needs neither a consent check nor a cap unit.
      const suppressedBy = services.suppressions
        ? suppressedLists(services.suppressions, contact, campaign.buyer_id)
        : [];
      if (suppressedBy.length > 0) {
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return { reason: "suppressed", detail: suppressedBy.join(", ") };
      }
      // Firm: the winner's ping hold becomes a reservation (or, expired, is made again), fallbacks reserve now; either
      // way checked against sales and posts in progress only, so a cap never overshoots and a full one falls back.
      // Without a consent check to wait for, it goes out with the duplicate screen (one round trip on Redis, not two);
      // a duplicate then gives it back, as it gives back a hold.
      const reserve = () =>
        reserveCaps(
          services,
          config,
          sale.sourceId,
          sale.auctionId,
          bid,
          config.settings.post_deadline_ms + 60_000,
        )
          // Counters unreachable: this campaign cannot be proven under its caps, so it is skipped, not the whole post.
          .catch((error: unknown) => ({ unavailable: error as Error }));
      const requirement = campaign.consent_requirement ?? "none";
      const reserving = requirement === "none" ? reserve() : undefined;
      const duplicate = await duplicateOf(campaign);
      if (duplicate) {
        await reserving; // before the release, which must find it made
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return { reason: "duplicate", detail: duplicate };
      }
      let consentRefusal: string | undefined;
      if (requirement !== "none") {
        memo ??= createConsentMemo();
        consentRefusal = await verifyConsent(
          services.consent,
          requirement,
          campaign,
          { ...sale, vendor: config.sourceById.get(sale.sourceId)?.name },
          budgetMs,
          memo,
          checks,
        );
      }
      if (consentRefusal) {
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return { reason: "consent_failed", detail: consentRefusal };
      }
      const result = await (reserving ?? reserve());
      if ("unavailable" in result) {
        return { reason: "capped", detail: `cap counters unavailable: ${result.unavailable.message}` };
      }
      if (result.refusal) {
        // Sold out at the post: the ping's hold (if this bid won one) would only crowd other pings until it expires.
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return result.refusal;
      }
      if (result.reserved) reserved.set(bid.campaign_id, result.units);
      return undefined;
    },
    async settle(bid, ended) {
      const units = reserved.get(bid.campaign_id);
      // Independent, and neither throws: side by side, one round trip on Redis rather than two.
      await Promise.all([
        units ? settleReservation(services, sale.auctionId, bid, ended, units) : undefined,
        countPostFailures(services, config, bid.buyer_id, ended),
      ]);
    },
  };
}

/**
 * Commits (accepted) or releases an attempt's reservation. Never throws: once a buyer has answered, a counter hiccup
 * must not undo the sale. A commit or release that fails leaves the reservation to its TTL (a commit lost that way
 * under-counts by one lead; it is logged).
 */
async function settleReservation(
  services: GateServices,
  auctionId: string,
  bid: Bid,
  ended: Reason,
  units: readonly CapUnit[],
) {
  const accepted = ended === "post_accepted";
  const ref = { buyerId: bid.buyer_id, reservationId: reservationId(auctionId, bid.campaign_id) };
  try {
    if (!accepted) return await services.caps.release(ref);
    // The units let the ledger count the sale even if Redis lost the reservation meanwhile (restarted empty).
    const outcome = await services.caps.commit(ref, units);
    if (outcome !== "committed") {
      services.log.warn({ reservation: ref.reservationId, outcome }, "a sale's cap reservation was not held");
    }
  } catch (error) {
    services.log.warn(
      { err: error, reservation: ref.reservationId, accepted },
      "settling a cap reservation failed",
    );
  }
}

/**
 * Auto-pause: a post that errors or times out adds one to the buyer's streak, an accepted post starts it again, and at
 * `auto_pause_after_failures` in a row the buyer is paused. A reject is the buyer's legitimate answer about this lead
 * (its endpoint works): it neither counts nor resets; nor does a post never made (post_deadline). Never throws.
 */
async function countPostFailures(
  services: GateServices,
  config: ConfigSnapshot,
  buyerId: string,
  ended: Reason,
) {
  const limit = config.buyerById.get(buyerId)?.auto_pause_after_failures;
  const streaks = services.failureStreaks;
  if (limit === undefined || !streaks) return;
  try {
    if (ended === "post_accepted") return await streaks.reset(buyerId);
    if (ended !== "post_error" && ended !== "post_timeout") return;
    const streak = await streaks.recordFailure(buyerId);
    if (streak < limit) return;
    services.log.warn(
      { buyer: buyerId, streak, limit },
      `buyer ${buyerId} auto-paused after ${streak} consecutive post failures`,
    );
    // Counted afresh once it is resumed, however it is resumed (the admin API, or a PUT of the buyer).
    await streaks.reset(buyerId);
    await services.pauseBuyer?.(buyerId);
  } catch (error) {
    services.log.warn({ err: error, buyer: buyerId }, "counting a buyer's post failures failed");
  }
}

/**
 * Whether the consumer is a duplicate for a campaign: sold in its vertical within the lookback (asked once per post),
 * or bought by its buyer within the buyer's dedupe_days. Unreachable windows refuse the campaign, as caps do: a buyer
 * must never pay twice for a consumer because Redis hiccuped.
 */
function duplicateCheck(
  services: GateServices,
  config: ConfigSnapshot,
  contact: ReturnType<typeof leadContactHashes>,
  buyersOnly = false,
): (campaign: Campaign) => Promise<string | undefined> {
  const soldInVertical = new Map<string, Promise<boolean>>();
  return async (campaign) => {
    try {
      const vertical = buyersOnly ? undefined : config.verticalById.get(campaign.vertical);
      const askedBefore = vertical && soldInVertical.get(vertical.id);
      if (askedBefore && (await askedBefore)) return SOLD_IN_VERTICAL;
      // The first campaign asks the vertical's check with its buyer's, in one lookup; later ones only their buyer's.
      const screen = services.duplicates.screen(config, askedBefore ? undefined : vertical, contact, [
        campaign.buyer_id,
      ]);
      if (vertical && !askedBefore) {
        const sold = screen.then((found) => found.soldInVertical);
        // Awaited by later campaigns, if any: a failure is theirs to report, not an unhandled rejection.
        sold.catch(() => {});
        soldInVertical.set(vertical.id, sold);
      }
      const found = await screen;
      if (found.soldInVertical) return SOLD_IN_VERTICAL;
      return found.buyers.size > 0 ? BOUGHT_BY_BUYER : undefined;
    } catch (error) {
      return `duplicate windows unavailable: ${(error as Error).message}`;
    }
  };
}

type ReserveOutcome =
  | { reserved: true; units: CapUnit[]; refusal?: undefined }
  | { reserved: false; refusal?: HoldRefusal };

/** Every cap unit a sale counts against: the period caps, and a prepaid buyer's funds. */
function saleUnits(services: GateServices, config: ConfigSnapshot, sourceId: string, bid: Bid): CapUnit[] {
  const campaign = config.campaignById.get(bid.campaign_id);
  if (!campaign) return [];
  const buyer = config.buyerById.get(campaign.buyer_id);
  const units = capUnits(campaign, buyer, sourceId, bid.bid_cents, services.now());
  const funds = fundsUnit(buyer, services.funds?.depositsCents(campaign.buyer_id) ?? 0, bid.bid_cents);
  if (funds) units.push(funds);
  return units;
}

async function reserveCaps(
  services: GateServices,
  config: ConfigSnapshot,
  sourceId: string,
  auctionId: string,
  bid: Bid,
  ttlMs: number,
  hold?: { overbook: number },
): Promise<ReserveOutcome> {
  const units = saleUnits(services, config, sourceId, bid);
  // No caps configured anywhere for this sale: no round trip, nothing to commit or release later.
  if (units.length === 0) return { reserved: false };
  const result = await services.caps.reserve({
    buyerId: bid.buyer_id,
    reservationId: reservationId(auctionId, bid.campaign_id),
    units,
    ttlMs,
    ...(hold ? { hold } : {}),
  });
  if (result.ok) return { reserved: true, units };
  if (result.by === "holds") {
    // Not sold out: won pings not yet posted hold the room left. They give it back when their bids expire.
    return { refusal: { reason: "held", detail: `${result.exhausted} (${result.limit})` }, reserved: false };
  }
  const exhausted = units.find((unit) => unit.key === result.exhausted);
  if (!exhausted || !isFundsKey(exhausted.key)) {
    return {
      refusal: { reason: "capped", detail: `${result.exhausted} (${result.limit})` },
      reserved: false,
    };
  }
  return {
    refusal: { reason: "insufficient_funds", detail: await fundsShortfall(services, bid, exhausted) },
    reserved: false,
  };
}

/** What the buyer still had when its bid did not fit. Asked only when refused, so never on a sale's path. */
async function fundsShortfall(services: GateServices, bid: Bid, unit: CapUnit): Promise<string> {
  const bidText = `bid ${bid.bid_cents / 100}`;
  try {
    const usage = await services.caps.usage(bid.buyer_id, unit.key);
    // What a post could still spend: holds of unposted pings may overbook, posts in progress may not.
    const availableCents =
      (unit.centsLimit ?? 0) - usage.committed.cents - (usage.reserved.cents - usage.held.cents);
    return `available ${availableCents / 100} (deposits + credit ${(unit.centsLimit ?? 0) / 100}), ${bidText}`;
  } catch {
    return `deposits + credit ${(unit.centsLimit ?? 0) / 100} do not cover the ${bidText}`;
  }
}

/**
 * A winner refused at the post (suppressed, no consent) gives back the cap unit its ping reserved, rather than keep it
 * until the reservation's TTL. Idempotent; nothing to do (and no round trip) when no cap applies.
 */
async function releaseHeldUnit(services: GateServices, config: ConfigSnapshot, auctionId: string, bid: Bid) {
  const campaign = config.campaignById.get(bid.campaign_id);
  const buyer = config.buyerById.get(bid.buyer_id);
  if (!campaign || !(campaign.caps || campaign.source_caps || buyer?.caps || buyer?.funds)) return;
  const ref = { buyerId: bid.buyer_id, reservationId: reservationId(auctionId, bid.campaign_id) };
  await services.caps.release(ref).catch((error: unknown) => {
    services.log.warn(
      { err: error, reservation: ref.reservationId },
      "releasing a refused winner's cap unit failed",
    );
  });
}

/**
 * A winner's hold lives as long as its bid can be posted, no longer: a ping never posted gives its unit back when its
 * bid expires. A post turns the hold into a reservation with the post's own ttl, so the post itself is covered.
 */
function holdTtlMs(bid: Bid, now: number): number {
  return Math.max(1_000, bid.expires_at - now);
}

/** Won pings' holds may take up to twice a cap's room: see settings.cap_hold_overbook in docs/configuration.md. */
export const DEFAULT_CAP_HOLD_OVERBOOK = 2;

/** How far this source's pings' holds may overbook: the setting's factor, or one learned from its post rate. */
function holdOverbook(services: GateServices, config: ConfigSnapshot, sourceId: string): number {
  const setting = config.settings.cap_hold_overbook ?? DEFAULT_CAP_HOLD_OVERBOOK;
  if (setting !== "learned") return setting;
  return (
    services.postRates?.overbook(sourceId, services.now(), DEFAULT_CAP_HOLD_OVERBOOK) ??
    DEFAULT_CAP_HOLD_OVERBOOK
  );
}

/** Verifies the consent a campaign requires (never "none": admit skips those); a refusal's trace detail, if refused. */
async function verifyConsent(
  consentServices: ConsentServices | undefined,
  requirement: Exclude<Campaign["consent_requirement"], "none" | undefined>,
  campaign: Campaign,
  sale: { leadId: string; lead: LeadValues; consent: Record<string, unknown>; vendor: string | undefined },
  budgetMs: number,
  memo: ConsentMemo,
  checks: ConsentCheck[],
): Promise<string | undefined> {
  const decision = await checkConsent(
    requirement,
    sale.consent as ConsentTokens,
    {
      ...(typeof sale.lead.email === "string" ? { email: sale.lead.email } : {}),
      ...(typeof sale.lead.phone === "string" ? { phone: sale.lead.phone } : {}),
      referenceId: sale.leadId,
      ...(sale.vendor ? { vendor: sale.vendor } : {}),
      ...(campaign.trustedform_advertiser_name
        ? { advertiserName: campaign.trustedform_advertiser_name }
        : {}),
    },
    consentServices?.verifiers ?? {},
    { timeoutMs: Math.min(consentServices?.timeoutMs ?? 0, budgetMs), memo },
  );
  for (const check of decision.checks) {
    if (!checks.some((known) => known.provider === check.provider)) checks.push(check);
  }
  if (decision.ok) return undefined;
  const detail = decision.checks.map((check) => `${check.provider}: ${check.outcome}`).join(", ");
  return `${decision.reason}${detail ? ` (${detail})` : ""}`;
}
