// The operator's live picture: numbers pushed once a second over server-sent events (/v1/console/live).
import { useEffect, useState } from "react";
import type { LiveSnapshot } from "../../../src/console/live-snapshot.ts";
import { money } from "../api.ts";
import { Alerts } from "./alerts.tsx";
import { Tile } from "./common.tsx";
import { DayChart } from "./day-chart.tsx";
import {
  type BuyerStanding,
  buyerStanding,
  SourceAuthTrouble,
  useAlertThresholds,
  useBuyerStandings,
} from "./standing.tsx";

const HISTORY = 120;
/** How long the dashboard waits for its first numbers before it says they are not coming. */
const FIRST_NUMBERS_MS = 6_000;
/** A buyer timing out on at least this share of its requests (once it has had a few) is in trouble. */
export const TIMEOUT_TROUBLE_PCT = 20;
const MIN_REQUESTS_FOR_SHARE = 5;

export function Dashboard() {
  const [history, setHistory] = useState<number[]>([]);
  const [connected, setConnected] = useState(false);
  const [late, setLate] = useState(false);
  const [latest, setLatest] = useState<LiveSnapshot>();
  // A buyer paused or resumed (its live status changed) is looked up again at once: who paused it, its funds.
  const thresholds = useAlertThresholds();
  const standings = useBuyerStandings(
    latest?.buyers.map((buyer) => `${buyer.buyer_id}:${buyer.status}`).join(),
  );
  useEffect(() => {
    const timer = setTimeout(() => setLate(true), FIRST_NUMBERS_MS);
    return () => clearTimeout(timer);
  }, []);
  useEffect(() => {
    const events = new EventSource("/v1/console/live");
    events.onopen = () => setConnected(true);
    events.onerror = () => setConnected(false);
    events.onmessage = (message) => {
      const snapshot = JSON.parse(message.data) as LiveSnapshot;
      setLatest(snapshot);
      setHistory((previous) => [...previous.slice(-(HISTORY - 1)), snapshot.pings_per_s]);
    };
    return () => events.close();
  }, []);
  const pct = (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : `${value}%`;
  const ms = (value: number | null | undefined) =>
    value === null || value === undefined ? "—" : `${value} ms`;
  return (
    <section>
      <h2>
        Live{" "}
        <span className={connected ? "dot on" : "dot"} title={connected ? "connected" : "reconnecting"} />
      </h2>
      <Alerts />
      <div className="tiles">
        <Tile label="pings/s" value={latest ? String(latest.pings_per_s) : "—"} id="pings-per-s" />
        <Tile label="bid rate" value={pct(latest?.bid_rate_pct)} id="bid-rate" />
        <Tile label="sold" value={pct(latest?.sold_pct)} id="sold-pct" />
        <Tile label="leads/s" value={latest ? String(latest.leads_per_s) : "—"} id="leads-per-s" />
        <Tile label="p50" value={ms(latest?.p50_ms)} id="p50" />
        <Tile label="p99" value={ms(latest?.p99_ms)} id="p99" />
        <Tile label="revenue today (UTC)" value={money(latest?.today?.revenue)} id="revenue-today" />
        <Tile label="margin today (UTC)" value={money(latest?.today?.margin)} id="margin-today" />
      </div>
      <Sparkline values={history} />
      <p className="muted" data-testid="totals">
        {latest
          ? `${latest.totals.auctions} auctions, ${latest.totals.bids} with bids, ${latest.totals.leads} leads, ${latest.totals.sold} sold since start · ${new Date(latest.at).toLocaleTimeString()}`
          : late
            ? "The live numbers are not arriving: the exchange may be unreachable. Still trying…"
            : "waiting for the first numbers…"}
      </p>
      {late && !latest && (
        <p className="problem" data-testid="live-late">
          No live numbers yet: the exchange is not answering the console's live feed. It keeps trying; check
          the network or the exchange's process.
        </p>
      )}
      <h3>Last 24 hours</h3>
      <DayChart />
      <h3>Buyers</h3>
      <div className="scroll">
        <table data-testid="buyer-health">
          <thead>
            <tr>
              <th>buyer</th>
              <th>status</th>
              <th className="num">requests</th>
              <th className="num">timeouts</th>
              <th className="num">errors</th>
            </tr>
          </thead>
          <tbody>
            {latest?.buyers.map((buyer) => {
              const timeoutPct =
                buyer.requests >= MIN_REQUESTS_FOR_SHARE
                  ? Math.round((buyer.timeouts / buyer.requests) * 100)
                  : undefined;
              const slow = timeoutPct !== undefined && timeoutPct >= TIMEOUT_TROUBLE_PCT;
              const standing: BuyerStanding = buyerStanding(
                buyer.status,
                standings[buyer.buyer_id],
                thresholds?.low_funds_dollars,
              );
              return (
                <tr
                  key={buyer.buyer_id}
                  data-buyer={buyer.buyer_id}
                  className={slow || !standing.buying ? "trouble" : undefined}
                >
                  <td>{buyer.buyer_id}</td>
                  <td data-testid={`buyer-status-${buyer.buyer_id}`}>
                    <span className={`badge ${standing.buying ? "badge-active" : "badge-paused"}`}>
                      {standing.label}
                    </span>
                    {standing.why && <span className="why"> {standing.why}</span>}
                  </td>
                  <td className="num">{buyer.requests}</td>
                  <td className={slow ? "num alarm" : "num"} data-testid={`buyer-timeouts-${buyer.buyer_id}`}>
                    {buyer.timeouts}
                    {timeoutPct !== undefined && ` (${timeoutPct}%)`}
                    {slow && " ⚠ timing out"}
                  </td>
                  <td className="num">{buyer.errors}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <SourceAuthTrouble />
    </section>
  );
}

/** Pings/s over the last two minutes, as a plain SVG line. */
function Sparkline({ values }: { values: number[] }) {
  const width = 600;
  const height = 60;
  const max = Math.max(1, ...values);
  const points = values
    // Newest at the right edge.
    .map(
      (value, i) =>
        `${((HISTORY - values.length + i) / (HISTORY - 1)) * width},${height - (value / max) * (height - 4) - 2}`,
    )
    .join(" ");
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label="pings per second"
    >
      <polyline
        points={points}
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}
