import type { Migration } from "./migration.ts";

export const outbox: Migration = {
  name: "outbox",
  sqlite: `
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    timeout_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT,
    delivered_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (run_at) WHERE status = 'pending';
  CREATE INDEX outbox_created ON outbox (created_at, id);
  `,
  postgres: `
  CREATE TABLE outbox (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    owner_id text NOT NULL,
    url text NOT NULL,
    body jsonb NOT NULL,
    timeout_ms integer NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    run_at bigint NOT NULL,
    created_at bigint NOT NULL,
    last_error text,
    delivered_at bigint
  );
  CREATE INDEX outbox_due ON outbox (run_at) WHERE status = 'pending';
  CREATE INDEX outbox_created ON outbox (created_at, id);
  `,
};
