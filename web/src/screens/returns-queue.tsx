// The operator's returns queue: pending returns, approved or rejected one click each, or several at once with a reason
// (kept in the audit trail); newest first, paged on the server.
import { useState } from "react";
import type { AdminReturn, BulkDecision } from "../../../src/http/admin-returns-schemas.ts";
import { money, post, when } from "../api.ts";
import { Link } from "../router.tsx";
import { usePages } from "../use-pages.ts";
import { Badge, Pager, Problem, shortId } from "./common.tsx";

export function ReturnsQueue() {
  const [status, setStatus] = useState("pending");
  const [actionError, setActionError] = useState<Error>();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState<string>();
  const { items, loaded, error, reload, pager } = usePages<AdminReturn>("/v1/admin/returns", "returns", {
    status,
  });
  const pending = items.filter((item) => item.status === "pending");
  // What is ticked and still pending on this page (a return decided meanwhile drops out).
  const chosen = pending.filter((item) => selected.has(item.id)).map((item) => item.id);
  const decide = async (id: string, decision: "approve" | "reject") => {
    setActionError(undefined);
    try {
      await post(`/v1/admin/returns/${encodeURIComponent(id)}/${decision}`);
      reload();
    } catch (caught) {
      setActionError(caught as Error);
    }
  };
  const decideChosen = async (decision: "approve" | "reject") => {
    setActionError(undefined);
    setOutcome(undefined);
    try {
      const answer = await post<BulkDecision>("/v1/admin/returns/decide", { ids: chosen, decision, reason });
      const done = `${decision === "approve" ? "Approved" : "Rejected"} ${answer.returns.length}`;
      const failed = answer.failed.map((item) => `${shortId(item.id)}: ${item.message}`).join("; ");
      setOutcome(failed ? `${done}; not decided: ${failed}` : `${done}.`);
      setSelected(new Set());
      reload();
    } catch (caught) {
      setActionError(caught as Error);
    }
  };
  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const canDecide = chosen.length > 0 && reason.trim() !== "";
  return (
    <section>
      <h2>Returns</h2>
      <div className="toolbar">
        <select
          aria-label="Returns with status"
          value={status}
          onChange={(event) => setStatus(event.target.value)}
        >
          <option value="pending">pending</option>
          <option value="approved">approved</option>
          <option value="rejected">rejected</option>
        </select>
      </div>
      {pending.length > 0 && (
        <div className="toolbar bulk-decision" data-testid="bulk-decision">
          <label>
            Reason for the selected ({chosen.length}), kept in the audit trail
            <input
              name="bulk-reason"
              value={reason}
              maxLength={300}
              placeholder="e.g. carrier confirmed the numbers are disconnected"
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
          <button type="button" disabled={!canDecide} onClick={() => decideChosen("approve")}>
            Approve selected
          </button>
          <button
            type="button"
            className="secondary"
            disabled={!canDecide}
            onClick={() => decideChosen("reject")}
          >
            Reject selected
          </button>
        </div>
      )}
      {outcome && (
        <p className="muted" data-testid="bulk-outcome" role="status">
          {outcome}
        </p>
      )}
      <Problem error={error ?? actionError} />
      <table data-testid="returns-table">
        <thead>
          <tr>
            <th>
              {pending.length > 0 && (
                <input
                  type="checkbox"
                  aria-label="Select every pending return on this page"
                  data-testid="select-all-returns"
                  checked={chosen.length === pending.length}
                  onChange={(event) =>
                    setSelected(event.target.checked ? new Set(pending.map((item) => item.id)) : new Set())
                  }
                />
              )}
            </th>
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
                {item.status === "pending" && (
                  <input
                    type="checkbox"
                    aria-label={`Select the return of lead ${shortId(item.lead_id)}`}
                    checked={selected.has(item.id)}
                    onChange={(event) => toggle(item.id, event.target.checked)}
                  />
                )}
              </td>
              <td>
                <Link to={`/leads/${item.lead_id}`}>{shortId(item.lead_id)}</Link>
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
