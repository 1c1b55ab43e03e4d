import { checkPiiKeysInUse } from "../../compliance/privacy/pii-cipher.ts";
import type {
  LedgerEntry,
  OutboxItem,
  OutboxSettlement,
  PiiErasure,
  PiiPurgeSelection,
  PiiRedaction,
  PrivacyRequestRecord,
  ReturnRecord,
} from "../../domain/records.ts";
import type { ReportQuery, ReportRow } from "../../domain/report-query.ts";
import type { AuctionPeriod, RecordedAuction } from "../auction-history.ts";
import { sessionFromRow, userFromRow } from "../console-rows.ts";
import {
  buyerCentsFromRow,
  conversionFromRow,
  conversionReportRowFromRow,
  depositFromRow,
  outboxFromRow,
  resealRows,
  returnFromRow,
} from "../record-rows.ts";
import type {
  BuyerCents,
  BuyerDeposit,
  ConsoleSession,
  ConsoleUser,
  ConversionRecord,
  ConversionReportQuery,
  ConversionReportRow,
  OutboxQuery,
  ReturnQuery,
  Store,
  SuppressionEntry,
  SuppressionHash,
} from "../store.ts";
import * as consoleQueries from "./console-queries.ts";
import * as money from "./money-queries.ts";
import { newestFirstPage } from "./page-queries.ts";
import * as privacy from "./privacy-queries.ts";
import * as returns from "./return-queries.ts";
import { SqlStoreCore } from "./sql-store-core.ts";
import * as suppressions from "./suppression-queries.ts";
export abstract class SqlStore extends SqlStoreCore implements Store {
  abstract migrate(): Promise<void>;
  abstract report(query: ReportQuery): Promise<ReportRow[]>;
  abstract rebuildReportRollups(): Promise<void>;
  abstract purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number>;
  abstract erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure>;
  abstract close(): Promise<void>;
  /** Each store reads the history through its own connection (a SQLite handle, or a cursor on a pooled client). */
  abstract auctionHistory(period: AuctionPeriod): Iterable<RecordedAuction> | AsyncIterable<RecordedAuction>;

  /** Refuses to start without a key the leads may be sealed with; records the current key as one from now on. */
  protected async checkPiiKeys(): Promise<void> {
    const rows = await this.read(privacy.piiKeysInUse(this.dialect));
    const inUse = rows.map((row) => String(row.key_id));
    checkPiiKeysInUse(this.codec.pii, inUse);
    const current = this.codec.pii.current;
    if (current && !inUse.includes(current.id))
      await this.read(privacy.recordPiiKey(this.dialect, current.id, Date.now()));
  }

  async ping(): Promise<void> {
    await this.read({ text: "SELECT 1", values: [] });
  }

  async createReturn(record: ReturnRecord): Promise<{ created: boolean; record: ReturnRecord }> {
    if (await this.write("createReturn", record)) return { created: true, record };
    return {
      created: false,
      record: returnFromRow((await this.one(returns.returnLike(this.dialect, record)))!),
    };
  }

  async getReturn(id: string): Promise<ReturnRecord | undefined> {
    const row = await this.one(returns.getReturn(this.dialect, id));
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

  async returnedLeadIds(leadIds: readonly string[]): Promise<Set<string>> {
    if (leadIds.length === 0) return new Set();
    const rows = await this.read(returns.returnedLeadIds(this.dialect, leadIds));
    return new Set(rows.map((row) => String(row.lead_id)));
  }

  async returnCounts(buyerId: string): Promise<{ approved: number; pending: number }> {
    const row = (await this.one(returns.returnCounts(this.dialect, buyerId)))!;
    return { approved: Number(row.approved), pending: Number(row.pending) };
  }

  async recordConversion(
    conversion: ConversionRecord,
  ): Promise<{ created: boolean; record: ConversionRecord }> {
    if (await this.write("recordConversion", conversion)) return { created: true, record: conversion };
    const row = await this.one(returns.conversionLike(this.dialect, conversion));
    return { created: false, record: conversionFromRow(row!) };
  }

  async conversionsOf(leadId: string, buyerId: string): Promise<ConversionRecord[]> {
    return (await this.read(returns.conversionsOf(this.dialect, leadId, buyerId))).map(conversionFromRow);
  }

  async conversionReport(query: ConversionReportQuery): Promise<ConversionReportRow[]> {
    return (await this.read(returns.conversionReport(this.dialect, query))).map(conversionReportRowFromRow);
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    return (await this.write("claimOutbox", now, limit, leaseMs)).map((row) =>
      outboxFromRow(row, this.codec),
    );
  }

  async settleOutbox(id: string, leasedUntil: number, settlement: OutboxSettlement): Promise<boolean> {
    return this.write("settleOutbox", id, leasedUntil, settlement);
  }

  async listOutbox(query: OutboxQuery): Promise<OutboxItem[]> {
    const rows = await this.read(newestFirstPage(this.dialect, "outbox", query));
    return rows.map((row) => outboxFromRow(row, this.codec));
  }

  async enqueueOutbox(items: readonly OutboxItem[]): Promise<number> {
    return items.length === 0 ? 0 : this.write("enqueueOutbox", items);
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
    return Number((await this.one(suppressions.countSuppressions(this.dialect, listId)))?.count ?? 0);
  }

  async addDeposit(deposit: BuyerDeposit): Promise<{ added: boolean; deposit: BuyerDeposit }> {
    if (await this.write("addDeposit", deposit)) return { added: true, deposit };
    return {
      added: false,
      deposit: depositFromRow((await this.one(money.getDeposit(this.dialect, deposit.id)))!),
    };
  }

  async depositTotals(buyerId?: string): Promise<BuyerCents[]> {
    return (await this.read(money.depositTotals(this.dialect, buyerId))).map(buyerCentsFromRow);
  }

  async putUser(user: ConsoleUser): Promise<ConsoleUser> {
    return userFromRow(await this.write("putUser", user));
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.write("deleteUser", id);
  }

  async getUser(id: string): Promise<ConsoleUser | undefined> {
    const row = await this.one(consoleQueries.getUser(this.dialect, id));
    return row && userFromRow(row);
  }

  async getUserByEmail(email: string): Promise<ConsoleUser | undefined> {
    const row = await this.one(consoleQueries.userByEmail(this.dialect, email));
    return row && userFromRow(row);
  }

  async listUsers(): Promise<ConsoleUser[]> {
    return (await this.read(consoleQueries.listUsers(this.dialect))).map(userFromRow);
  }

  async createSession(session: ConsoleSession): Promise<void> {
    await this.write("createSession", session);
  }

  async getSession(tokenSha256: string): Promise<ConsoleSession | undefined> {
    const row = await this.one(consoleQueries.getSession(this.dialect, tokenSha256));
    return row && sessionFromRow(row);
  }

  async deleteSession(tokenSha256: string): Promise<void> {
    await this.write("deleteSession", tokenSha256);
  }

  async recordPrivacyRequest(request: PrivacyRequestRecord): Promise<void> {
    await this.write("recordPrivacyRequest", request);
  }

  async listPrivacyRequests(limit: number): Promise<PrivacyRequestRecord[]> {
    const rows = await this.read(privacy.privacyRequests(this.dialect, limit));
    return rows.map((row) => privacy.privacyRequestFromRow(row, this.codec));
  }

  async resealPii(
    after: string | undefined,
    limit: number,
  ): Promise<{ scanned: number; resealed: number; last?: string }> {
    const rows = await this.read(privacy.leadsToReseal(this.dialect, after, limit));
    const reseals = resealRows(rows, this.codec);
    const resealed = reseals.length > 0 ? await this.write("resealLeads", reseals) : 0;
    return { scanned: rows.length, resealed, ...(rows.length ? { last: String(rows.at(-1)!.id) } : {}) };
  }

  async retirePiiKeys(keep: string): Promise<string[]> {
    return this.write("retirePiiKeys", keep);
  }
}
