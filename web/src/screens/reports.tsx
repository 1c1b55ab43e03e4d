// The operator's reports (GET /v1/admin/reports): a date range in the operator's time zone (today, yesterday, the
// last 7 or 30 days, or custom days), grouped by one dimension and optionally a second, with the money columns,
// sortable, a revenue bar per row, totals, and CSV export. Yesterday by source is what it opens on, so "what did each
// source earn us yesterday" is one click and each buyer two; the alerts above the report say which buyer is in trouble
// right now.
import { useState } from "react";
import type { Report, ReportGroup } from "../../../src/http/report-schemas.ts";
import { get, money } from "../api.ts";
import { useData } from "../use-data.ts";
import { Alerts } from "./alerts.tsx";
import { Problem } from "./common.tsx";
import { type ChartPeriod, ReportChart } from "./report-chart.tsx";
import { addDays, browserTimeZone, dateIn, isTimeZone, startOfDay } from "./time-zones.ts";

const DIMENSIONS = {
  source: { label: "source", key: "source_id" },
  sub_id: { label: "sub-id", key: "sub_id" },
  buyer: { label: "buyer", key: "buyer_id" },
  campaign: { label: "campaign", key: "campaign_id" },
  vertical: { label: "vertical", key: "vertical" },
  hour: { label: "hour", key: "hour" },
  day: { label: "day", key: "day" },
} as const;
type Dimension = keyof typeof DIMENSIONS;

const PRESETS = ["today", "yesterday", "last 7 days", "last 30 days", "custom"] as const;
type Preset = (typeof PRESETS)[number];

/** The figures this screen reads of a report group, which its totals row has too (the rest is optional there). */
type Group = Pick<
  ReportGroup,
  "pings" | "posts" | "sold" | "revenue" | "payouts" | "margin" | "returns" | "earnings_per_lead"
> &
  Partial<ReportGroup>;

interface Column {
  id: string;
  label: string;
  value: (group: Group) => number | null;
  show: (value: number | null) => string;
  /** Shown for buyer or campaign groupings only (the figure is the buyer's side). */
  buyerSide?: boolean;
  /** An average the groups' figures cannot be summed into: no total. */
  noTotal?: boolean;
}

const count = (value: number | null) => (value === null ? "—" : value.toLocaleString("en-US"));
const percent = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);
const ms = (value: number | null) => (value === null ? "—" : `${value} ms`);

const COLUMNS: readonly Column[] = [
  { id: "pings", label: "pings", value: (g) => g.pings, show: count },
  { id: "posts", label: "leads", value: (g) => g.posts, show: count },
  { id: "sold", label: "sold", value: (g) => g.sold, show: count },
  { id: "sold_pct", label: "sold %", value: (g) => (g.posts ? g.sold / g.posts : null), show: percent },
  { id: "revenue", label: "revenue", value: (g) => g.revenue, show: money },
  { id: "payouts", label: "payout", value: (g) => g.payouts, show: money },
  { id: "margin", label: "margin", value: (g) => g.margin, show: money },
  { id: "epl", label: "per lead", value: (g) => g.earnings_per_lead, show: money },
  { id: "returns", label: "returns", value: (g) => g.returns, show: count },
  {
    id: "ping_to_post",
    label: "ping→post",
    value: (g) => g.avg_ping_to_post_ms ?? null,
    show: ms,
    noTotal: true,
  },
  { id: "p50", label: "p50", value: (g) => g.latency_ms?.p50 ?? null, show: ms, buyerSide: true },
  { id: "p99", label: "p99", value: (g) => g.latency_ms?.p99 ?? null, show: ms, buyerSide: true },
  { id: "timeouts", label: "timeouts", value: (g) => g.timeouts ?? null, show: count, buyerSide: true },
];

/** [from, to) as local days in the zone: the preset's, or the custom days (both included). */
function rangeOf(preset: Preset, timeZone: string, custom: { from: string; to: string }) {
  const today = dateIn(Date.now(), timeZone);
  const [first, last] =
    preset === "today"
      ? [today, today]
      : preset === "yesterday"
        ? [addDays(today, -1), addDays(today, -1)]
        : preset === "last 7 days"
          ? [addDays(today, -6), today]
          : preset === "last 30 days"
            ? [addDays(today, -29), today]
            : [custom.from, custom.to];
  return { first, last, from: startOfDay(first, timeZone), to: startOfDay(addDays(last, 1), timeZone) };
}

export function Reports() {
  const [preset, setPreset] = useState<Preset>("yesterday");
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [zoneInput, setZoneInput] = useState(timeZone);
  const today = dateIn(Date.now(), timeZone);
  const [custom, setCustom] = useState({ from: addDays(today, -7), to: today });
  const [groupBy, setGroupBy] = useState<Dimension>("source");
  const [thenBy, setThenBy] = useState<Dimension | "">("");
  const [sort, setSort] = useState<{ column: string; direction: "desc" | "asc" }>({
    column: "revenue",
    direction: "desc",
  });
  const range = rangeOf(preset, timeZone, custom);
  const dimensions = [groupBy, ...(thenBy && thenBy !== groupBy ? [thenBy] : [])];
  const query = new URLSearchParams({
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    group_by: dimensions.join(","),
    time_zone: timeZone,
  }).toString();
  const report = useData(query, () =>
    range.from < range.to
      ? get<Report>(`/v1/admin/reports?${query}`)
      : Promise.reject(new Error("The range ends before it starts.")),
  );
  // The chart: revenue and margin over the same range, by the hour for a day or two, else by the local day.
  const hourly = range.to - range.from <= 2 * DAY_MS + HOUR_MS;
  const chartQuery = new URLSearchParams({
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    group_by: hourly ? "hour" : "day",
    time_zone: timeZone,
  }).toString();
  const chart = useData(chartQuery, () =>
    range.from < range.to
      ? get<Report>(`/v1/admin/reports?${chartQuery}`)
      : Promise.reject(new Error("The range ends before it starts.")),
  );
  const buyerSide = dimensions.some((d) => d === "buyer" || d === "campaign");
  const columns = COLUMNS.filter((column) => !column.buyerSide || buyerSide);
  const keyOf = (group: Group) => dimensions.map((d) => String(group[DIMENSIONS[d].key] ?? "(none)"));
  const rows = (() => {
    const groups = [...(report.data?.groups ?? [])];
    const column = COLUMNS.find((c) => c.id === sort.column);
    const sign = sort.direction === "desc" ? -1 : 1;
    groups.sort((a, b) => {
      if (!column) {
        const [ka, kb] = [keyOf(a).join("\u0000"), keyOf(b).join("\u0000")];
        return ka < kb ? -sign : ka > kb ? sign : 0;
      }
      // A figure with nothing to divide by (null) sorts last either way.
      const [va, vb] = [column.value(a), column.value(b)];
      if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
      return (va - vb) * sign;
    });
    return groups;
  })();
  const totals = totalsOf(report.data?.groups ?? []);
  const maxRevenue = Math.max(0, ...rows.map((row) => row.revenue));
  const header = (id: string, label: string, numeric = true) => {
    const active = sort.column === id;
    return (
      <th
        key={id}
        className={numeric ? "num" : ""}
        aria-sort={active ? (sort.direction === "desc" ? "descending" : "ascending") : "none"}
      >
        <button
          type="button"
          className="sort"
          data-testid={`report-sort-${id}`}
          onClick={() =>
            setSort({
              column: id,
              direction: active && sort.direction === "desc" ? "asc" : numeric ? "desc" : "asc",
            })
          }
        >
          {label}
          <span className="sort-arrow" aria-hidden="true">
            {active ? (sort.direction === "desc" ? " ▼" : " ▲") : " ↕"}
          </span>
        </button>
      </th>
    );
  };
  return (
    <section>
      <h2>Reports</h2>
      {/* Who is in trouble right now, above what each earned: the operator's two questions on one screen. */}
      <Alerts />
      <div className="toolbar report-controls">
        <fieldset className="segmented">
          <legend className="muted">range</legend>
          {PRESETS.map((name) => (
            <button
              key={name}
              type="button"
              className={preset === name ? "" : "secondary"}
              aria-pressed={preset === name}
              onClick={() => setPreset(name)}
            >
              {name}
            </button>
          ))}
        </fieldset>
        {preset === "custom" && (
          <span className="custom-range">
            <label>
              from{" "}
              <input
                type="date"
                name="report-from"
                value={custom.from}
                onChange={(event) => event.target.value && setCustom({ ...custom, from: event.target.value })}
              />
            </label>{" "}
            <label>
              to{" "}
              <input
                type="date"
                name="report-to"
                value={custom.to}
                onChange={(event) => event.target.value && setCustom({ ...custom, to: event.target.value })}
              />
            </label>
          </span>
        )}
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            if (isTimeZone(zoneInput.trim())) setTimeZone(zoneInput.trim());
          }}
        >
          <label>
            time zone{" "}
            <input
              name="report-time-zone"
              value={zoneInput}
              onChange={(event) => setZoneInput(event.target.value)}
              onBlur={() => isTimeZone(zoneInput.trim()) && setTimeZone(zoneInput.trim())}
            />
          </label>
        </form>
      </div>
      <div className="toolbar report-controls">
        <fieldset className="segmented">
          <legend className="muted">by</legend>
          {(Object.keys(DIMENSIONS) as Dimension[]).map((dimension) => (
            <button
              key={dimension}
              type="button"
              className={groupBy === dimension ? "" : "secondary"}
              aria-pressed={groupBy === dimension}
              data-testid={`group-${dimension}`}
              onClick={() => setGroupBy(dimension)}
            >
              {DIMENSIONS[dimension].label}
            </button>
          ))}
        </fieldset>
        <label>
          then by{" "}
          <select
            name="then-by"
            value={thenBy}
            onChange={(event) => setThenBy(event.target.value as Dimension | "")}
          >
            <option value="">—</option>
            {(Object.keys(DIMENSIONS) as Dimension[])
              .filter((dimension) => dimension !== groupBy)
              .map((dimension) => (
                <option key={dimension} value={dimension}>
                  {DIMENSIONS[dimension].label}
                </option>
              ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary"
          disabled={rows.length === 0}
          onClick={() => downloadReport(rows, dimensions, columns, range)}
        >
          Export CSV
        </button>
      </div>
      <p className="muted" data-testid="report-range">
        {range.first === range.last ? range.first : `${range.first} to ${range.last}`} ({timeZone})
        {report.loading && " · loading…"}
      </p>
      <Problem error={report.error} />
      {chart.data && (
        <ReportChart
          periods={chartPeriods(chart.data, range, timeZone, hourly)}
          caption={`${hourly ? "By hour" : "By day"}, ${range.first === range.last ? range.first : `${range.first} to ${range.last}`}`}
        />
      )}
      <div className="scroll">
        <table data-testid="report-table">
          <thead>
            <tr>
              {dimensions.map((d) => header(`key-${d}`, DIMENSIONS[d].label, false))}
              {columns.map((column) => header(column.id, column.label))}
            </tr>
          </thead>
          <tbody>
            {rows.map((group) => (
              <tr key={keyOf(group).join("/")}>
                {keyOf(group).map((key, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: one cell per grouping dimension, in order
                  <td key={index}>{key}</td>
                ))}
                {columns.map((column) => (
                  <td
                    key={column.id}
                    className="num"
                    style={
                      column.id === "revenue" && maxRevenue > 0
                        ? { background: revenueBar(group.revenue / maxRevenue) }
                        : undefined
                    }
                  >
                    {column.show(column.value(group))}
                  </td>
                ))}
              </tr>
            ))}
            {rows.length === 0 && !report.loading && !report.error && (
              <tr>
                <td colSpan={dimensions.length + columns.length} className="muted">
                  No traffic in this range.
                </td>
              </tr>
            )}
          </tbody>
          {rows.length > 0 && (
            <tfoot>
              <tr data-testid="report-totals">
                <th colSpan={dimensions.length}>total</th>
                {columns.map((column) => (
                  <th key={column.id} className="num">
                    {column.buyerSide || column.noTotal ? "" : column.show(column.value(totals))}
                  </th>
                ))}
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </section>
  );
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Every period of the range (those without traffic at zero), from a report grouped by hour or by day. */
function chartPeriods(
  report: Report,
  range: { first: string; last: string; from: number; to: number },
  timeZone: string,
  hourly: boolean,
): ChartPeriod[] {
  const figures = (group: ReportGroup | undefined) => ({
    revenue: group?.revenue ?? 0,
    margin: group?.margin ?? 0,
  });
  if (!hourly) {
    const byDay = new Map(report.groups.map((group) => [group.day, group]));
    const days: ChartPeriod[] = [];
    for (let day = range.first; day <= range.last; day = addDays(day, 1))
      days.push({ label: day.slice(5), title: day, ...figures(byDay.get(day)) });
    return days;
  }
  const byHour = new Map(report.groups.map((group) => [Date.parse(group.hour ?? ""), group]));
  const hourOf = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit" });
  const full = new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" });
  const hours: ChartPeriod[] = [];
  for (let hour = range.from; hour < range.to; hour += HOUR_MS)
    hours.push({ label: hourOf.format(hour), title: full.format(hour), ...figures(byHour.get(hour)) });
  return hours;
}

/** A revenue cell's bar: its share of the largest revenue shown, as a light fill behind the figure. */
function revenueBar(share: number): string {
  const width = Math.round(share * 100);
  return `linear-gradient(to left, #dbe5f8 ${width}%, transparent ${width}%)`;
}

/** The sums over every group (rates from the sums, not averaged). */
function totalsOf(groups: readonly Group[]): Group {
  const sum = (pick: (group: Group) => number) => groups.reduce((total, group) => total + pick(group), 0);
  const cents = (pick: (group: Group) => number) => Math.round(sum((group) => pick(group) * 100)) / 100;
  const posts = sum((g) => g.posts);
  const revenue = cents((g) => g.revenue);
  return {
    pings: sum((g) => g.pings),
    posts,
    sold: sum((g) => g.sold),
    revenue,
    payouts: cents((g) => g.payouts),
    margin: cents((g) => g.margin),
    returns: sum((g) => g.returns),
    earnings_per_lead: posts ? Math.round((revenue / posts) * 100) / 100 : null,
  };
}

function downloadReport(
  rows: readonly Group[],
  dimensions: readonly Dimension[],
  columns: readonly Column[],
  range: { first: string; last: string },
): void {
  const cell = (value: unknown) => {
    const text = value === undefined || value === null ? "" : String(value);
    return `"${(/^[=+\-@]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
  };
  const header = [...dimensions.map((d) => DIMENSIONS[d].key), ...columns.map((column) => column.id)];
  const lines = rows.map((group) =>
    [...dimensions.map((d) => group[DIMENSIONS[d].key]), ...columns.map((column) => column.value(group))].map(
      cell,
    ),
  );
  const csv = [header.map(cell), ...lines].map((line) => line.join(",")).join("\r\n");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  link.download = `gavel-report-${dimensions.join("-")}-${range.first}-to-${range.last}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
