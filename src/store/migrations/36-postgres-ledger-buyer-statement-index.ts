// PostgreSQL: a buyer's statement indexed over its own entries only, as SQLite's is since migration 29 (bench/README.md,
// issue 14, session 27). `ledger_party (party_id, created_at)` took an entry for each of a sale's three ledger entries
// (the buyer's charge, the source's payout, the exchange's margin); its one query (ledgerOfParty, a buyer's statement)
// reads charges and refunds only, spelled as this index's condition, so payouts and margins need no entry: two index
// entries fewer per sale.
import type { Migration } from "./migration.ts";

export const postgresLedgerBuyerStatementIndex: Migration = {
  name: "postgres-ledger-buyer-statement-index",
  sqlite: null,
  postgres: `
  DROP INDEX ledger_party;
  CREATE INDEX ledger_buyer_statement ON ledger_entries (party_id, created_at)
    WHERE kind IN ('buyer_charge', 'buyer_refund');
  `,
};
