// Today at a glance: pings, bids and why not, leads won, spend against each budget, cost per signed case, own time.
import { centsToDollars } from "../domain/money.ts";
import { periodStart } from "../domain/rules/periods.ts";
import type { Bidder } from "./bidder.ts";
import { buildReport } from "./bidder-reports.ts";

export function bidderStatus(bidder: Bidder) {
  const now = bidder.now();
  const today = bidder.today();
  const dayStart = periodStart("day", bidder.config.time_zone, now);
  const byCampaign = buildReport(bidder.store, "campaign", dayStart, Number.MAX_SAFE_INTEGER);
  const allTime = buildReport(bidder.store, "campaign", 0, Number.MAX_SAFE_INTEGER);
  const ownTime = bidder.ownTime.percentiles();
  return {
    time_zone: bidder.config.time_zone,
    day: new Date(dayStart).toISOString(),
    pings: today.pings,
    bids: today.bids,
    no_bids: today.noBids,
    won: byCampaign.reduce((sum, row) => sum + row.leads, 0),
    spend: byCampaign.reduce((sum, row) => sum + row.spend, 0),
    own_time_ms: ownTime
      ? {
          pings: ownTime.count,
          p50: round(ownTime.p50Ms),
          p99: round(ownTime.p99Ms),
          max: round(ownTime.maxMs),
        }
      : null,
    campaigns: bidder.config.campaigns.map((campaign) => {
      const todayRow = byCampaign.find((row) => row.key === campaign.id);
      const allRow = allTime.find((row) => row.key === campaign.id);
      return {
        id: campaign.id,
        won_today: todayRow?.leads ?? 0,
        spend_today: todayRow?.spend ?? 0,
        cost_per_signed_case: allRow?.cost_per_signed_case ?? null,
        cost_per_case_target: campaign.cost_per_case_target,
        budgets: bidder.budgetUsage(campaign.id).map((usage) => ({
          period: usage.period,
          period_key: usage.key,
          spent: centsToDollars(usage.spentCents),
          held: centsToDollars(usage.heldCents),
          leads: usage.leads,
          ...(usage.spendLimitCents !== undefined
            ? { spend_limit: centsToDollars(usage.spendLimitCents) }
            : {}),
          ...(usage.leadLimit !== undefined ? { lead_limit: usage.leadLimit } : {}),
        })),
      };
    }),
    crm_deliveries: bidder.store.deliveryCounts(),
  };
}

/** The same numbers as a page a person can leave open (no script; reload to refresh). */
export function statusPage(status: ReturnType<typeof bidderStatus>): string {
  const esc = (value: unknown) =>
    String(value).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const money = (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : `$${value.toFixed(2)}`;
  const rows = status.campaigns
    .map((campaign) => {
      const budgets = campaign.budgets
        .map(
          (b) =>
            `${esc(b.period)}: ${money(b.spent)}${b.spend_limit !== undefined ? ` of ${money(b.spend_limit)}` : ""}` +
            ` (+${money(b.held)} held), ${b.leads}${b.lead_limit !== undefined ? ` of ${b.lead_limit}` : ""} leads`,
        )
        .join("<br>");
      return `<tr><td>${esc(campaign.id)}</td><td>${campaign.won_today}</td><td>${money(campaign.spend_today)}</td>
<td>${budgets || "no budget"}</td><td>${money(campaign.cost_per_signed_case)} (target ${money(campaign.cost_per_case_target)})</td></tr>`;
    })
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Gavel bidder</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body><h1>Gavel bidder — today (${esc(status.time_zone)})</h1>
<p>${status.pings} pings, ${status.bids} bids, ${status.won} won, ${money(status.spend)} spent.
Own time p99: ${status.own_time_ms ? `${status.own_time_ms.p99} ms` : "—"}.
CRM deliveries: ${status.crm_deliveries.delivered} delivered, ${status.crm_deliveries.pending} pending, ${status.crm_deliveries.givenUp} given up.</p>
<table><thead><tr><th>campaign</th><th>won today</th><th>spend today</th><th>budgets</th><th>cost per signed case</th></tr></thead>
<tbody>${rows}</tbody></table></body></html>`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
