// The audit trail (src/store/audit-events.ts): every configuration change, key rotation, deposit, return decision,
// console user change and login, with who, from where and a before/after diff; listed newest first by id.
import type { Migration } from "./migration.ts";

export const auditTrail: Migration = {
  name: "audit-trail",
  sqlite: `
  CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT,
    entity TEXT NOT NULL,
    address TEXT,
    changes TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX audit_events_created ON audit_events (created_at, id);
  CREATE INDEX audit_events_entity ON audit_events (entity, id);
  CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
  `,
  // The audit trail: see the SQLite migration of the same name.
  postgres: `
  CREATE TABLE audit_events (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    actor_type text NOT NULL,
    actor_id text NOT NULL,
    actor_role text,
    entity text COLLATE "C" NOT NULL,
    address text,
    changes jsonb NOT NULL,
    note text,
    created_at bigint NOT NULL
  );
  CREATE INDEX audit_events_created ON audit_events (created_at, id);
  CREATE INDEX audit_events_entity ON audit_events (entity, id);
  CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
  `,
};
