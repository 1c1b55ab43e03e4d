// The market gavel simulate builds from first principles, pure: what a personal-injury lead is worth to each law firm
// (its quality read from the ping's non-PII fields, times a part no ping shows), how a firm turns that into a bid,
// and the keyed random draws that make a run repeatable whatever order the exchange asks its questions in.
import type { LeadValues } from "../domain/vertical.ts";
import type { Latency } from "./buyer-behavior.ts";

/** How a firm turns its estimate of a lead's worth into a bid. */
export type BidStrategy =
  /** Bids its maximum: `bid_multiplier` × cost-per-case target × estimated conversion. */
  | "max"
  /** Bids 70% of its maximum, accepting to lose some leads to pay less for the others. */
  | "shade";

export interface MarketBuyer {
  id: string;
  name: string;
  /** States the firm is licensed in: an exchange-side filter (pre-purchase filtering). */
  states: readonly string[];
  /** Leads below this injury severity are filtered out by the exchange, when set. */
  minSeverity?: number;
  /** Share of the leads it buys that sign as cases, for a lead of quality 1 (its intake's skill). */
  baseConversion: number;
  /** What it aims to pay per signed case (dollars). */
  costPerCaseTarget: number;
  /** Its maximum bid is this many times target × estimated conversion (seed practice: 1.5 to 2). */
  bidMultiplier: number;
  strategy: BidStrategy;
  /** It does not bid below this (dollars): leads worth less are not worth its intake's call. */
  minBid: number;
  latencyMs: Latency;
  postLatencyMs: Latency;
  /** Probability a post is rejected (contact fails its own checks, already a client...). */
  postRejectRate: number;
  /** Daily lead cap as a share of the run's pings, when capped. */
  dailyCapShare?: number;
  /** Daily spend budget as dollars per ping of the run, when budgeted. */
  dailyBudgetPerPing?: number;
}

/** Leads from a source: how it is paid, and how often it posts a lead it was quoted for (it pings other exchanges). */
export interface MarketSource {
  id: string;
  name: string;
  payout: { model: "revenue_share"; percent: number } | { model: "margin"; amount: number };
  /** Share of the run's leads that come from this source. */
  trafficShare: number;
  /** Probability it posts a winning ping here: 1 posts everything, 0.2 posts one in five (its ping-to-post ratio). */
  postRate: number;
  /** Its own turn-around between our bid and its post. */
  postDelayMs: Latency;
}

export const MARKET_BUYERS: readonly MarketBuyer[] = [
  {
    id: "pacific-injury",
    name: "Pacific Injury Law (west coast, takes everything)",
    states: ["CA", "WA", "AZ", "NV", "CO"],
    baseConversion: 0.3,
    costPerCaseTarget: 450,
    bidMultiplier: 1.8,
    strategy: "max",
    minBid: 12,
    latencyMs: { median: 70, p99: 260 },
    postLatencyMs: { median: 60, p99: 300 },
    postRejectRate: 0.04,
    dailyCapShare: 0.06,
  },
  {
    id: "lone-star",
    name: "Lone Star Accident Attorneys (TX, severe injuries)",
    states: ["TX", "OK", "LA"],
    minSeverity: 4,
    baseConversion: 0.34,
    costPerCaseTarget: 520,
    bidMultiplier: 2,
    strategy: "max",
    minBid: 15,
    latencyMs: { median: 110, p99: 340 },
    postLatencyMs: { median: 80, p99: 400 },
    postRejectRate: 0.05,
    dailyCapShare: 0.04,
  },
  {
    id: "atlantic-legal",
    name: "Atlantic Legal Group (east coast)",
    states: ["NY", "NJ", "PA", "FL", "GA", "NC"],
    baseConversion: 0.28,
    costPerCaseTarget: 480,
    bidMultiplier: 1.6,
    strategy: "shade",
    minBid: 10,
    latencyMs: { median: 90, p99: 280 },
    postLatencyMs: { median: 70, p99: 350 },
    postRejectRate: 0.06,
    dailyBudgetPerPing: 4,
  },
  {
    id: "midwest-claims",
    name: "Midwest Claims Partners (midwest)",
    states: ["IL", "OH", "MI", "IN", "WI", "MN"],
    baseConversion: 0.26,
    costPerCaseTarget: 400,
    bidMultiplier: 1.5,
    strategy: "shade",
    minBid: 8,
    latencyMs: { median: 60, p99: 220 },
    postLatencyMs: { median: 50, p99: 250 },
    postRejectRate: 0.05,
  },
  {
    id: "national-case",
    name: "National Case Network (all states, aggregator)",
    states: ["CA", "TX", "FL", "NY", "IL", "PA", "OH", "GA", "NC", "MI", "AZ", "WA", "NJ", "CO", "NV"],
    baseConversion: 0.2,
    costPerCaseTarget: 380,
    bidMultiplier: 1.5,
    strategy: "shade",
    minBid: 6,
    latencyMs: { median: 140, p99: 420 },
    postLatencyMs: { median: 120, p99: 600 },
    postRejectRate: 0.08,
  },
  {
    id: "catastrophic-trial",
    name: "Catastrophic Injury Trial Lawyers (severity 7+, all states)",
    states: ["CA", "TX", "FL", "NY", "IL", "PA", "GA", "AZ", "NJ", "WA"],
    minSeverity: 7,
    baseConversion: 0.38,
    costPerCaseTarget: 700,
    bidMultiplier: 1.7,
    strategy: "max",
    minBid: 25,
    latencyMs: { median: 160, p99: 480 },
    postLatencyMs: { median: 100, p99: 500 },
    postRejectRate: 0.05,
    dailyCapShare: 0.03,
  },
  {
    id: "golden-state",
    name: "Golden State Injury Lawyers (CA)",
    states: ["CA"],
    baseConversion: 0.29,
    costPerCaseTarget: 500,
    bidMultiplier: 1.7,
    strategy: "shade",
    minBid: 12,
    latencyMs: { median: 50, p99: 200 },
    postLatencyMs: { median: 50, p99: 250 },
    postRejectRate: 0.05,
  },
  {
    id: "sunshine-accident",
    name: "Sunshine Accident Law (FL, GA, TX, NY)",
    states: ["FL", "GA", "TX", "NY"],
    minSeverity: 3,
    baseConversion: 0.27,
    costPerCaseTarget: 460,
    bidMultiplier: 1.6,
    strategy: "max",
    minBid: 10,
    latencyMs: { median: 120, p99: 450 },
    postLatencyMs: { median: 90, p99: 450 },
    postRejectRate: 0.07,
  },
];

export const MARKET_SOURCES: readonly MarketSource[] = [
  {
    id: "publisher",
    name: "Own-site publisher (revenue share 80%, posts every quote)",
    payout: { model: "revenue_share", percent: 80 },
    trafficShare: 0.4,
    postRate: 1,
    postDelayMs: { median: 40, p99: 160 },
  },
  {
    id: "aggregator",
    name: "Affiliate aggregator ($8 margin, pings five exchanges, posts one in five quotes here)",
    payout: { model: "margin", amount: 8 },
    trafficShare: 0.6,
    postRate: 0.2,
    postDelayMs: { median: 60, p99: 240 },
  },
];

const LIABILITY_FACTOR: Record<string, number> = { clear: 1, unclear: 0.55, disputed: 0.2 };

/**
 * What the ping tells about a lead's chance to become a case, 0..1: severity, liability, how recent the accident is and
 * whether the other party is insured (someone to recover from). What the buyers estimate from, and all they see.
 */
export function observableQuality(lead: LeadValues): number {
  const severity = Math.min(10, Math.max(1, Number(lead["injury_severity"] ?? 1)));
  const liability = LIABILITY_FACTOR[String(lead["liability"])] ?? 0.5;
  const days = Number(lead["days_since_accident"] ?? 0);
  const freshness = Math.exp(-Math.max(0, days) / 240);
  const recoverable = lead["other_party_insured"] === false ? 0.45 : 1;
  return (severity / 10) ** 0.8 * liability * freshness * recoverable;
}

/** A buyer's estimate of its conversion on a lead, from the ping alone. */
export function estimatedConversion(buyer: MarketBuyer, lead: LeadValues): number {
  return Math.min(0.9, buyer.baseConversion * observableQuality(lead));
}

/** The lead's part no ping shows (does the consumer pick up, really want a lawyer): mean 1, from 0.4 to 1.6. */
export function hiddenIntent(seed: number, leadIndex: number): number {
  return 0.4 + 1.2 * keyedDraw(seed, leadIndex, 0, DRAW.intent);
}

/** The true conversion: the estimate times the hidden part. */
export function trueConversion(buyer: MarketBuyer, lead: LeadValues, intent: number): number {
  return Math.min(0.95, estimatedConversion(buyer, lead) * intent);
}

/**
 * What the firm bids, in cents, or undefined for no bid. The maximum is `bidMultiplier` × target × estimated
 * conversion (seed practice: 1.5 to 2× the cost-per-case target × conversion); a shading firm bids 70% of it.
 * Each firm's bids end in its own residue modulo the number of firms, so two firms never tie: a tie would be broken by
 * a hash of the exchange's random auction id, and the same seed must give the same table.
 */
export function bidCents(buyer: MarketBuyer, buyerIndex: number, lead: LeadValues): number | undefined {
  const dollars = worthDollars(buyer, estimatedConversion(buyer, lead));
  if (dollars < buyer.minBid) return undefined;
  return untied(dollars, buyerIndex);
}

/** What a lead of this estimated conversion is worth bidding to the firm, by its strategy (dollars). */
function worthDollars(buyer: MarketBuyer, conversion: number): number {
  const maxDollars = buyer.bidMultiplier * buyer.costPerCaseTarget * conversion;
  return buyer.strategy === "max" ? maxDollars : maxDollars * SHADE;
}

const SHADE = 0.7;

/** Cents in the firm's own residue class modulo the number of firms: two firms never offer the same price. */
function untied(dollars: number, buyerIndex: number): number {
  const firms = MARKET_BUYERS.length;
  return Math.floor(Math.round(dollars * 100) / firms) * firms + buyerIndex;
}

/** Whether a lead passes the firm's filters (the exchange applies them as campaign filters; this is the firm's view). */
export function wants(buyer: MarketBuyer, lead: LeadValues): boolean {
  return (
    buyer.states.includes(String(lead["state"])) &&
    (buyer.minSeverity === undefined || Number(lead["injury_severity"]) >= buyer.minSeverity)
  );
}

/**
 * The firm's fixed price per lead when it cannot see a lead before buying it: what its strategy bids for the average
 * lead its filters let through (its average estimated conversion over a reference sample of leads), in cents. A fixed
 * price is then the same rule as a bid, applied without the ping's information.
 */
export function fixedPriceCents(
  buyer: MarketBuyer,
  buyerIndex: number,
  sample: readonly LeadValues[],
): number {
  const taken = sample.filter((lead) => wants(buyer, lead));
  const average =
    taken.reduce((sum, lead) => sum + estimatedConversion(buyer, lead), 0) / Math.max(1, taken.length);
  return untied(worthDollars(buyer, average), buyerIndex);
}

/** Independent purposes of a keyed draw, so adding one never shifts the others. */
export const DRAW = {
  intent: 1,
  source: 2,
  posts: 3,
  pingLatency: 4,
  postLatency: 5,
  postReject: 6,
  postDelay: 7,
  lead: 8,
} as const;

/**
 * A uniform draw in [0, 1) keyed by the seed, the lead, the buyer and the purpose: the same key always draws the same
 * number, whichever buyer the exchange asks first or however often it falls back.
 */
export function keyedDraw(seed: number, leadIndex: number, buyerIndex: number, purpose: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = mix(h ^ leadIndex);
  h = mix(h ^ Math.imul(buyerIndex + 1, 0xc2b2ae35));
  h = mix(h ^ Math.imul(purpose, 0x27d4eb2f));
  return (h >>> 0) / 4294967296;
}

/** A lognormal delay keyed like `keyedDraw`: most near the median, a long right tail to the 99th percentile. */
export function keyedLatencyMs(latency: Latency, draw: () => number): number {
  if (typeof latency === "number") return latency;
  const sigma = latency.p99 > latency.median ? Math.log(latency.p99 / latency.median) / 2.3263 : 0;
  const u = 1 - draw();
  const v = draw();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.round(latency.median * Math.exp(sigma * normal));
}

/** A stream of keyed draws for one (lead, buyer, purpose): for a value that needs more than one draw. */
export function keyedStream(
  seed: number,
  leadIndex: number,
  buyerIndex: number,
  purpose: number,
): () => number {
  let step = 0;
  return () => keyedDraw(seed, leadIndex, buyerIndex, purpose * 1000 + step++);
}

function mix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
