// One lead as the operator sees it: the lead, its decision trace as a timeline (every buyer: outcome, reason code,
// bid, latency) and the money it moved.
import type { LeadDetail } from "../../../src/http/lead-schemas.ts";
import { get, money, when } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, Problem } from "./common.tsx";

export function LeadPage({ id }: { id: string }) {
  const { data, error } = useData(id, () => get<LeadDetail>(`/v1/admin/leads/${encodeURIComponent(id)}`));
  if (error) return <Problem error={error} />;
  if (!data) return <p className="muted">Loading…</p>;
  const { lead, trace, ledger } = data;
  const t0 = trace.length ? Date.parse(trace[0]!.at) : 0;
  // An approved return leaves the lead "sold" in the store: the server says it was returned, the ledger's refund how
  // much was given back.
  const refunded = -ledger
    .filter((entry) => entry.kind === "buyer_refund")
    .reduce((sum, entry) => sum + entry.amount, 0);
  const returned = lead.returned === true || refunded > 0;
  return (
    <section>
      <h2>
        Lead <code>{lead.id}</code>{" "}
        <span data-testid="lead-status">
          {returned ? <Badge value="returned" /> : <Badge value={lead.status} />}
          {returned && <Badge value="refunded" />}
        </span>
        {lead.test && <Badge value="test" />}
      </h2>
      <dl className="facts">
        <dt>created</dt>
        <dd>{when(lead.created_at)}</dd>
        <dt>source</dt>
        <dd>
          {lead.source_id}
          {lead.sub_id ? ` / ${lead.sub_id}` : ""}
        </dd>
        <dt>vertical</dt>
        <dd>{lead.vertical}</dd>
        <dt>buyer</dt>
        <dd>{lead.buyer_id ? `${lead.buyer_id} (${lead.campaign_id})` : (lead.reason ?? "—")}</dd>
        <dt>{returned ? "buyer charged" : "buyer paid"}</dt>
        <dd data-testid="buyer-paid">
          {money(lead.buyer_price)}
          {returned &&
            ` — refunded ${money(refunded)} on return (net ${money((lead.buyer_price ?? 0) - refunded)})`}
        </dd>
        <dt>source paid</dt>
        <dd>{money(lead.price)}</dd>
        {lead.pii_purged_at && (
          <>
            <dt>personal data</dt>
            <dd data-testid="pii-purged">PII purged at {when(lead.pii_purged_at)}</dd>
          </>
        )}
      </dl>
      <h3>Decision trace</h3>
      <ol className="timeline" data-testid="trace">
        {trace.map((line) => (
          <li
            key={`${line.phase}-${line.campaign_id}-${line.outcome}-${line.at}`}
            className={`phase-${line.phase}`}
          >
            <span className="time">+{Math.max(0, Date.parse(line.at) - t0)} ms</span>
            <span className="phase">{line.phase}</span>
            <strong>{line.buyer_id}</strong>
            <span className="muted">{line.campaign_id}</span>
            <Badge value={line.outcome} />
            <span className="muted small" title="reason code">
              #{line.code}
            </span>
            {line.bid !== undefined && <span>bid {money(line.bid)}</span>}
            {line.latency_ms !== undefined && <span>{line.latency_ms} ms</span>}
            {line.detail && <span className="muted">{readableDetail(line.detail)}</span>}
          </li>
        ))}
      </ol>
      <h3>Ledger</h3>
      <table data-testid="ledger">
        <thead>
          <tr>
            <th>kind</th>
            <th>party</th>
            <th className="num">amount</th>
            <th>at</th>
          </tr>
        </thead>
        <tbody>
          {ledger.map((entry) => (
            <tr key={entry.id}>
              <td>{entry.kind}</td>
              <td>{entry.party_id}</td>
              <td className="num">{money(entry.amount)}</td>
              <td>{when(entry.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Fields</h3>
      <pre className="fields">{JSON.stringify(lead.lead, null, 2)}</pre>
    </section>
  );
}

/** A trace line's detail in words: the HTTP client's "AbortError" means the exchange stopped waiting for an answer. */
function readableDetail(detail: string): string {
  return /^(AbortError|TimeoutError)\b/.test(detail) ? "no answer in time" : detail;
}
