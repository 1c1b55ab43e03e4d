// Whether each buyer is buying right now, and if not why (paused by whom and when, auto-paused after failed posts, out
// of funds, capped), from its configuration, the audit trail, funds and cap usage;
// and the sources whose requests fail authentication (a key rotated but not changed on the sender's side).
import { useEffect, useState } from "react";
import { get, money, when } from "../api.ts";
import type { Entity } from "./config-form.tsx";

interface Funds {
  prepaid: boolean;
  balance: number;
  available: number | null;
  credit_limit: number | null;
}

export interface BuyerFacts {
  status: string;
  auto_pause_after_failures?: number;
  funds?: Funds;
  caps?: CapsReport;
  /** For a paused buyer: the audit trail's last change of its status to paused. */
  pause?: Pause;
}

/** Who paused a buyer and when, from the audit trail. */
export interface Pause {
  actor: { type: string; id: string; role?: string };
  at: string;
  /** A console user's e-mail, when the actor is a user still on the list. */
  email?: string;
}

interface AuditEventWire {
  actor: Pause["actor"];
  changes: { path: string; after?: unknown }[];
  created_at: string;
}

/** The actor that stops the buyer after failed posts in a row (src/app.ts's systemContext). */
const AUTO_PAUSE_ACTOR = "post-failures";

function pausedBy(pause: Pause, failures: number | undefined): string {
  const at = when(pause.at);
  const { type, id } = pause.actor;
  if (type === "system" && id === AUTO_PAUSE_ACTOR)
    return `not buying: auto-paused after ${failures === 1 ? "a failed post" : `${failures ?? "its limit of"} failed posts in a row`}, ${at}`;
  if (type === "system" && id === "config-file") return `not buying: paused by the configuration file, ${at}`;
  if (type === "user") return `not buying: paused by ${pause.email ?? id}, ${at}`;
  if (type === "admin") return `not buying: paused through the admin API key, ${at}`;
  return `not buying: paused by ${type} ${id}, ${at}`;
}

interface CapsReport {
  capped: boolean;
  caps: { period: string; resets_at: string }[];
  campaigns: { id: string; status: string; capped: boolean }[];
}

export interface BuyerStanding {
  buying: boolean;
  label: string;
  why?: string;
}

const REFRESH_MS = 15_000;

/** The alert thresholds in force (settings.alerts with the server's defaults), read once per page load. */
export interface AlertThresholds {
  low_funds_dollars: number;
  buyer_timeout_percent: number;
  buyer_timeout_min_pings: number;
  source_auth_failures: number;
}

let thresholdsLoad: Promise<AlertThresholds> | undefined;

/**
 * The alert thresholds, from the server (undefined until they arrive): a prepaid buyer with less than
 * `low_funds_dollars` available is warned about before it runs out, the same mark as the alerts'.
 */
export function useAlertThresholds(): AlertThresholds | undefined {
  const [thresholds, setThresholds] = useState<AlertThresholds>();
  useEffect(() => {
    let live = true;
    thresholdsLoad ??= get<AlertThresholds>("/v1/admin/alerts/thresholds");
    thresholdsLoad.then(
      (answer) => live && setThresholds(answer),
      () => {
        thresholdsLoad = undefined;
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return thresholds;
}

/**
 * What a buyer's status line says: "active" only when nothing stops it from buying. Low funds only once the
 * threshold is known.
 */
export function buyerStanding(
  liveStatus: string,
  facts: BuyerFacts | undefined,
  lowFundsDollars: number | undefined,
): BuyerStanding {
  // The caller's status is the fresher (a list just reloaded after a pause); the facts refresh every 15 s.
  const status = liveStatus || (facts?.status ?? "");
  if (status === "paused") {
    const autoPaused = facts?.pause?.actor.type === "system" && facts.pause.actor.id === AUTO_PAUSE_ACTOR;
    return {
      buying: false,
      label: autoPaused ? "auto-paused" : "paused",
      why: facts?.pause ? pausedBy(facts.pause, facts.auto_pause_after_failures) : "not buying: paused",
    };
  }
  const available = facts?.funds?.available;
  if (available !== null && available !== undefined && available <= 0)
    return { buying: false, label: "out of funds", why: `not buying: ${money(available)} available` };
  const caps = facts?.caps;
  if (caps?.capped)
    return { buying: false, label: "capped", why: "not buying: a cap of its own is reached for this period" };
  const live = caps?.campaigns.filter((campaign) => campaign.status === "active") ?? [];
  const cappedCampaigns = live.filter((campaign) => campaign.capped).map((campaign) => campaign.id);
  if (live.length > 0 && cappedCampaigns.length === live.length)
    return { buying: false, label: "capped", why: "not buying: every active campaign's cap is reached" };
  if (
    available !== null &&
    available !== undefined &&
    lowFundsDollars !== undefined &&
    available < lowFundsDollars
  )
    return { buying: true, label: "low funds", why: `${money(available)} left to spend` };
  if (cappedCampaigns.length > 0)
    return { buying: status === "active", label: status, why: `capped: ${cappedCampaigns.join(", ")}` };
  return { buying: status === "active", label: status };
}

/** The audit trail's last pause of this buyer, naming a console user by e-mail (the users are read once per round). */
async function lastPause(
  buyerId: string,
  emails: () => Promise<Map<string, string>>,
): Promise<Pause | undefined> {
  const { events } = await get<{ events: AuditEventWire[] }>(
    `/v1/admin/audit?kind=config.put&entity=${encodeURIComponent(`buyer:${buyerId}`)}&limit=50`,
  );
  const event = events.find((candidate) =>
    candidate.changes.some((change) => change.path === "status" && change.after === "paused"),
  );
  if (!event) return undefined;
  const email = event.actor.type === "user" ? (await emails()).get(event.actor.id) : undefined;
  return { actor: event.actor, at: event.created_at, ...(email ? { email } : {}) };
}

/**
 * Each buyer's configuration status, funds (for those with funds), caps and, when paused, who paused it; refreshed
 * every 15 s, and at once when `refresh` changes (a list's pause or resume).
 */
export function useBuyerStandings(refresh?: string): Record<string, BuyerFacts> {
  const [facts, setFacts] = useState<Record<string, BuyerFacts>>({});
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is the reason to load again, not an input
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const { buyers } = await get<{ buyers: Entity[] }>("/v1/admin/buyers");
        let users: Promise<Map<string, string>> | undefined;
        const emails = () => {
          users ??= get<{ users: { id: string; email: string }[] }>("/v1/console/users").then(
            (answer) => new Map(answer.users.map((user) => [user.id, user.email])),
            () => new Map<string, string>(),
          );
          return users;
        };
        const entries = await Promise.all(
          buyers.map(async (buyer): Promise<[string, BuyerFacts]> => {
            const base: BuyerFacts = {
              status: String(buyer.status),
              ...(typeof buyer.auto_pause_after_failures === "number"
                ? { auto_pause_after_failures: buyer.auto_pause_after_failures }
                : {}),
            };
            const path = `/v1/admin/buyers/${encodeURIComponent(buyer.id)}`;
            const [funds, caps, pause] = await Promise.all([
              buyer.funds ? get<Funds>(`${path}/funds`) : undefined,
              get<CapsReport>(`${path}/caps`).catch(() => undefined),
              buyer.status === "paused" ? lastPause(buyer.id, emails).catch(() => undefined) : undefined,
            ]);
            return [
              buyer.id,
              {
                ...base,
                ...(funds ? { funds } : {}),
                ...(caps ? { caps } : {}),
                ...(pause ? { pause } : {}),
              },
            ];
          }),
        );
        if (live) setFacts(Object.fromEntries(entries));
      } catch {
        // The live table still shows the configured status; the next round tries again.
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [refresh]);
  return facts;
}

interface AuthFailures {
  window_minutes: number;
  sources: { source_id: string; failures: number; last_at: string }[];
  unknown: { failures: number; last_at: string | null };
}

/** Sources failing authentication in the last hour: shown only when there are any. */
export function SourceAuthTrouble() {
  const [failures, setFailures] = useState<AuthFailures>();
  useEffect(() => {
    let live = true;
    const load = () =>
      get<AuthFailures>("/v1/admin/sources/auth-failures").then(
        (answer) => live && setFailures(answer),
        () => undefined,
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (!failures || (failures.sources.length === 0 && failures.unknown.failures === 0)) return null;
  return (
    <>
      <h3>Sources failing authentication</h3>
      <div className="scroll">
        <table data-testid="source-auth-failures">
          <thead>
            <tr>
              <th>source</th>
              <th className="num">refused (last {failures.window_minutes} min)</th>
              <th>last</th>
            </tr>
          </thead>
          <tbody>
            {failures.sources.map((source) => (
              <tr key={source.source_id} className="trouble">
                <td>
                  {source.source_id} <span className="why">sends a key that was rotated away</span>
                </td>
                <td className="num alarm">{source.failures}</td>
                <td>{when(source.last_at)}</td>
              </tr>
            ))}
            {failures.unknown.failures > 0 && (
              <tr>
                <td>an unknown key</td>
                <td className="num">{failures.unknown.failures}</td>
                <td>{when(failures.unknown.last_at ?? undefined)}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
