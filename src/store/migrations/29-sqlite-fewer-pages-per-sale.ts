// SQLite: fewer b-tree pages written per ping batch and per sale (bench/README.md, issue 14, session 25). Each b-tree a
// commit touches costs at least one 4 KB WAL page, whatever the size of the entry it gains.
// - `outcomes` keyed by (auction_id, seq), `WITHOUT ROWID`: one b-tree instead of the rowid table and
//   `outcomes_auction (auction_id)`, which every reader of outcomes walked (an auction's outcomes, the history's
//   trace, the PII scrub of their details). `seq` is the order written (src/store/sql/auction-log-queries.ts), as
//   the rowid was: rows already stored keep their rowid as their seq, and new ones are numbered above them.
// - `ledger_party (party_id, created_at)` held every entry, while its one query is a buyer's statement (its charges and
//   refunds): partial on those kinds, a sale's payout and margin entries (the source's and the exchange's) add none.
// - `post_attempts_state_started (state, started_at, id)` held every attempt, and an attempt's end moved its entry;
//   its queries look for the open states only (the reconciler, the operator's list of posting or uncertain
//   attempts): partial on them, as PostgreSQL's since migration 27. A list of ended attempts by state walks
//   `post_attempts_started`.
import type { Migration } from "./migration.ts";

export const sqliteFewerPagesPerSale: Migration = {
  name: "sqlite-fewer-pages-per-sale",
  sqlite: `
  CREATE TABLE outcomes_by_auction (
    auction_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    phase TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    code INTEGER NOT NULL,
    bid_cents INTEGER,
    latency_ms REAL,
    detail TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (auction_id, seq)
  ) WITHOUT ROWID;
  INSERT INTO outcomes_by_auction (auction_id, seq, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms,
      detail, at)
    SELECT auction_id, rowid, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms, detail, at
    FROM outcomes ORDER BY auction_id, rowid;
  DROP TABLE outcomes;
  ALTER TABLE outcomes_by_auction RENAME TO outcomes;
  DROP INDEX ledger_party;
  CREATE INDEX ledger_buyer_statement ON ledger_entries (party_id, created_at)
    WHERE kind IN ('buyer_charge', 'buyer_refund');
  DROP INDEX post_attempts_state_started;
  CREATE INDEX post_attempts_open_started ON post_attempts (state, started_at, id)
    WHERE state IN ('posting', 'uncertain');
  `,
  // PostgreSQL keeps its own indexes (a change of that store); its open-state index is migration 27's.
  postgres: null,
};
