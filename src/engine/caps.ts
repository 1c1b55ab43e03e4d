// Which cap counters one sale counts against: the campaign's, its buyer's, and the source × campaign ones, each per
// configured period in its owner's time zone, plus a prepaid buyer's funds (a spend cap that never resets). Pure: the
// cap ledger (hot state) does the atomic counting.
import type { Buyer, Campaign, Caps } from "../domain/config-schema.ts";
import { dollarsToCents } from "../domain/money.ts";
import { CAP_PERIODS, type CapPeriod, periodEnd, periodKey } from "../domain/rules/periods.ts";
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
  const owners = ownersOf(campaign);
  addUnits(units, owners.campaign, campaign.caps, bidCents, now);
  addUnits(units, owners.buyer, buyer?.caps, bidCents, now);
  if (campaign.source_caps) {
    let owner = owners.bySource.get(sourceId);
    if (owner === undefined) {
      owner = `campaign:${campaign.id}:source:${sourceId}`;
      owners.bySource.set(sourceId, owner);
    }
    addUnits(units, owner, campaign.source_caps, bidCents, now);
  }
  return units;
}

function addUnits(units: CapUnit[], owner: string, caps: Caps | undefined, cents: number, now: number): void {
  if (!caps) return;
  const timeZone = caps.time_zone ?? "UTC";
  for (const period of CAP_PERIODS) {
    const countLimit = caps.leads?.[period];
    const spendLimit = caps.spend?.[period];
    if (countLimit === undefined && spendLimit === undefined) continue;
    const { key, periodEndsAt } = unitPeriod(caps, owner, period, timeZone, now);
    // One literal per shape (no spreads), the fields in the same order as ever.
    units.push(
      spendLimit === undefined
        ? { key, countLimit: countLimit!, cents, periodEndsAt }
        : countLimit === undefined
          ? { key, centsLimit: dollarsToCents(spendLimit), cents, periodEndsAt }
          : { key, countLimit, centsLimit: dollarsToCents(spendLimit), cents, periodEndsAt },
    );
  }
}

/** The counter owners of a campaign's caps, named once per campaign object (configuration snapshots are immutable). */
function ownersOf(campaign: Campaign): { campaign: string; buyer: string; bySource: Map<string, string> } {
  let owners = campaignOwners.get(campaign);
  if (!owners) {
    owners = {
      campaign: `campaign:${campaign.id}`,
      buyer: `buyer:${campaign.buyer_id}`,
      bySource: new Map(),
    };
    campaignOwners.set(campaign, owners);
  }
  return owners;
}

const campaignOwners = new WeakMap<
  Campaign,
  { campaign: string; buyer: string; bySource: Map<string, string> }
>();

/**
 * A unit's counter key, `<owner>:<period>:<period key>`, and when its period ends, worked out again only when the
 * period's key changes (periodKey hands out the same string all minute), rather than for every unit of every winning
 * bid: the end is the period's (the key names it), so it is the same as long as the key is.
 */
function unitPeriod(
  caps: Caps,
  owner: string,
  period: CapPeriod,
  timeZone: string,
  now: number,
): { key: string; periodEndsAt: number } {
  const periodKeyText = periodKey(period, timeZone, now);
  let byOwner = unitKeys.get(caps);
  if (!byOwner) {
    byOwner = new Map();
    unitKeys.set(caps, byOwner);
  }
  let byPeriod = byOwner.get(owner);
  if (!byPeriod) {
    byPeriod = new Map();
    byOwner.set(owner, byPeriod);
  }
  const known = byPeriod.get(period);
  if (known && known.periodKey === periodKeyText) return known;
  const unit = {
    periodKey: periodKeyText,
    key: `${owner}:${period}:${periodKeyText}`,
    periodEndsAt: periodEnd(period, timeZone, now),
  };
  byPeriod.set(period, unit);
  return unit;
}

const unitKeys = new WeakMap<
  Caps,
  Map<string, Map<CapPeriod, { periodKey: string; key: string; periodEndsAt: number }>>
>();

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
