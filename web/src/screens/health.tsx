// Health at a glance over the last hour or so (the reports API keeps hours: from the start of the previous hour to
// now): per buyer, the share of its pings that timed out or failed, the share of its posts not accepted, and its ping
// answer time p50/p99; per source, its auctions, bid and sold rates and refused keys. Each figure is coloured against
// the thresholds below (amber: look; red: act), refreshed every 30 s.
import { useEffect } from "react";
import type { AuthFailures } from "../../../src/http/admin-source-auth-schemas.ts";
import { get } from "../api.ts";
import { useData } from "../use-data.ts";
import { Problem } from "./common.tsx";

const HOUR_MS = 3_600_000;
const REFRESH_MS = 30_000;

/** [amber, red]: a figure at or above the first is worth a look, at or above the second needs action. */
export const THRESHOLDS = {
  timeout_pct: [10, 20],
  error_pct: [5, 10],
  reject_pct: [30, 50],
  p50_ms: [300, 600],
  p99_ms: [1000, 2000],
} as const;
type Measure = keyof typeof THRESHOLDS;

interface BuyerGroup {
  buyer_id: string;
  pings: number;
  posts: number;
  post_accept_rate: number | null;
  timeouts: number;
  errors: number;
  latency_ms: { p50: number | null; p99: number | null } | null;
}

interface SourceGroup {
  source_id: string;
  pings: number;
  bid_rate: number | null;
  posts: number;
  sold: number;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

function level(measure: Measure, value: number | null): "ok" | "warn" | "bad" | "none" {
  if (value === null) return "none";
  const [amber, red] = THRESHOLDS[measure];
  return value >= red ? "bad" : value >= amber ? "warn" : "ok";
}

function Cell({ measure, value, unit }: { measure: Measure; value: number | null; unit: "%" | " ms" }) {
  const state = level(measure, value);
  const [amber, red] = THRESHOLDS[measure];
  return (
    <td
      className={`num health-${state}`}
      data-level={state}
      title={`amber from ${amber}${unit}, red from ${red}${unit}`}
    >
      {value === null ? "—" : `${value}${unit}`}
      {state === "bad" && " ▲"}
    </td>
  );
}

export function Health() {
  const health = useData("health", async () => {
    const to = Date.now();
    const from = Math.floor(to / HOUR_MS) * HOUR_MS - HOUR_MS;
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const [buyers, sources, auth] = await Promise.all([
      get<{ groups: BuyerGroup[] }>(`/v1/admin/reports?${range}&group_by=buyer`),
      get<{ groups: SourceGroup[] }>(`/v1/admin/reports?${range}&group_by=source`),
      get<AuthFailures>("/v1/admin/sources/auth-failures")
        .then((answer) => answer.sources)
        .catch((): AuthFailures["sources"] => []),
    ]);
    return { from, buyers: buyers.groups, sources: sources.groups, auth };
  });
  const { reload } = health;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const data = health.data;
  const refused = new Map(data?.auth.map((entry) => [entry.source_id, entry.failures]));
  const sourceIds = [
    ...new Set([
      ...(data?.sources.map((s) => s.source_id) ?? []),
      ...(data?.auth.map((a) => a.source_id) ?? []),
    ]),
  ];
  return (
    <section>
      <h2>Health</h2>
      <p className="muted">
        Since {data ? new Date(data.from).toLocaleTimeString() : "the previous hour"}; amber is worth a look,
        red needs action (hover a figure for its thresholds).
      </p>
      <Problem error={health.error} />
      <h3>Buyers</h3>
      <div className="scroll">
        <table data-testid="buyer-health-hour">
          <thead>
            <tr>
              <th>buyer</th>
              <th className="num">pings</th>
              <th className="num">timeouts</th>
              <th className="num">errors</th>
              <th className="num">posts</th>
              <th className="num">not accepted</th>
              <th className="num">p50</th>
              <th className="num">p99</th>
            </tr>
          </thead>
          <tbody>
            {data?.buyers.map((buyer) => (
              <tr key={buyer.buyer_id} data-buyer={buyer.buyer_id}>
                <td>{buyer.buyer_id}</td>
                <td className="num">{buyer.pings}</td>
                <Cell measure="timeout_pct" value={pct(buyer.timeouts, buyer.pings)} unit="%" />
                <Cell measure="error_pct" value={pct(buyer.errors, buyer.pings)} unit="%" />
                <td className="num">{buyer.posts}</td>
                <Cell
                  measure="reject_pct"
                  value={
                    buyer.post_accept_rate === null
                      ? null
                      : Math.round((1 - buyer.post_accept_rate) * 1000) / 10
                  }
                  unit="%"
                />
                <Cell measure="p50_ms" value={buyer.latency_ms?.p50 ?? null} unit=" ms" />
                <Cell measure="p99_ms" value={buyer.latency_ms?.p99 ?? null} unit=" ms" />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Sources</h3>
      <div className="scroll">
        <table data-testid="source-health-hour">
          <thead>
            <tr>
              <th>source</th>
              <th className="num">auctions</th>
              <th className="num">bid rate</th>
              <th className="num">leads</th>
              <th className="num">sold</th>
              <th className="num">refused keys</th>
            </tr>
          </thead>
          <tbody>
            {sourceIds.map((id) => {
              const source = data?.sources.find((s) => s.source_id === id);
              const failures = refused.get(id) ?? 0;
              return (
                <tr key={id} data-source={id}>
                  <td>{id}</td>
                  <td className="num">{source?.pings ?? 0}</td>
                  <td className="num">
                    {source?.bid_rate === null || source?.bid_rate === undefined
                      ? "—"
                      : `${Math.round(source.bid_rate * 1000) / 10}%`}
                  </td>
                  <td className="num">{source?.posts ?? 0}</td>
                  <td className="num">{source?.sold ?? 0}</td>
                  <td
                    className={failures > 0 ? "num health-bad" : "num"}
                    data-level={failures > 0 ? "bad" : "ok"}
                  >
                    {failures}
                    {failures > 0 && " ▲"}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
