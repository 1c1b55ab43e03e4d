// The audit trail: who changed what, when, from where, with the change as a before/after diff. Written by the
// configuration service, the key, deposit and return routes and the console's login and user routes; read by
// `GET /v1/admin/audit` and the console's Audit screen. A diff never holds a secret in full (masked as the admin API
// masks it) nor a consumer's PII (no lead is ever audited, only configuration and decisions).

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
