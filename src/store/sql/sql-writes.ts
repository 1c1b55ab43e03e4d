// Every write, written once: each method runs inside one transaction the store opens (PostgreSQL: a pooled
// connection; SQLite: the writer thread, where every step resolves at once, so no other write can interleave).

import type { ContactHashes } from "../../compliance/suppression/suppression-hash.ts";
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
} from "../../domain/records.ts";
import type { RollupBatch } from "../../domain/rollup.ts";
import type { AuditEvent } from "../audit-events.ts";
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
  withdrawAttemptSql,
} from "../post-attempts.ts";
import { LEAD_COLUMNS, type LeadReseal, leadRowValues, type RowCodec } from "../record-rows.ts";
import type {
  BuyerDeposit,
  ConsoleSession,
  ConsoleUser,
  ConversionRecord,
  SuppressionHash,
} from "../store.ts";
import { insertOutcomes, insertPings } from "./auction-log-queries.ts";
import * as consoleQueries from "./console-queries.ts";
import { type Dialect, placeholders, type SqlTx, statement } from "./dialect.ts";
import { insertDeposit, insertLedgerEntries } from "./money-queries.ts";
import * as outbox from "./outbox-queries.ts";
import { insertPrivacyRequest, type LeadRedactionRow, piiRedactionSql, scrubbed } from "./privacy-queries.ts";
import * as returns from "./return-queries.ts";
import { addRollup, auctionEventsRollup, leadRollup, returnRollupOf } from "./rollup-writes.ts";
import { addSuppressions, removeSuppressions } from "./suppression-queries.ts";

/** Takes the report rollup counts of the writes, for whoever runs their transaction to upsert them before it commits. */
export interface RollupSink {
  add(batch: RollupBatch): void;
}

export class SqlWrites {
  readonly #d: Dialect;
  /** Seals a lead's PII columns when a key is configured. */
  readonly #codec: RowCodec;
  /** Where the rollup counts go; without one, each write upserts its own. */
  readonly #rollups: RollupSink | undefined;

  constructor(dialect: Dialect, codec: RowCodec, rollups?: RollupSink) {
    this.#d = dialect;
    this.#codec = codec;
    this.#rollups = rollups;
  }

  /** Stores one configuration entity and, in the same transaction, the audit event that records the change. */
  async putEntity(tx: SqlTx, kind: string, id: string, body: object, audit?: AuditEvent): Promise<void> {
    await tx.run(consoleQueries.putEntity(this.#d, kind, id, body, Date.now()));
    if (audit) await this.appendAuditEvent(tx, audit);
  }

  async deleteEntity(tx: SqlTx, kind: string, id: string, audit?: AuditEvent): Promise<boolean> {
    const deleted = (await tx.run(consoleQueries.deleteEntity(this.#d, kind, id))).changes > 0;
    if (deleted && audit) await this.appendAuditEvent(tx, audit);
    return deleted;
  }

  async appendAuditEvent(tx: SqlTx, event: AuditEvent): Promise<void> {
    await tx.run(consoleQueries.insertAuditEvent(this.#d, event));
  }

  async appendAuctionEvents(
    tx: SqlTx,
    pings: readonly PingRecord[],
    outcomes: readonly OutcomeRecord[],
  ): Promise<void> {
    const fresh = new Set<string>();
    for (const insert of insertPings(this.#d, pings)) {
      for (const id of insert.insertedIds(await tx.run(insert))) fresh.add(id);
    }
    for (const insert of insertOutcomes(this.#d, outcomes)) await tx.run(insert);
    // A ping the store already had is not counted again (its row was ignored too).
    const written = pings.filter((ping) => fresh.has(ping.id));
    await this.#addRollup(tx, await auctionEventsRollup(tx, this.#d, written, outcomes));
  }

  async saveLead(
    tx: SqlTx,
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outboxItems: readonly OutboxItem[] = [],
    ledger: readonly LedgerEntry[] = [],
    contact?: ContactHashes,
  ): Promise<void> {
    await this.#insertLedger(tx, ledger);
    const insertLead = `INSERT INTO leads (${LEAD_COLUMNS}) VALUES (${placeholders(LEAD_COLUMNS)})`;
    await tx.run(
      statement(this.#d, insertLead, leadRowValues(lead, this.#codec, contact), "gavel_insert_lead"),
    );
    for (const insert of insertOutcomes(this.#d, outcomes)) await tx.run(insert);
    await this.#addRollup(tx, leadRollup(lead, outcomes));
    await this.#insertOutbox(tx, outboxItems);
    for (const end of attemptEndsOfSale(outcomes, buyerLeadIdsOf(lead))) {
      const values = [end.state, end.at, end.buyer_lead_id, lead.auction_id, end.campaign_id];
      await tx.run(statement(this.#d, endAttemptSql, values, "gavel_end_post_attempt"));
    }
  }

  /** See Store.beginPostAttempt. */
  async beginPostAttempt(
    tx: SqlTx,
    attempt: PostAttempt,
    ended: readonly EndedPostAttempt[] = [],
  ): Promise<BeginPostAttempt> {
    for (const end of ended) {
      const values = [end.state, end.ended_at, end.id];
      await tx.run(statement(this.#d, endAttemptByIdSql, values, "gavel_end_post_attempt_by_id"));
    }
    const insert = statement(
      this.#d,
      insertAttemptSql,
      postAttemptRowValues(attempt),
      "gavel_begin_post_attempt",
    );
    if ((await tx.run(insert)).changes > 0) return { begun: true };
    const earlier = statement(this.#d, attemptOfCampaignSql, [attempt.auction_id, attempt.campaign_id]);
    const row = (await tx.run(earlier)).rows[0]!;
    // This very attempt, written before: the same write repeated (PostgreSQL's after a lost reply) has begun it.
    if (row.id === attempt.id) return { begun: true };
    return { begun: false, earlier: postAttemptFromRow(row) };
  }

  /** See Store.settlePostAttempts. */
  async settlePostAttempts(
    tx: SqlTx,
    ended: readonly EndedPostAttempt[],
    withdrawn: readonly string[],
  ): Promise<void> {
    for (const end of ended) {
      const values = [end.state, end.ended_at, end.id];
      await tx.run(statement(this.#d, endAttemptByIdSql, values, "gavel_end_post_attempt_by_id"));
    }
    for (const id of withdrawn) await tx.run(statement(this.#d, withdrawAttemptSql, [id]));
  }

  async markPostAttemptUncertain(tx: SqlTx, id: string): Promise<boolean> {
    return (await tx.run(statement(this.#d, markUncertainSql, [id]))).changes > 0;
  }

  async reconcilePostAttempts(tx: SqlTx, startedBefore: number): Promise<number> {
    return (await tx.run(statement(this.#d, reconcileAttemptsSql, [startedBefore]))).changes;
  }

  async resolvePostAttempt(
    tx: SqlTx,
    id: string,
    resolution: PostAttemptResolution,
    at: number,
  ): Promise<boolean> {
    return (await tx.run(statement(this.#d, resolveAttemptSql, [resolution, at, id]))).changes > 0;
  }

  /**
   * Blanks leads' PII (retention or erasure; see Store.purgeExpiredPii and erasePii): each lead not blanked before,
   * the PII in the free text about it, and (erasure) its pending deliveries to buyers.
   */
  async redactLeads(
    tx: SqlTx,
    rows: readonly LeadRedactionRow[],
    at: number,
    cancelDeliveries: boolean,
  ): Promise<PiiErasure> {
    const sql = piiRedactionSql(this.#d);
    const counts: PiiErasure = { leads: 0, deliveries_cancelled: 0 };
    const blanked: LeadRedactionRow[] = [];
    for (const row of rows) {
      const blank = { text: sql.blankLead, values: [row.lead, row.consent, at, row.id] };
      if ((await tx.run(blank)).changes > 0) blanked.push(row);
    }
    counts.leads = blanked.length;
    if (blanked.length === 0) return counts;
    for (const freeText of sql.freeTexts) {
      const secretsOf = new Map(blanked.map((row) => [row[freeText.by], row.secrets]));
      const texts = await tx.run({ text: freeText.select, values: [JSON.stringify([...secretsOf.keys()])] });
      for (const { row_key, owner, text } of texts.rows) {
        const clean = scrubbed(String(text), secretsOf.get(String(owner)) ?? []);
        if (clean !== undefined) await tx.run({ text: freeText.update, values: [clean, row_key, owner] });
      }
    }
    if (cancelDeliveries) {
      for (const row of blanked) {
        counts.deliveries_cancelled += (
          await tx.run({ text: sql.cancelDeliveries, values: [row.id] })
        ).changes;
      }
    }
    return counts;
  }

  /** Writes resealed PII columns; a lead changed since it was read (blanked meanwhile) is skipped. */
  async resealLeads(tx: SqlTx, rows: readonly LeadReseal[]): Promise<number> {
    let resealed = 0;
    // Compared as JSON values on PostgreSQL (jsonb), as text on SQLite: the column as it was read either way.
    const text = `UPDATE leads SET lead = $1, consent = $2
      WHERE id = $3 AND lead = ${this.#d.typed(4, "jsonb")} AND consent = ${this.#d.typed(5, "jsonb")}`;
    for (const row of rows) {
      const values = [row.lead, row.consent, row.id, row.old_lead, row.old_consent];
      resealed += (await tx.run(statement(this.#d, text, values))).changes;
    }
    return resealed;
  }

  async retirePiiKeys(tx: SqlTx, keep: string): Promise<string[]> {
    const { rows } = await tx.run(
      statement(this.#d, "DELETE FROM pii_key_ids WHERE key_id <> $1 RETURNING key_id", [keep]),
    );
    return rows.map((row) => String(row.key_id));
  }

  async recordPrivacyRequest(tx: SqlTx, request: PrivacyRequestRecord): Promise<void> {
    await tx.run(insertPrivacyRequest(this.#d, request));
  }

  /** False when this buyer already returned this lead (or the id is taken): the first request stands. */
  async createReturn(tx: SqlTx, record: ReturnRecord): Promise<boolean> {
    return (await tx.run(returns.insertReturn(this.#d, record))).changes > 0;
  }

  /** The decided return's row, or undefined when it was not pending. */
  async decideReturn(
    tx: SqlTx,
    id: string,
    decision: { status: string; decided_at: number; decided_by: string },
    effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] },
  ): Promise<Record<string, unknown> | undefined> {
    const [row] = (await tx.run(returns.decideReturn(this.#d, id, decision))).rows;
    if (!row) return undefined;
    await this.#insertLedger(tx, effects.ledger);
    await this.#insertOutbox(tx, effects.outbox);
    if (decision.status === "approved") await this.#addRollup(tx, await returnRollupOf(tx, this.#d, row));
    return row;
  }

  async setReturnResale(tx: SqlTx, id: string, leadId: string | null, claim: boolean): Promise<boolean> {
    return (await tx.run(returns.setReturnResale(this.#d, id, leadId, claim))).changes > 0;
  }

  /** False when this buyer already reported this stage of this lead (or the id is taken): the first report stands. */
  async recordConversion(tx: SqlTx, record: ConversionRecord): Promise<boolean> {
    return (await tx.run(returns.insertConversion(this.#d, record))).changes > 0;
  }

  async appendLedger(tx: SqlTx, entries: readonly LedgerEntry[]): Promise<void> {
    await this.#insertLedger(tx, entries);
  }

  async claimOutbox(
    tx: SqlTx,
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<Record<string, unknown>[]> {
    return (await tx.run(outbox.claimOutbox(this.#d, now, limit, leaseMs))).rows;
  }

  async settleOutbox(
    tx: SqlTx,
    id: string,
    leasedUntil: number,
    settlement: OutboxSettlement,
  ): Promise<boolean> {
    return (await tx.run(outbox.settleOutbox(this.#d, id, leasedUntil, settlement))).changes > 0;
  }

  async enqueueOutbox(tx: SqlTx, items: readonly OutboxItem[]): Promise<number> {
    let added = 0;
    for (const item of items) added += (await tx.run(outbox.insertOutboxItemOnce(this.#d, item))).changes;
    return added;
  }

  async replayOutbox(tx: SqlTx, id: string, now: number): Promise<boolean> {
    return (await tx.run(outbox.replayOutbox(this.#d, id, now))).changes > 0;
  }

  /** One statement for the whole batch: a 100,000-row import is one commit, not 100,000. */
  async addSuppressions(
    tx: SqlTx,
    listId: string,
    hashes: readonly SuppressionHash[],
    at: number,
  ): Promise<number> {
    let added = 0;
    for (const insert of addSuppressions(this.#d, listId, hashes, at))
      added += (await tx.run(insert)).changes;
    return added;
  }

  async removeSuppressions(tx: SqlTx, listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    return (await tx.run(removeSuppressions(this.#d, listId, hashes))).changes;
  }

  /** Inserts a deposit unless its id exists; returns whether it was new. */
  async addDeposit(tx: SqlTx, deposit: BuyerDeposit): Promise<boolean> {
    return (await tx.run(insertDeposit(this.#d, deposit))).changes > 0;
  }

  /** A user with a known email keeps its id and creation time; the rest is replaced, and its sessions end. */
  async putUser(tx: SqlTx, user: ConsoleUser): Promise<Record<string, unknown>> {
    await tx.run(consoleQueries.endSessionsOfEmail(this.#d, user.email));
    return (await tx.run(consoleQueries.upsertUser(this.#d, user))).rows[0]!;
  }

  async deleteUser(tx: SqlTx, id: string): Promise<boolean> {
    await tx.run(consoleQueries.endSessionsOfUser(this.#d, id));
    return (await tx.run(consoleQueries.deleteUser(this.#d, id))).changes > 0;
  }

  /** Stores a session, and drops the sessions that expired before it began. */
  async createSession(tx: SqlTx, session: ConsoleSession): Promise<void> {
    await tx.run(consoleQueries.dropExpiredSessions(this.#d, session.created_at));
    await tx.run(consoleQueries.insertSession(this.#d, session));
  }

  async deleteSession(tx: SqlTx, tokenSha256: string): Promise<void> {
    await tx.run(consoleQueries.deleteSession(this.#d, tokenSha256));
  }

  async #addRollup(tx: SqlTx, batch: RollupBatch): Promise<void> {
    if (this.#rollups) this.#rollups.add(batch);
    else await addRollup(tx, this.#d, batch);
  }

  async #insertLedger(tx: SqlTx, entries: readonly LedgerEntry[]): Promise<void> {
    for (const insert of insertLedgerEntries(this.#d, entries)) await tx.run(insert);
  }

  async #insertOutbox(tx: SqlTx, items: readonly OutboxItem[]): Promise<void> {
    for (const insert of outbox.insertOutboxItems(this.#d, items)) await tx.run(insert);
  }
}

/** The writes a store may ask for, by name (the SQLite writer thread receives them as messages). */
export type WriteOp = {
  [K in keyof SqlWrites]: SqlWrites[K] extends (tx: SqlTx, ...args: never[]) => Promise<unknown> ? K : never;
}[keyof SqlWrites];
export type WriteArgs<K extends WriteOp> = SqlWrites[K] extends (
  tx: SqlTx,
  ...args: infer A
) => Promise<unknown>
  ? A
  : never;
export type WriteResult<K extends WriteOp> = Awaited<ReturnType<SqlWrites[K]>>;
