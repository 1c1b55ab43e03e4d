// The operator's audit trail: who changed what, when and from where, newest first, paged on the server; filters by
// kind, actor, entity and time; each change shown as "path: before → after" (secrets arrive masked from the API).
import { useState } from "react";
import type { AuditEventWire } from "../../../src/http/audit-event-schema.ts";
import { AUDIT_KINDS } from "../../../src/store/audit-events.ts";
import { when } from "../api.ts";
import { usePages } from "../use-pages.ts";
import { Pager, Problem } from "./common.tsx";

/** What each kind reads as on screen. */
const KIND_LABEL: Record<(typeof AUDIT_KINDS)[number], string> = {
  "config.put": "configuration saved",
  "config.delete": "configuration deleted",
  "key.rotate": "key rotated",
  "deposit.add": "deposit",
  "return.decide": "return decided",
  "user.put": "console user saved",
  "user.delete": "console user deleted",
  "login.success": "login",
  "login.failure": "login failed",
};

export function Audit() {
  const [kind, setKind] = useState("");
  const [actor, setActor] = useState("");
  const [entity, setEntity] = useState("");
  const [sinceDay, setSinceDay] = useState("");
  const since = sinceDay ? new Date(`${sinceDay}T00:00:00`).toISOString() : "";
  const { items, loaded, error, pager } = usePages<AuditEventWire>("/v1/admin/audit", "events", {
    kind,
    actor,
    entity,
    since,
  });
  return (
    <section>
      <h2>Audit trail</h2>
      <div className="toolbar">
        <label>
          kind{" "}
          <select aria-label="kind" value={kind} onChange={(event) => setKind(event.target.value)}>
            <option value="">all</option>
            {AUDIT_KINDS.map((value) => (
              <option key={value} value={value}>
                {KIND_LABEL[value]}
              </option>
            ))}
          </select>
        </label>{" "}
        <label>
          actor{" "}
          <input
            aria-label="actor"
            placeholder="admin-key, user id, buyer id"
            value={actor}
            onChange={(event) => setActor(event.target.value.trim())}
          />
        </label>{" "}
        <label>
          entity{" "}
          <input
            aria-label="entity"
            placeholder="campaign or campaign:id"
            value={entity}
            onChange={(event) => setEntity(event.target.value.trim())}
          />
        </label>{" "}
        <label>
          since{" "}
          <input
            aria-label="since"
            type="date"
            value={sinceDay}
            onChange={(event) => setSinceDay(event.target.value)}
          />
        </label>
      </div>
      <Problem error={error} />
      <table data-testid="audit-table">
        <thead>
          <tr>
            <th>when</th>
            <th>what</th>
            <th>entity</th>
            <th>who</th>
            <th>from</th>
            <th>changes</th>
          </tr>
        </thead>
        <tbody>
          {items.map((event) => (
            <tr key={event.id} data-testid="audit-row">
              <td>{when(event.created_at)}</td>
              <td>{KIND_LABEL[event.kind]}</td>
              <td>{event.entity}</td>
              <td>{actorText(event.actor)}</td>
              <td className="small">{event.address ?? "—"}</td>
              <td className="small">
                <Changes event={event} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded && items.length === 0 && <p className="muted">Nothing recorded for these filters.</p>}
      <Pager {...pager} />
    </section>
  );
}

function actorText(actor: AuditEventWire["actor"]): string {
  switch (actor.type) {
    case "admin":
      return "admin API key";
    case "user":
      return actor.role ? `${actor.id} (${actor.role})` : actor.id;
    case "buyer":
      return `buyer ${actor.id}`;
    default:
      return `Gavel (${actor.id})`;
  }
}

/** Each changed field on its own line: `path: before → after`; a creation shows only the new value. */
function Changes({ event }: { event: AuditEventWire }) {
  if (event.changes.length === 0) return <span className="muted">{event.note ?? ""}</span>;
  return (
    <ul className="audit-changes">
      {event.changes.map((change) => (
        <li key={change.path}>
          <code>{change.path}</code>: {"before" in change && <del>{shown(change.before)}</del>}
          {"before" in change && "after" in change && " → "}
          {"after" in change && <ins>{shown(change.after)}</ins>}
        </li>
      ))}
      {event.note && <li className="muted">{event.note}</li>}
    </ul>
  );
}

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
