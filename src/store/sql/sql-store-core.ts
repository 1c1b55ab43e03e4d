// The first half of what the SQL stores do alike (SqlStore, sql-store.ts, is the rest): configuration, the audit
// trail, the auction log, leads, the post journal and the ledger. Each method is a statement of *-queries.ts (or a
// write of SqlWrites) and the mapping of its rows.

import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import type { ContactHashes } from "../../compliance/suppression/suppression-hash.ts";
import type { LeadRecord, LedgerEntry, OutboxItem, OutcomeRecord, PingRecord } from "../../domain/records.ts";
import type { AuditEvent, AuditQuery } from "../audit-events.ts";
import { auditEventFromRow } from "../audit-rows.ts";
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
  leadFromRow,
  ledgerEntryFromRow,
  ledgerTotalFromRow,
  outcomeFromRow,
  pingFromRow,
  type Row,
  type RowCodec,
  saleSummaryFromRow,
  withPiiKeys,
} from "../record-rows.ts";
import type {
  BuyerCents,
  ConfigKind,
  LeadQuery,
  LedgerTotal,
  PurchaseQuery,
  SaleSummary,
  StoredConfig,
  SuppressionHash,
} from "../store.ts";
import * as auctionLog from "./auction-log-queries.ts";
import * as consoleQueries from "./console-queries.ts";
import type { Dialect, Statement } from "./dialect.ts";
import * as leads from "./lead-queries.ts";
import * as money from "./money-queries.ts";
import { newestFirstPage } from "./page-queries.ts";
import { codecOf } from "./rollup-writes.ts";
import type { WriteArgs, WriteOp, WriteResult } from "./sql-writes.ts";

export abstract class SqlStoreCore {
  protected readonly dialect: Dialect;
  /** Rows to records, with the keys that seal and open leads' PII. */
  protected readonly codec: RowCodec;

  constructor(dialect: Dialect, piiKeys: PiiKeyRing) {
    this.dialect = dialect;
    this.codec = withPiiKeys(codecOf(dialect), piiKeys);
  }

  /** Runs one read (or a statement safe to repeat, outside the writes: recording a PII key id at start). */
  protected abstract read(statement: Statement): Promise<Row[]>;
  /** Runs one write of SqlWrites, in a transaction of its own. */
  protected abstract write<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>>;

  protected async one(statement: Statement): Promise<Row | undefined> {
    return (await this.read(statement))[0];
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
    contact?: ContactHashes,
  ): Promise<void> {
    await this.write("saveLead", lead, outcomes, outbox, ledger, contact);
  }

  async beginPostAttempt(
    attempt: PostAttempt,
    ended: readonly EndedPostAttempt[] = [],
  ): Promise<BeginPostAttempt> {
    return this.write("beginPostAttempt", attempt, ended);
  }

  async settlePostAttempts(ended: readonly EndedPostAttempt[], withdrawn: readonly string[]): Promise<void> {
    await this.write("settlePostAttempts", ended, withdrawn);
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
    const row = await this.one({
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

  async salesCount(buyerId: string): Promise<number> {
    return Number((await this.one(leads.salesCount(this.dialect, buyerId)))!.count);
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
    const row = await this.one(auctionLog.getPing(this.dialect, id));
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

  async spendTotals(buyerId?: string): Promise<BuyerCents[]> {
    return (await this.read(leads.spendTotals(this.dialect, buyerId))).map(buyerCentsFromRow);
  }
}
