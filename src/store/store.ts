// The system of record: configuration, auctions, decision traces and leads. SQLite is the embedded default;
// PostgreSQL implements the same interface. Every method is async so either can sit behind it. The narrow ports a
// consumer depends on are in ports.ts; the Store here is all of them. The records it keeps are the domain's
// (src/domain/records.ts, store-records.ts), re-exported for the modules that import them from here.
import type {
  AuctionLogPort,
  AuditPort,
  ChangeFeedPort,
  ConfigPort,
  ConsoleUsersPort,
  ConversionsPort,
  FundsPort,
  LeadsPort,
  LedgerPort,
  OutboxPort,
  PostJournalPort,
  PrivacyPort,
  ReadinessPort,
  ReportsPort,
  ReturnsPort,
  SuppressionsPort,
} from "./ports.ts";

export * from "../domain/store-records.ts";
export type * from "./ports.ts";

/**
 * The system of record as one object: every port, and the store's own life. A consumer depends on the ports it uses
 * (a `LeadsPort & LedgerPort`), so what it may touch is in its signature.
 */
export interface Store
  extends ConfigPort,
    AuditPort,
    AuctionLogPort,
    LeadsPort,
    PostJournalPort,
    LedgerPort,
    ReturnsPort,
    ConversionsPort,
    OutboxPort,
    SuppressionsPort,
    FundsPort,
    ReportsPort,
    ConsoleUsersPort,
    PrivacyPort,
    ChangeFeedPort,
    ReadinessPort {
  /** Brings the schema up to date. Safe to run on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
