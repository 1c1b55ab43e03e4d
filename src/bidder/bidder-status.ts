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
    /** Where each bought lead goes besides the store: the firm's CRM webhook and/or e-mail. */
    delivery_channels: [
      ...(bidder.config.crm_webhook ? ["webhook"] : []),
      ...(bidder.config.crm_email ? ["email"] : []),
    ],
  };
}

/** The same numbers as a page a person can leave open (no script; reload to refresh), readable on a phone. */
export function statusPage(status: ReturnType<typeof bidderStatus>): string {
  const esc = (value: unknown) =>
    String(value).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const money = (value: number | null | undefined) =>
    value === null || value === undefined
      ? "—"
      : `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const tile = (label: string, value: string, note = "") =>
    `<div class="tile"><div class="label">${esc(label)}</div><div class="value">${value}</div>${note ? `<div class="note">${note}</div>` : ""}</div>`;
  const noBids = Object.entries(status.no_bids).sort(([, a], [, b]) => b - a);
  const campaigns = status.campaigns
    .map((campaign) => {
      const budgets = campaign.budgets
        .map((b) => {
          const limit = b.spend_limit;
          const spentShare = limit ? Math.min(100, (b.spent / limit) * 100) : 0;
          const heldShare = limit ? Math.min(100 - spentShare, (b.held / limit) * 100) : 0;
          const leads = `${b.leads}${b.lead_limit !== undefined ? ` of ${b.lead_limit}` : ""} leads`;
          return `<div class="budget"><div class="row"><span>This ${esc(b.period)}</span><span>${money(b.spent)}${
            limit !== undefined ? ` of ${money(limit)}` : ""
          }</span></div>${
            limit !== undefined
              ? `<div class="bar" role="img" aria-label="${esc(`${Math.round(spentShare)}% spent, ${Math.round(heldShare)}% held by open bids`)}"><span class="spent" style="width:${spentShare.toFixed(1)}%"></span><span class="held" style="width:${heldShare.toFixed(1)}%"></span></div>`
              : ""
          }<div class="row small"><span>${leads}</span><span>${b.held > 0 ? `${money(b.held)} held by open bids` : "no open bids"}</span></div></div>`;
        })
        .join("");
      const cost = campaign.cost_per_signed_case;
      const over = cost !== null && cost > campaign.cost_per_case_target;
      return `<section class="card"><h2>${esc(campaign.id)}</h2>
<div class="tiles">${tile("Won today", String(campaign.won_today))}${tile("Spent today", money(campaign.spend_today))}${tile(
        "Cost per signed case",
        `<span class="${cost === null ? "" : over ? "bad" : "good"}">${money(cost)}</span>`,
        `all time · target ${money(campaign.cost_per_case_target)}${cost === null ? " · no case signed yet" : over ? " · over target" : " · within target"}`,
      )}</div>
${budgets || '<p class="small">No budget set.</p>'}</section>`;
    })
    .join("\n");
  const own = status.own_time_ms;
  const deliveries = status.crm_deliveries;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Gavel bidder — today</title>
<style>
:root{color-scheme:light;--ink:#1d2330;--muted:#5b6475;--line:#e3e6ec;--spent:#2f6fdb;--held:#9dbcf0;--good:#1b7f4b;--bad:#b3261e}
*{box-sizing:border-box}body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:#f5f6f8;margin:0;padding:16px}
main{max-width:960px;margin:0 auto}h1{font-size:1.35rem;margin:0 0 2px}h2{font-size:1.1rem;margin:0 0 12px;overflow-wrap:anywhere}
.sub{color:var(--muted);margin:0 0 16px;font-size:.9rem}.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px;margin-bottom:12px}
.tile{background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px 12px}.label{color:var(--muted);font-size:.8rem}
.value{font-size:1.35rem;font-weight:600;font-variant-numeric:tabular-nums}.note{color:var(--muted);font-size:.78rem}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:14px;margin:12px 0}.card .tile{background:#fafbfc}
.budget{margin-top:10px}.row{display:flex;justify-content:space-between;gap:8px;font-variant-numeric:tabular-nums}
.small{font-size:.82rem;color:var(--muted)}.bar{display:flex;height:10px;background:#edf0f4;border-radius:5px;overflow:hidden;margin:4px 0}
.bar .spent{background:var(--spent)}.bar .held{background:var(--held)}.good{color:var(--good)}.bad{color:var(--bad)}
ul{margin:4px 0 0;padding-left:18px}li{font-variant-numeric:tabular-nums}
</style></head><body><main>
<h1>Your bidder today</h1><p class="sub">${esc(new Date(status.day).toLocaleDateString("en-US", { timeZone: status.time_zone, weekday: "long", month: "long", day: "numeric" }))} · ${esc(status.time_zone)} · reload to refresh</p>
<div class="tiles">${tile("Pings", String(status.pings))}${tile("Bids", String(status.bids), status.pings ? `${Math.round((status.bids / status.pings) * 100)}% of pings` : "")}${tile("Won", String(status.won))}${tile("Spent", money(status.spend))}${tile(
    "Own time p99",
    own ? `<span class="${own.p99 < 50 ? "good" : "bad"}">${own.p99} ms</span>` : "—",
    own ? `p50 ${own.p50} ms · ${own.pings} pings` : "no pings yet",
  )}</div>
${campaigns}
<section class="card"><h2>Why no bid</h2>${
    noBids.length
      ? `<ul>${noBids.map(([reason, count]) => `<li>${esc(reason)}: ${count}</li>`).join("")}</ul>`
      : '<p class="small">Every ping today got a bid.</p>'
  }</section>
<section class="card"><h2>Deliveries to your CRM</h2><p class="small">${
    status.delivery_channels.length
      ? `By ${status.delivery_channels.join(" and ")}: ${deliveries.delivered} delivered · ${deliveries.pending} waiting · ${deliveries.givenUp} given up`
      : "None set up: bought leads are kept here only (set crm_webhook or crm_email)."
  }</p></section>
</main></body></html>`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
