// How a simulated buyer behaves: how often and how much it bids, how fast it answers, and how it misbehaves.
// Pure: sampling takes its random source as an argument so tests can make it deterministic.
import type { Random } from "./random.ts";

/** Ways a buyer endpoint can fail, each one a failure real buyer endpoints produce in production. */
export type BuyerFault =
  /** Never answer; keep the socket open until the client gives up. */
  | "hang"
  /** Drop the TCP connection without a response. */
  | "reset"
  /** HTTP 200 with an HTML body instead of JSON. */
  | "garbage"
  /** HTTP 200 with a ~10 MB body, to test response size caps. */
  | "huge"
  /** HTTP 500. */
  | "error500";

export const BUYER_FAULTS: readonly BuyerFault[] = ["hang", "reset", "garbage", "huge", "error500"];

/** A delay in milliseconds: a constant, or a lognormal distribution given by its median and 99th percentile. */
export type Latency = number | { median: number; p99: number };

export interface BuyerBehavior {
  /** Names the buyer in URLs, recorded requests and stats, e.g. "fast-bidder". */
  name: string;
  /** Probability (0..1) of bidding on a ping. */
  bidRate: number;
  /** Bid price range in decimal dollars: uniform, rounded to cents. */
  price: [number, number];
  /** Delay before answering a ping. */
  latencyMs: Latency;
  /** Probability (0..1) that a post is accepted. */
  postAcceptRate: number;
  /** Delay before answering a post (default 20 ms). */
  postLatencyMs?: number;
  /** Misbehaviour on pings. */
  fault?: BuyerFault;
  /** Probability of the fault per ping (default 1 when `fault` is set). */
  faultRate?: number;
  /** Misbehaviour on every post when set. */
  postFault?: BuyerFault;
  /** Sent as `expires_in_s` in bids. */
  expiresInS?: number;
  /** Answer a no-bid with HTTP 204 instead of `{bid: false}`. */
  noBidAs204?: boolean;
  /** Never bid on leads from these states (buyer-side targeting the exchange does not know about). */
  noBidStates?: string[];
}

export const DEFAULT_POST_LATENCY_MS = 20;

/** Draws one delay. A lognormal fits real endpoint latencies: most answers near the median, a long right tail. */
export function sampleLatencyMs(latency: Latency, random: Random = Math.random): number {
  if (typeof latency === "number") return latency;
  const { median, p99 } = latency;
  if (median <= 0) return 0;
  // ln(X) ~ N(ln(median), sigma²) and p99 = median · e^(2.326·sigma).
  const sigma = p99 > median ? Math.log(p99 / median) / Z_99 : 0;
  return median * Math.exp(sigma * standardNormal(random));
}

/** Draws a bid price in dollars, uniform over the range and rounded to cents. */
export function samplePrice([low, high]: [number, number], random: Random = Math.random): number {
  return Math.round((low + (high - low) * random()) * 100) / 100;
}

/**
 * Checks a behaviour received as JSON (from the environment or the control API).
 * Returns a message naming the first problem, or undefined when it is usable.
 */
export function behaviorProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "a buyer behaviour must be an object";
  const b = value as Partial<BuyerBehavior>;
  if (typeof b.name !== "string" || !/^[a-z0-9][a-z0-9_-]*$/i.test(b.name)) {
    return "name must be letters, digits, _ or -";
  }
  const at = `buyer ${b.name}:`;
  if (!isProbability(b.bidRate)) return `${at} bidRate must be between 0 and 1`;
  if (!isProbability(b.postAcceptRate)) return `${at} postAcceptRate must be between 0 and 1`;
  if (b.faultRate !== undefined && !isProbability(b.faultRate))
    return `${at} faultRate must be between 0 and 1`;
  if (!Array.isArray(b.price) || b.price.length !== 2 || !(b.price[0] <= b.price[1]) || !(b.price[0] >= 0)) {
    return `${at} price must be [low, high] dollars`;
  }
  const latency = b.latencyMs;
  const latencyOk =
    typeof latency === "number"
      ? latency >= 0
      : typeof latency === "object" &&
        latency !== null &&
        latency.median >= 0 &&
        latency.p99 >= latency.median;
  if (!latencyOk) return `${at} latencyMs must be a number or {median, p99} with p99 >= median`;
  for (const fault of [b.fault, b.postFault]) {
    if (fault !== undefined && !BUYER_FAULTS.includes(fault)) return `${at} unknown fault ${String(fault)}`;
  }
  return undefined;
}

const Z_99 = 2.3263;

function isProbability(value: unknown): boolean {
  return typeof value === "number" && value >= 0 && value <= 1;
}

/** Box–Muller transform: one standard normal draw from two uniform ones. */
function standardNormal(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
