// What a lead is worth to the buyer, per campaign: filters, schedule, the first matching price rule, and a ceiling
// derived from the cost-per-case target and the conversion rate. Pure and synchronous (the clock and the observed
// conversion come in as arguments), so it tests without I/O and always finishes well inside a ping's deadline.
import { dollarsToCents } from "../domain/money.ts";
import { evaluateRule } from "../domain/rules/rule.ts";
import { isOpen } from "../domain/rules/schedule.ts";
import { type BidderCampaign, DEFAULT_ASSUMED_RATE_WEIGHT } from "./bidder-config.ts";

/** Leads bought and cases signed so far in a campaign, for the observed conversion rate. */
export interface CampaignOutcomes {
  bought: number;
  signed: number;
}

export type CampaignDecision =
  | { bid: true; campaignId: string; segment: string; priceCents: number; maxBidCents: number }
  | { bid: false; campaignId: string; reason: string };

export interface BidInput {
  lead: Record<string, unknown>;
  now: number;
  /** The seller or sub-id the exchange names, when it does. */
  source?: string;
  timeZone: string;
}

/**
 * The conversion rate a campaign bids on: the assumed rate, counted as `assumed_rate_weight` leads, blended with the
 * leads bought and signed so far. It starts at the assumption and moves to the observed rate as leads accumulate;
 * a week of leads the intake team has not signed yet lowers it gently instead of dropping the bid to zero.
 */
export function conversionRate(campaign: BidderCampaign, outcomes: CampaignOutcomes | undefined): number {
  const weight = campaign.assumed_rate_weight ?? DEFAULT_ASSUMED_RATE_WEIGHT;
  const bought = outcomes?.bought ?? 0;
  const signed = outcomes?.signed ?? 0;
  return (signed + campaign.conversion_rate * weight) / (bought + weight);
}

/**
 * The most a lead may cost: if one lead in N signs, N leads must cost no more than the target for one case, so
 * the ceiling is the target × the conversion rate ($2,500 a case at 12% → $300 a lead).
 */
export function maxBidCents(campaign: BidderCampaign, outcomes: CampaignOutcomes | undefined): number {
  return Math.floor(dollarsToCents(campaign.cost_per_case_target) * conversionRate(campaign, outcomes));
}

/** One campaign's answer to one lead: a price and the segment that set it, or why not. */
export function decideCampaign(
  campaign: BidderCampaign,
  input: BidInput,
  outcomes: CampaignOutcomes | undefined,
): CampaignDecision {
  const campaignId = campaign.id;
  if (campaign.status === "paused") return { bid: false, campaignId, reason: "campaign paused" };
  if (input.source !== undefined && campaign.blocked_sources?.includes(input.source))
    return { bid: false, campaignId, reason: `source ${input.source} blocked` };
  if (campaign.schedule) {
    const open = isOpen(campaign.schedule, input.now);
    if (!open.open) return { bid: false, campaignId, reason: open.reason };
  }
  const context = { lead: input.lead, now: input.now, timeZone: input.timeZone };
  if (campaign.filters) {
    const result = evaluateRule(campaign.filters, context);
    if (!result.pass) return { bid: false, campaignId, reason: `filtered: ${result.failed}` };
  }
  let segment: string | undefined;
  let price: number | undefined;
  for (const rule of campaign.price_rules) {
    if (evaluateRule(rule.when, context).pass) {
      segment = rule.name;
      price = rule.price;
      break;
    }
  }
  if (price === undefined && campaign.default_price !== undefined) {
    segment = "default";
    price = campaign.default_price;
  }
  if (price === undefined || segment === undefined)
    return { bid: false, campaignId, reason: "no price rule matches" };
  const ceiling = maxBidCents(campaign, outcomes);
  const priceCents = Math.min(dollarsToCents(price), ceiling);
  if (priceCents <= 0) return { bid: false, campaignId, reason: "maximum bid is zero" };
  return { bid: true, campaignId, segment, priceCents, maxBidCents: ceiling };
}

/** Every campaign of the vertical, best price first; the caller reserves budget down this list. */
export function rankCampaigns(
  campaigns: readonly BidderCampaign[],
  vertical: string,
  input: BidInput,
  outcomes: ReadonlyMap<string, CampaignOutcomes>,
): {
  bids: Extract<CampaignDecision, { bid: true }>[];
  declined: Extract<CampaignDecision, { bid: false }>[];
} {
  const bids: Extract<CampaignDecision, { bid: true }>[] = [];
  const declined: Extract<CampaignDecision, { bid: false }>[] = [];
  for (const campaign of campaigns) {
    if (campaign.vertical !== vertical) continue;
    const decision = decideCampaign(campaign, input, outcomes.get(campaign.id));
    if (decision.bid) bids.push(decision);
    else declined.push(decision);
  }
  bids.sort((a, b) => b.priceCents - a.priceCents);
  return { bids, declined };
}
