// What needs the operator now (GET /v1/admin/alerts: auto-paused buyers, funds, caps, timeouts, refused source keys,
// duplicate windows evicting), critical first, each linked to the screen where it is dealt with (the duplicate windows
// are dealt with in the configuration file: their message says how); polled every 15 s. Shown on the dashboard, and
// nothing at all when all is well.
import { useEffect } from "react";
import type { Alert } from "../../../src/console/alerts.ts";
import { get, when } from "../api.ts";
import { Link } from "../router.tsx";
import { useData } from "../use-data.ts";

const REFRESH_MS = 15_000;

/** Where each alert is acted on: money on the Money screen, a pause on the Buyers list, keys on the Sources list. */
function screenOf(alert: Alert): { to: string; label: string } | undefined {
  if (alert.subject.type === "exchange") return undefined;
  if (alert.kind === "buyer_out_of_funds" || alert.kind === "buyer_low_funds")
    return { to: "/money", label: "add a deposit" };
  if (alert.kind === "buyer_timeouts") return { to: "/health", label: "see its health" };
  if (alert.subject.type === "source") return { to: "/config/sources", label: "sources" };
  if (alert.subject.type === "campaign") return { to: "/config/campaigns", label: "campaigns" };
  return { to: "/config/buyers", label: alert.kind === "buyer_auto_paused" ? "resume it" : "buyers" };
}

export function Alerts() {
  const alerts = useData("alerts", () => get<{ alerts: Alert[] }>("/v1/admin/alerts"));
  const { reload } = alerts;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const list = alerts.data?.alerts ?? [];
  if (list.length === 0) return null;
  return (
    <section className="alerts" data-testid="alerts" aria-label="Alerts">
      <h3>
        Needs attention <span className="muted">({list.length})</span>
      </h3>
      <ul>
        {list.map((alert) => {
          const screen = screenOf(alert);
          return (
            <li
              key={`${alert.kind}:${alert.subject.id}`}
              className={`alert alert-${alert.severity}`}
              data-alert={alert.kind}
              data-subject={alert.subject.id}
            >
              <span className={`badge badge-${alert.severity}`}>{alert.severity}</span> {alert.message}
              {alert.since && <span className="muted"> · since {when(alert.since)}</span>}{" "}
              {screen && <Link to={screen.to}>{screen.label}</Link>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
