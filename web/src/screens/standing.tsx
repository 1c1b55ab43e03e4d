// Whether each buyer is buying right now, and if not why (paused, out of funds, capped), from its configuration, funds
// and cap usage;
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

/** A prepaid buyer whose available money is below this many dollars is warned about before it runs out. */
export const LOW_FUNDS_DOLLARS = 100;
const REFRESH_MS = 15_000;

/** What a buyer's status line says: "active" only when nothing stops it from buying. */
export function buyerStanding(liveStatus: string, facts: BuyerFacts | undefined): BuyerStanding {
  const status = facts?.status ?? liveStatus;
  if (status === "paused") {
    return {
      buying: false,
      label: "paused",
      why:
        facts?.auto_pause_after_failures !== undefined
          ? `not buying: paused by the operator, or auto-paused after ${facts.auto_pause_after_failures} failed posts in a row`
          : "not buying: paused by the operator",
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
  if (available !== null && available !== undefined && available < LOW_FUNDS_DOLLARS)
    return { buying: true, label: "low funds", why: `${money(available)} left to spend` };
  if (cappedCampaigns.length > 0)
    return { buying: status === "active", label: status, why: `capped: ${cappedCampaigns.join(", ")}` };
  return { buying: status === "active", label: status };
}

/** Each buyer's configuration status and funds (for those with funds), refreshed every 15 s. */
export function useBuyerStandings(): Record<string, BuyerFacts> {
  const [facts, setFacts] = useState<Record<string, BuyerFacts>>({});
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const { buyers } = await get<{ buyers: Entity[] }>("/v1/admin/buyers");
        const entries = await Promise.all(
          buyers.map(async (buyer): Promise<[string, BuyerFacts]> => {
            const base: BuyerFacts = {
              status: String(buyer.status),
              ...(typeof buyer.auto_pause_after_failures === "number"
                ? { auto_pause_after_failures: buyer.auto_pause_after_failures }
                : {}),
            };
            const path = `/v1/admin/buyers/${encodeURIComponent(buyer.id)}`;
            const [funds, caps] = await Promise.all([
              buyer.funds ? get<Funds>(`${path}/funds`) : undefined,
              get<CapsReport>(`${path}/caps`).catch(() => undefined),
            ]);
            return [buyer.id, { ...base, ...(funds ? { funds } : {}), ...(caps ? { caps } : {}) }];
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
  }, []);
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
