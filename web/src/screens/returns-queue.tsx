// The operator's returns queue: pending returns, approved or rejected one click each; newest first, paged on the
// server.
import { useState } from "react";
import { money, post, when } from "../api.ts";
import { Link } from "../router.tsx";
import { usePages } from "../use-pages.ts";
import { Badge, Pager, Problem } from "./common.tsx";

interface AdminReturn {
  id: string;
  lead_id: string;
  buyer_id: string;
  campaign_id: string;
  reason: string;
  note?: string;
  status: string;
  refund: number;
  requested_at: string;
  decided_at?: string;
}

export function ReturnsQueue() {
  const [status, setStatus] = useState("pending");
  const [actionError, setActionError] = useState<Error>();
  const { items, loaded, error, reload, pager } = usePages<AdminReturn>("/v1/admin/returns", "returns", {
    status,
  });
  const decide = async (id: string, decision: "approve" | "reject") => {
    setActionError(undefined);
    try {
      await post(`/v1/admin/returns/${encodeURIComponent(id)}/${decision}`);
      reload();
    } catch (caught) {
      setActionError(caught as Error);
    }
  };
  return (
    <section>
      <h2>Returns</h2>
      <div className="toolbar">
        <select value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="pending">pending</option>
          <option value="approved">approved</option>
          <option value="rejected">rejected</option>
        </select>
      </div>
      <Problem error={error ?? actionError} />
      <table data-testid="returns-table">
        <thead>
          <tr>
            <th>lead</th>
            <th>buyer</th>
            <th>reason</th>
            <th>note</th>
            <th className="num">refund</th>
            <th>requested</th>
            <th>status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} data-lead={item.lead_id}>
              <td>
                <Link to={`/leads/${item.lead_id}`}>{item.lead_id.slice(0, 12)}</Link>
              </td>
              <td>{item.buyer_id}</td>
              <td>{item.reason.replaceAll("_", " ")}</td>
              <td>{item.note ?? ""}</td>
              <td className="num">{money(item.refund)}</td>
              <td>{when(item.requested_at)}</td>
              <td>
                <Badge value={item.status} />
              </td>
              <td>
                {item.status === "pending" && (
                  <>
                    <button type="button" onClick={() => decide(item.id, "approve")}>
                      Approve
                    </button>{" "}
                    <button type="button" className="secondary" onClick={() => decide(item.id, "reject")}>
                      Reject
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded && items.length === 0 && <p className="muted">No {status} returns.</p>}
      <Pager {...pager} />
    </section>
  );
}
