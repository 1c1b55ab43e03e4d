// The audit trail: who changed what, when, from where, with the change as a before/after diff. Written by the
// configuration service, the key, deposit and return routes and the console's login and user routes; read by
// `GET /v1/admin/audit` and the console's Audit screen. A diff never holds a secret in full (masked as the admin API
// masks it) nor a consumer's PII (no lead is ever audited, only configuration and decisions).
import type { Row, RowCodec } from "./record-rows.ts";

/** What happened. `config.put`/`config.delete` cover verticals, sources, buyers, campaigns and settings. */
export const AUDIT_KINDS = [
  "config.put",
  "config.delete",
  "key.rotate",
  "deposit.add",
  "return.decide",
  "user.put",
  "user.delete",
  "login.success",
  "login.failure",
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Who did it: an admin API key, a console user (with its role), a buyer through its own API, or Gavel itself. */
export type AuditActorType = "admin" | "user" | "buyer" | "system";

export interface AuditActor {
  type: AuditActorType;
  /** The admin key's label (never the key), the console user's id, the buyer's id, or what in Gavel acted. */
  id: string;
  /** A console user's role (admin, buyer, source). */
  role?: string;
}

/** One changed field: its path from the entity, the value before and after (absent when it did not exist). */
export interface AuditChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditEvent {
  /** Sortable: time first, so keyset paging by id is paging by time. */
  id: string;
  kind: AuditKind;
  actor: AuditActor;
  /** `kind:id` of what changed: `campaign:c1`, `settings`, `user:u1`, `buyer:b1`, `return:r1`. */
  entity: string;
  /** The client's address as the server saw it (after trusted proxies), or absent for a change Gavel made itself. */
  address?: string;
  changes: AuditChange[];
  /** A short human note: the reason of a return decision, the email tried at a failed login... */
  note?: string;
  created_at: number;
}

/** Filters of the audit list: newest first, paged by `before` (the last id of the page before). */
export interface AuditQuery {
  kind?: AuditKind;
  /** An actor id (admin key label, user id, buyer id, `system`...). */
  actor?: string;
  /** An entity (`campaign:c1`), or a kind of entity (`campaign`) for every one of them. */
  entity?: string;
  since?: number;
  before?: string;
  limit: number;
}

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
