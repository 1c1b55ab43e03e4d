// Which cap counters one sale counts against: the campaign's, its buyer's, and the source × campaign ones, each per
// configured period in its owner's time zone, plus a prepaid buyer's funds (a spend cap that never resets). Pure: the
// cap ledger (hot state) does the atomic counting.
import type { Buyer, Campaign, Caps } from "../domain/config-schema.ts";
import { dollarsToCents } from "../domain/money.ts";
import { CAP_PERIODS, periodEnd, periodKey } from "../domain/rules/periods.ts";
import type { CapUnit } from "../state/counters/cap-ledger.ts";
import type { CapUsageSeed } from "../state/counters/memory-cap-ledger.ts";
import type { BuyerCents, SaleSummary } from "../store/store.ts";
import type { ConfigSnapshot } from "./config-snapshot.ts";

export function capUnits(
  campaign: Campaign,
  buyer: Buyer | undefined,
  sourceId: string,
  bidCents: number,
  now: number,
): CapUnit[] {
  const units: CapUnit[] = [];
  addUnits(units, `campaign:${campaign.id}`, campaign.caps, bidCents, now);
  addUnits(units, `buyer:${campaign.buyer_id}`, buyer?.caps, bidCents, now);
  addUnits(units, `campaign:${campaign.id}:source:${sourceId}`, campaign.source_caps, bidCents, now);
  return units;
}

function addUnits(units: CapUnit[], owner: string, caps: Caps | undefined, cents: number, now: number): void {
  if (!caps) return;
  const timeZone = caps.time_zone ?? "UTC";
  for (const period of CAP_PERIODS) {
    const countLimit = caps.leads?.[period];
    const spendLimit = caps.spend?.[period];
    if (countLimit === undefined && spendLimit === undefined) continue;
    units.push({
      key: `${owner}:${period}:${periodKey(period, timeZone, now)}`,
      ...(countLimit === undefined ? {} : { countLimit }),
      ...(spendLimit === undefined ? {} : { centsLimit: dollarsToCents(spendLimit) }),
      cents,
      periodEndsAt: periodEnd(period, timeZone, now),
    });
  }
}

/** A prepaid buyer's funds counter: its lifetime spend (committed) and won bids awaiting their post (reserved). */
export function fundsKey(buyerId: string): string {
  return `buyer:${buyerId}:funds`;
}

export function isFundsKey(key: string): boolean {
  return key.startsWith("buyer:") && key.endsWith(":funds");
}

/** Funds never reset: their "period" ends in year 9999 (Redis and the memory ledger keep the counter until then). */
export const FUNDS_PERIOD_ENDS_AT = Date.UTC(9999, 0, 1);

/**
 * The funds unit of a sale to a prepaid buyer (one whose configuration has `funds`): it may spend its deposits plus
 * its credit limit, all sales ever counted. Undefined for a buyer without `funds` (unlimited).
 */
export function fundsUnit(
  buyer: Buyer | undefined,
  depositsCents: number,
  bidCents: number,
): CapUnit | undefined {
  if (!buyer?.funds) return undefined;
  return {
    key: fundsKey(buyer.id),
    centsLimit: Math.max(0, depositsCents + dollarsToCents(buyer.funds.credit_limit)),
    cents: bidCents,
    periodEndsAt: FUNDS_PERIOD_ENDS_AT,
  };
}

/**
 * What the in-memory funds counters start from after a restart: each buyer's lifetime spend (the store's sum of its
 * sold leads), not the last month's sales the period caps need. Seeded for every buyer that ever bought, so `funds`
 * switched on later finds its spend counted (until then its sales are not reserved against it).
 */
export function fundsUsageSeed(spend: readonly BuyerCents[]): CapUsageSeed[] {
  return spend.map(({ buyer_id, cents }) => ({
    buyerId: buyer_id,
    key: fundsKey(buyer_id),
    count: 0,
    cents,
    periodEndsAt: FUNDS_PERIOD_ENDS_AT,
  }));
}

/** A reservation's id: one per auction and campaign, so retries and fallbacks find the same one. */
export function reservationId(auctionId: string, campaignId: string): string {
  return `${auctionId}:${campaignId}`;
}

/**
 * What the in-memory cap counters start from after a restart: every sale of the last month counted against the
 * periods it fell in (counters of periods already over are dropped by the ledger).
 */
export function capUsageSeed(sales: readonly SaleSummary[], config: ConfigSnapshot): CapUsageSeed[] {
  const usage = new Map<string, CapUsageSeed>();
  for (const sale of sales) {
    const campaign = config.campaignById.get(sale.campaign_id);
    if (!campaign) continue;
    const units = capUnits(
      campaign,
      config.buyerById.get(campaign.buyer_id),
      sale.source_id,
      sale.buyer_price_cents,
      sale.created_at,
    );
    for (const unit of units) {
      const seed = usage.get(unit.key) ?? {
        buyerId: campaign.buyer_id,
        key: unit.key,
        count: 0,
        cents: 0,
        periodEndsAt: unit.periodEndsAt,
      };
      seed.count += 1;
      seed.cents += unit.cents;
      usage.set(unit.key, seed);
    }
  }
  return [...usage.values()];
}
