// The buyer portal: the leads this buyer bought (with the PII it paid for), one lead with a return form, and its
// returns. Everything comes from the buyer API, which scopes it to the user's buyer on the server.
import { useState } from "react";
import type { BuyerReturn, PurchaseWire as Purchase } from "../../../src/http/buyer-schemas.ts";
import { get, money, post, when } from "../api.ts";
import { Link } from "../router.tsx";
import { useData } from "../use-data.ts";
import { useLeadPages } from "../use-pages.ts";
import { Badge, Pager, Problem, shortId } from "./common.tsx";

const RETURN_REASONS = ["invalid_contact", "duplicate", "fraud", "not_qualified", "no_consent", "other"];

export function BuyerLeads() {
  const { leads, error, pager } = useLeadPages<Purchase>("/v1/buyer/leads");
  const returns = useData("returns", () => get<{ returns: BuyerReturn[] }>("/v1/buyer/returns?limit=50"));
  return (
    <section>
      <h2>Your leads</h2>
      <Problem error={error} />
      <table data-testid="buyer-leads">
        <thead>
          <tr>
            <th>lead</th>
            <th>bought</th>
            <th>name</th>
            <th>contact</th>
            <th>campaign</th>
            <th className="num">price</th>
          </tr>
        </thead>
        <tbody>
          {leads.map((lead) => (
            <tr key={lead.id}>
              <td>
                <Link to={`/buyer/leads/${lead.id}`}>{shortId(lead.id)}</Link>
                {lead.test && <Badge value="test" />}
              </td>
              <td>{when(lead.sold_at)}</td>
              <td>{[lead.lead.first_name, lead.lead.last_name].filter(Boolean).join(" ")}</td>
              <td>{String(lead.lead.email ?? lead.lead.phone ?? "")}</td>
              <td>{lead.campaign_id}</td>
              <td className="num">{money(lead.price)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager {...pager} />
      {leads.length > 0 && (
        // Streamed by the exchange: every lead bought, not just this page (GET /v1/buyer/leads.csv).
        <a className="button secondary" href="/v1/buyer/leads.csv" download="gavel-leads.csv">
          Download all my leads as CSV
        </a>
      )}
      <h3>Your returns</h3>
      <table data-testid="buyer-returns">
        <tbody>
          {returns.data?.returns.map((item) => (
            <tr key={item.id}>
              <td>
                <Link to={`/buyer/leads/${item.lead_id}`}>{shortId(item.lead_id)}</Link>
              </td>
              <td>{item.reason.replaceAll("_", " ")}</td>
              <td>
                <Badge value={item.status} />
              </td>
              <td className="num">{money(item.refund)}</td>
              <td>{when(item.requested_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function BuyerLead({ id }: { id: string }) {
  const { data, error } = useData(id, () =>
    get<{ lead: Purchase }>(`/v1/buyer/leads/${encodeURIComponent(id)}`),
  );
  const [reason, setReason] = useState(RETURN_REASONS[0]!);
  const [note, setNote] = useState("");
  const [result, setResult] = useState<string>();
  const [returnError, setReturnError] = useState<Error>();
  if (error) return <Problem error={error} />;
  if (!data) return <p className="muted">Loading…</p>;
  const { lead } = data;
  return (
    <section>
      <h2>
        Lead <code>{lead.id}</code>
      </h2>
      <dl className="facts">
        <dt>bought</dt>
        <dd>{when(lead.sold_at)}</dd>
        <dt>campaign</dt>
        <dd>{lead.campaign_id}</dd>
        <dt>price</dt>
        <dd>{money(lead.price)}</dd>
        {Object.entries(lead.lead).map(([field, value]) => [
          <dt key={`k-${field}`}>{field.replaceAll("_", " ")}</dt>,
          <dd key={`v-${field}`}>{String(value)}</dd>,
        ])}
      </dl>
      <h3>Return this lead</h3>
      <form
        className="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          setReturnError(undefined);
          try {
            const answer = await post<{ return: BuyerReturn }>(
              `/v1/buyer/leads/${encodeURIComponent(lead.id)}/returns`,
              {
                reason,
                ...(note ? { note } : {}),
              },
            );
            setResult(`Return ${answer.return.status}: refund ${money(answer.return.refund)}`);
          } catch (caught) {
            setReturnError(caught as Error);
          }
        }}
      >
        <select name="reason" value={reason} onChange={(event) => setReason(event.target.value)}>
          {RETURN_REASONS.map((value) => (
            <option key={value} value={value}>
              {value.replaceAll("_", " ")}
            </option>
          ))}
        </select>
        <input
          name="note"
          placeholder="note (optional)"
          value={note}
          onChange={(event) => setNote(event.target.value)}
        />
        <button type="submit">Return lead</button>
      </form>
      {result && <p data-testid="return-result">{result}</p>}
      <Problem error={returnError} />
    </section>
  );
}
