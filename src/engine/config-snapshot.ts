// The configuration the engine reads on every ping: an immutable snapshot built from the store and swapped whole
// when anything changes (DESIGN rule 8: no database round trip on the ping path).
import type { BuyerAdapter } from "../buyers/buyer-adapter.ts";
import { compileCampaignAdapter } from "../buyers/campaign-adapter.ts";
import type { Buyer, Campaign, Settings, Source } from "../domain/config-schema.ts";
import { type CompiledRule, compileRule } from "../domain/rules/rule.ts";
import { compileSchedule, type ScheduleResult } from "../domain/rules/schedule.ts";
import type { Vertical } from "../domain/vertical.ts";

export interface ConfigData {
  settings: Settings;
  verticals: Vertical[];
  sources: Source[];
  buyers: Buyer[];
  campaigns: Campaign[];
}

export interface ConfigSnapshot extends ConfigData {
  readonly verticalById: ReadonlyMap<string, Vertical>;
  readonly sourceById: ReadonlyMap<string, Source>;
  readonly sourceByKeyHash: ReadonlyMap<string, Source>;
  readonly buyerById: ReadonlyMap<string, Buyer>;
  readonly campaignById: ReadonlyMap<string, Campaign>;
  readonly campaignsByVertical: ReadonlyMap<string, readonly Campaign[]>;
  /** Each campaign's filters and rules compiled once per snapshot (they run on every ping). */
  readonly eligibility: ReadonlyMap<string, CampaignEligibility>;
  /** Each campaign's buyer adapter (native, or its templated integration), templates compiled once per snapshot. */
  readonly adapters: ReadonlyMap<string, BuyerAdapter>;
}

export interface CampaignEligibility {
  rule: CompiledRule;
  /** Absent: always open. */
  schedule?: (now: number) => ScheduleResult;
  /** The zone day-parting rules are read in: the schedule's, else UTC. */
  timeZone: string;
}

export function buildSnapshot(data: ConfigData): ConfigSnapshot {
  const campaignsByVertical = new Map<string, Campaign[]>();
  for (const campaign of data.campaigns) {
    const list = campaignsByVertical.get(campaign.vertical) ?? [];
    list.push(campaign);
    campaignsByVertical.set(campaign.vertical, list);
  }
  const sourceByKeyHash = new Map<string, Source>();
  for (const source of data.sources) {
    if (source.api_key_sha256) sourceByKeyHash.set(source.api_key_sha256, source);
  }
  const eligibility = new Map<string, CampaignEligibility>();
  const adapters = new Map<string, BuyerAdapter>();
  const verticalById = new Map(data.verticals.map((v) => [v.id, v]));
  for (const campaign of data.campaigns) {
    // Validated before any snapshot is built (config-service), so compiling cannot fail here; a campaign of an
    // unknown vertical is never auctioned.
    const vertical = verticalById.get(campaign.vertical);
    if (vertical) adapters.set(campaign.id, compileCampaignAdapter(campaign, vertical));
    eligibility.set(campaign.id, {
      rule: compileRule(campaign.rules ? [...campaign.filters, campaign.rules] : campaign.filters),
      ...(campaign.schedule ? { schedule: compileSchedule(campaign.schedule) } : {}),
      timeZone: campaign.schedule?.time_zone ?? "UTC",
    });
  }
  return Object.freeze({
    ...data,
    eligibility,
    adapters,
    verticalById,
    sourceById: new Map(data.sources.map((s) => [s.id, s])),
    sourceByKeyHash,
    buyerById: new Map(data.buyers.map((b) => [b.id, b])),
    campaignById: new Map(data.campaigns.map((c) => [c.id, c])),
    campaignsByVertical,
  });
}
