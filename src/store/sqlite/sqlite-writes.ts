// Every write to the embedded SQLite file. Runs on the writer thread (sqlite-writer-thread.ts), so a commit's fsync
// never blocks the event loop that serves pings.

import type { DatabaseSync, SQLInputValue, SQLOutputValue, StatementSync } from "node:sqlite";
import { REASONS } from "../../domain/outcomes.ts";
import {
  type AuctionDimensions,
  type RollupBatch,
  rollupAuctionEvents,
  rollupLead,
  rollupRowValues,
} from "../../reports/rollup.ts";
import { rebuildRollupsFrom } from "../../reports/rollup-rebuild.ts";
import {
  DIMENSION_SELECT,
  dimensionsFromRow,
  returnRollup,
  rollupUpsertSql,
} from "../../reports/rollup-rows.ts";
import type { AuditEvent } from "../audit-events.ts";
import { AUDIT_COLUMNS, auditRowValues } from "../audit-rows.ts";
import { USER_COLUMNS, userRowValues } from "../console-rows.ts";
import {
  attemptEndsOfSale,
  attemptOfCampaignSql,
  type BeginPostAttempt,
  buyerLeadIdsOf,
  type EndedPostAttempt,
  endAttemptByIdSql,
  endAttemptSql,
  insertAttemptSql,
  markUncertainSql,
  type PostAttempt,
  type PostAttemptResolution,
  postAttemptFromRow,
  postAttemptRowValues,
  reconcileAttemptsSql,
  resolveAttemptSql,
} from "../post-attempts.ts";
import {
  CONVERSION_COLUMNS,
  conversionRowValues,
  LEAD_COLUMNS,
  LEDGER_COLUMNS,
  type LeadRedactionRow,
  type LeadReseal,
  leadRowValues,
  ledgerRowValues,
  OUTBOX_COLUMNS,
  outboxRowValues,
  PRIVACY_REQUEST_COLUMNS,
  piiRedactionSql,
  placeholders,
  privacyRequestRowValues,
  RETURN_COLUMNS,
  type Row,
  type RowCodec,
  returnRowValues,
  SQLITE_CODEC,
  scrubbed,
} from "../record-rows.ts";
import type {
  LeadRecord,
  LedgerEntry,
  OutboxItem,
  OutboxSettlement,
  OutcomeRecord,
  PiiErasure,
  PingRecord,
  PrivacyRequestRecord,
  ReturnRecord,
} from "../records.ts";
import type {
  BuyerDeposit,
  ConsoleSession,
  ConsoleUser,
  ConversionRecord,
  SuppressionHash,
} from "../store.ts";
import { inTransaction } from "./open-sqlite.ts";

export class SqliteWrites {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  /** Seals a lead's PII columns when a key is configured. */
  readonly #codec: RowCodec;

  constructor(db: DatabaseSync, codec: RowCodec = SQLITE_CODEC) {
    this.#db = db;
    this.#codec = codec;
  }

  /** Stores one configuration entity and, in the same transaction, the audit event that records the change. */
  putEntity(kind: string, id: string, body: object, audit?: AuditEvent): void {
    inTransaction(this.#db, () => {
      this.#statement(
        `INSERT INTO config_entities (kind, id, body, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
      ).run(kind, id, JSON.stringify(body), Date.now());
      if (audit) this.appendAuditEvent(audit);
    });
  }

  deleteEntity(kind: string, id: string, audit?: AuditEvent): boolean {
    let deleted = false;
    inTransaction(this.#db, () => {
      const { changes } = this.#statement("DELETE FROM config_entities WHERE kind = ? AND id = ?").run(
        kind,
        id,
      );
      deleted = Number(changes) > 0;
      if (deleted && audit) this.appendAuditEvent(audit);
    });
    return deleted;
  }

  appendAuditEvent(event: AuditEvent): void {
    this.#statement(
      `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(AUDIT_COLUMNS, "?")})`,
    ).run(...(auditRowValues(event) as SQLInputValue[]));
  }

  appendAuctionEvents(pings: readonly PingRecord[], outcomes: readonly OutcomeRecord[]): void {
    // Ping analytics may lose their last fraction of a second to a power cut (DESIGN rule 9), so their commits skip
    // the fsync; leads and everything else keep synchronous = FULL.
    this.#db.exec("PRAGMA synchronous = NORMAL");
    try {
      this.#appendAuctionEvents(pings, outcomes);
    } finally {
      this.#db.exec("PRAGMA synchronous = FULL");
    }
  }

  #appendAuctionEvents(pings: readonly PingRecord[], outcomes: readonly OutcomeRecord[]): void {
    inTransaction(this.#db, () => {
      const insertPing = this.#statement(
        `INSERT OR IGNORE INTO pings (id, kind, source_id, vertical, test, sub_id, created_at, expires_at, status,
           price_cents, lead, bids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const written: PingRecord[] = [];
      for (const ping of pings) {
        const { changes } = insertPing.run(
          ping.id,
          ping.kind,
          ping.source_id,
          ping.vertical,
          ping.test ? 1 : 0,
          ping.sub_id ?? null,
          ping.created_at,
          ping.expires_at,
          ping.status,
          ping.price_cents,
          JSON.stringify(ping.lead),
          JSON.stringify(ping.bids),
        );
        if (changes > 0) written.push(ping);
      }
      this.#insertOutcomes(outcomes);
      // A ping the store already had is not counted again (its row was ignored too).
      this.#addToRollup(rollupAuctionEvents(written, outcomes, (id) => this.#auctionDimensions(id)));
    });
  }

  saveLead(
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outbox: readonly OutboxItem[] = [],
    ledger: readonly LedgerEntry[] = [],
  ): void {
    inTransaction(this.#db, () => {
      this.#statement(`INSERT INTO leads (${LEAD_COLUMNS}) VALUES (${placeholders(LEAD_COLUMNS, "?")})`).run(
        ...(leadRowValues(lead, this.#codec) as SQLInputValue[]),
      );
      this.#insertOutcomes(outcomes);
      this.#insertOutbox(outbox);
      this.#addToRollup(rollupLead(lead, outcomes));
      this.#insertLedger(ledger);
      const endAttempt = this.#statement(endAttemptSql("?"));
      for (const end of attemptEndsOfSale(outcomes, buyerLeadIdsOf(lead))) {
        endAttempt.run(end.state, end.at, end.buyer_lead_id, lead.auction_id, end.campaign_id);
      }
    });
  }

  /**
   * Begins several posts' attempts in one transaction (group commit: one fsync for the posts that arrived together),
   * each as Store.beginPostAttempt describes; answers in the same order.
   */
  beginPostAttempts(
    requests: readonly { attempt: PostAttempt; ended: readonly EndedPostAttempt[] }[],
  ): BeginPostAttempt[] {
    const results: BeginPostAttempt[] = [];
    inTransaction(this.#db, () => {
      const endAttempt = this.#statement(endAttemptByIdSql("?"));
      const insert = this.#statement(insertAttemptSql("?"));
      const earlier = this.#statement(attemptOfCampaignSql("?"));
      for (const { attempt, ended } of requests) {
        for (const end of ended) endAttempt.run(end.state, end.ended_at, end.id);
        if (insert.run(...postAttemptRowValues(attempt)).changes > 0) {
          results.push({ begun: true });
          continue;
        }
        const row = earlier.get(attempt.auction_id, attempt.campaign_id) as Record<string, unknown>;
        results.push({ begun: false, earlier: postAttemptFromRow(row) });
      }
    });
    return results;
  }

  markPostAttemptUncertain(id: string): boolean {
    return this.#statement(markUncertainSql("?")).run(id).changes > 0;
  }

  reconcilePostAttempts(startedBefore: number): number {
    return Number(this.#statement(reconcileAttemptsSql("?")).run(startedBefore).changes);
  }

  resolvePostAttempt(id: string, resolution: PostAttemptResolution, at: number): boolean {
    return this.#statement(resolveAttemptSql("?")).run(resolution, at, id).changes > 0;
  }

  /**
   * Blanks leads' PII (retention or erasure; see Store.purgeExpiredPii and erasePii) in one transaction: each lead not
   * blanked before, the PII in the free text about it, and (erasure) its pending deliveries to buyers.
   */
  redactLeads(rows: readonly LeadRedactionRow[], at: number, cancelDeliveries: boolean): PiiErasure {
    const sql = piiRedactionSql("sqlite");
    const counts: PiiErasure = { leads: 0, deliveries_cancelled: 0 };
    inTransaction(this.#db, () => {
      const blanked = rows.filter(
        (row) => Number(this.#statement(sql.blankLead).run(row.lead, row.consent, at, row.id).changes) > 0,
      );
      counts.leads = blanked.length;
      if (blanked.length === 0) return;
      for (const freeText of sql.freeTexts) {
        const secretsOf = new Map(blanked.map((row) => [row[freeText.by], row.secrets]));
        const texts = this.#statement(freeText.select).all(JSON.stringify([...secretsOf.keys()])) as Row[];
        for (const { row_key, owner, text } of texts) {
          const clean = scrubbed(String(text), secretsOf.get(String(owner)) ?? []);
          if (clean !== undefined) this.#statement(freeText.update).run(clean, row_key as SQLInputValue);
        }
      }
      if (!cancelDeliveries) return;
      for (const row of blanked) {
        counts.deliveries_cancelled += Number(this.#statement(sql.cancelDeliveries).run(row.id).changes);
      }
    });
    return counts;
  }

  /** Writes resealed PII columns; a lead changed since it was read (blanked meanwhile) is skipped. */
  resealLeads(rows: readonly LeadReseal[]): number {
    let resealed = 0;
    inTransaction(this.#db, () => {
      const update = this.#statement(
        "UPDATE leads SET lead = ?, consent = ? WHERE id = ? AND lead = ? AND consent = ?",
      );
      for (const row of rows) {
        resealed += Number(update.run(row.lead, row.consent, row.id, row.old_lead, row.old_consent).changes);
      }
    });
    return resealed;
  }

  retirePiiKeys(keep: string): string[] {
    const rows = this.#statement("DELETE FROM pii_key_ids WHERE key_id <> ? RETURNING key_id").all(
      keep,
    ) as Row[];
    return rows.map((row) => String(row.key_id));
  }

  recordPrivacyRequest(request: PrivacyRequestRecord): void {
    this.#statement(
      `INSERT INTO privacy_requests (${PRIVACY_REQUEST_COLUMNS}) VALUES (${placeholders(PRIVACY_REQUEST_COLUMNS, "?")})`,
    ).run(...(privacyRequestRowValues(request) as SQLInputValue[]));
  }

  /** False when this buyer already returned this lead (or the id is taken): the first request stands. */
  createReturn(record: ReturnRecord): boolean {
    const result = this.#statement(
      `INSERT OR IGNORE INTO returns (${RETURN_COLUMNS}) VALUES (${placeholders(RETURN_COLUMNS, "?")})`,
    ).run(...(returnRowValues(record) as SQLInputValue[]));
    return result.changes > 0;
  }

  decideReturn(
    id: string,
    decision: { status: string; decided_at: number; decided_by: string },
    effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] },
  ): Record<string, SQLOutputValue> | undefined {
    let row: Record<string, SQLOutputValue> | undefined;
    inTransaction(this.#db, () => {
      row = this.#statement(
        `UPDATE returns SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'
         RETURNING *`,
      ).get(decision.status, decision.decided_at, decision.decided_by, id);
      if (!row) return;
      this.#insertLedger(effects.ledger);
      this.#insertOutbox(effects.outbox);
      if (decision.status === "approved") {
        const lead = this.#statement(
          `SELECT ${DIMENSION_SELECT("l")}, l.created_at FROM leads AS l WHERE l.id = ?`,
        ).get(row.lead_id as string);
        if (lead) this.#addToRollup(returnRollup(lead, row, SQLITE_CODEC));
      }
    });
    return row;
  }

  setReturnResale(id: string, leadId: string | null, claim: boolean): boolean {
    const result = this.#statement(
      `UPDATE returns SET resale_lead_id = ? WHERE id = ? AND (? = 0 OR resale_lead_id IS NULL)`,
    ).run(leadId, id, claim ? 1 : 0);
    return result.changes > 0;
  }

  /** False when this buyer already reported this stage of this lead (or the id is taken): the first report stands. */
  recordConversion(record: ConversionRecord): boolean {
    const result = this.#statement(
      `INSERT OR IGNORE INTO conversions (${CONVERSION_COLUMNS}) VALUES (${placeholders(CONVERSION_COLUMNS, "?")})`,
    ).run(...(conversionRowValues(record) as SQLInputValue[]));
    return result.changes > 0;
  }

  appendLedger(entries: readonly LedgerEntry[]): void {
    inTransaction(this.#db, () => this.#insertLedger(entries));
  }

  #insertLedger(entries: readonly LedgerEntry[]): void {
    if (entries.length === 0) return;
    const insert = this.#statement(
      `INSERT OR IGNORE INTO ledger_entries (${LEDGER_COLUMNS}) VALUES (${placeholders(LEDGER_COLUMNS, "?")})`,
    );
    for (const entry of entries) insert.run(...(ledgerRowValues(entry) as SQLInputValue[]));
  }

  /** Recomputes every report rollup from the raw events, in one transaction (see Store.rebuildReportRollups). */
  rebuildReportRollups(): void {
    inTransaction(this.#db, () => {
      this.#db.exec("DELETE FROM report_rollup");
      rebuildRollupsFrom(
        (sql) => this.#db.prepare(sql).iterate() as Iterable<Record<string, unknown>>,
        SQLITE_CODEC,
        (batch) => this.#addToRollup(batch),
      );
    });
  }

  #addToRollup(batch: RollupBatch): void {
    const upsert = this.#statement(rollupUpsertSql("sqlite"));
    for (const row of batch.rows())
      upsert.run(...(rollupRowValues(row, SQLITE_CODEC.boolValue) as SQLInputValue[]));
  }

  /** The auction of a ping-phase outcome written without its ping (an earlier batch wrote the ping). */
  #auctionDimensions(auctionId: string): AuctionDimensions | undefined {
    const row = this.#statement(`SELECT ${DIMENSION_SELECT("p")} FROM pings AS p WHERE p.id = ?`).get(
      auctionId,
    );
    return row ? dimensionsFromRow(row, SQLITE_CODEC) : undefined;
  }

  /** Due pending items get a lease and one more attempt; the store has one writer, so no two claims overlap. */
  claimOutbox(now: number, limit: number, leaseMs: number): Record<string, SQLOutputValue>[] {
    return this.#statement(
      `UPDATE outbox SET run_at = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND run_at <= ? ORDER BY run_at, id LIMIT ?)
       RETURNING *`,
    ).all(now + leaseMs, now, limit);
  }

  settleOutbox(id: string, settlement: OutboxSettlement): void {
    this.#statement(
      `UPDATE outbox SET status = ?, run_at = COALESCE(?, run_at), last_error = COALESCE(?, last_error),
         delivered_at = ? WHERE id = ?`,
    ).run(
      settlement.status,
      settlement.status === "pending" ? settlement.run_at : null,
      settlement.status === "done" ? null : settlement.error,
      settlement.status === "done" ? settlement.at : null,
      id,
    );
  }

  replayOutbox(id: string, now: number): boolean {
    const result = this.#statement(
      "UPDATE outbox SET status = 'pending', run_at = ?, attempts = 0, delivered_at = NULL WHERE id = ?",
    ).run(now, id);
    return result.changes > 0;
  }

  /** One transaction for the whole batch: a 100,000-row import is one commit (one fsync), not 100,000. */
  addSuppressions(listId: string, hashes: readonly SuppressionHash[], at: number): number {
    let added = 0;
    inTransaction(this.#db, () => {
      const insert = this.#statement(
        "INSERT OR IGNORE INTO suppressions (list_id, sha256, kind, created_at) VALUES (?, ?, ?, ?)",
      );
      for (const hash of hashes) added += Number(insert.run(listId, hash.sha256, hash.kind, at).changes);
    });
    return added;
  }

  removeSuppressions(listId: string, hashes: readonly SuppressionHash[]): number {
    let removed = 0;
    inTransaction(this.#db, () => {
      const remove = this.#statement("DELETE FROM suppressions WHERE list_id = ? AND sha256 = ?");
      for (const hash of hashes) removed += Number(remove.run(listId, hash.sha256).changes);
    });
    return removed;
  }

  /** Inserts a deposit unless its id exists; returns whether it was new. */
  addDeposit(deposit: BuyerDeposit): boolean {
    const result = this.#statement(
      `INSERT OR IGNORE INTO buyer_deposits (id, buyer_id, amount_cents, note, created_at) VALUES (?, ?, ?, ?, ?)`,
    ).run(deposit.id, deposit.buyer_id, deposit.amount_cents, deposit.note ?? null, deposit.created_at);
    return result.changes > 0;
  }

  /** A user with a known email keeps its id and creation time; the rest is replaced, and its sessions end. */
  putUser(user: ConsoleUser): void {
    inTransaction(this.#db, () => {
      this.#statement(
        `DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM console_users WHERE email = ?)`,
      ).run(user.email);
      this.#statement(
        `INSERT INTO console_users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (email) DO UPDATE SET role = excluded.role, party_id = excluded.party_id,
           password_hash = excluded.password_hash`,
      ).run(...(userRowValues(user) as SQLInputValue[]));
    });
  }

  createSession(session: ConsoleSession): void {
    inTransaction(this.#db, () => {
      this.#statement("DELETE FROM console_sessions WHERE expires_at <= ?").run(session.created_at);
      this.#statement(
        "INSERT INTO console_sessions (token_sha256, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
      ).run(session.token_sha256, session.user_id, session.created_at, session.expires_at);
    });
  }

  deleteUser(id: string): boolean {
    let deleted = false;
    inTransaction(this.#db, () => {
      this.#statement("DELETE FROM console_sessions WHERE user_id = ?").run(id);
      deleted = Number(this.#statement("DELETE FROM console_users WHERE id = ?").run(id).changes) > 0;
    });
    return deleted;
  }

  deleteSession(tokenSha256: string): void {
    this.#statement("DELETE FROM console_sessions WHERE token_sha256 = ?").run(tokenSha256);
  }

  #insertOutbox(items: readonly OutboxItem[]): void {
    const insert = this.#statement(
      `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (${placeholders(OUTBOX_COLUMNS, "?")})`,
    );
    for (const item of items) insert.run(...(outboxRowValues(item) as SQLInputValue[]));
  }

  #insertOutcomes(outcomes: readonly OutcomeRecord[]): void {
    const insert = this.#statement(
      `INSERT INTO outcomes (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms, detail, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const outcome of outcomes) {
      insert.run(
        outcome.auction_id,
        outcome.phase,
        outcome.campaign_id,
        outcome.buyer_id,
        outcome.reason,
        REASONS[outcome.reason].code,
        outcome.bid_cents ?? null,
        outcome.latency_ms ?? null,
        outcome.detail ?? null,
        outcome.at,
      );
    }
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
