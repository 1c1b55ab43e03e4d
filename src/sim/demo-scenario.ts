// The demo's market: seven simulated buyers with different habits, three sources paid in different ways, and the
// exchange configuration that connects them. Chosen so every interesting path shows up within seconds: timeouts,
// post rejections with fallback, buyer errors, buyer-side targeting, filters and a fixed-price campaign.
import { createHash, randomBytes } from "node:crypto";
import type { Campaign, ConfigFile, Source } from "../domain/config-schema.ts";
import type { BuyerBehavior } from "./buyer-behavior.ts";
import type { BuyerUrls } from "./buyer-farm-protocol.ts";
import type { SimSource } from "./source-sim.ts";

/** Every realtime campaign gives its buyer this long to answer a ping. */
const PING_TIMEOUT_MS = 300;
const POST_TIMEOUT_MS = 2000;

interface DemoBuyer {
  behavior: BuyerBehavior;
  /** Shown as the buyer's name in the exchange. */
  title: string;
  campaign: Omit<Campaign, "id" | "buyer_id" | "name" | "status" | "ping" | "post">;
}

const DEMO_BUYERS: readonly DemoBuyer[] = [
  {
    title: "Hartley & Cole, injury lawyers (fast, answers in ~25 ms)",
    behavior: {
      name: "hartley-cole",
      bidRate: 0.8,
      price: [30, 60],
      latencyMs: { median: 25, p99: 90 },
      postAcceptRate: 0.97,
    },
    campaign: {
      vertical: "personal_injury",
      pricing: { type: "realtime", max_price: 100 },
      filters: [{ field: "state", op: "in", value: ["CA", "TX", "FL", "NY", "IL", "GA", "AZ", "NV"] }],
    },
  },
  {
    title: "Brightline Legal (slower than its 300 ms timeout: mostly times out)",
    behavior: {
      name: "brightline-legal",
      bidRate: 0.9,
      price: [70, 120],
      latencyMs: { median: 380, p99: 900 },
      postAcceptRate: 1,
    },
    campaign: { vertical: "personal_injury", pricing: { type: "realtime" }, filters: [] },
  },
  {
    title: "Marlow Injury Group (rejects ~30% of posts: the exchange falls back)",
    behavior: {
      name: "marlow-injury",
      bidRate: 0.7,
      price: [45, 80],
      latencyMs: { median: 60, p99: 200 },
      postAcceptRate: 0.7,
    },
    campaign: {
      vertical: "personal_injury",
      pricing: { type: "realtime", max_price: 90 },
      filters: [
        { field: "injury_severity", op: "gte", value: 3 },
        { field: "liability", op: "neq", value: "disputed" },
      ],
    },
  },
  {
    title: "Redwood Law (fixed $35 per lead, no ping)",
    behavior: { name: "redwood-law", bidRate: 0, price: [0, 0], latencyMs: 0, postAcceptRate: 0.95 },
    campaign: {
      vertical: "personal_injury",
      pricing: { type: "fixed", price: 35 },
      filters: [{ field: "injury_severity", op: "gte", value: 5 }],
    },
  },
  {
    title: "Summit Auto Insurance (HTTP 500 on ~15% of pings)",
    behavior: {
      name: "summit-auto",
      bidRate: 0.85,
      price: [8, 18],
      latencyMs: { median: 40, p99: 150 },
      postAcceptRate: 0.95,
      fault: "error500",
      faultRate: 0.15,
    },
    campaign: {
      vertical: "auto_insurance",
      pricing: { type: "realtime", max_price: 25 },
      filters: [{ field: "currently_insured", op: "eq", value: true }],
    },
  },
  {
    title: "Prairie Insurance Agency (never bids on CA, NY or FL)",
    behavior: {
      name: "prairie-agency",
      bidRate: 0.9,
      price: [10, 22],
      latencyMs: { median: 30, p99: 120 },
      postAcceptRate: 0.98,
      noBidStates: ["CA", "NY", "FL"],
      noBidAs204: true,
    },
    campaign: { vertical: "auto_insurance", pricing: { type: "realtime" }, filters: [] },
  },
  {
    title: "QuoteWave marketplace (bids on most, holds bids 60 s)",
    behavior: {
      name: "quotewave",
      bidRate: 0.6,
      price: [5, 14],
      latencyMs: { median: 80, p99: 250 },
      postAcceptRate: 0.9,
      expiresInS: 60,
    },
    campaign: {
      vertical: "auto_insurance",
      pricing: { type: "realtime" },
      filters: [{ field: "vehicle_year", op: "gte", value: 2010 }],
    },
  },
];

export const DEMO_BUYER_BEHAVIORS: readonly BuyerBehavior[] = DEMO_BUYERS.map((buyer) => buyer.behavior);

interface DemoSource {
  source: Omit<Source, "api_key_sha256">;
  directShare: number;
}

const DEMO_SOURCES: readonly DemoSource[] = [
  {
    source: {
      id: "leadgen-co",
      name: "LeadGen Co (revenue share 70%)",
      status: "live",
      payout: { model: "revenue_share", percent: 70 },
    },
    directShare: 0.2,
  },
  {
    source: {
      id: "crash-help-net",
      name: "CrashHelp affiliate network ($5 margin)",
      status: "live",
      payout: { model: "margin", amount: 5 },
      verticals: ["personal_injury"],
    },
    directShare: 0.5,
  },
  {
    source: {
      id: "dialnow-callcenter",
      name: "DialNow call center ($12 fixed, direct posts)",
      status: "live",
      payout: { model: "fixed", amount: 12 },
      verticals: ["auto_insurance"],
    },
    directShare: 1,
  },
];

export interface DemoSetup {
  config: ConfigFile;
  sources: SimSource[];
  adminKey: string;
}

/** Builds the exchange configuration for a running buyer farm, with fresh API keys for this run. */
export function buildDemoSetup(farmBuyers: Record<string, BuyerUrls>): DemoSetup {
  const sources = DEMO_SOURCES.map(({ source, directShare }) => ({
    id: source.id,
    apiKey: newKey("src"),
    verticals: source.verticals ?? ["personal_injury", "auto_insurance"],
    directShare,
  }));
  const adminKey = newKey("admin");
  const config: ConfigFile = {
    settings: { default_tmax_ms: 500, max_tmax_ms: 1000 },
    admin_key_sha256: sha256(adminKey),
    sources: DEMO_SOURCES.map(({ source }, i) => ({ ...source, api_key_sha256: sha256(sources[i]!.apiKey) })),
    buyers: DEMO_BUYERS.map(({ behavior, title }) => ({ id: behavior.name, name: title, status: "active" })),
    campaigns: DEMO_BUYERS.map(({ behavior, title, campaign }) => {
      const urls = farmBuyers[behavior.name];
      if (!urls) throw new Error(`the buyer farm has no buyer named ${behavior.name}`);
      return {
        ...campaign,
        id: `${behavior.name}-main`,
        buyer_id: behavior.name,
        name: title,
        status: "active",
        // Fixed-price campaigns bid without a ping; they only need somewhere to deliver.
        ...(campaign.pricing.type === "realtime" && {
          ping: { url: urls.ping, timeout_ms: PING_TIMEOUT_MS },
        }),
        post: { url: urls.post, timeout_ms: POST_TIMEOUT_MS },
      };
    }),
  };
  return { config, sources, adminKey };
}

function newKey(kind: string): string {
  return `gvl_demo_${kind}_${randomBytes(16).toString("hex")}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
