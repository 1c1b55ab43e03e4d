// The store's narrow ports, one per concern: each consumer depends on the ones it uses (store.ts has the Store that is
// all of them). Implemented once for both SQL databases by src/store/sql/sql-store.ts.
import type { ContactHashes } from "../compliance/suppression/suppression-hash.ts";
import type { Settings } from "../domain/config-schema.ts";
import type {
  LeadRecord,
  LedgerEntry,
  OutboxItem,
  OutboxSettlement,
  OutcomeRecord,
  PiiErasure,
  PiiPurgeSelection,
  PiiRedaction,
  PingRecord,
  PrivacyRequestRecord,
  ReturnRecord,
} from "../domain/records.ts";
import type { ReportQuery, ReportRow } from "../domain/report-query.ts";
import type {
  BuyerCents,
  BuyerDeposit,
  ConfigKind,
  ConsoleSession,
  ConsoleUser,
  ConversionRecord,
  ConversionReportQuery,
  ConversionReportRow,
  LeadQuery,
  LedgerTotal,
  OutboxQuery,
  PurchaseQuery,
  ReturnQuery,
  SaleSummary,
  SharedChange,
  StoredConfig,
  SuppressionEntry,
  SuppressionHash,
} from "../domain/store-records.ts";
import type { AuctionPeriod, RecordedAuction } from "./auction-history.ts";
import type { AuditEvent, AuditQuery } from "./audit-events.ts";
import type {
  BeginPostAttempt,
  EndedPostAttempt,
  PostAttempt,
  PostAttemptQuery,
  PostAttemptResolution,
} from "./post-attempts.ts";

/** All configuration (verticals, sources, buyers, campaigns, settings), kept as the operator wrote it. */
export interface ConfigPort {
  /** All configuration, for building the in-memory snapshot. */
  loadConfig(): Promise<StoredConfig>;
  /** Inserts or replaces one configuration entity by id; with its audit event, in the same transaction. */
  putConfig(kind: ConfigKind, entity: { id: string }, audit?: AuditEvent): Promise<void>;
  /** Removes one configuration entity; false when there was none. History (leads, outcomes) keeps its id as text. */
  deleteConfig(kind: ConfigKind, id: string, audit?: AuditEvent): Promise<boolean>;
  putSettings(settings: Partial<Settings>, audit?: AuditEvent): Promise<void>;
}

/** The audit trail of operator-side changes. */
export interface AuditPort {
  /** Records one audit event on its own (a change whose write is not a configuration write: a deposit, a login...). */
  appendAuditEvent(event: AuditEvent): Promise<void>;
  /** Audit events, newest first (by id), filtered and paged as the query says. */
  listAuditEvents(query: AuditQuery): Promise<AuditEvent[]>;
}

/** Pings and every buyer's outcome on them: the decision traces. */
export interface AuctionLogPort {
  /** Writes a batch of ping analytics (auctions and their outcomes). Called off the request path. */
  appendAuctionEvents(pings: readonly PingRecord[], outcomes: readonly OutcomeRecord[]): Promise<void>;
  getPing(id: string): Promise<PingRecord | undefined>;
  getOutcomes(auctionId: string): Promise<OutcomeRecord[]>;
  /** Pings with bids that have not expired and were not posted: the held bids to restore after a restart. */
  heldPings(now: number): Promise<PingRecord[]>;
  /** A period's recorded auctions for what-if replay, oldest first, read through the store's own connection. */
  auctionHistory(period: AuctionPeriod): Iterable<RecordedAuction> | AsyncIterable<RecordedAuction>;
}

/** Leads as sold (or not), and the sales they count as. */
export interface LeadsPort {
  /**
   * Writes a lead, its post outcomes and the outbox messages it causes in one transaction, durably; resolves only once
   * they would survive a crash (DESIGN rule 9). The post attempts its outcomes answer end in the same transaction.
   * `contact`, when the caller has hashed the lead's contacts already (leadContactHashes of `lead.lead`), fills the
   * row's contact-hash columns without hashing them again.
   */
  saveLead(
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outbox?: readonly OutboxItem[],
    ledger?: readonly LedgerEntry[],
    contact?: ContactHashes,
  ): Promise<void>;
  getLead(id: string): Promise<LeadRecord | undefined>;
  getLeadByAuction(auctionId: string): Promise<LeadRecord | undefined>;
  listLeads(query: LeadQuery): Promise<LeadRecord[]>;
  /** The leads of one consumer, found by the hash of their email or phone: newest first, at most `limit`. */
  leadsOfContact(contact: SuppressionHash, limit: number): Promise<LeadRecord[]>;
  /** The sold leads a buyer bought, as the first buyer or one of a shared lead's, newest first by default. */
  listPurchases(query: PurchaseQuery): Promise<LeadRecord[]>;
  /** Sold leads created at or after `since` (epoch ms): what the cap counters start from after a restart. */
  salesSince(since: number): Promise<SaleSummary[]>;
  /** How many leads a buyer bought (a shared lead counts once for each of its buyers), test leads excluded. */
  salesCount(buyerId: string): Promise<number>;
}

/** The durable journal of posts to buyers (DESIGN rule 11). */
export interface PostJournalPort {
  /**
   * Records, durably, that a lead is about to be posted to a campaign (state `posting`), after writing how the
   * attempts before it ended (`ended`), in one transaction. Begins nothing when this auction's lead was posted to
   * this campaign before: answers that earlier attempt instead, so a lead is never posted twice to one campaign. The
   * same attempt (its id) again has begun: the write repeated after its reply was lost.
   * Its end is written with the sale (saveLead), from the sale's post outcomes.
   */
  beginPostAttempt(attempt: PostAttempt, ended?: readonly EndedPostAttempt[]): Promise<BeginPostAttempt>;
  /**
   * Writes, in one transaction, how attempts ended (`ended`, as beginPostAttempt does) and withdraws attempts whose
   * buyer was never called (`withdrawn`: their beginning was written but its reply lost, so nothing was posted). Only
   * attempts still `posting` change.
   */
  settlePostAttempts(ended: readonly EndedPostAttempt[], withdrawn: readonly string[]): Promise<void>;
  /** Marks an attempt found `posting` after its poster died as `uncertain`; false when it was no longer `posting`. */
  markPostAttemptUncertain(id: string): Promise<boolean>;
  /**
   * Marks `uncertain` every attempt still `posting` that began before `startedBefore` and whose auction has no lead:
   * nobody is left to record its answer. Answers how many.
   */
  reconcilePostAttempts(startedBefore: number): Promise<number>;
  /**
   * Records the operator's decision on an uncertain (or accepted but unrecorded) attempt; `sold` is written after the
   * sale itself (saveLead). False when it was resolved before or is not uncertain.
   */
  resolvePostAttempt(id: string, resolution: PostAttemptResolution, at: number): Promise<boolean>;
  getPostAttempt(id: string): Promise<PostAttempt | undefined>;
  /** Post attempts, newest first (by start). */
  listPostAttempts(query: PostAttemptQuery): Promise<PostAttempt[]>;
}

/** The money ledger: immutable entries per lead. */
export interface LedgerPort {
  /** Appends ledger entries in one transaction; an entry whose id is already there is kept as it was. */
  appendLedger(entries: readonly LedgerEntry[]): Promise<void>;
  /** A lead's ledger entries, in the order written. */
  ledgerFor(leadId: string): Promise<LedgerEntry[]>;
  /** A buyer's charges and refunds created in [from, to) (epoch ms), oldest first, at most `limit`: its statement. */
  ledgerOfParty(partyId: string, from: number, to: number, limit: number): Promise<LedgerEntry[]>;
  /** Totals per kind and party of the entries created in [from, to) (epoch ms). */
  ledgerTotals(from: number, to: number): Promise<LedgerTotal[]>;
  /** Leads whose entries do not balance (Σ buyer − Σ source ≠ Σ margin), with the difference: empty when sound. */
  ledgerImbalances(): Promise<{ lead_id: string; cents: number }[]>;
}

/** Buyers' returns of leads they bought, and their decisions. */
export interface ReturnsPort {
  /** Records a return request unless this buyer already returned this lead; answers the one stored. */
  createReturn(request: ReturnRecord): Promise<{ created: boolean; record: ReturnRecord }>;
  getReturn(id: string): Promise<ReturnRecord | undefined>;
  /** Returns, newest first. */
  listReturns(query: ReturnQuery): Promise<ReturnRecord[]>;
  /**
   * Decides a pending return and, in the same transaction, writes what the decision moves (ledger entries, the
   * source's postback). Answers the decided return, or undefined when it was not pending (decided before).
   */
  decideReturn(
    id: string,
    decision: { status: "approved" | "rejected"; decided_at: number; decided_by: "operator" | "auto" },
    effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] },
  ): Promise<ReturnRecord | undefined>;
  /**
   * Records the lead an approved return was offered again as. With `claim`, takes the right to resell it: true only
   * for the first caller (the column was unset), so a lead is never resold twice. `null` gives a failed claim back.
   */
  setReturnResale(id: string, leadId: string | null, claim?: boolean): Promise<boolean>;
  /** Of these leads, those with an approved return (sold, then returned and refunded). */
  returnedLeadIds(leadIds: readonly string[]): Promise<Set<string>>;
  /** Per buyer: approved returns (and pending ones) among what it bought, for return rates. */
  returnCounts(buyerId: string): Promise<{ approved: number; pending: number }>;
}

/** Buyer feedback: how far each bought lead got. */
export interface ConversionsPort {
  /** Records a buyer's conversion unless it reported this stage of this lead before; answers the one stored. */
  recordConversion(conversion: ConversionRecord): Promise<{ created: boolean; record: ConversionRecord }>;
  /** One buyer's conversions of one lead, in funnel order. */
  conversionsOf(leadId: string, buyerId: string): Promise<ConversionRecord[]>;
  /** Per group: sales, stages reached and closed value (see ConversionReportRow), ordered by group. */
  conversionReport(query: ConversionReportQuery): Promise<ConversionReportRow[]>;
}

/** Messages the exchange owes (postbacks, webhooks, notices), delivered at least once. */
export interface OutboxPort {
  /**
   * Claims up to `limit` pending outbox items due by `now` for delivery: each gets `attempts + 1` and a lease (its
   * run_at moves to now + leaseMs, so a worker that dies mid-delivery leaves it due again). Several instances may
   * claim at once; no item is handed to two of them (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /**
   * Records how a claimed item's delivery ended, if the claim still holds: `leasedUntil` is the run_at the claim gave
   * the item. False when it no longer does (the lease lapsed and another claim took the item over, or it was replayed):
   * then nothing changes, and the later claim's result is the one recorded.
   */
  settleOutbox(id: string, leasedUntil: number, settlement: OutboxSettlement): Promise<boolean>;
  /** Outbox items, newest first. */
  listOutbox(query: OutboxQuery): Promise<OutboxItem[]>;
  /**
   * Adds items to the outbox on their own (not with a sale); an item whose id is already there is left alone, so
   * instances enqueueing the same message at once write it once. Answers how many were new.
   */
  enqueueOutbox(items: readonly OutboxItem[]): Promise<number>;
  /** Makes a dead (or done) item pending again, due now, with its attempts reset. False when there is no such item. */
  replayOutbox(id: string, now: number): Promise<boolean>;
}

/** Suppression lists of contact hashes. */
export interface SuppressionsPort {
  /** Adds hashes to a suppression list in one transaction (one already there is kept). Returns how many were new. */
  addSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number>;
  /** Removes hashes from a suppression list. Returns how many were there. */
  removeSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number>;
  /** Every suppression entry of every list (or of one): what the in-memory index is built from at start, on reload. */
  loadSuppressions(listId?: string): Promise<SuppressionEntry[]>;
  /** How many hashes a suppression list holds. */
  countSuppressions(listId: string): Promise<number>;
}

/** Prepaid buyers' deposits and spend. */
export interface FundsPort {
  /**
   * Records a top-up unless a deposit with its id exists. Returns the deposit as stored: `added` false means the id
   * was known, and `deposit` is the one stored first (the caller checks it matches).
   */
  addDeposit(deposit: BuyerDeposit): Promise<{ added: boolean; deposit: BuyerDeposit }>;
  /** Each buyer's deposits summed (only buyers with deposits); one buyer's when `buyerId` is given. */
  depositTotals(buyerId?: string): Promise<BuyerCents[]>;
  /** Each buyer's lifetime spend: what its sold leads cost it (only buyers with sales); one buyer's when given. */
  spendTotals(buyerId?: string): Promise<BuyerCents[]>;
}

/** Report sums, from the hourly rollups every write keeps up to date. */
export interface ReportsPort {
  /**
   * A report's sums per group, read from the hourly report rollups (src/domain/rollup.ts) that every write of
   * pings, outcomes and leads keeps up to date in its own transaction.
   */
  report(query: ReportQuery): Promise<ReportRow[]>;
  /**
   * Recomputes the report rollups from the stored pings, outcomes and leads (after the upgrade that added them, or a
   * bulk import). Writers wait meanwhile; what they write is counted once.
   */
  rebuildReportRollups(): Promise<void>;
}

/** People who log in to the web console, and their sessions. */
export interface ConsoleUsersPort {
  /** Creates the console user, or replaces the one with the same email (keeping its id) and ends its sessions. */
  putUser(user: ConsoleUser): Promise<ConsoleUser>;
  /** Removes a console user and ends its sessions, in one transaction. False when there was none. */
  deleteUser(id: string): Promise<boolean>;
  getUser(id: string): Promise<ConsoleUser | undefined>;
  getUserByEmail(email: string): Promise<ConsoleUser | undefined>;
  /** Every console user, by email. */
  listUsers(): Promise<ConsoleUser[]>;
  /** Stores a new session, and drops the sessions that expired before it began. */
  createSession(session: ConsoleSession): Promise<void>;
  /** The session with this token hash, expired or not (the caller checks expires_at). */
  getSession(tokenSha256: string): Promise<ConsoleSession | undefined>;
  /** Ends a session (logout). */
  deleteSession(tokenSha256: string): Promise<void>;
}

/** Consumer privacy: retention purges, erasures, requests and key rotation (docs/privacy.md). */
export interface PrivacyPort {
  /**
   * Blanks the PII of one batch of leads past their retention (see PiiPurgeSelection): each keeps what `redact` leaves,
   * gets `pii_purged_at`, and loses its PII from trace details and notes too. Returns how many were purged (fewer than
   * the limit: the selection is done). Instances purging at once take different leads (PostgreSQL: SKIP LOCKED).
   */
  purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number>;
  /**
   * Blanks the PII of these leads (an erasure request) as purgeExpiredPii does, and cancels their pending deliveries
   * to buyers, in one transaction. Leads blanked before are left as they are.
   */
  erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure>;
  /** Records a consumer's access or erasure request. */
  recordPrivacyRequest(request: PrivacyRequestRecord): Promise<void>;
  /** Recorded privacy requests, newest first. */
  listPrivacyRequests(limit: number): Promise<PrivacyRequestRecord[]>;
  /**
   * Key rotation (`gavel keys rotate`): the leads after `after` in id order, at most `limit`, have their PII columns
   * sealed again under the current key (plain ones sealed for the first time); a lead changed meanwhile is left for
   * the next pass. Answers how many were read and resealed, and the last id read (the next call's `after`).
   */
  resealPii(
    after: string | undefined,
    limit: number,
  ): Promise<{ scanned: number; resealed: number; last?: string }>;
  /** After a complete reseal: forgets every key id but `keep`, so a start no longer needs the old keys. */
  retirePiiKeys(keep: string): Promise<string[]>;
}

/** Whether the store answers at all: what a readiness check asks. */
export interface ReadinessPort {
  /** Resolves when the store answers; rejects with a clear error when it does not. */
  ping(): Promise<void>;
}

/** How instances sharing a database hear of each other's changes to what they keep in memory. */
export interface ChangeFeedPort {
  /**
   * Calls `onChange` whenever an instance announces a change (PostgreSQL: LISTEN/NOTIFY), with what changed, or with
   * undefined when anything may have (the watch reconnected and changes made meanwhile were not heard). Absent on a
   * store only one process can open. Resolves to a function that stops watching.
   */
  watchConfig?(onChange: (change: SharedChange | undefined) => void): Promise<() => Promise<void>>;
  /** Tells every instance what changed (called after each write of shared state the instances keep in memory). */
  notifyConfigChanged?(change: SharedChange): Promise<void>;
}
