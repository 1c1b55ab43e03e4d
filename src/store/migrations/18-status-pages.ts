// The outbox and returns screens page newest first with a status filter: dead letters and pending returns are few
// among millions of delivered messages and decided returns, so each status gets its own walk.
import type { Migration } from "./migration.ts";

export const statusPages: Migration = {
  name: "status-pages",
  sqlite: `
  CREATE INDEX outbox_status_created ON outbox (status, created_at, id);
  CREATE INDEX returns_status_requested ON returns (status, requested_at, id);
  `,
  postgres: `
  CREATE INDEX outbox_status_created ON outbox (status, created_at, id);
  CREATE INDEX returns_status_requested ON returns (status, requested_at, id);
  `,
};
