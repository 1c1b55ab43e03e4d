// Everything the SQL stores do alike, written once: each method is a statement of src/store/sql/*-queries.ts (or a
// write of SqlWrites) and the mapping of its rows. A store supplies how it reads (`read`), how it runs one write in
// one transaction (`write`), and what only its database does (migrations, reports, locking, watching changes).
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
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
} from "../../domain/records.ts";
import type { ReportQuery, ReportRow } from "../../domain/report-query.ts";
import type { AuditEvent, AuditQuery } from "../audit-events.ts";
import { auditEventFromRow } from "../audit-rows.ts";
import { sessionFromRow, userFromRow } from "../console-rows.ts";
import type {
  BeginPostAttempt,
  EndedPostAttempt,
  PostAttempt,
  PostAttemptQuery,
  PostAttemptResolution,
} from "../post-attempts.ts";
import { postAttemptFromRow } from "../post-attempts.ts";
import {
  buyerCentsFromRow,
  conversionFromRow,
  conversionReportRowFromRow,
  depositFromRow,
  leadFromRow,
  ledgerEntryFromRow,
  ledgerTotalFromRow,
  outboxFromRow,
  outcomeFromRow,
  pingFromRow,
  privacyRequestFromRow,
  type Row,
  type RowCodec,
  resealRows,
  returnFromRow,
  saleSummaryFromRow,
  withPiiKeys,
} from "../record-rows.ts";
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
  Store,
  StoredConfig,
  SuppressionEntry,
  SuppressionHash,
} from "../store.ts";
import * as auctionLog from "./auction-log-queries.ts";
import * as consoleQueries from "./console-queries.ts";
import type { Dialect, Statement } from "./dialect.ts";
import * as leads from "./lead-queries.ts";
import * as money from "./money-queries.ts";
import { newestFirstPage } from "./page-queries.ts";
import * as returns from "./return-queries.ts";
import { codecOf } from "./rollup-writes.ts";
import type { WriteArgs, WriteOp, WriteResult } from "./sql-writes.ts";
import * as suppressions from "./suppression-queries.ts";

export abstract class SqlStore implements Store {
  protected readonly dialect: Dialect;
  /** Rows to records, with the keys that seal and open leads' PII. */
  protected readonly codec: RowCodec;

  constructor(dialect: Dialect, piiKeys: PiiKeyRing) {
    this.dialect = dialect;
    this.codec = withPiiKeys(codecOf(dialect), piiKeys);
  }

  /** Runs one read. */
  protected abstract read(statement: Statement): Promise<Row[]>;
  /** Runs one write of SqlWrites, in a transaction of its own. */
  protected abstract write<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>>;

  abstract migrate(): Promise<void>;
  abstract report(query: ReportQuery): Promise<ReportRow[]>;
  abstract rebuildReportRollups(): Promise<void>;
  abstract purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number>;
  abstract erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure>;
  abstract close(): Promise<void>;

  async #one(statement: Statement): Promise<Row | undefined> {
    return (await this.read(statement))[0];
  }

  async ping(): Promise<void> {
    await this.read({ text: "SELECT 1", values: [] });
  }

  async loadConfig(): Promise<StoredConfig> {
    const config: StoredConfig = { settings: {}, verticals: [], sources: [], buyers: [], campaigns: [] };
    for (const { kind, body } of await this.read(consoleQueries.loadConfig(this.dialect))) {
      const entity = this.codec.json(body) as never;
      if (kind === "settings") config.settings = entity;
      else if (kind === "vertical") config.verticals.push(entity);
      else if (kind === "source") config.sources.push(entity);
      else if (kind === "buyer") config.buyers.push(entity);
      else if (kind === "campaign") config.campaigns.push(entity);
    }
    return config;
  }

  async putConfig(kind: ConfigKind, entity: { id: string }, audit?: AuditEvent): Promise<void> {
    await this.write("putEntity", kind, entity.id, entity, audit);
  }

  async deleteConfig(kind: ConfigKind, id: string, audit?: AuditEvent): Promise<boolean> {
    return this.write("deleteEntity", kind, id, audit);
  }

  async putSettings(settings: object, audit?: AuditEvent): Promise<void> {
    await this.write("putEntity", "settings", "settings", settings, audit);
  }

  async appendAuditEvent(event: AuditEvent): Promise<void> {
    await this.write("appendAuditEvent", event);
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEvent[]> {
    const rows = await this.read(consoleQueries.listAuditEvents(this.dialect, query));
    return rows.map((row) => auditEventFromRow(row, this.codec));
  }

  async appendAuctionEvents(pings: readonly PingRecord[], outcomes: readonly OutcomeRecord[]): Promise<void> {
    if (pings.length > 0 || outcomes.length > 0) await this.write("appendAuctionEvents", pings, outcomes);
  }

  async saveLead(
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outbox: readonly OutboxItem[] = [],
    ledger: readonly LedgerEntry[] = [],
  ): Promise<void> {
    await this.write("saveLead", lead, outcomes, outbox, ledger);
  }

  async beginPostAttempt(
    attempt: PostAttempt,
    ended: readonly EndedPostAttempt[] = [],
  ): Promise<BeginPostAttempt> {
    return this.write("beginPostAttempt", attempt, ended);
  }

  async markPostAttemptUncertain(id: string): Promise<boolean> {
    return this.write("markPostAttemptUncertain", id);
  }

  async reconcilePostAttempts(startedBefore: number): Promise<number> {
    return this.write("reconcilePostAttempts", startedBefore);
  }

  async resolvePostAttempt(id: string, resolution: PostAttemptResolution, at: number): Promise<boolean> {
    return this.write("resolvePostAttempt", id, resolution, at);
  }

  async getPostAttempt(id: string): Promise<PostAttempt | undefined> {
    const row = await this.#one({
      text: this.dialect.text("SELECT * FROM post_attempts WHERE id = $1"),
      values: [id],
    });
    return row && postAttemptFromRow(row);
  }

  async listPostAttempts(query: PostAttemptQuery): Promise<PostAttempt[]> {
    return (await this.read(newestFirstPage(this.dialect, "post_attempts", query))).map(postAttemptFromRow);
  }

  async appendLedger(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length > 0) await this.write("appendLedger", entries);
  }

  async ledgerFor(leadId: string): Promise<LedgerEntry[]> {
    return (await this.read(money.ledgerOfLead(this.dialect, leadId))).map(ledgerEntryFromRow);
  }

  async ledgerOfParty(partyId: string, from: number, to: number, limit: number): Promise<LedgerEntry[]> {
    return (await this.read(money.ledgerOfParty(this.dialect, partyId, from, to, limit))).map(
      ledgerEntryFromRow,
    );
  }

  async ledgerTotals(from: number, to: number): Promise<LedgerTotal[]> {
    return (await this.read(money.ledgerTotals(this.dialect, from, to))).map(ledgerTotalFromRow);
  }

  async ledgerImbalances(): Promise<{ lead_id: string; cents: number }[]> {
    const rows = await this.read(money.ledgerImbalances(this.dialect));
    return rows.map((row) => ({ lead_id: String(row.lead_id), cents: Number(row.cents) }));
  }

  async createReturn(record: ReturnRecord): Promise<{ created: boolean; record: ReturnRecord }> {
    if (await this.write("createReturn", record)) return { created: true, record };
    return {
      created: false,
      record: returnFromRow((await this.#one(returns.returnLike(this.dialect, record)))!),
    };
  }

  async getReturn(id: string): Promise<ReturnRecord | undefined> {
    const row = await this.#one(returns.getReturn(this.dialect, id));
    return row && returnFromRow(row);
  }

  async listReturns(query: ReturnQuery): Promise<ReturnRecord[]> {
    return (await this.read(newestFirstPage(this.dialect, "returns", query))).map(returnFromRow);
  }

  async decideReturn(
    id: string,
    decision: { status: "approved" | "rejected"; decided_at: number; decided_by: "operator" | "auto" },
    effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] },
  ): Promise<ReturnRecord | undefined> {
    const row = await this.write("decideReturn", id, decision, effects);
    return row && returnFromRow(row);
  }

  async setReturnResale(id: string, leadId: string | null, claim = false): Promise<boolean> {
    return this.write("setReturnResale", id, leadId, claim);
  }

  async returnCounts(buyerId: string): Promise<{ approved: number; pending: number }> {
    const row = (await this.#one(returns.returnCounts(this.dialect, buyerId)))!;
    return { approved: Number(row.approved), pending: Number(row.pending) };
  }

  async salesCount(buyerId: string): Promise<number> {
    return Number((await this.#one(leads.salesCount(this.dialect, buyerId)))!.count);
  }

  async recordConversion(
    conversion: ConversionRecord,
  ): Promise<{ created: boolean; record: ConversionRecord }> {
    if (await this.write("recordConversion", conversion)) return { created: true, record: conversion };
    const row = await this.#one(returns.conversionLike(this.dialect, conversion));
    return { created: false, record: conversionFromRow(row!) };
  }

  async conversionsOf(leadId: string, buyerId: string): Promise<ConversionRecord[]> {
    return (await this.read(returns.conversionsOf(this.dialect, leadId, buyerId))).map(conversionFromRow);
  }

  async conversionReport(query: ConversionReportQuery): Promise<ConversionReportRow[]> {
    return (await this.read(returns.conversionReport(this.dialect, query))).map(conversionReportRowFromRow);
  }

  async listPurchases(query: PurchaseQuery): Promise<LeadRecord[]> {
    return this.#leads(leads.listPurchases(this.dialect, query));
  }

  async salesSince(since: number): Promise<SaleSummary[]> {
    return (await this.read(leads.salesSince(this.dialect, since))).map(saleSummaryFromRow);
  }

  async getLead(id: string): Promise<LeadRecord | undefined> {
    return (await this.#leads(leads.getLead(this.dialect, id)))[0];
  }

  async getLeadByAuction(auctionId: string): Promise<LeadRecord | undefined> {
    return (await this.#leads(leads.leadOfAuction(this.dialect, auctionId)))[0];
  }

  async listLeads(query: LeadQuery): Promise<LeadRecord[]> {
    return this.#leads(leads.listLeads(this.dialect, query));
  }

  async leadsOfContact(contact: SuppressionHash, limit: number): Promise<LeadRecord[]> {
    return this.#leads(leads.leadsOfContact(this.dialect, contact, limit));
  }

  protected async leadsOf(statement: Statement): Promise<LeadRecord[]> {
    return this.#leads(statement);
  }

  async #leads(statement: Statement): Promise<LeadRecord[]> {
    return (await this.read(statement)).map((row) => leadFromRow(row, this.codec));
  }

  async getPing(id: string): Promise<PingRecord | undefined> {
    const row = await this.#one(auctionLog.getPing(this.dialect, id));
    return row && pingFromRow(row, this.codec);
  }

  async getOutcomes(auctionId: string): Promise<OutcomeRecord[]> {
    return (await this.read(auctionLog.outcomesOf(this.dialect, auctionId))).map(outcomeFromRow);
  }

  async heldPings(now: number): Promise<PingRecord[]> {
    return (await this.read(auctionLog.heldPings(this.dialect, now))).map((row) =>
      pingFromRow(row, this.codec),
    );
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    return (await this.write("claimOutbox", now, limit, leaseMs)).map((row) =>
      outboxFromRow(row, this.codec),
    );
  }

  async settleOutbox(id: string, settlement: OutboxSettlement): Promise<void> {
    await this.write("settleOutbox", id, settlement);
  }

  async listOutbox(query: OutboxQuery): Promise<OutboxItem[]> {
    const rows = await this.read(newestFirstPage(this.dialect, "outbox", query));
    return rows.map((row) => outboxFromRow(row, this.codec));
  }

  async replayOutbox(id: string, now: number): Promise<boolean> {
    return this.write("replayOutbox", id, now);
  }

  async addSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    return hashes.length === 0 ? 0 : this.write("addSuppressions", listId, hashes, Date.now());
  }

  async removeSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    return hashes.length === 0 ? 0 : this.write("removeSuppressions", listId, hashes);
  }

  async loadSuppressions(listId?: string): Promise<SuppressionEntry[]> {
    return (await this.read(
      suppressions.loadSuppressions(this.dialect, listId),
    )) as unknown as SuppressionEntry[];
  }

  async countSuppressions(listId: string): Promise<number> {
    return Number((await this.#one(suppressions.countSuppressions(this.dialect, listId)))?.count ?? 0);
  }

  async addDeposit(deposit: BuyerDeposit): Promise<{ added: boolean; deposit: BuyerDeposit }> {
    if (await this.write("addDeposit", deposit)) return { added: true, deposit };
    return {
      added: false,
      deposit: depositFromRow((await this.#one(money.getDeposit(this.dialect, deposit.id)))!),
    };
  }

  async depositTotals(buyerId?: string): Promise<BuyerCents[]> {
    return (await this.read(money.depositTotals(this.dialect, buyerId))).map(buyerCentsFromRow);
  }

  async spendTotals(buyerId?: string): Promise<BuyerCents[]> {
    return (await this.read(leads.spendTotals(this.dialect, buyerId))).map(buyerCentsFromRow);
  }

  async putUser(user: ConsoleUser): Promise<ConsoleUser> {
    return userFromRow(await this.write("putUser", user));
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.write("deleteUser", id);
  }

  async getUser(id: string): Promise<ConsoleUser | undefined> {
    const row = await this.#one(consoleQueries.getUser(this.dialect, id));
    return row && userFromRow(row);
  }

  async getUserByEmail(email: string): Promise<ConsoleUser | undefined> {
    const row = await this.#one(consoleQueries.userByEmail(this.dialect, email));
    return row && userFromRow(row);
  }

  async listUsers(): Promise<ConsoleUser[]> {
    return (await this.read(consoleQueries.listUsers(this.dialect))).map(userFromRow);
  }

  async createSession(session: ConsoleSession): Promise<void> {
    await this.write("createSession", session);
  }

  async getSession(tokenSha256: string): Promise<ConsoleSession | undefined> {
    const row = await this.#one(consoleQueries.getSession(this.dialect, tokenSha256));
    return row && sessionFromRow(row);
  }

  async deleteSession(tokenSha256: string): Promise<void> {
    await this.write("deleteSession", tokenSha256);
  }

  async recordPrivacyRequest(request: PrivacyRequestRecord): Promise<void> {
    await this.write("recordPrivacyRequest", request);
  }

  async listPrivacyRequests(limit: number): Promise<PrivacyRequestRecord[]> {
    const rows = await this.read(leads.privacyRequests(this.dialect, limit));
    return rows.map((row) => privacyRequestFromRow(row, this.codec));
  }

  async resealPii(
    after: string | undefined,
    limit: number,
  ): Promise<{ scanned: number; resealed: number; last?: string }> {
    const rows = await this.read(leads.leadsToReseal(this.dialect, after, limit));
    const reseals = resealRows(rows, this.codec);
    const resealed = reseals.length > 0 ? await this.write("resealLeads", reseals) : 0;
    return { scanned: rows.length, resealed, ...(rows.length ? { last: String(rows.at(-1)!.id) } : {}) };
  }

  async retirePiiKeys(keep: string): Promise<string[]> {
    return this.write("retirePiiKeys", keep);
  }
}
