// SQLite: post attempts keyed by their id alone (`WITHOUT ROWID`) instead of a rowid table with an index on the id: one
// b-tree fewer to write when a post attempt begins, and its end (by id) finds the row in one walk. Rows are small
// (~150–200 bytes), as SQLite advises for such tables. Since ids are time-ordered (src/engine/time-ordered-ids.ts), new
// rows land on the table's rightmost leaf (bench/README.md, issue 14, session 23).
import type { Migration } from "./migration.ts";

export const postAttemptsWithoutRowid: Migration = {
  name: "post-attempts-without-rowid",
  sqlite: `
  CREATE TABLE post_attempts_by_id (
    id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    bid_cents INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    buyer_lead_id TEXT,
    ended_at INTEGER,
    resolution TEXT,
    resolved_at INTEGER,
    UNIQUE (auction_id, campaign_id)
  ) WITHOUT ROWID;
  INSERT INTO post_attempts_by_id (id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state, buyer_lead_id,
      ended_at, resolution, resolved_at)
    SELECT id, auction_id, campaign_id, buyer_id, bid_cents, started_at, state, buyer_lead_id, ended_at, resolution,
      resolved_at FROM post_attempts;
  DROP TABLE post_attempts;
  ALTER TABLE post_attempts_by_id RENAME TO post_attempts;
  CREATE INDEX post_attempts_state_started ON post_attempts (state, started_at, id);
  CREATE INDEX post_attempts_started ON post_attempts (started_at, id);
  `,
  postgres: null,
};
