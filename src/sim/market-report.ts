// gavel simulate's output: the figures of each scenario derived from its totals, as a table for the terminal and as an
// SVG chart (small multiples: one panel per figure, one bar per scenario), both pure functions of the totals.
import type { ScenarioTotals } from "./market-simulation.ts";

export interface ScenarioFigures {
  id: string;
  title: string;
  offered: number;
  /** Sold / offered. */
  sellThrough: number;
  /** Paid to sources per lead offered (dollars). */
  sellerRevenuePerLead: number;
  /** Paid by buyers per lead bought (dollars). */
  averagePrice: number;
  /** Average price over the first scenario's (the baseline): 0.12 is a 12% premium. */
  pricePremium: number;
  /** Expected cases per lead bought. */
  conversion: number;
  conversionLift: number;
  /** Buyers' cost per expected case (dollars). */
  costPerCase: number;
  /** Sold to the winner at the first post / leads posted with a bid. */
  firstBuyerRate: number;
  /** The exchange's margin over what buyers paid. */
  exchangeMargin: number;
  /** Sold on a bid that honoured the quote below the payout model's margin. */
  honouredSold: number;
  fallbackSold: number;
  /** Of the leads whose winner failed while another bid covered the quote, the share sold all the same. */
  rescueRate: number;
  rescuable: number;
  pingToPostAverageMs: number;
  pingToPostP10Ms: number;
  pingToPostP90Ms: number;
  sellerRevenueLift: number;
  /** Leads the capped buyers bought over their caps' sum. */
  capFill: number;
  cappedOutcomes: number;
  heldOutcomes: number;
}

/** The figures of each scenario; rates relative to the first scenario (the baseline). */
export function scenarioFigures(results: readonly ScenarioTotals[]): ScenarioFigures[] {
  const figures = results.map(absoluteFigures);
  const base = figures[0];
  return figures.map((f) => ({
    ...f,
    pricePremium: base && base.averagePrice > 0 ? f.averagePrice / base.averagePrice - 1 : 0,
    conversionLift: base && base.conversion > 0 ? f.conversion / base.conversion - 1 : 0,
    sellerRevenueLift:
      base && base.sellerRevenuePerLead > 0 ? f.sellerRevenuePerLead / base.sellerRevenuePerLead - 1 : 0,
  }));
}

function absoluteFigures(t: ScenarioTotals): ScenarioFigures {
  const times = [...t.pingToPostMs].sort((a, b) => a - b);
  const capped = t.buyers.filter((buyer) => buyer.cap !== undefined);
  const capSum = capped.reduce((sum, buyer) => sum + buyer.cap!, 0);
  return {
    id: t.scenario.id,
    title: t.scenario.title,
    offered: t.offered,
    sellThrough: ratio(t.sold, t.offered),
    sellerRevenuePerLead: ratio(t.sourceCents, t.offered) / 100,
    averagePrice: ratio(t.buyerCents, t.sold) / 100,
    pricePremium: 0,
    conversion: ratio(t.expectedCases, t.sold),
    conversionLift: 0,
    costPerCase: ratio(t.buyerCents, t.expectedCases) / 100,
    firstBuyerRate: ratio(t.firstBuyer, t.withBid),
    exchangeMargin: ratio(t.buyerCents - t.sourceCents, t.buyerCents),
    honouredSold: t.honouredSold,
    fallbackSold: t.fallbackSold,
    rescueRate: ratio(t.rescued, t.rescuable),
    rescuable: t.rescuable,
    pingToPostAverageMs: ratio(
      times.reduce((sum, ms) => sum + ms, 0),
      times.length,
    ),
    pingToPostP10Ms: percentile(times, 0.1),
    pingToPostP90Ms: percentile(times, 0.9),
    sellerRevenueLift: 0,
    capFill: ratio(
      capped.reduce((sum, buyer) => sum + buyer.bought, 0),
      capSum,
    ),
    cappedOutcomes: t.cappedOutcomes,
    heldOutcomes: t.heldOutcomes,
  };
}

/** The table printed in the terminal (and pasted in docs/market-mechanics.md). */
export function formatFiguresTable(figures: readonly ScenarioFigures[]): string {
  const columns: [string, (f: ScenarioFigures) => string][] = [
    ["scenario", (f) => f.id],
    ["leads", (f) => String(f.offered)],
    ["sold", (f) => pct(f.sellThrough)],
    ["seller $/lead", (f) => `${money(f.sellerRevenuePerLead)} ${signed(f.sellerRevenueLift)}`],
    ["price", (f) => `${money(f.averagePrice)} ${signed(f.pricePremium)}`],
    ["conversion", (f) => `${pct(f.conversion)} ${signed(f.conversionLift)}`],
    ["cost/case", (f) => money(f.costPerCase)],
    ["1st buyer", (f) => pct(f.firstBuyerRate)],
    ["fallback", (f) => `${f.fallbackSold} (${f.honouredSold} hq)`],
    ["rescued", (f) => `${pct(f.rescueRate)} of ${f.rescuable}`],
    ["margin", (f) => pct(f.exchangeMargin)],
    [
      "ping→post ms",
      (f) =>
        f.pingToPostAverageMs
          ? `${Math.round(f.pingToPostAverageMs)} (${Math.round(f.pingToPostP10Ms)}–${Math.round(f.pingToPostP90Ms)})`
          : "—",
    ],
    ["cap fill", (f) => pct(f.capFill)],
    ["capped/held", (f) => `${f.cappedOutcomes}/${f.heldOutcomes}`],
  ];
  const cells = [columns.map(([name]) => name), ...figures.map((f) => columns.map(([, cell]) => cell(f)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(cells[0]!),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

const PANELS: { title: string; value: (f: ScenarioFigures) => number; label: (v: number) => string }[] = [
  { title: "Seller revenue per lead ($)", value: (f) => f.sellerRevenuePerLead, label: money },
  { title: "Sell-through", value: (f) => f.sellThrough, label: pct },
  { title: "Price per lead bought ($)", value: (f) => f.averagePrice, label: money },
  { title: "Buyer conversion (cases per lead)", value: (f) => f.conversion, label: pct },
  { title: "Buyer cost per case ($)", value: (f) => f.costPerCase, label: (v) => `$${Math.round(v)}` },
  { title: "First-buyer delivery", value: (f) => f.firstBuyerRate, label: pct },
  { title: "Exchange margin", value: (f) => f.exchangeMargin, label: pct },
  { title: "Capped buyers' cap filled", value: (f) => f.capFill, label: pct },
];

const COLORS = ["#8c8c8c", "#d98c3f", "#3f7fbf", "#3fa66b", "#a05fbf", "#bf3f5f"];

/** An SVG chart of the figures: one panel per figure, one bar per scenario, a legend naming the scenarios. */
export function figuresSvg(figures: readonly ScenarioFigures[], subtitle: string): string {
  const columns = 4;
  const panelWidth = 260;
  const panelHeight = 200;
  const top = 90;
  const rows = Math.ceil(PANELS.length / columns);
  const width = columns * panelWidth + 20;
  const height = top + rows * panelHeight + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>Gavel market simulation: ${escapeXml(subtitle)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="30" font-size="20" font-weight="bold" fill="#222">Gavel market simulation</text>`,
    `<text x="20" y="52" font-size="13" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  figures.forEach((f, i) => {
    const x = 20 + i * 250;
    parts.push(
      `<rect x="${x}" y="66" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${x + 18}" y="77" font-size="12" fill="#333">${escapeXml(f.title)}</text>`,
    );
  });
  PANELS.forEach((panel, p) => {
    const px = 10 + (p % columns) * panelWidth;
    const py = top + Math.floor(p / columns) * panelHeight;
    const values = figures.map(panel.value);
    const max = Math.max(...values, 1e-9);
    const chartTop = py + 40;
    const chartHeight = panelHeight - 75;
    const barWidth = Math.min(44, (panelWidth - 40) / Math.max(1, figures.length) - 10);
    parts.push(
      `<text x="${px + 10}" y="${py + 22}" font-size="13" font-weight="bold" fill="#222">${escapeXml(panel.title)}</text>`,
      `<line x1="${px + 10}" y1="${chartTop + chartHeight}" x2="${px + panelWidth - 20}" y2="${chartTop + chartHeight}" stroke="#999"/>`,
    );
    values.forEach((value, i) => {
      const h = Math.max(0, (value / max) * chartHeight);
      const bx = px + 20 + i * (barWidth + 12);
      const by = chartTop + chartHeight - h;
      parts.push(
        `<rect x="${bx}" y="${by.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
        `<text x="${bx + barWidth / 2}" y="${(by - 4).toFixed(1)}" font-size="11" text-anchor="middle" fill="#222">${escapeXml(panel.label(value))}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : 0;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

function signed(value: number): string {
  if (value === 0) return "";
  return `(${value > 0 ? "+" : ""}${(value * 100).toFixed(0)}%)`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
