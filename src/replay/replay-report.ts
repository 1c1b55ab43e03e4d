// gavel replay's answer: what the period came to as recorded, as the current configuration replays it, and as the
// candidate would have made it, with the candidate's deltas against the current replay (the like-for-like comparison:
// both rest on the same assumptions), in revenue, margin, sell-through and each buyer's volume.
import type { MarketTotals, ReplayTotals } from "./replay.ts";

export interface ReplayComparison {
  recorded: MarketTotals;
  current: ReplayTotals;
  candidate: ReplayTotals;
}

/** The comparison as JSON-friendly figures (the admin API answers this; the CLI prints it). */
export function replaySummary(comparison: ReplayComparison) {
  const figures = (totals: MarketTotals) => ({
    auctions: totals.auctions,
    posted: totals.posted,
    sold: totals.sold,
    sell_through: round(ratio(totals.sold, totals.posted), 4),
    buyer_revenue: totals.buyerCents / 100,
    source_payout: totals.sourceCents / 100,
    margin: (totals.buyerCents - totals.sourceCents) / 100,
  });
  const assumptions = (totals: ReplayTotals) => ({
    assumed_accepts: totals.assumedAccepts,
    unasked_campaigns: totals.unaskedCampaigns,
    newly_quoted: totals.newlyQuoted,
    skipped: totals.skipped,
  });
  const buyerIds = [
    ...new Set([...comparison.current.buyers.keys(), ...comparison.candidate.buyers.keys()]),
  ].sort();
  const now = figures(comparison.current);
  const then = figures(comparison.candidate);
  return {
    recorded: figures(comparison.recorded),
    current: { ...now, ...assumptions(comparison.current) },
    candidate: { ...then, ...assumptions(comparison.candidate) },
    delta: {
      sold: then.sold - now.sold,
      sell_through: round(then.sell_through - now.sell_through, 4),
      buyer_revenue: round(then.buyer_revenue - now.buyer_revenue, 2),
      source_payout: round(then.source_payout - now.source_payout, 2),
      margin: round(then.margin - now.margin, 2),
    },
    buyers: buyerIds.map((buyer_id) => {
      const before = comparison.current.buyers.get(buyer_id) ?? { leads: 0, cents: 0 };
      const after = comparison.candidate.buyers.get(buyer_id) ?? { leads: 0, cents: 0 };
      return {
        buyer_id,
        leads: before.leads,
        candidate_leads: after.leads,
        delta_leads: after.leads - before.leads,
        spend: before.cents / 100,
        candidate_spend: after.cents / 100,
      };
    }),
  };
}

export type ReplaySummary = ReturnType<typeof replaySummary>;

/** The summary as a terminal table. */
export function formatReplaySummary(summary: ReplaySummary): string {
  const rows: [string, string, string, string, string][] = [
    ["", "recorded", "replayed as is", "candidate", "delta"],
    ...(["posted", "sold", "sell_through", "buyer_revenue", "source_payout", "margin"] as const).map(
      (key): [string, string, string, string, string] => [
        key.replace("_", " "),
        show(key, summary.recorded[key]),
        show(key, summary.current[key]),
        show(key, summary.candidate[key]),
        key === "posted" ? "" : show(key, summary.delta[key], true),
      ],
    ),
  ];
  const buyerRows = summary.buyers.map((buyer): [string, string, string, string, string] => [
    `  ${buyer.buyer_id}`,
    "",
    `${buyer.leads} ($${buyer.spend.toFixed(2)})`,
    `${buyer.candidate_leads} ($${buyer.candidate_spend.toFixed(2)})`,
    signed(buyer.delta_leads),
  ]);
  const all = [
    ...rows,
    ["buyers (leads, spend)", "", "", "", ""] as [string, string, string, string, string],
    ...buyerRows,
  ];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...all.map((row) => row[i]!.length)));
  const lines = all.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "),
  );
  const c = summary.candidate;
  lines.push(
    "",
    `assumptions (candidate): ${c.assumed_accepts} posts with no recorded answer taken as accepted, ${c.unasked_campaigns} campaigns` +
      ` eligible now but not asked then (no bid), ${c.newly_quoted} pings quoted now that were never posted, ${c.skipped} auctions` +
      " of a source or vertical it no longer has",
  );
  return lines.join("\n");
}

function show(key: string, value: number, delta = false): string {
  if (key === "sell_through") return `${delta && value > 0 ? "+" : ""}${(value * 100).toFixed(2)}%`;
  if (key === "buyer_revenue" || key === "source_payout" || key === "margin")
    return `${delta && value > 0 ? "+" : ""}${value < 0 ? "-" : ""}$${Math.abs(value).toFixed(2)}`;
  return delta ? signed(value) : String(value);
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
