// The embedded store: one SQLite file through node:sqlite, WAL mode. A real product for a single machine.
// Reads run here (indexed lookups, microseconds); writes run on a writer thread so their fsyncs never stall pings.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { checkPiiKeysInUse, NO_PII_KEYS, type PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { type ReportQuery, type ReportRow, reportRowFrom, reportSql } from "../../reports/report-query.ts";
import type { AuditEvent, AuditQuery } from "../audit-events.ts";
import { auditEventFromRow, auditWhere } from "../audit-rows.ts";
import { sessionFromRow, userFromRow } from "../console-rows.ts";
import { leadFilterSql } from "../lead-filter.ts";
import {
  type BeginPostAttempt,
  type EndedPostAttempt,
  type PostAttempt,
  type PostAttemptQuery,
  type PostAttemptResolution,
  postAttemptFromRow,
} from "../post-attempts.ts";
import {
  buyerCentsFromRow,
  conversionFromRow,
  conversionReportRowFromRow,
  conversionReportSql,
  conversionStageRank,
  depositFromRow,
  LEAD_SORT_KEYS,
  LEAD_STATUSES,
  leadFromRow,
  leadRedactionRow,
  ledgerEntryFromRow,
  ledgerTotalFromRow,
  newestFirstPage,
  outboxFromRow,
  outcomeFromRow,
  pingFromRow,
  privacyRequestFromRow,
  type Row,
  type RowCodec,
  resealRows,
  returnFromRow,
  SQLITE_CODEC,
  saleSummaryFromRow,
  withPiiKeys,
} from "../record-rows.ts";
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
} from "../records.ts";
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
import { SQLITE_MIGRATIONS } from "./migrations.ts";
import { inTransaction, openSqlite } from "./open-sqlite.ts";
import { SqliteWriter } from "./sqlite-writer.ts";
import { SqliteWrites } from "./sqlite-writes.ts";

export class SqliteStore implements Store {
  /** Reads and migrations; every other write goes through the writer thread. */
  readonly #db: DatabaseSync;
  readonly #writer: SqliteWriter;
  readonly #statements = new Map<string, StatementSync>();
  /** Rows to records, with the keys that open (and seal) leads' PII. */
  readonly #codec: RowCodec;

  /** Opens (creating when needed) `gavel.db` in the data folder; PII is sealed with `piiKeys`' current key. */
  constructor(dataDir: string, options: { piiKeys?: PiiKeyRing } = {}) {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, "gavel.db");
    this.#db = openSqlite(path);
    const piiKeys = options.piiKeys ?? NO_PII_KEYS;
    this.#codec = withPiiKeys(SQLITE_CODEC, piiKeys);
    this.#writer = new SqliteWriter(path, piiKeys);
  }

  async migrate(): Promise<void> {
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    );
    const row = this.#db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    for (let version = current + 1; version <= SQLITE_MIGRATIONS.length; version++) {
      inTransaction(this.#db, () => {
        this.#db.exec(SQLITE_MIGRATIONS[version - 1]!);
        this.#db
          .prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
          .run(version, Date.now());
      });
    }
    this.#checkPiiKeys();
    // Upgrading a store that has events past a migration of the rollups: they start again from what is there.
    const rollupVersion = SQLITE_MIGRATIONS.findLastIndex((sql) => sql.includes("report_rollup")) + 1;
    if (current < rollupVersion && this.#db.prepare("SELECT 1 FROM pings LIMIT 1").get()) {
      new SqliteWrites(this.#db).rebuildReportRollups();
    }
  }

  /** Refuses to start without a key the leads may be sealed with; records the current key as one from now on. */
  #checkPiiKeys(): void {
    const rows = this.#db.prepare("SELECT key_id FROM pii_key_ids").all() as { key_id: string }[];
    const inUse = rows.map((row) => row.key_id);
    checkPiiKeysInUse(this.#codec.pii, inUse);
    const current = this.#codec.pii.current;
    if (current && !inUse.includes(current.id)) {
      this.#db
        .prepare("INSERT OR IGNORE INTO pii_key_ids (key_id, first_used_at) VALUES (?, ?)")
        .run(current.id, Date.now());
    }
  }

  async resealPii(
    after: string | undefined,
    limit: number,
  ): Promise<{ scanned: number; resealed: number; last?: string }> {
    const rows = this.#statement("SELECT id, lead, consent FROM leads WHERE id > ? ORDER BY id LIMIT ?").all(
      after ?? "",
      limit,
    ) as { id: string; lead: string; consent: string }[];
    const reseals = resealRows(rows, this.#codec, String);
    const resealed = reseals.length
      ? ((await this.#writer.call({ op: "resealLeads", rows: reseals })) as number)
      : 0;
    return { scanned: rows.length, resealed, ...(rows.length ? { last: rows[rows.length - 1]!.id } : {}) };
  }

  async retirePiiKeys(keep: string): Promise<string[]> {
    return (await this.#writer.call({ op: "retirePiiKeys", keep })) as string[];
  }

  async loadConfig(): Promise<StoredConfig> {
    const rows = this.#db.prepare("SELECT kind, body FROM config_entities ORDER BY kind, id").all() as {
      kind: string;
      body: string;
    }[];
    const config: StoredConfig = { settings: {}, verticals: [], sources: [], buyers: [], campaigns: [] };
    for (const { kind, body } of rows) {
      const entity = JSON.parse(body);
      if (kind === "settings") config.settings = entity;
      else if (kind === "vertical") config.verticals.push(entity);
      else if (kind === "source") config.sources.push(entity);
      else if (kind === "buyer") config.buyers.push(entity);
      else if (kind === "campaign") config.campaigns.push(entity);
    }
    return config;
  }

  async putConfig(kind: ConfigKind, entity: { id: string }, audit?: AuditEvent): Promise<void> {
    await this.#writer.call({ op: "putEntity", kind, id: entity.id, body: entity, audit });
  }

  async deleteConfig(kind: ConfigKind, id: string, audit?: AuditEvent): Promise<boolean> {
    return (await this.#writer.call({ op: "deleteEntity", kind, id, audit })) as boolean;
  }

  async putSettings(settings: object, audit?: AuditEvent): Promise<void> {
    await this.#writer.call({ op: "putEntity", kind: "settings", id: "settings", body: settings, audit });
  }

  async appendAuditEvent(event: AuditEvent): Promise<void> {
    await this.#writer.call({ op: "appendAuditEvent", event });
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEvent[]> {
    const { where, values, limitAt } = auditWhere(query, () => "?");
    const rows = this.#statement(`SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT ${limitAt}`).all(
      ...(values as SQLInputValue[]),
    ) as Row[];
    return rows.map((row) => auditEventFromRow(row, SQLITE_CODEC));
  }

  async appendAuctionEvents(pings: readonly PingRecord[], outcomes: readonly OutcomeRecord[]): Promise<void> {
    await this.#writer.call({ op: "appendAuctionEvents", pings, outcomes });
  }

  async saveLead(
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outbox: readonly OutboxItem[] = [],
    ledger: readonly LedgerEntry[] = [],
  ): Promise<void> {
    await this.#writer.call({ op: "saveLead", lead, outcomes, outbox, ledger });
  }

  async appendLedger(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length > 0) await this.#writer.call({ op: "appendLedger", entries });
  }

  async beginPostAttempt(
    attempt: PostAttempt,
    ended: readonly EndedPostAttempt[] = [],
  ): Promise<BeginPostAttempt> {
    return (await this.#writer.call({ op: "beginPostAttempt", attempt, ended })) as BeginPostAttempt;
  }

  async markPostAttemptUncertain(id: string): Promise<boolean> {
    return (await this.#writer.call({ op: "markPostAttemptUncertain", id })) as boolean;
  }

  async reconcilePostAttempts(startedBefore: number): Promise<number> {
    return (await this.#writer.call({ op: "reconcilePostAttempts", startedBefore })) as number;
  }

  async resolvePostAttempt(id: string, resolution: PostAttemptResolution, at: number): Promise<boolean> {
    return (await this.#writer.call({ op: "resolvePostAttempt", id, resolution, at })) as boolean;
  }

  async getPostAttempt(id: string): Promise<PostAttempt | undefined> {
    const row = this.#statement("SELECT * FROM post_attempts WHERE id = ?").get(id) as Row | undefined;
    return row && postAttemptFromRow(row);
  }

  async listPostAttempts(query: PostAttemptQuery): Promise<PostAttempt[]> {
    const { sql, params } = newestFirstPage("post_attempts", "?", query);
    return (this.#statement(sql).all(...params) as Row[]).map(postAttemptFromRow);
  }

  async ledgerFor(leadId: string): Promise<LedgerEntry[]> {
    const rows = this.#statement("SELECT * FROM ledger_entries WHERE lead_id = ? ORDER BY rowid").all(leadId);
    return (rows as Row[]).map(ledgerEntryFromRow);
  }

  async ledgerOfParty(partyId: string, from: number, to: number, limit: number): Promise<LedgerEntry[]> {
    const rows = this.#statement(
      `SELECT * FROM ledger_entries WHERE party_id = ? AND created_at >= ? AND created_at < ?
       ORDER BY created_at, rowid LIMIT ?`,
    ).all(partyId, from, to, limit);
    return (rows as Row[]).map(ledgerEntryFromRow);
  }

  async ledgerTotals(from: number, to: number): Promise<LedgerTotal[]> {
    const rows = this.#statement(
      `SELECT kind, party_id, SUM(amount_cents) AS cents FROM ledger_entries
       WHERE created_at >= ? AND created_at < ? GROUP BY kind, party_id ORDER BY kind, party_id`,
    ).all(from, to);
    return (rows as Row[]).map(ledgerTotalFromRow);
  }

  async createReturn(record: ReturnRecord): Promise<{ created: boolean; record: ReturnRecord }> {
    const created = (await this.#writer.call({ op: "createReturn", record })) as boolean;
    if (created) return { created, record };
    const row = this.#statement("SELECT * FROM returns WHERE id = ? OR (lead_id = ? AND buyer_id = ?)").get(
      record.id,
      record.lead_id,
      record.buyer_id,
    ) as Row;
    return { created, record: returnFromRow(row) };
  }

  async getReturn(id: string): Promise<ReturnRecord | undefined> {
    const row = this.#statement("SELECT * FROM returns WHERE id = ?").get(id) as Row | undefined;
    return row && returnFromRow(row);
  }

  async listReturns(query: ReturnQuery): Promise<ReturnRecord[]> {
    const { sql, params } = newestFirstPage("returns", "?", query);
    const rows = this.#statement(sql).all(...params) as Row[];
    return rows.map(returnFromRow);
  }

  async decideReturn(
    id: string,
    decision: { status: "approved" | "rejected"; decided_at: number; decided_by: "operator" | "auto" },
    effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] },
  ): Promise<ReturnRecord | undefined> {
    const row = (await this.#writer.call({ op: "decideReturn", id, decision, effects })) as Row | undefined;
    return row && returnFromRow(row);
  }

  async setReturnResale(id: string, leadId: string | null, claim = false): Promise<boolean> {
    return (await this.#writer.call({ op: "setReturnResale", id, leadId, claim })) as boolean;
  }

  async returnCounts(buyerId: string): Promise<{ approved: number; pending: number }> {
    const row = this.#statement(
      `SELECT COUNT(*) FILTER (WHERE status = 'approved') AS approved,
              COUNT(*) FILTER (WHERE status = 'pending') AS pending
       FROM returns WHERE buyer_id = ?`,
    ).get(buyerId) as Row;
    return { approved: Number(row.approved), pending: Number(row.pending) };
  }

  async salesCount(buyerId: string): Promise<number> {
    const row = this.#statement(
      `SELECT (SELECT COUNT(*) FROM leads WHERE status = 'sold' AND test = 0 AND buyer_id = ?)
            + (SELECT COUNT(*) FROM leads, json_each(leads.shares) AS s
               WHERE leads.shares IS NOT NULL AND test = 0 AND s.value ->> 'buyer_id' = ?) AS count`,
    ).get(buyerId, buyerId) as Row;
    return Number(row.count);
  }

  async recordConversion(
    conversion: ConversionRecord,
  ): Promise<{ created: boolean; record: ConversionRecord }> {
    const created = (await this.#writer.call({ op: "recordConversion", record: conversion })) as boolean;
    if (created) return { created, record: conversion };
    const row = this.#statement(
      "SELECT * FROM conversions WHERE id = ? OR (lead_id = ? AND buyer_id = ? AND stage = ?)",
    ).get(conversion.id, conversion.lead_id, conversion.buyer_id, conversion.stage) as Row;
    return { created, record: conversionFromRow(row) };
  }

  async conversionsOf(leadId: string, buyerId: string): Promise<ConversionRecord[]> {
    const rows = this.#statement(
      `SELECT * FROM conversions WHERE lead_id = ? AND buyer_id = ? ORDER BY ${conversionStageRank("stage")}`,
    ).all(leadId, buyerId) as Row[];
    return rows.map(conversionFromRow);
  }

  async conversionReport(query: ConversionReportQuery): Promise<ConversionReportRow[]> {
    const rows = this.#statement(conversionReportSql(query.group_by, "sqlite")).all(query.from, query.to);
    return (rows as Row[]).map(conversionReportRowFromRow);
  }

  async listPurchases(query: PurchaseQuery): Promise<LeadRecord[]> {
    // Two index walks, in created order, each stopping at the page size: the leads it bought first, the shared ones
    // it bought a share of (shared leads are walked alone, through their own index).
    const [after, direction] = query.direction === "asc" ? [">", "ASC"] : ["<", "DESC"];
    const before = query.before
      ? `AND (created_at, id) ${after} (SELECT created_at, id FROM leads WHERE id = ?3)`
      : "AND ?3 IS NULL";
    const order = `ORDER BY created_at ${direction}, id ${direction} LIMIT ?2`;
    const rows = this.#statement(
      `SELECT * FROM (
         SELECT * FROM (SELECT * FROM leads WHERE status = 'sold' AND buyer_id = ?1 ${before} ${order})
         UNION ALL
         SELECT * FROM (SELECT * FROM leads WHERE shares IS NOT NULL AND buyer_id <> ?1 ${before}
                          AND EXISTS (SELECT 1 FROM json_each(leads.shares) AS s WHERE s.value ->> 'buyer_id' = ?1)
                        ${order}))
       ${order}`,
    ).all(query.buyer_id, query.limit, query.before ?? null) as Row[];
    return rows.map((row) => leadFromRow(row, this.#codec));
  }

  async ledgerImbalances(): Promise<{ lead_id: string; cents: number }[]> {
    const rows = this.#statement(
      `SELECT lead_id, SUM(CASE WHEN kind IN ('buyer_charge', 'buyer_refund') THEN amount_cents
         ELSE -amount_cents END) AS cents
       FROM ledger_entries GROUP BY lead_id
       HAVING SUM(CASE WHEN kind IN ('buyer_charge', 'buyer_refund') THEN amount_cents ELSE -amount_cents END) <> 0
       ORDER BY lead_id`,
    ).all() as Row[];
    return rows.map((row) => ({ lead_id: String(row.lead_id), cents: Number(row.cents) }));
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    const rows = (await this.#writer.call({ op: "claimOutbox", now, limit, leaseMs })) as Row[];
    return rows.map((row) => outboxFromRow(row, SQLITE_CODEC));
  }

  async settleOutbox(id: string, settlement: OutboxSettlement): Promise<void> {
    await this.#writer.call({ op: "settleOutbox", id, settlement });
  }

  async replayOutbox(id: string, now: number): Promise<boolean> {
    return (await this.#writer.call({ op: "replayOutbox", id, now })) as boolean;
  }

  async listOutbox(query: OutboxQuery): Promise<OutboxItem[]> {
    const { sql, params } = newestFirstPage("outbox", "?", query);
    const rows = this.#statement(sql).all(...params) as Row[];
    return rows.map((row) => outboxFromRow(row, SQLITE_CODEC));
  }

  async salesSince(since: number): Promise<SaleSummary[]> {
    const rows = this.#statement(
      `SELECT campaign_id, buyer_id, source_id, buyer_price_cents, created_at FROM leads
       WHERE status = 'sold' AND created_at >= ?
       UNION ALL
       SELECT s.value ->> 'campaign_id', s.value ->> 'buyer_id', source_id, s.value ->> 'buyer_price_cents', created_at
       FROM leads, json_each(leads.shares) AS s
       WHERE leads.shares IS NOT NULL AND created_at >= ?`,
    ).all(since, since) as Row[];
    return rows.map(saleSummaryFromRow);
  }

  async getLead(id: string): Promise<LeadRecord | undefined> {
    const row = this.#statement("SELECT * FROM leads WHERE id = ?").get(id) as Row | undefined;
    return row && leadFromRow(row, this.#codec);
  }

  async getLeadByAuction(auctionId: string): Promise<LeadRecord | undefined> {
    const row = this.#statement("SELECT * FROM leads WHERE auction_id = ?").get(auctionId) as Row | undefined;
    return row && leadFromRow(row, this.#codec);
  }

  async listLeads(query: LeadQuery): Promise<LeadRecord[]> {
    const sort = query.sort ?? "created_at";
    const key = LEAD_SORT_KEYS[sort];
    const [after, direction] = query.direction === "asc" ? [">", "ASC"] : ["<", "DESC"];
    const filter = leadFilterSql(
      query,
      (index) => `?${index}`,
      4,
      (test) => (test ? 1 : 0),
    );
    const source = `${query.source_id ? "AND source_id = ?3" : "AND ?3 IS NULL"}${filter.sql}`;
    // A price order walks an index led by status (two values): one status directly, both as a merge of the two walks.
    const statuses = query.status ? [query.status] : sort === "created_at" ? [undefined] : LEAD_STATUSES;
    // Each walk seeks to its start and stops at the page size. After a cursor, a walk is two: the rest of the
    // cursor's tie (same value, ids after it), then the values after it. A row value `(key, id) < (…)` would be one,
    // but SQLite seeks on its first column only (on an expression, not at all), and a tie can be 400,000 unsold leads.
    const walks = statuses.flatMap((status) => {
      // Statuses interleave in time: a created-at order walks leads_created and checks the status row by row (the
      // `+` keeps SQLite from sorting a whole status's leads out of a price index instead).
      const where = `${status ? `${sort === "created_at" ? "+" : ""}status = '${status}'` : "1"} ${source}`;
      // The cursor stays a lead id in every order (clients keep one shape, nothing to encode or version): its sort
      // value is looked up here, one primary-key probe.
      const cursorKey = `(SELECT ${key} FROM leads WHERE id = ?1)`;
      return query.before
        ? [
            `SELECT * FROM leads WHERE ${where} AND ${key} = ${cursorKey} AND id ${after} ?1
             ORDER BY id ${direction} LIMIT ?2`,
            `SELECT * FROM leads WHERE ${where} AND ${key} ${after} ${cursorKey}
             ORDER BY ${key} ${direction}, id ${direction} LIMIT ?2`,
          ]
        : [`SELECT * FROM leads WHERE ${where} ORDER BY ${key} ${direction}, id ${direction} LIMIT ?2`];
    });
    const sql =
      walks.length === 1
        ? walks[0]!
        : `SELECT * FROM (${walks.map((walk) => `SELECT * FROM (${walk})`).join(" UNION ALL ")})
           ORDER BY ${key} ${direction}, id ${direction} LIMIT ?2`;
    const rows = this.#statement(sql).all(
      query.before ?? null,
      query.limit,
      query.source_id ?? null,
      ...(filter.params as SQLInputValue[]),
    ) as Row[];
    return rows.map((row) => leadFromRow(row, this.#codec));
  }

  async leadsOfContact(contact: SuppressionHash, limit: number): Promise<LeadRecord[]> {
    const column = contact.kind === "email" ? "email_sha256" : "phone_sha256";
    const rows = this.#statement(
      `SELECT * FROM leads WHERE ${column} = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(contact.sha256, limit) as Row[];
    return rows.map((row) => leadFromRow(row, this.#codec));
  }

  async purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number> {
    // One process writes this file, so reading the batch here and blanking it on the writer thread cannot race
    // another purge; a lead blanked meanwhile by an erasure is skipped by the write (pii_purged_at IS NULL).
    const rows = this.#statement(
      `SELECT * FROM leads WHERE vertical = ? AND status = ? AND pii_purged_at IS NULL AND created_at < ?
       ORDER BY created_at LIMIT ?`,
    ).all(selection.vertical, selection.status, selection.created_before, selection.limit) as Row[];
    if (rows.length === 0) return 0;
    const redactions = rows.map((row) =>
      leadRedactionRow(leadFromRow(row, this.#codec), redact, this.#codec),
    );
    const result = (await this.#writer.call({
      op: "redactLeads",
      rows: redactions,
      at,
      cancelDeliveries: false,
    })) as PiiErasure;
    return result.leads;
  }

  async erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure> {
    const leads = (await Promise.all(leadIds.map((id) => this.getLead(id)))).filter(
      (lead): lead is LeadRecord => lead !== undefined && lead.pii_purged_at === undefined,
    );
    if (leads.length === 0) return { leads: 0, deliveries_cancelled: 0 };
    const rows = leads.map((lead) => leadRedactionRow(lead, redact, this.#codec));
    return (await this.#writer.call({ op: "redactLeads", rows, at, cancelDeliveries: true })) as PiiErasure;
  }

  async recordPrivacyRequest(request: PrivacyRequestRecord): Promise<void> {
    await this.#writer.call({ op: "recordPrivacyRequest", request });
  }

  async listPrivacyRequests(limit: number): Promise<PrivacyRequestRecord[]> {
    const rows = this.#statement(
      "SELECT * FROM privacy_requests ORDER BY created_at DESC, id DESC LIMIT ?",
    ).all(limit) as Row[];
    return rows.map((row) => privacyRequestFromRow(row, SQLITE_CODEC));
  }

  async getPing(id: string): Promise<PingRecord | undefined> {
    const row = this.#statement("SELECT * FROM pings WHERE id = ?").get(id) as Row | undefined;
    return row && pingFromRow(row, SQLITE_CODEC);
  }

  async getOutcomes(auctionId: string): Promise<OutcomeRecord[]> {
    const rows = this.#statement(
      "SELECT * FROM outcomes WHERE auction_id = ? ORDER BY phase = 'post', rowid",
    ).all(auctionId) as Row[];
    return rows.map(outcomeFromRow);
  }

  async heldPings(now: number): Promise<PingRecord[]> {
    const rows = this.#statement(
      `SELECT * FROM pings WHERE status = 'bid' AND kind = 'ping' AND expires_at > ?
         AND NOT EXISTS (SELECT 1 FROM leads WHERE leads.auction_id = pings.id)`,
    ).all(now) as Row[];
    return rows.map((row) => pingFromRow(row, SQLITE_CODEC));
  }

  async addSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    if (hashes.length === 0) return 0;
    return (await this.#writer.call({ op: "addSuppressions", listId, hashes, at: Date.now() })) as number;
  }

  async removeSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    if (hashes.length === 0) return 0;
    return (await this.#writer.call({ op: "removeSuppressions", listId, hashes })) as number;
  }

  async loadSuppressions(listId?: string): Promise<SuppressionEntry[]> {
    const rows =
      listId === undefined
        ? this.#statement("SELECT list_id, kind, sha256 FROM suppressions").all()
        : this.#statement("SELECT list_id, kind, sha256 FROM suppressions WHERE list_id = ?").all(listId);
    return rows as unknown as SuppressionEntry[];
  }

  async countSuppressions(listId: string): Promise<number> {
    const row = this.#statement("SELECT COUNT(*) AS count FROM suppressions WHERE list_id = ?").get(
      listId,
    ) as {
      count: number;
    };
    return row.count;
  }

  async putUser(user: ConsoleUser): Promise<ConsoleUser> {
    await this.#writer.call({ op: "putUser", user });
    return (await this.getUserByEmail(user.email))!;
  }

  async deleteUser(id: string): Promise<boolean> {
    return (await this.#writer.call({ op: "deleteUser", id })) as boolean;
  }

  async getUser(id: string): Promise<ConsoleUser | undefined> {
    const row = this.#statement("SELECT * FROM console_users WHERE id = ?").get(id) as Row | undefined;
    return row ? userFromRow(row) : undefined;
  }

  async getUserByEmail(email: string): Promise<ConsoleUser | undefined> {
    const row = this.#statement("SELECT * FROM console_users WHERE email = ?").get(email) as Row | undefined;
    return row ? userFromRow(row) : undefined;
  }

  async listUsers(): Promise<ConsoleUser[]> {
    return (this.#statement("SELECT * FROM console_users ORDER BY email").all() as Row[]).map(userFromRow);
  }

  async createSession(session: ConsoleSession): Promise<void> {
    await this.#writer.call({ op: "createSession", session });
  }

  async getSession(tokenSha256: string): Promise<ConsoleSession | undefined> {
    const row = this.#statement("SELECT * FROM console_sessions WHERE token_sha256 = ?").get(tokenSha256) as
      | Row
      | undefined;
    return row ? sessionFromRow(row) : undefined;
  }

  async deleteSession(tokenSha256: string): Promise<void> {
    await this.#writer.call({ op: "deleteSession", tokenSha256 });
  }

  async addDeposit(deposit: BuyerDeposit): Promise<{ added: boolean; deposit: BuyerDeposit }> {
    const added = (await this.#writer.call({ op: "addDeposit", deposit })) as boolean;
    if (added) return { added, deposit };
    const row = this.#statement("SELECT * FROM buyer_deposits WHERE id = ?").get(deposit.id) as Row;
    return { added, deposit: depositFromRow(row) };
  }

  async depositTotals(buyerId?: string): Promise<BuyerCents[]> {
    const rows = buyerId
      ? this.#statement(
          "SELECT buyer_id, SUM(amount_cents) AS cents FROM buyer_deposits WHERE buyer_id = ? GROUP BY buyer_id",
        ).all(buyerId)
      : this.#statement(
          "SELECT buyer_id, SUM(amount_cents) AS cents FROM buyer_deposits GROUP BY buyer_id",
        ).all();
    return (rows as Row[]).map(buyerCentsFromRow);
  }

  async spendTotals(buyerId?: string): Promise<BuyerCents[]> {
    // The first buyer of every sold lead, and each other buyer of a shared one.
    const sql = `SELECT buyer_id, SUM(cents) AS cents FROM (
                   SELECT buyer_id, buyer_price_cents AS cents FROM leads
                   WHERE status = 'sold' AND buyer_id IS NOT NULL
                   UNION ALL
                   SELECT s.value ->> 'buyer_id', s.value ->> 'buyer_price_cents' FROM leads, json_each(leads.shares) AS s
                   WHERE leads.shares IS NOT NULL)`;
    const rows = buyerId
      ? this.#statement(`${sql} WHERE buyer_id = ? GROUP BY buyer_id`).all(buyerId)
      : this.#statement(`${sql} GROUP BY buyer_id`).all();
    return (rows as Row[]).map(buyerCentsFromRow);
  }

  async report(query: ReportQuery): Promise<ReportRow[]> {
    // Not cached: each report's SQL differs (its range and offsets are inlined).
    const rows = this.#db.prepare(reportSql(query, "sqlite")).all() as Row[];
    return rows.map((row) => reportRowFrom(row, query));
  }

  async rebuildReportRollups(): Promise<void> {
    await this.#writer.call({ op: "rebuildReportRollups" });
  }

  async ping(): Promise<void> {
    this.#statement("SELECT 1").get();
  }

  async close(): Promise<void> {
    await this.#writer.close();
    if (this.#db.isOpen) this.#db.close();
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
