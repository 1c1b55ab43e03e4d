// Every schema migration, in the order applied: each a named pair of the same change in SQLite and PostgreSQL terms
// (src/store/migrations/migration.ts). Never edit one that has shipped; add a new file and list it last.
import { initialSchema } from "./01-initial-schema.ts";
import { outbox } from "./02-outbox.ts";
import { suppressions } from "./03-suppressions.ts";
import { buyerDeposits } from "./04-buyer-deposits.ts";
import { leadShares } from "./05-lead-shares.ts";
import { moneyLedger } from "./06-money-ledger.ts";
import { reportRollups } from "./07-report-rollups.ts";
import { reportRollupsByGrain } from "./08-report-rollups-by-grain.ts";
import { outboxKinds } from "./09-outbox-kinds.ts";
import { conversions } from "./10-conversions.ts";
import { returnResales } from "./11-return-resales.ts";
import { consoleUsers } from "./12-console-users.ts";
import { reportRollupsSubIdGrain } from "./13-report-rollups-sub-id-grain.ts";
import { returnsInRollups } from "./14-returns-in-rollups.ts";
import { ledgerByParty } from "./15-ledger-by-party.ts";
import { leadSortIndexes } from "./16-lead-sort-indexes.ts";
import { leadContactHashes } from "./17-lead-contact-hashes.ts";
import { statusPages } from "./18-status-pages.ts";
import { postAttempts } from "./19-post-attempts.ts";
import { consumerPrivacy } from "./20-consumer-privacy.ts";
import { configAsWritten } from "./21-config-as-written.ts";
import { auditTrail } from "./22-audit-trail.ts";
import { pingToPostTime } from "./23-ping-to-post-time.ts";
import { pingQuality } from "./24-ping-quality.ts";
import { redundantSoldBuyerIndex } from "./25-redundant-sold-buyer-index.ts";
import { postAttemptsWithoutRowid } from "./26-post-attempts-without-rowid.ts";
import { postgresPerPostIndexes } from "./27-postgres-per-post-indexes.ts";
import { postgresRollupShards } from "./28-postgres-rollup-shards.ts";
import { sqliteFewerPagesPerSale } from "./29-sqlite-fewer-pages-per-sale.ts";
import { sqliteContactHashPrefixIndexes } from "./30-sqlite-contact-hash-prefix-indexes.ts";
import { postgresPendingSaleRollups } from "./31-postgres-pending-sale-rollups.ts";
import { postgresPendingFineRollups } from "./32-postgres-pending-fine-rollups.ts";
import { postgresLedgerBuyerStatementIndex } from "./36-postgres-ledger-buyer-statement-index.ts";
import type { Migration } from "./migration.ts";

export const MIGRATIONS: readonly Migration[] = [
  initialSchema,
  outbox,
  suppressions,
  buyerDeposits,
  leadShares,
  moneyLedger,
  reportRollups,
  reportRollupsByGrain,
  outboxKinds,
  conversions,
  returnResales,
  consoleUsers,
  reportRollupsSubIdGrain,
  returnsInRollups,
  ledgerByParty,
  leadSortIndexes,
  leadContactHashes,
  statusPages,
  postAttempts,
  consumerPrivacy,
  configAsWritten,
  auditTrail,
  pingToPostTime,
  pingQuality,
  redundantSoldBuyerIndex,
  postAttemptsWithoutRowid,
  postgresPerPostIndexes,
  postgresRollupShards,
  sqliteFewerPagesPerSale,
  sqliteContactHashPrefixIndexes,
  postgresPendingSaleRollups,
  postgresPendingFineRollups,
  postgresLedgerBuyerStatementIndex,
];
