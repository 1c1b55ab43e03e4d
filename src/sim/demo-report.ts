// The demo's periodic summary line, formatted from the sources' view and the buyer farm's counters.
import type { BuyerStats } from "./buyer-farm-protocol.ts";
import type { TrafficSummary } from "./traffic-summary.ts";

/**
 * Posts that a winning buyer rejected or failed, from the farm's counters between two readings. Each one makes the
 * exchange try the next bid that still covers the source's price (DESIGN rule 5).
 */
export function postRejectsBetween(
  before: Record<string, BuyerStats>,
  after: Record<string, BuyerStats>,
): number {
  let count = 0;
  for (const [name, now] of Object.entries(after)) {
    const then = before[name];
    count += now.rejected + now.postFaults - (then ? then.rejected + then.postFaults : 0);
  }
  return count;
}

/** Sums every series of a counter in Prometheus text format (`name{labels} value` lines). */
export function sumCounter(metricsText: string, name: string): number {
  let sum = 0;
  for (const line of metricsText.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export interface PostFailures {
  /** Posts a winning buyer rejected or failed (the buyer farm's count). */
  rejected: number;
  /** Leads then sold to another bidder (the exchange's gavel_fallbacks_total). */
  resold: number;
}

export function formatSummaryLine(
  elapsedS: number,
  windowS: number,
  traffic: TrafficSummary,
  posts: PostFailures,
): string {
  const errorCount = [...traffic.errors.values()].reduce((sum, n) => sum + n, 0);
  const topError = [...traffic.errors.entries()].sort((a, b) => b[1] - a[1])[0];
  return [
    `${String(Math.round(elapsedS)).padStart(4)}s`,
    `leads ${(traffic.leads / windowS).toFixed(1)}/s`,
    `pings ${(traffic.pings / windowS).toFixed(1)}/s`,
    `bid ${percent(traffic.bids, traffic.pings)}`,
    `sold ${percent(traffic.sold, traffic.leads)}`,
    `avg ${Number.isNaN(traffic.averagePriceCents) ? "  -   " : dollars(traffic.averagePriceCents)}`,
    `ping p50 ${ms(traffic.pingLatency.p50)} p99 ${ms(traffic.pingLatency.p99)}`,
    `post rejects ${posts.rejected} → resold ${posts.resold}`,
    `errors ${errorCount}${topError ? ` (${topError[0]} ×${topError[1]})` : ""}`,
  ].join("  ");
}

export function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

function percent(part: number, whole: number): string {
  return whole ? `${Math.round((100 * part) / whole)}%`.padStart(4) : "   -";
}

function ms(value: number): string {
  return Number.isNaN(value) ? "  - ms" : `${Math.round(value)} ms`.padStart(6);
}
