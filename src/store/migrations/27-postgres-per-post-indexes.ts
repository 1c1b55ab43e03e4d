// PostgreSQL: fewer index entries written per post (bench/README.md, issue 14, session 23).
// - `leads_sold_buyer (buyer_id) WHERE status = 'sold'` is the leading column of `leads_sold_buyer_created (buyer_id,
//   created_at, id)` under the same condition (migration 10): a buyer's purchases, sales count and spend plan on the
//   wider index alike (SQLite dropped its copy in migration 25).
// - `post_attempts_state_started` held every attempt. Its queries look for the open states only: the reconciler
//   (`state = 'posting' AND started_at < $1`) and the operator's list of posting or uncertain attempts. Its column
//   changes when an attempt ends, so that UPDATE can never be HOT, and it put a new entry in each index. Partial on the
//   open states, an ended row (accepted, rejected, failed) gets no entry in it: one index entry fewer per attempt, and
//   an index as small as the attempts in flight. A list of ended attempts by state walks `post_attempts_started`.
import type { Migration } from "./migration.ts";

export const postgresPerPostIndexes: Migration = {
  name: "postgres-per-post-indexes",
  sqlite: null,
  postgres: `
  DROP INDEX IF EXISTS leads_sold_buyer;
  DROP INDEX IF EXISTS post_attempts_state_started;
  CREATE INDEX post_attempts_open_started ON post_attempts (state, started_at, id)
    WHERE state IN ('posting', 'uncertain');
  `,
};
