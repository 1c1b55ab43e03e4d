// The operator's outbox: postbacks and deliveries after the sale, the dead letters among them, and replay; newest
// first, paged on the server.
import { useState } from "react";
import type { OutboxItemWire } from "../../../src/http/outbox-schemas.ts";
import { post, when } from "../api.ts";
import { usePages } from "../use-pages.ts";
import { Badge, Pager, Problem } from "./common.tsx";

type OutboxItem = OutboxItemWire;

export function Outbox() {
  const [status, setStatus] = useState("dead");
  const [actionError, setActionError] = useState<Error>();
  // Paged on the server: the outbox holds every postback and delivery ever made.
  const { items, loaded, error, reload, pager } = usePages<OutboxItem>("/v1/admin/outbox", "items", {
    status,
  });
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
          {items.map((item) => (
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
      {loaded && items.length === 0 && <p className="muted">Nothing here.</p>}
      <Pager {...pager} />
    </section>
  );
}
