// Audit events to rows and back, and the WHERE clause of an audit query, written once for both stores (kept apart from
// audit-events.ts, which the console imports and which must not pull in the stores' code).
import type { AuditActorType, AuditChange, AuditEvent, AuditKind, AuditQuery } from "./audit-events.ts";
import type { Row, RowCodec } from "./record-rows.ts";

export const AUDIT_COLUMNS =
  "id, kind, actor_type, actor_id, actor_role, entity, address, changes, note, created_at";

export function auditRowValues(event: AuditEvent): unknown[] {
  return [
    event.id,
    event.kind,
    event.actor.type,
    event.actor.id,
    event.actor.role ?? null,
    event.entity,
    event.address ?? null,
    JSON.stringify(event.changes),
    event.note ?? null,
    event.created_at,
  ];
}

export function auditEventFromRow(row: Row, codec: RowCodec): AuditEvent {
  return {
    id: String(row.id),
    kind: row.kind as AuditKind,
    actor: {
      type: row.actor_type as AuditActorType,
      id: String(row.actor_id),
      ...(row.actor_role == null ? {} : { role: String(row.actor_role) }),
    },
    entity: String(row.entity),
    ...(row.address == null ? {} : { address: String(row.address) }),
    changes: codec.json(row.changes) as AuditChange[],
    ...(row.note == null ? {} : { note: String(row.note) }),
    created_at: Number(row.created_at),
  };
}

/**
 * The WHERE clause and its values for an audit query, written once for both dialects (`p(n)` is the n-th
 * placeholder). An `entity` without a colon matches every entity of that kind.
 */
export function auditWhere(
  query: AuditQuery,
  p: (n: number) => string,
): { where: string; values: unknown[]; limitAt: string } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (at: string) => string, value: unknown) => {
    values.push(value);
    clauses.push(clause(p(values.length)));
  };
  if (query.kind) add((at) => `kind = ${at}`, query.kind);
  if (query.actor) add((at) => `actor_id = ${at}`, query.actor);
  if (query.entity) {
    if (query.entity.includes(":")) add((at) => `entity = ${at}`, query.entity);
    else {
      // Two placeholders, not one used twice: SQLite's `?` cannot be repeated.
      add((at) => `(entity = ${at}`, query.entity);
      values.push(`${query.entity}:%`);
      clauses[clauses.length - 1] += ` OR entity LIKE ${p(values.length)})`;
    }
  }
  if (query.since !== undefined) add((at) => `created_at >= ${at}`, query.since);
  if (query.before) add((at) => `id < ${at}`, query.before);
  values.push(query.limit);
  return {
    where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "",
    values,
    limitAt: p(values.length),
  };
}
