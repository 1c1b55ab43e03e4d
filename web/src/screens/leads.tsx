// The operator's leads, newest first, paged on the server (keyset: ?before=<lead id>).
import { useState } from "react";
import { money, when } from "../api.ts";
import { Link, navigate } from "../router.tsx";
import { useLeadPages } from "../use-lead-pages.ts";
import { Badge, Pager, Problem } from "./common.tsx";

interface AdminLead {
  id: string;
  source_id: string;
  vertical: string;
  status: string;
  price: number;
  buyer_price?: number;
  buyer_id?: string;
  test: boolean;
  created_at: string;
}

export function Leads() {
  const [status, setStatus] = useState("");
  const [source, setSource] = useState("");
  const [leadId, setLeadId] = useState("");
  const { leads, error, pager, restart } = useLeadPages<AdminLead>("/v1/admin/leads", {
    status,
    source_id: source,
  });
  return (
    <section>
      <h2>Leads</h2>
      <div className="toolbar">
        <select
          value={status}
          onChange={(event) => {
            setStatus(event.target.value);
            restart();
          }}
        >
          <option value="">all</option>
          <option value="sold">sold</option>
          <option value="unsold">unsold</option>
        </select>{" "}
        <input
          placeholder="source id"
          value={source}
          onChange={(event) => {
            setSource(event.target.value.trim());
            restart();
          }}
        />{" "}
        <form
          className="inline lookup"
          onSubmit={(event) => {
            event.preventDefault();
            if (leadId.trim()) navigate(`/leads/${encodeURIComponent(leadId.trim())}`);
          }}
        >
          <input
            name="lead-id"
            placeholder="open a lead by id"
            value={leadId}
            onChange={(e) => setLeadId(e.target.value)}
          />
          <button type="submit" className="secondary">
            Open
          </button>
        </form>
      </div>
      <Problem error={error} />
      <table data-testid="leads-table">
        <thead>
          <tr>
            <th>lead</th>
            <th>created</th>
            <th>source</th>
            <th>vertical</th>
            <th>status</th>
            <th>buyer</th>
            <th className="num">buyer paid</th>
            <th className="num">source paid</th>
          </tr>
        </thead>
        <tbody>
          {leads.map((lead) => (
            <tr key={lead.id}>
              <td>
                <Link to={`/leads/${lead.id}`}>{lead.id.slice(0, 12)}</Link>
                {lead.test && <Badge value="test" />}
              </td>
              <td>{when(lead.created_at)}</td>
              <td>{lead.source_id}</td>
              <td>{lead.vertical}</td>
              <td>
                <Badge value={lead.status} />
              </td>
              <td>{lead.buyer_id ?? "—"}</td>
              <td className="num">{money(lead.buyer_price)}</td>
              <td className="num">{money(lead.price)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager {...pager} />
    </section>
  );
}
