// The exchange the compatible-inbound tests post to: real-time bidders from the buyer farm, each with a
// personal-injury campaign, and the main source paid 80% of the winning bid, its platform campaign ids mapped.
import type { ConfigFile, Source } from "../../src/domain/config-schema.ts";
import type { BuyerBehavior } from "../../src/sim/buyer-behavior.ts";
import {
  bidder,
  type Harness,
  realtimeCampaign,
  startHarness,
  testSource,
} from "../helpers/exchange-harness.ts";

export function startInboundHarness(
  campaigns: Record<string, string>,
  options: {
    bidders?: BuyerBehavior[];
    source?: Partial<Source>;
    otherSources?: Source[];
    settings?: ConfigFile["settings"];
    /** The exchange's clock (a mock clock), real time by default. */
    now?: () => number;
  } = {},
): Promise<Harness> {
  const bidders = options.bidders ?? [bidder("top", 30)];
  return startHarness(
    bidders,
    (farm) => ({
      sources: [
        testSource({
          payout: { model: "revenue_share", percent: 80 },
          ...options.source,
          inbound: { campaigns, ...options.source?.inbound },
        }),
        ...(options.otherSources ?? []),
      ],
      buyers: bidders.map((b) => ({ id: b.name, name: b.name, status: "active" as const })),
      campaigns: bidders.map((b) => realtimeCampaign(farm, b.name)),
      ...(options.settings ? { settings: options.settings } : {}),
    }),
    options.now ? { now: options.now } : {},
  );
}
