// The source portal: this source's submissions and how each ended, what it is paid. No PII: the server sends only the
// vertical's non-PII fields, and nothing about buyers.
import type { Submission, SourceSummary as Summary } from "../../../src/http/source-portal-schemas.ts";
import { get, money, when } from "../api.ts";
import { useData } from "../use-data.ts";
import { useLeadPages } from "../use-pages.ts";
import { Badge, Pager, Problem, shortId, Tile } from "./common.tsx";

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10}%`;

export function SourceLeads() {
  const { leads, error, pager } = useLeadPages<Submission>("/v1/source/leads");
  const summary = useData("summary", () => get<Summary>("/v1/source/summary?days=30"));
  const sold = leads.filter((lead) => lead.status === "sold");
  return (
    <section>
      <h2>Your last 30 days</h2>
      <Problem error={summary.error} />
      <div className="tiles" data-testid="source-stats">
        <Tile label="pings and direct posts" value={String(summary.data?.auctions ?? "—")} />
        <Tile label="got a bid" value={percent(summary.data?.bid_rate)} />
        <Tile
          label="leads sold"
          value={summary.data ? `${summary.data.sold} of ${summary.data.leads}` : "—"}
        />
        <Tile label="sold rate" value={percent(summary.data?.sold_rate)} />
        <Tile label="paid to you" value={money(summary.data?.payouts)} id="source-payouts" />
      </div>
      <h2>Your submissions</h2>
      <p className="muted" data-testid="source-summary">
        This page: {leads.length} leads, {sold.length} sold
        {leads.length ? ` (${Math.round((100 * sold.length) / leads.length)}%)` : ""},{" "}
        {money(sold.reduce((total, lead) => total + lead.payout, 0))} paid to you.
      </p>
      <Problem error={error} />
      <table data-testid="source-leads">
        <thead>
          <tr>
            <th>lead</th>
            <th>submitted</th>
            <th>vertical</th>
            <th>sub-id</th>
            <th>outcome</th>
            <th className="num">payout</th>
            <th>fields (no PII)</th>
          </tr>
        </thead>
        <tbody>
          {leads.map((lead) => (
            <tr key={lead.id}>
              <td>
                <code>{shortId(lead.id)}</code>
                {lead.test && <Badge value="test" />}
              </td>
              <td>{when(lead.created_at)}</td>
              <td>{lead.vertical}</td>
              <td>{lead.sub_id ?? ""}</td>
              <td>
                <Badge value={lead.status} /> {lead.reason ? lead.reason.replaceAll("_", " ") : ""}
              </td>
              <td className="num">{money(lead.payout)}</td>
              <td className="muted small">
                {Object.entries(lead.fields)
                  .map(([field, value]) => `${field}: ${String(value)}`)
                  .join(" · ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager {...pager} />
    </section>
  );
}
