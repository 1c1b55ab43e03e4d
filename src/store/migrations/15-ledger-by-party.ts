// A buyer's (or source's) statement reads its own ledger entries by time.
import type { Migration } from "./migration.ts";

export const ledgerByParty: Migration = {
  name: "ledger-by-party",
  sqlite: `
  CREATE INDEX ledger_party ON ledger_entries (party_id, created_at);
  `,
  postgres: `
  CREATE INDEX ledger_party ON ledger_entries (party_id, created_at);
  `,
};
