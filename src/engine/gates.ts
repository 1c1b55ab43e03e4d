// The checks around the auction and the post that need shared state or outside services: campaign ping throttles,
// cap reservations (reserved when a bid wins or is tried, committed when the post is accepted, released when it
// fails), suppression lists and consent verification. Each is a small closure the pipeline calls; the pipeline itself
// stays pure.
import type { Logger } from "pino";
import { type ConsentTokens, checkConsent, createConsentMemo } from "../compliance/consent/consent-policy.ts";
import type { ConsentServices } from "../compliance/consent/consent-providers.ts";
import type { ConsentCheck } from "../compliance/consent/consent-verifier.ts";
import { leadContactHashes } from "../compliance/suppression/suppression-hash.ts";
import { type SuppressionIndex, suppressedLists } from "../compliance/suppression/suppression-index.ts";
import type { Campaign, Source } from "../domain/config-schema.ts";
import type { Bid } from "../domain/ranking.ts";
import type { ConfigSnapshot } from "../domain/snapshot.ts";
import type { LeadValues } from "../domain/vertical.ts";
import type { CapLedger } from "../state/counters/cap-ledger.ts";
import type { Throttle } from "../state/counters/throttle.ts";
import type { AuctionGates } from "./auction.ts";
import { capUnits, reservationId } from "./caps.ts";
import type { DeliveryRequest } from "./delivery.ts";
import { BOUGHT_BY_BUYER, type DuplicateChecks, SOLD_IN_VERTICAL } from "./duplicates.ts";

const MINUTE_MS = 60_000;

export interface GateServices {
  caps: CapLedger;
  throttle: Throttle;
  consent: ConsentServices | undefined;
  /** Suppression lists in memory; without them no lead is suppressed. */
  suppressions?: SuppressionIndex | undefined;
  /** The vertical's and each buyer's duplicate checks. */
  duplicates: DuplicateChecks;
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
      if (limited.length === 0) return new Set();
      const now = services.now();
      const admitted = await Promise.all(
        limited.map((campaign) =>
          services.throttle.tryAcquire(
            `campaign:${campaign.id}`,
            campaign.max_pings_per_minute!,
            MINUTE_MS,
            now,
          ),
        ),
      );
      return new Set(limited.filter((_, index) => !admitted[index]).map((campaign) => campaign.id));
    },
    async hold(bid) {
      const ttlMs = holdTtlMs(config, bid, services.now());
      const result = await reserveCaps(services, config, source.id, auctionId, bid, ttlMs);
      return result.capped ? { capped: result.capped } : undefined;
    },
  };
}

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
  },
): Pick<DeliveryRequest, "admit" | "settle"> & { checks: ConsentCheck[] } {
  const memo = createConsentMemo();
  const checks: ConsentCheck[] = [];
  const reserved = new Set<string>();
  // Hashed once per post; each campaign then costs a few Set lookups.
  const contact = leadContactHashes(sale.lead);
  const duplicateOf = duplicateCheck(services, config, contact);
  return {
    checks,
    async admit(campaign, bid, budgetMs) {
      // Cheapest first: memory only, and a suppressed consumer needs neither a consent check nor a cap unit.
      const suppressedBy = services.suppressions
        ? suppressedLists(services.suppressions, contact, campaign.buyer_id)
        : [];
      if (suppressedBy.length > 0) {
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return { reason: "suppressed", detail: suppressedBy.join(", ") };
      }
      const duplicate = await duplicateOf(campaign);
      if (duplicate) {
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return { reason: "duplicate", detail: duplicate };
      }
      const consentRefusal = await verifyConsent(services.consent, campaign, sale, budgetMs, memo, checks);
      if (consentRefusal) {
        await releaseHeldUnit(services, config, sale.auctionId, bid);
        return { reason: "consent_failed", detail: consentRefusal };
      }
      // Idempotent for the winner, whose reservation the ping already holds; fallbacks reserve now.
      const ttlMs = config.settings.post_deadline_ms + 60_000;
      let result: { capped: string; reserved: boolean };
      try {
        result = await reserveCaps(services, config, sale.sourceId, sale.auctionId, bid, ttlMs);
      } catch (error) {
        // Counters unreachable: this campaign cannot be proven under its caps, so it is skipped, not the whole post.
        return { reason: "capped", detail: `cap counters unavailable: ${(error as Error).message}` };
      }
      if (result.capped) return { reason: "capped", detail: result.capped };
      if (result.reserved) reserved.add(bid.campaign_id);
      return undefined;
    },
    // Never throws: once a buyer has answered, a counter hiccup must not undo the sale. A commit or release that
    // fails leaves the reservation to its TTL (a commit lost that way under-counts by one lead; it is logged).
    async settle(bid, accepted) {
      if (!reserved.has(bid.campaign_id)) return;
      const ref = { buyerId: bid.buyer_id, reservationId: reservationId(sale.auctionId, bid.campaign_id) };
      try {
        if (!accepted) return await services.caps.release(ref);
        const outcome = await services.caps.commit(ref);
        if (outcome !== "committed") {
          services.log.warn(
            { reservation: ref.reservationId, outcome },
            "a sale's cap reservation was not held",
          );
        }
      } catch (error) {
        services.log.warn(
          { err: error, reservation: ref.reservationId, accepted },
          "settling a cap reservation failed",
        );
      }
    },
  };
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
): (campaign: Campaign) => Promise<string | undefined> {
  const soldInVertical = new Map<string, Promise<boolean>>();
  return async (campaign) => {
    try {
      const vertical = config.verticalById.get(campaign.vertical);
      if (vertical) {
        let sold = soldInVertical.get(vertical.id);
        if (!sold) {
          sold = services.duplicates.soldInVertical(vertical, contact);
          soldInVertical.set(vertical.id, sold);
        }
        if (await sold) return SOLD_IN_VERTICAL;
      }
      if (await services.duplicates.boughtBy(config, campaign.buyer_id, contact)) return BOUGHT_BY_BUYER;
      return undefined;
    } catch (error) {
      return `duplicate windows unavailable: ${(error as Error).message}`;
    }
  };
}

async function reserveCaps(
  services: GateServices,
  config: ConfigSnapshot,
  sourceId: string,
  auctionId: string,
  bid: Bid,
  ttlMs: number,
): Promise<{ capped: string; reserved: boolean }> {
  const campaign = config.campaignById.get(bid.campaign_id);
  if (!campaign) return { capped: "", reserved: false };
  const units = capUnits(
    campaign,
    config.buyerById.get(campaign.buyer_id),
    sourceId,
    bid.bid_cents,
    services.now(),
  );
  // No caps configured anywhere for this sale: no round trip, nothing to commit or release later.
  if (units.length === 0) return { capped: "", reserved: false };
  const result = await services.caps.reserve({
    buyerId: bid.buyer_id,
    reservationId: reservationId(auctionId, bid.campaign_id),
    units,
    ttlMs,
  });
  return result.ok
    ? { capped: "", reserved: true }
    : { capped: `${result.exhausted} (${result.limit})`, reserved: false };
}

/**
 * A winner refused at the post (suppressed, no consent) gives back the cap unit its ping reserved, rather than keep it
 * until the reservation's TTL. Idempotent; nothing to do (and no round trip) when no cap applies.
 */
async function releaseHeldUnit(services: GateServices, config: ConfigSnapshot, auctionId: string, bid: Bid) {
  const campaign = config.campaignById.get(bid.campaign_id);
  if (!campaign || !(campaign.caps || campaign.source_caps || config.buyerById.get(bid.buyer_id)?.caps))
    return;
  const ref = { buyerId: bid.buyer_id, reservationId: reservationId(auctionId, bid.campaign_id) };
  await services.caps.release(ref).catch((error: unknown) => {
    services.log.warn(
      { err: error, reservation: ref.reservationId },
      "releasing a refused winner's cap unit failed",
    );
  });
}

/** A winner's reservation lives as long as its bid can be posted, plus the post itself. */
function holdTtlMs(config: ConfigSnapshot, bid: Bid, now: number): number {
  return Math.max(1_000, bid.expires_at - now) + config.settings.post_deadline_ms + 60_000;
}

async function verifyConsent(
  consentServices: ConsentServices | undefined,
  campaign: Campaign,
  sale: { leadId: string; lead: LeadValues; consent: Record<string, unknown> },
  budgetMs: number,
  memo: ReturnType<typeof createConsentMemo>,
  checks: ConsentCheck[],
): Promise<string | undefined> {
  const requirement = campaign.consent_requirement ?? "none";
  if (requirement === "none") return undefined;
  const decision = await checkConsent(
    requirement,
    sale.consent as ConsentTokens,
    {
      ...(typeof sale.lead.email === "string" ? { email: sale.lead.email } : {}),
      ...(typeof sale.lead.phone === "string" ? { phone: sale.lead.phone } : {}),
      referenceId: sale.leadId,
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
