// What the console raises as alerts, from facts gathered by the alerts route (admin-alerts-routes.ts): a buyer
// auto-paused after failed posts, a prepaid buyer out of or low on funds, a buyer or campaign whose cap is reached, a
// buyer timing out on too many pings, a source whose requests are refused for their key, the embedded duplicate windows
// evicting sold consumers at their ceiling. Pure, so each rule is tested
// without a server; the thresholds are the settings' `alerts` (docs/configuration.md).
import type { AlertThresholds } from "../domain/config-schema.ts";

/** The thresholds' defaults (where the alerts are sent has none: the console only). */
export const ALERT_DEFAULTS: Required<Omit<AlertThresholds, "notify">> = {
  low_funds_dollars: 100,
  buyer_timeout_percent: 20,
  buyer_timeout_min_pings: 20,
  source_auth_failures: 5,
};

export const ALERT_KINDS = [
  "buyer_auto_paused",
  "buyer_out_of_funds",
  "buyer_low_funds",
  "buyer_capped",
  "campaign_capped",
  "buyer_timeouts",
  "source_auth_failures",
  "duplicate_window_evictions",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  kind: AlertKind;
  /** critical: the party has stopped buying or selling; warning: it will, or is losing leads, unless someone acts. */
  severity: "critical" | "warning";
  /** The exchange itself for what is about this process (its duplicate windows), not a party. */
  subject: { type: "buyer" | "campaign" | "source" | "exchange"; id: string };
  message: string;
  /** When it started, where known (ISO 8601). */
  since?: string;
}

export interface BuyerAlertFacts {
  id: string;
  status: string;
  /** The buyer was last paused by Gavel after failed posts (the audit trail's actor), at this time (epoch ms). */
  autoPausedAt?: number;
  autoPauseAfter?: number;
  /** A prepaid buyer's money it may still spend (cents); absent: not prepaid. */
  availableCents?: number;
  /** Its own cap reached this period. */
  capped: boolean;
  /** Its active campaigns whose cap is reached. */
  cappedCampaigns: readonly string[];
  /** Pings and timeouts since the start of the previous hour. */
  pings: number;
  timeouts: number;
}

export interface SourceAlertFacts {
  id: string;
  /** Requests refused for their key in the last hour, and the last one (epoch ms). */
  authFailures: number;
  lastFailureAt?: number;
}

/**
 * The in-process duplicate windows (embedded backend) evicted keys at their ceiling whose windows have not all ended:
 * until `through`, a duplicate check (a consumer sold before, a replayed request) may miss.
 */
export interface DuplicateWindowEvictionFacts {
  /** Keys evicted since the start. */
  evicted: number;
  /** The ceiling (storage.duplicate_window_max_keys). */
  maxKeys: number;
  /** The evicted windows have all ended by then (epoch ms). */
  through: number;
  /** The first eviction of this stretch (epoch ms). */
  since: number;
}

const dollars = (cents: number) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
const iso = (at: number | undefined) => (at === undefined ? {} : { since: new Date(at).toISOString() });

/** The alerts for these facts: critical first, each group in the order of the facts (the configuration's). */
export function collectAlerts(
  buyers: readonly BuyerAlertFacts[],
  sources: readonly SourceAlertFacts[],
  thresholds: AlertThresholds | undefined,
  evictions?: DuplicateWindowEvictionFacts,
): Alert[] {
  const limits = { ...ALERT_DEFAULTS, ...thresholds };
  const alerts: Alert[] = [];
  for (const buyer of buyers) {
    const subject = { type: "buyer" as const, id: buyer.id };
    if (buyer.status === "paused" && buyer.autoPausedAt !== undefined) {
      const count = buyer.autoPauseAfter;
      const after =
        count === undefined
          ? ""
          : count === 1
            ? " after a failed post"
            : ` after ${count} failed posts in a row`;
      alerts.push({
        kind: "buyer_auto_paused",
        severity: "critical",
        subject,
        message: `${buyer.id} was paused automatically${after}: resume it once its endpoint is fixed`,
        ...iso(buyer.autoPausedAt),
      });
    }
    // A paused buyer's money and caps are not what stops it; its pause says so above (or was the operator's doing).
    if (buyer.status !== "active") continue;
    if (buyer.availableCents !== undefined) {
      if (buyer.availableCents <= 0)
        alerts.push({
          kind: "buyer_out_of_funds",
          severity: "critical",
          subject,
          message: `${buyer.id} is out of funds (${dollars(buyer.availableCents)} available): it buys nothing until a deposit`,
        });
      else if (buyer.availableCents < limits.low_funds_dollars * 100)
        alerts.push({
          kind: "buyer_low_funds",
          severity: "warning",
          subject,
          message: `${buyer.id} has ${dollars(buyer.availableCents)} left to spend (below ${dollars(limits.low_funds_dollars * 100)})`,
        });
    }
    if (buyer.capped)
      alerts.push({
        kind: "buyer_capped",
        severity: "critical",
        subject,
        message: `${buyer.id} reached its own cap: it buys nothing more this period`,
      });
    for (const campaign of buyer.cappedCampaigns)
      alerts.push({
        kind: "campaign_capped",
        severity: "warning",
        subject: { type: "campaign", id: campaign },
        message: `Campaign ${campaign} (${buyer.id}) reached its cap for this period`,
      });
    if (buyer.pings >= limits.buyer_timeout_min_pings) {
      const percent = Math.round((buyer.timeouts / buyer.pings) * 1000) / 10;
      if (percent >= limits.buyer_timeout_percent)
        alerts.push({
          kind: "buyer_timeouts",
          severity: "warning",
          subject,
          message: `${buyer.id} timed out on ${percent}% of ${buyer.pings} pings since the previous hour began (alert from ${limits.buyer_timeout_percent}%)`,
        });
    }
  }
  for (const source of sources) {
    if (source.authFailures < limits.source_auth_failures) continue;
    alerts.push({
      kind: "source_auth_failures",
      severity: "critical",
      subject: { type: "source", id: source.id },
      message: `${source.id}: ${source.authFailures} requests refused for their key in the last hour (a rotated key still in use?)`,
      ...iso(source.lastFailureAt),
    });
  }
  if (evictions)
    alerts.push({
      kind: "duplicate_window_evictions",
      severity: "warning",
      subject: { type: "exchange", id: "duplicate_windows" },
      message:
        `Duplicate windows full (${evictions.maxKeys} keys): ${evictions.evicted} keys evicted before their ` +
        `window ended, so duplicate checks may miss until ${new Date(evictions.through).toISOString()}; raise ` +
        "storage.duplicate_window_max_keys (and restart) or keep the windows in Redis",
      ...iso(evictions.since),
    });
  const rank = (alert: Alert) => (alert.severity === "critical" ? 0 : 1);
  return alerts.sort((a, b) => rank(a) - rank(b));
}
