// Turns the simulated sources' per-lead results into the numbers an operator watches.
import { type LatencySummary, summarizeLatencies } from "./latency-stats.ts";
import type { LeadResult } from "./source-sim.ts";

export interface TrafficSummary {
  leads: number;
  /** Pings sent (ping → post leads only; a direct post's internal fan-out is not a seller ping). */
  pings: number;
  /** Pings the exchange answered with a bid. */
  bids: number;
  directs: number;
  sold: number;
  /** Leads the exchange refused or could not answer, by reason. */
  errors: Map<string, number>;
  /** Average paid to the source per sold lead, in cents (NaN when nothing sold). */
  averagePriceCents: number;
  /** Seller-visible latency of `POST /v1/ping`. */
  pingLatency: LatencySummary;
}

export function summarizeTraffic(results: readonly LeadResult[]): TrafficSummary {
  let pings = 0;
  let bids = 0;
  let directs = 0;
  let sold = 0;
  let soldCents = 0;
  const errors = new Map<string, number>();
  const pingLatencies: number[] = [];
  for (const result of results) {
    if (result.mode === "direct") directs++;
    if (result.pingMs !== undefined) {
      pings++;
      pingLatencies.push(result.pingMs);
    }
    if (result.pingStatus === "bid") bids++;
    if (result.status === "sold") {
      sold++;
      soldCents += result.priceCents;
    }
    if (result.status === "error") {
      const reason = result.reason ?? "unknown";
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
    }
  }
  return {
    leads: results.length,
    pings,
    bids,
    directs,
    sold,
    errors,
    averagePriceCents: sold ? soldCents / sold : Number.NaN,
    pingLatency: summarizeLatencies(pingLatencies),
  };
}
