// What a lead and a signed case cost, per exchange, source, sub-id, campaign or segment, and the bid each segment's
// numbers suggest, shown beside the price configured today. Suggestions are advice: nothing here changes a price.
import { centsToDollars, dollarsToCents } from "../domain/money.ts";
import { conversionRate, maxBidCents } from "./bid-logic.ts";
import type { BidderConfig } from "./bidder-config.ts";
import type { BidderStore, ReportDimension } from "./bidder-store.ts";

export interface ReportLine {
  key: string;
  leads: number;
  spend: number;
  contacted: number;
  signed: number;
  value: number;
  cost_per_lead: number | null;
  cost_per_signed_case: number | null;
  contact_rate: number | null;
  conversion_rate: number | null;
  /** (value − spend) ÷ spend: 1.5 means each dollar spent brought back two and a half. */
  roi: number | null;
}

export function buildReport(store: BidderStore, by: ReportDimension, from: number, to: number): ReportLine[] {
  return store.report(by, from, to).map((row) => ({
    key: row.key,
    leads: row.leads,
    spend: centsToDollars(row.spendCents),
    contacted: row.contacted,
    signed: row.signed,
    value: centsToDollars(row.valueCents),
    cost_per_lead: row.leads > 0 ? round2(row.spendCents / row.leads / 100) : null,
    cost_per_signed_case: row.signed > 0 ? round2(row.spendCents / row.signed / 100) : null,
    contact_rate: row.leads > 0 ? round4(row.contacted / row.leads) : null,
    conversion_rate: row.leads > 0 ? round4(row.signed / row.leads) : null,
    roi: row.spendCents > 0 ? round4((row.valueCents - row.spendCents) / row.spendCents) : null,
  }));
}

export interface BidSuggestion {
  campaign: string;
  segment: string;
  /** The price configured for the segment (the default price for "default"). */
  current_price: number | null;
  leads: number;
  signed: number;
  observed_conversion_rate: number | null;
  /** target × the segment's conversion rate (its own numbers blended with the assumed rate). */
  suggested_price: number;
  /** The campaign's ceiling today (target × the rate it bids on). */
  max_bid: number;
  basis: string;
}

/** Per campaign and price segment: today's price beside the one its own numbers support. */
export function suggestBids(config: BidderConfig, store: BidderStore): BidSuggestion[] {
  const outcomes = store.segmentOutcomes();
  const campaignOutcomes = store.campaignOutcomes();
  const suggestions: BidSuggestion[] = [];
  for (const campaign of config.campaigns) {
    const segments = [
      ...campaign.price_rules.map((rule) => ({ name: rule.name, price: rule.price as number | undefined })),
      ...(campaign.default_price !== undefined ? [{ name: "default", price: campaign.default_price }] : []),
    ];
    for (const segment of segments) {
      const numbers = outcomes.find((o) => o.campaignId === campaign.id && o.segment === segment.name);
      const leads = numbers?.leads ?? 0;
      const signed = numbers?.signed ?? 0;
      // The segment's own numbers, blended with the campaign's assumed rate the way the maximum bid is.
      const rate = conversionRate(campaign, { bought: leads, signed });
      suggestions.push({
        campaign: campaign.id,
        segment: segment.name,
        current_price: segment.price ?? null,
        leads,
        signed,
        observed_conversion_rate: leads > 0 ? round4(signed / leads) : null,
        suggested_price: centsToDollars(Math.floor(dollarsToCents(campaign.cost_per_case_target) * rate)),
        max_bid: centsToDollars(maxBidCents(campaign, campaignOutcomes.get(campaign.id))),
        basis: `$${campaign.cost_per_case_target} per case × ${round4(rate)} (${signed} signed of ${leads} leads, with the assumed ${campaign.conversion_rate})`,
      });
    }
  }
  return suggestions;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
