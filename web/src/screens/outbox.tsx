// The operator's outbox: postbacks and deliveries after the sale, the dead letters among them, and replay.
import { useState } from "react";
import { get, post, when } from "../api.ts";
import { useData } from "../use-data.ts";
import { Badge, Problem } from "./common.tsx";

interface OutboxItem {
  id: string;
  kind: string;
  owner_id: string;
  url: string;
  status: string;
  attempts: number;
  run_at: string;
  created_at: string;
  last_error?: string;
  delivered_at?: string;
}

export function Outbox() {
  const [status, setStatus] = useState("dead");
  const [actionError, setActionError] = useState<Error>();
  const { data, error, reload } = useData(status, () =>
    get<{ items: OutboxItem[] }>(`/v1/admin/outbox?limit=100${status ? `&status=${status}` : ""}`),
  );
  const replay = async (id: string) => {
    setActionError(undefined);
    try {
      await post(`/v1/admin/outbox/${encodeURIComponent(id)}/replay`);
      reload();
    } catch (caught) {
      setActionError(caught as Error);
    }
  };
  return (
    <section>
      <h2>Outbox</h2>
      <div className="toolbar">
        <select value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="dead">dead letters</option>
          <option value="pending">pending</option>
          <option value="done">delivered</option>
          <option value="">all</option>
        </select>
      </div>
      <Problem error={error ?? actionError} />
      <table data-testid="outbox-table">
        <thead>
          <tr>
            <th>kind</th>
            <th>for</th>
            <th>to</th>
            <th>status</th>
            <th className="num">attempts</th>
            <th>last error</th>
            <th>created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.items.map((item) => (
            <tr key={item.id}>
              <td>{item.kind.replaceAll("_", " ")}</td>
              <td>{item.owner_id}</td>
              <td className="small">{item.url}</td>
              <td>
                <Badge value={item.status} />
              </td>
              <td className="num">{item.attempts}</td>
              <td className="small">{item.last_error ?? ""}</td>
              <td>{when(item.created_at)}</td>
              <td>
                {item.status !== "pending" && (
                  <button type="button" className="secondary" onClick={() => replay(item.id)}>
                    Replay
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 && <p className="muted">Nothing here.</p>}
    </section>
  );
}
