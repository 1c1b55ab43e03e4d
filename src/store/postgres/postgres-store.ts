// The distributed store: PostgreSQL through a pg.Pool, shared by every exchange instance. Behaves exactly as the SQLite
// store does (the store contract suite is the judge); adds LISTEN/NOTIFY so a configuration change made through one
// instance reaches all of them.

import pg from "pg";
import { checkPiiKeysInUse, NO_PII_KEYS, type PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { REASONS } from "../../domain/outcomes.ts";
import { ServiceUnavailableError } from "../../errors.ts";
import { type ReportQuery, type ReportRow, reportRowFrom, reportSql } from "../../reports/report-query.ts";
import {
  type AuctionDimensions,
  type RollupBatch,
  rollupAuctionEvents,
  rollupLead,
} from "../../reports/rollup.ts";
import { rebuildRollupsPaged } from "../../reports/rollup-rebuild.ts";
import {
  DIMENSION_SELECT,
  dimensionsFromRow,
  returnRollup,
  rollupRowsJson,
  rollupUpsertSql,
} from "../../reports/rollup-rows.ts";
import type { AuditEvent, AuditQuery } from "../audit-events.ts";
import { AUDIT_COLUMNS, auditEventFromRow, auditRowValues, auditWhere } from "../audit-rows.ts";
import { sessionFromRow, USER_COLUMNS, userFromRow, userRowValues } from "../console-rows.ts";
import { leadFilterSql } from "../lead-filter.ts";
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
  type PostAttemptQuery,
  type PostAttemptResolution,
  postAttemptFromRow,
  postAttemptRowValues,
  reconcileAttemptsSql,
  resolveAttemptSql,
} from "../post-attempts.ts";
import {
  buyerCentsFromRow,
  CONVERSION_COLUMNS,
  conversionFromRow,
  conversionReportRowFromRow,
  conversionReportSql,
  conversionRowValues,
  conversionStageRank,
  depositFromRow,
  LEAD_COLUMNS,
  LEAD_SORT_KEYS,
  LEAD_STATUSES,
  LEDGER_COLUMNS,
  type LeadRedactionRow,
  leadFromRow,
  leadRedactionRow,
  leadRowValues,
  ledgerEntryFromRow,
  ledgerRowValues,
  ledgerTotalFromRow,
  newestFirstPage,
  OUTBOX_COLUMNS,
  outboxFromRow,
  outboxRowValues,
  outcomeFromRow,
  POSTGRES_CODEC,
  PRIVACY_REQUEST_COLUMNS,
  piiRedactionSql,
  pingFromRow,
  placeholders,
  privacyRequestFromRow,
  privacyRequestRowValues,
  RETURN_COLUMNS,
  type Row,
  type RowCodec,
  resealRows,
  returnFromRow,
  returnRowValues,
  saleSummaryFromRow,
  scrubbed,
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
  SharedChange,
  Store,
  StoredConfig,
  SuppressionEntry,
  SuppressionHash,
} from "../store.ts";
import { applyPostgresMigrations } from "./migrations.ts";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; libpq environment variables (PGHOST...) fill what is missing. */
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** The longest a statement may run before the server cancels it (default 5000 ms). */
  statementTimeoutMs?: number;
  /** Keep Gavel's tables in this schema (created by `migrate`) instead of the default search path: lowercase letters,
   * digits and `_`. Lets several exchanges, or test runs, share one database. */
  schema?: string;
  /** The keys leads' PII is sealed (current key) and opened with (docs/privacy.md); absent: stored in clear. */
  piiKeys?: PiiKeyRing;
}

const DEFAULT_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
/** The client-side timer fires this much after the server's statement timeout: it catches a server that is gone. */
const CLIENT_TIMEOUT_SLACK_MS = 1000;
const CONFIG_CHANNEL = "gavel_config";
const WATCH_BACKOFF_MIN_MS = 500;
const WATCH_BACKOFF_MAX_MS = 5000;
/** How often the LISTEN connection proves it is alive; a silently dead one would miss every change. */
const WATCH_HEARTBEAT_MS = 10_000;

export class PostgresStore implements Store {
  readonly #options: PostgresStoreOptions;
  /** Rows to records, with the keys that seal and open leads' PII. */
  readonly #codec: RowCodec;
  readonly #pool: pg.Pool;
  /** `host:port/database`, for error messages (never the password). */
  readonly #address: string;
  readonly #watchers = new Set<() => Promise<void>>();
  #closed = false;

  /** Creates the pool without connecting; prefer `PostgresStore.connect`, which fails fast when the server is away. */
  constructor(options: PostgresStoreOptions) {
    checkSchemaName(options.schema);
    this.#options = options;
    this.#codec = withPiiKeys(POSTGRES_CODEC, options.piiKeys ?? NO_PII_KEYS);
    this.#address = postgresAddress(options.connectionString);
    this.#pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize ?? DEFAULT_POOL_SIZE });
    // An idle client whose connection dies emits here; pg.Pool has already dropped it and will open a fresh one on
    // demand. Without a listener the error would crash the process.
    this.#pool.on("error", () => {});
  }

  /** Opens a store and proves the server answers: rejects within a few seconds, with a clear message, when not. */
  static async connect(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.#pool.query("SELECT 1");
    } catch (error) {
      await store.close();
      throw new Error(`cannot reach PostgreSQL at ${store.#address}: ${reasonOf(error)}`, { cause: error });
    }
    return store;
  }

  async migrate(): Promise<void> {
    try {
      await withClient(this.#options, (client) => applyPostgresMigrations(client, this.#options.schema));
      // Upgrading a store that has events: the rollups start from what is there.
      const [needed] = await this.#query<{ needed: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pings) AND NOT EXISTS (SELECT 1 FROM report_rollup) AS needed",
      );
      if (needed?.needed) await this.rebuildReportRollups();
    } catch (error) {
      throw unavailable(this.#address, error);
    }
    await this.#checkPiiKeys();
  }

  /** Refuses to start without a key the leads may be sealed with; records the current key as one from now on. */
  async #checkPiiKeys(): Promise<void> {
    const rows = await this.#query<{ key_id: string }>("SELECT key_id FROM pii_key_ids");
    const inUse = rows.map((row) => row.key_id);
    checkPiiKeysInUse(this.#codec.pii, inUse);
    const current = this.#codec.pii.current;
    if (current && !inUse.includes(current.id)) {
      await this.#query(
        "INSERT INTO pii_key_ids (key_id, first_used_at) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING",
        [current.id, Date.now()],
      );
    }
  }

  async resealPii(
    after: string | undefined,
    limit: number,
  ): Promise<{ scanned: number; resealed: number; last?: string }> {
    const rows = await this.#query("SELECT id, lead, consent FROM leads WHERE id > $1 ORDER BY id LIMIT $2", [
      after ?? "",
      limit,
    ]);
    const reseals = resealRows(rows, this.#codec, (value) => JSON.stringify(value));
    let resealed = 0;
    if (reseals.length) {
      await this.#transaction(async (client) => {
        for (const row of reseals) {
          const result = await client.query(
            `UPDATE leads SET lead = $1, consent = $2
             WHERE id = $3 AND lead = $4::jsonb AND consent = $5::jsonb`,
            [row.lead, row.consent, row.id, row.old_lead, row.old_consent],
          );
          resealed += result.rowCount ?? 0;
        }
      });
    }
    return {
      scanned: rows.length,
      resealed,
      ...(rows.length ? { last: String(rows[rows.length - 1]!.id) } : {}),
    };
  }

  async retirePiiKeys(keep: string): Promise<string[]> {
    const rows = await this.#query<{ key_id: string }>(
      "DELETE FROM pii_key_ids WHERE key_id <> $1 RETURNING key_id",
      [keep],
    );
    return rows.map((row) => row.key_id);
  }

  async loadConfig(): Promise<StoredConfig> {
    const rows = await this.#query<{ kind: string; body: never }>(
      "SELECT kind, body FROM config_entities ORDER BY kind, id",
    );
    const config: StoredConfig = { settings: {}, verticals: [], sources: [], buyers: [], campaigns: [] };
    for (const { kind, body } of rows) {
      if (kind === "settings") config.settings = body;
      else if (kind === "vertical") config.verticals.push(body);
      else if (kind === "source") config.sources.push(body);
      else if (kind === "buyer") config.buyers.push(body);
      else if (kind === "campaign") config.campaigns.push(body);
    }
    return config;
  }

  async putConfig(kind: ConfigKind, entity: { id: string }, audit?: AuditEvent): Promise<void> {
    await this.#putEntity(kind, entity.id, entity, audit);
  }

  async deleteConfig(kind: ConfigKind, id: string, audit?: AuditEvent): Promise<boolean> {
    const deleteEntity = "DELETE FROM config_entities WHERE kind = $1 AND id = $2 RETURNING id";
    if (!audit) return (await this.#query(deleteEntity, [kind, id])).length > 0;
    // The deletion and its audit event in one transaction: neither is kept without the other.
    return this.#transaction(async (client) => {
      const { rows } = await client.query(deleteEntity, [kind, id]);
      if (rows.length > 0) await insertAuditEvent(client, audit);
      return rows.length > 0;
    });
  }

  async putSettings(settings: object, audit?: AuditEvent): Promise<void> {
    await this.#putEntity("settings", "settings", settings, audit);
  }

  async #putEntity(kind: string, id: string, body: object, audit?: AuditEvent): Promise<void> {
    const upsert = `INSERT INTO config_entities (kind, id, body, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`;
    const values = [kind, id, JSON.stringify(body), Date.now()];
    if (!audit) {
      await this.#query(upsert, values);
      return;
    }
    // The change and its audit event in one transaction: neither is kept without the other.
    await this.#transaction(async (client) => {
      await client.query(upsert, values);
      await insertAuditEvent(client, audit);
    });
  }

  async appendAuditEvent(event: AuditEvent): Promise<void> {
    // Safe to repeat (the retry in #query): the id is the primary key, a second run inserts nothing.
    await this.#query(
      `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(AUDIT_COLUMNS, "$")})
       ON CONFLICT (id) DO NOTHING`,
      auditRowValues(event),
    );
  }

  async listAuditEvents(query: AuditQuery): Promise<AuditEvent[]> {
    const { where, values, limitAt } = auditWhere(query, (n) => `$${n}`);
    const rows = await this.#query(
      `SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT ${limitAt}`,
      values,
    );
    return rows.map((row) => auditEventFromRow(row, POSTGRES_CODEC));
  }

  async appendAuctionEvents(pings: readonly PingRecord[], outcomes: readonly OutcomeRecord[]): Promise<void> {
    if (pings.length === 0 && outcomes.length === 0) return;
    await this.#transaction(async (client) => {
      let written: readonly PingRecord[] = [];
      if (pings.length > 0) {
        // One statement per batch, whatever its size: each column travels as one array.
        const { rows } = await client.query<{ id: string }>({
          name: "gavel_insert_pings",
          text: `INSERT INTO pings (id, kind, source_id, vertical, test, sub_id, created_at, expires_at, status,
                   price_cents, lead, bids)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[],
                   $7::bigint[], $8::bigint[], $9::text[], $10::integer[], $11::jsonb[], $12::jsonb[])
                 ON CONFLICT (id) DO NOTHING RETURNING id`,
          values: [
            pings.map((p) => p.id),
            pings.map((p) => p.kind),
            pings.map((p) => p.source_id),
            pings.map((p) => p.vertical),
            pings.map((p) => p.test),
            pings.map((p) => p.sub_id ?? null),
            pings.map((p) => p.created_at),
            pings.map((p) => p.expires_at),
            pings.map((p) => p.status),
            pings.map((p) => p.price_cents),
            pings.map((p) => JSON.stringify(p.lead)),
            pings.map((p) => JSON.stringify(p.bids)),
          ],
        });
        // A ping the store already had is not counted again (its row was ignored too).
        const fresh = new Set(rows.map((row) => row.id));
        written = pings.filter((ping) => fresh.has(ping.id));
      }
      await insertOutcomes(client, outcomes);
      const earlier = await earlierAuctions(client, pings, outcomes);
      await upsertRollup(
        client,
        rollupAuctionEvents(written, outcomes, (id) => earlier.get(id)),
      );
    });
  }

  async saveLead(
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outbox: readonly OutboxItem[] = [],
    ledger: readonly LedgerEntry[] = [],
  ): Promise<void> {
    // Durable when COMMIT returns: the store relies on the server's default synchronous_commit = on.
    await this.#transaction(async (client) => {
      await insertLedger(client, ledger);
      await client.query({
        name: "gavel_insert_lead",
        text: `INSERT INTO leads (${LEAD_COLUMNS}) VALUES (${placeholders(LEAD_COLUMNS, "$")})`,
        values: leadRowValues(lead, this.#codec),
      });
      await insertOutcomes(client, outcomes);
      await upsertRollup(client, rollupLead(lead, outcomes));
      for (const item of outbox) {
        await client.query({
          name: "gavel_insert_outbox",
          text: `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (${placeholders(OUTBOX_COLUMNS, "$")})`,
          values: outboxRowValues(item),
        });
      }
      for (const end of attemptEndsOfSale(outcomes, buyerLeadIdsOf(lead))) {
        await client.query({
          name: "gavel_end_post_attempt",
          text: endAttemptSql("$"),
          values: [end.state, end.at, end.buyer_lead_id, lead.auction_id, end.campaign_id],
        });
      }
    });
  }

  async beginPostAttempt(
    attempt: PostAttempt,
    ended: readonly EndedPostAttempt[] = [],
  ): Promise<BeginPostAttempt> {
    return await this.#transaction(async (client) => {
      for (const end of ended) {
        await client.query({
          name: "gavel_end_post_attempt_by_id",
          text: endAttemptByIdSql("$"),
          values: [end.state, end.ended_at, end.id],
        });
      }
      const inserted = await client.query({
        name: "gavel_begin_post_attempt",
        text: insertAttemptSql("$"),
        values: postAttemptRowValues(attempt),
      });
      if ((inserted.rowCount ?? 0) > 0) return { begun: true };
      const { rows } = await client.query({
        name: "gavel_post_attempt_of_campaign",
        text: attemptOfCampaignSql("$"),
        values: [attempt.auction_id, attempt.campaign_id],
      });
      return { begun: false, earlier: postAttemptFromRow(rows[0] as Record<string, unknown>) };
    });
  }

  async markPostAttemptUncertain(id: string): Promise<boolean> {
    return (await this.#query(`${markUncertainSql("$")} RETURNING id`, [id])).length > 0;
  }

  async reconcilePostAttempts(startedBefore: number): Promise<number> {
    return (await this.#query(`${reconcileAttemptsSql("$")} RETURNING id`, [startedBefore])).length;
  }

  async resolvePostAttempt(id: string, resolution: PostAttemptResolution, at: number): Promise<boolean> {
    return (await this.#query(`${resolveAttemptSql("$")} RETURNING id`, [resolution, at, id])).length > 0;
  }

  async getPostAttempt(id: string): Promise<PostAttempt | undefined> {
    const [row] = await this.#query("SELECT * FROM post_attempts WHERE id = $1", [id]);
    return row && postAttemptFromRow(row);
  }

  async listPostAttempts(query: PostAttemptQuery): Promise<PostAttempt[]> {
    const { sql, params } = newestFirstPage("post_attempts", "$", query);
    return (await this.#query(sql, params)).map(postAttemptFromRow);
  }

  async appendLedger(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length > 0) await this.#transaction((client) => insertLedger(client, entries));
  }

  async ledgerFor(leadId: string): Promise<LedgerEntry[]> {
    const rows = await this.#query("SELECT * FROM ledger_entries WHERE lead_id = $1 ORDER BY seq", [leadId]);
    return rows.map(ledgerEntryFromRow);
  }

  async ledgerOfParty(partyId: string, from: number, to: number, limit: number): Promise<LedgerEntry[]> {
    const rows = await this.#query(
      `SELECT * FROM ledger_entries WHERE party_id = $1 AND created_at >= $2 AND created_at < $3
       ORDER BY created_at, seq LIMIT $4`,
      [partyId, from, to, limit],
    );
    return rows.map(ledgerEntryFromRow);
  }

  async ledgerTotals(from: number, to: number): Promise<LedgerTotal[]> {
    const rows = await this.#query(
      `SELECT kind, party_id, SUM(amount_cents) AS cents FROM ledger_entries
       WHERE created_at >= $1 AND created_at < $2 GROUP BY kind, party_id ORDER BY kind, party_id`,
      [from, to],
    );
    return rows.map(ledgerTotalFromRow);
  }

  async createReturn(record: ReturnRecord): Promise<{ created: boolean; record: ReturnRecord }> {
    const inserted = await this.#query(
      `INSERT INTO returns (${RETURN_COLUMNS}) VALUES (${placeholders(RETURN_COLUMNS, "$")})
       ON CONFLICT DO NOTHING RETURNING id`,
      returnRowValues(record),
    );
    if (inserted.length > 0) return { created: true, record };
    const [row] = await this.#query(
      "SELECT * FROM returns WHERE id = $1 OR (lead_id = $2 AND buyer_id = $3) LIMIT 1",
      [record.id, record.lead_id, record.buyer_id],
    );
    return { created: false, record: returnFromRow(row!) };
  }

  async getReturn(id: string): Promise<ReturnRecord | undefined> {
    const [row] = await this.#query("SELECT * FROM returns WHERE id = $1", [id]);
    return row && returnFromRow(row);
  }

  async listReturns(query: ReturnQuery): Promise<ReturnRecord[]> {
    const { sql, params } = newestFirstPage("returns", "$", query);
    const rows = await this.#query(sql, params);
    return rows.map(returnFromRow);
  }

  async decideReturn(
    id: string,
    decision: { status: "approved" | "rejected"; decided_at: number; decided_by: "operator" | "auto" },
    effects: { ledger: readonly LedgerEntry[]; outbox: readonly OutboxItem[] },
  ): Promise<ReturnRecord | undefined> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query(
        `UPDATE returns SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'
         RETURNING *`,
        [decision.status, decision.decided_at, decision.decided_by, id],
      );
      if (rows.length === 0) return undefined;
      await insertLedger(client, effects.ledger);
      if (decision.status === "approved") {
        const { rows: leads } = await client.query(
          `SELECT ${DIMENSION_SELECT("l")}, l.created_at FROM leads AS l WHERE l.id = $1`,
          [rows[0].lead_id],
        );
        if (leads[0]) await upsertRollup(client, returnRollup(leads[0], rows[0], POSTGRES_CODEC));
      }
      for (const item of effects.outbox) {
        await client.query({
          name: "gavel_insert_outbox",
          text: `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (${placeholders(OUTBOX_COLUMNS, "$")})`,
          values: outboxRowValues(item),
        });
      }
      return returnFromRow(rows[0]);
    });
  }

  async setReturnResale(id: string, leadId: string | null, claim = false): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE returns SET resale_lead_id = $1 WHERE id = $2 AND (NOT $3 OR resale_lead_id IS NULL) RETURNING id`,
      [leadId, id, claim],
    );
    return rows.length > 0;
  }

  async returnCounts(buyerId: string): Promise<{ approved: number; pending: number }> {
    const [row] = await this.#query(
      `SELECT COUNT(*) FILTER (WHERE status = 'approved') AS approved,
              COUNT(*) FILTER (WHERE status = 'pending') AS pending
       FROM returns WHERE buyer_id = $1`,
      [buyerId],
    );
    return { approved: Number(row!.approved), pending: Number(row!.pending) };
  }

  async salesCount(buyerId: string): Promise<number> {
    const [row] = await this.#query(
      `SELECT (SELECT COUNT(*) FROM leads WHERE status = 'sold' AND NOT test AND buyer_id = $1)
            + (SELECT COUNT(*) FROM leads, jsonb_array_elements(leads.shares) AS s
               WHERE leads.shares IS NOT NULL AND NOT test AND s ->> 'buyer_id' = $1) AS count`,
      [buyerId],
    );
    return Number(row!.count);
  }

  async recordConversion(
    conversion: ConversionRecord,
  ): Promise<{ created: boolean; record: ConversionRecord }> {
    // Safe to repeat (the retry in #query): a second run finds the row and answers it.
    const inserted = await this.#query(
      `INSERT INTO conversions (${CONVERSION_COLUMNS}) VALUES (${placeholders(CONVERSION_COLUMNS, "$")})
       ON CONFLICT DO NOTHING RETURNING id`,
      conversionRowValues(conversion),
    );
    if (inserted.length > 0) return { created: true, record: conversion };
    const [row] = await this.#query(
      "SELECT * FROM conversions WHERE id = $1 OR (lead_id = $2 AND buyer_id = $3 AND stage = $4) LIMIT 1",
      [conversion.id, conversion.lead_id, conversion.buyer_id, conversion.stage],
    );
    return { created: false, record: conversionFromRow(row!) };
  }

  async conversionsOf(leadId: string, buyerId: string): Promise<ConversionRecord[]> {
    const rows = await this.#query(
      `SELECT * FROM conversions WHERE lead_id = $1 AND buyer_id = $2 ORDER BY ${conversionStageRank("stage")}`,
      [leadId, buyerId],
    );
    return rows.map(conversionFromRow);
  }

  async conversionReport(query: ConversionReportQuery): Promise<ConversionReportRow[]> {
    const rows = await this.#query(conversionReportSql(query.group_by, "postgres"), [query.from, query.to]);
    return rows.map(conversionReportRowFromRow);
  }

  async listPurchases(query: PurchaseQuery): Promise<LeadRecord[]> {
    // Two index walks, in created order, each stopping at the page size: the leads it bought first, the shared ones
    // it bought a share of (shared leads are walked alone, through their own index).
    const [after, direction] = query.direction === "asc" ? [">", "ASC"] : ["<", "DESC"];
    const cursor = "(SELECT created_at, id FROM leads WHERE id = $3)";
    const before = `AND ($3::text IS NULL OR (created_at, id) ${after} ${cursor})`;
    const order = `ORDER BY created_at ${direction}, id ${direction} LIMIT $2`;
    const rows = await this.#query(
      `SELECT * FROM (
         (SELECT * FROM leads WHERE status = 'sold' AND buyer_id = $1 ${before} ${order})
         UNION ALL
         (SELECT * FROM leads WHERE shares IS NOT NULL AND buyer_id <> $1 ${before}
            AND shares @> jsonb_build_array(jsonb_build_object('buyer_id', $1::text))
          ${order})
       ) AS purchases
       ${order}`,
      [query.buyer_id, query.limit, query.before ?? null],
    );
    return rows.map((row) => leadFromRow(row, this.#codec));
  }

  async ledgerImbalances(): Promise<{ lead_id: string; cents: number }[]> {
    const rows = await this.#query(
      `SELECT lead_id, SUM(CASE WHEN kind IN ('buyer_charge', 'buyer_refund') THEN amount_cents
         ELSE -amount_cents END) AS cents
       FROM ledger_entries GROUP BY lead_id
       HAVING SUM(CASE WHEN kind IN ('buyer_charge', 'buyer_refund') THEN amount_cents ELSE -amount_cents END) <> 0
       ORDER BY lead_id`,
    );
    return rows.map((row) => ({ lead_id: String(row.lead_id), cents: Number(row.cents) }));
  }

  async claimOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    // SKIP LOCKED: instances claiming at the same moment take disjoint items instead of waiting on each other; the
    // lease (run_at moved forward) keeps a claimed item from being claimed again once this statement commits.
    const rows = await this.#query(
      `UPDATE outbox SET run_at = $1, attempts = attempts + 1
       WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND run_at <= $2
                    ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now + leaseMs, now, limit],
    );
    return rows.map((row) => outboxFromRow(row, POSTGRES_CODEC));
  }

  async settleOutbox(id: string, settlement: OutboxSettlement): Promise<void> {
    await this.#query(
      `UPDATE outbox SET status = $1, run_at = COALESCE($2, run_at), last_error = COALESCE($3, last_error),
         delivered_at = $4 WHERE id = $5`,
      [
        settlement.status,
        settlement.status === "pending" ? settlement.run_at : null,
        settlement.status === "done" ? null : settlement.error,
        settlement.status === "done" ? settlement.at : null,
        id,
      ],
    );
  }

  async listOutbox(query: OutboxQuery): Promise<OutboxItem[]> {
    const { sql, params } = newestFirstPage("outbox", "$", query);
    const rows = await this.#query(sql, params);
    return rows.map((row) => outboxFromRow(row, POSTGRES_CODEC));
  }

  async replayOutbox(id: string, now: number): Promise<boolean> {
    const rows = await this.#query(
      "UPDATE outbox SET status = 'pending', run_at = $1, attempts = 0, delivered_at = NULL WHERE id = $2 RETURNING id",
      [now, id],
    );
    return rows.length > 0;
  }

  async salesSince(since: number): Promise<SaleSummary[]> {
    const rows = await this.#query(
      `SELECT campaign_id, buyer_id, source_id, buyer_price_cents, created_at FROM leads
       WHERE status = 'sold' AND created_at >= $1
       UNION ALL
       SELECT s ->> 'campaign_id', s ->> 'buyer_id', source_id, (s ->> 'buyer_price_cents')::integer, created_at
       FROM leads, jsonb_array_elements(leads.shares) AS s
       WHERE leads.shares IS NOT NULL AND created_at >= $1`,
      [since],
    );
    return rows.map(saleSummaryFromRow);
  }

  async getLead(id: string): Promise<LeadRecord | undefined> {
    const [row] = await this.#query("SELECT * FROM leads WHERE id = $1", [id]);
    return row && leadFromRow(row, this.#codec);
  }

  async getLeadByAuction(auctionId: string): Promise<LeadRecord | undefined> {
    const [row] = await this.#query("SELECT * FROM leads WHERE auction_id = $1", [auctionId]);
    return row && leadFromRow(row, this.#codec);
  }

  async listLeads(query: LeadQuery): Promise<LeadRecord[]> {
    const sort = query.sort ?? "created_at";
    const key = LEAD_SORT_KEYS[sort];
    const [after, direction] = query.direction === "asc" ? [">", "ASC"] : ["<", "DESC"];
    const filter = leadFilterSql(
      query,
      (index) => `$${index}`,
      query.before ? 4 : 3,
      (test) => test,
    );
    const source = `${query.source_id ? "AND source_id = $2" : "AND $2::text IS NULL"}${filter.sql}`;
    // The walks SqliteStore.listLeads takes (see there why), so both stores page the same way on the same indexes.
    const statuses = query.status ? [query.status] : sort === "created_at" ? [undefined] : LEAD_STATUSES;
    const walks = statuses.flatMap((status) => {
      const where = `${status ? `status = '${status}'` : "true"} ${source}`;
      const cursorKey = `(SELECT ${key} FROM leads WHERE id = $3)`;
      return query.before
        ? [
            `SELECT * FROM leads WHERE ${where} AND ${key} = ${cursorKey} AND id ${after} $3
             ORDER BY id ${direction} LIMIT $1`,
            `SELECT * FROM leads WHERE ${where} AND ${key} ${after} ${cursorKey}
             ORDER BY ${key} ${direction}, id ${direction} LIMIT $1`,
          ]
        : [`SELECT * FROM leads WHERE ${where} ORDER BY ${key} ${direction}, id ${direction} LIMIT $1`];
    });
    const sql =
      walks.length === 1
        ? walks[0]!
        : `SELECT * FROM (${walks.map((walk) => `(${walk})`).join(" UNION ALL ")}) AS page
           ORDER BY ${key} ${direction}, id ${direction} LIMIT $1`;
    const params = [
      query.limit,
      query.source_id ?? null,
      ...(query.before ? [query.before] : []),
      ...filter.params,
    ];
    const rows = await this.#query(sql, params);
    return rows.map((row) => leadFromRow(row, this.#codec));
  }

  async leadsOfContact(contact: SuppressionHash, limit: number): Promise<LeadRecord[]> {
    const column = contact.kind === "email" ? "email_sha256" : "phone_sha256";
    const rows = await this.#query(
      `SELECT * FROM leads WHERE ${column} = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [contact.sha256, limit],
    );
    return rows.map((row) => leadFromRow(row, this.#codec));
  }

  async purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number> {
    // SKIP LOCKED: instances purging at once take different leads, and a lead being erased meanwhile is left to that.
    return this.#transaction(async (client) => {
      const { rows } = await client.query(
        `SELECT * FROM leads WHERE vertical = $1 AND status = $2 AND pii_purged_at IS NULL AND created_at < $3
         ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED`,
        [selection.vertical, selection.status, selection.created_before, selection.limit],
      );
      const redactions = rows.map((row) =>
        leadRedactionRow(leadFromRow(row, this.#codec), redact, this.#codec),
      );
      return (await redactLeads(client, redactions, at, false)).leads;
    });
  }

  async erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query(
        "SELECT * FROM leads WHERE id = ANY($1) AND pii_purged_at IS NULL ORDER BY id FOR UPDATE",
        [leadIds],
      );
      const redactions = rows.map((row) =>
        leadRedactionRow(leadFromRow(row, this.#codec), redact, this.#codec),
      );
      return redactLeads(client, redactions, at, true);
    });
  }

  async recordPrivacyRequest(request: PrivacyRequestRecord): Promise<void> {
    await this.#query(
      `INSERT INTO privacy_requests (${PRIVACY_REQUEST_COLUMNS}) VALUES (${placeholders(PRIVACY_REQUEST_COLUMNS, "$")})`,
      privacyRequestRowValues(request),
    );
  }

  async listPrivacyRequests(limit: number): Promise<PrivacyRequestRecord[]> {
    const rows = await this.#query(
      "SELECT * FROM privacy_requests ORDER BY created_at DESC, id DESC LIMIT $1",
      [limit],
    );
    return rows.map((row) => privacyRequestFromRow(row, POSTGRES_CODEC));
  }

  async getPing(id: string): Promise<PingRecord | undefined> {
    const [row] = await this.#query("SELECT * FROM pings WHERE id = $1", [id]);
    return row && pingFromRow(row, POSTGRES_CODEC);
  }

  async getOutcomes(auctionId: string): Promise<OutcomeRecord[]> {
    const rows = await this.#query(
      "SELECT * FROM outcomes WHERE auction_id = $1 ORDER BY phase = 'post', id",
      [auctionId],
    );
    return rows.map(outcomeFromRow);
  }

  async heldPings(now: number): Promise<PingRecord[]> {
    const rows = await this.#query(
      `SELECT * FROM pings WHERE status = 'bid' AND kind = 'ping' AND expires_at > $1
         AND NOT EXISTS (SELECT 1 FROM leads WHERE leads.auction_id = pings.id)`,
      [now],
    );
    return rows.map((row) => pingFromRow(row, POSTGRES_CODEC));
  }

  async addSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    if (hashes.length === 0) return 0;
    // One statement per batch, whatever its size: the hashes and kinds travel as two arrays.
    const [row] = await this.#query<{ added: number }>(
      `WITH added AS (
         INSERT INTO suppressions (list_id, sha256, kind, created_at)
         SELECT $1, sha256, kind, $4 FROM unnest($2::text[], $3::text[]) AS batch (sha256, kind)
         ON CONFLICT (list_id, sha256) DO NOTHING
         RETURNING 1)
       SELECT count(*)::integer AS added FROM added`,
      [listId, hashes.map((h) => h.sha256), hashes.map((h) => h.kind), Date.now()],
    );
    return row?.added ?? 0;
  }

  async removeSuppressions(listId: string, hashes: readonly SuppressionHash[]): Promise<number> {
    if (hashes.length === 0) return 0;
    const [row] = await this.#query<{ removed: number }>(
      `WITH removed AS (
         DELETE FROM suppressions WHERE list_id = $1 AND sha256 = ANY($2::text[]) RETURNING 1)
       SELECT count(*)::integer AS removed FROM removed`,
      [listId, hashes.map((h) => h.sha256)],
    );
    return row?.removed ?? 0;
  }

  async loadSuppressions(listId?: string): Promise<SuppressionEntry[]> {
    return listId === undefined
      ? this.#query<SuppressionEntry & Row>("SELECT list_id, kind, sha256 FROM suppressions")
      : this.#query<SuppressionEntry & Row>(
          "SELECT list_id, kind, sha256 FROM suppressions WHERE list_id = $1",
          [listId],
        );
  }

  async countSuppressions(listId: string): Promise<number> {
    const [row] = await this.#query<{ count: number }>(
      "SELECT count(*)::integer AS count FROM suppressions WHERE list_id = $1",
      [listId],
    );
    return row?.count ?? 0;
  }

  async putUser(user: ConsoleUser): Promise<ConsoleUser> {
    // Replacing a user ends its sessions. Safe to repeat (the retry in #query): the same upsert, nothing left to end.
    const [row] = await this.#query(
      `WITH ended AS (
         DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM console_users WHERE email = $2)
       )
       INSERT INTO console_users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (email) DO UPDATE SET role = excluded.role, party_id = excluded.party_id,
         password_hash = excluded.password_hash
       RETURNING *`,
      userRowValues(user),
    );
    return userFromRow(row!);
  }

  async deleteUser(id: string): Promise<boolean> {
    // One statement, so one transaction; safe to repeat (the retry in #query): a second run finds nothing to delete.
    const rows = await this.#query(
      `WITH ended AS (DELETE FROM console_sessions WHERE user_id = $1)
       DELETE FROM console_users WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  async getUser(id: string): Promise<ConsoleUser | undefined> {
    const [row] = await this.#query("SELECT * FROM console_users WHERE id = $1", [id]);
    return row ? userFromRow(row) : undefined;
  }

  async getUserByEmail(email: string): Promise<ConsoleUser | undefined> {
    const [row] = await this.#query("SELECT * FROM console_users WHERE email = $1", [email]);
    return row ? userFromRow(row) : undefined;
  }

  async listUsers(): Promise<ConsoleUser[]> {
    return (await this.#query("SELECT * FROM console_users ORDER BY email")).map(userFromRow);
  }

  async createSession(session: ConsoleSession): Promise<void> {
    // Safe to repeat (the retry in #query): the second insert of the same token does nothing.
    await this.#query(
      `WITH expired AS (DELETE FROM console_sessions WHERE expires_at <= $3)
       INSERT INTO console_sessions (token_sha256, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (token_sha256) DO NOTHING`,
      [session.token_sha256, session.user_id, session.created_at, session.expires_at],
    );
  }

  async getSession(tokenSha256: string): Promise<ConsoleSession | undefined> {
    const [row] = await this.#query("SELECT * FROM console_sessions WHERE token_sha256 = $1", [tokenSha256]);
    return row ? sessionFromRow(row) : undefined;
  }

  async deleteSession(tokenSha256: string): Promise<void> {
    await this.#query("DELETE FROM console_sessions WHERE token_sha256 = $1", [tokenSha256]);
  }

  async addDeposit(deposit: BuyerDeposit): Promise<{ added: boolean; deposit: BuyerDeposit }> {
    // Safe to repeat (the retry in #query): a second run finds the row and reports it as known.
    const inserted = await this.#query(
      `INSERT INTO buyer_deposits (id, buyer_id, amount_cents, note, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [deposit.id, deposit.buyer_id, deposit.amount_cents, deposit.note ?? null, deposit.created_at],
    );
    if (inserted.length > 0) return { added: true, deposit };
    const [row] = await this.#query("SELECT * FROM buyer_deposits WHERE id = $1", [deposit.id]);
    return { added: false, deposit: depositFromRow(row!) };
  }

  async depositTotals(buyerId?: string): Promise<BuyerCents[]> {
    const rows = await this.#query(
      `SELECT buyer_id, SUM(amount_cents) AS cents FROM buyer_deposits
       WHERE $1::text IS NULL OR buyer_id = $1 GROUP BY buyer_id`,
      [buyerId ?? null],
    );
    return rows.map(buyerCentsFromRow);
  }

  async spendTotals(buyerId?: string): Promise<BuyerCents[]> {
    const rows = await this.#query(
      // The first buyer of every sold lead, and each other buyer of a shared one.
      `SELECT buyer_id, SUM(cents) AS cents FROM (
         SELECT buyer_id, buyer_price_cents AS cents FROM leads WHERE status = 'sold' AND buyer_id IS NOT NULL
         UNION ALL
         SELECT s ->> 'buyer_id', (s ->> 'buyer_price_cents')::integer FROM leads, jsonb_array_elements(leads.shares) AS s
         WHERE leads.shares IS NOT NULL
       ) AS sales
       WHERE $1::text IS NULL OR buyer_id = $1 GROUP BY buyer_id`,
      [buyerId ?? null],
    );
    return rows.map(buyerCentsFromRow);
  }

  async report(query: ReportQuery): Promise<ReportRow[]> {
    const rows = await this.#transaction(async (client) => {
      // A report groups up to a few hundred thousand rollup rows: memory enough to hash its groups rather than sort
      // them on disk, and no JIT (compiling costs more than it saves at this size).
      await client.query("SET LOCAL work_mem = '64MB'");
      await client.query("SET LOCAL jit = off");
      return (await client.query(reportSql(query, "postgres"))).rows;
    });
    return rows.map((row) => reportRowFrom(row, query));
  }

  async rebuildReportRollups(): Promise<void> {
    await this.#transaction(async (client) => {
      // Writers wait at their rollup upsert until this commits; their rows, not yet visible here, count after.
      await client.query("LOCK TABLE report_rollup IN EXCLUSIVE MODE");
      await client.query("DELETE FROM report_rollup");
      await rebuildRollupsPaged(
        async (sql, after) => (await client.query(sql, after === null ? [] : [after])).rows,
        POSTGRES_CODEC,
        (batch) => upsertRollup(client, batch),
      );
    });
  }

  async ping(): Promise<void> {
    await this.#query("SELECT 1");
  }

  async notifyConfigChanged(change: SharedChange): Promise<void> {
    // The payload names the schema first, so exchanges sharing a database in different schemas ignore each other.
    await this.#query("SELECT pg_notify($1, current_schema() || ':' || $2)", [
      CONFIG_CHANNEL,
      JSON.stringify(change),
    ]);
  }

  async watchConfig(onChange: (change: SharedChange | undefined) => void): Promise<() => Promise<void>> {
    const watcher = new ConfigWatcher(this.#options, onChange);
    await watcher.start().catch((error: unknown) => {
      throw unavailable(this.#address, error);
    });
    const stop = async () => {
      this.#watchers.delete(stop);
      await watcher.stop();
    };
    this.#watchers.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#watchers].map((stop) => stop()));
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  /** Runs one statement. Every statement sent this way is safe to repeat (reads, upserts, NOTIFY). */
  async #query<R extends Row = Row>(text: string, values?: unknown[]): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#pool.query<R>(text, values)).rows;
      } catch (error) {
        if (!this.#isWorthRetrying(error, attempt)) throw unavailable(this.#address, error);
      }
    }
  }

  /**
   * After a server restart or pg_terminate_backend, the pool may hand out connections the server already closed,
   * before their error events arrive. Each fails at once and is dropped by the pool, so trying again (at most once per
   * pooled connection) reaches a fresh one. Timeouts are not retried: that would only double the wait.
   */
  #isWorthRetrying(error: unknown, attempt: number): boolean {
    return (
      isStaleConnection(error) && attempt <= (this.#options.poolSize ?? DEFAULT_POOL_SIZE) && !this.#closed
    );
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#begin();
    try {
      const result = await work(client);
      await client.query("COMMIT");
      release(client);
      return result;
    } catch (error) {
      if (error instanceof pg.DatabaseError) {
        // The server refused a statement (a duplicate lead...): the connection is healthy, roll back and reuse it.
        const rolledBack = await client.query("ROLLBACK").then(
          () => true,
          () => false,
        );
        release(client, !rolledBack);
      } else {
        // The connection broke or timed out: drop it; the server rolls back what it had of the transaction.
        release(client, true);
      }
      throw unavailable(this.#address, error);
    }
  }

  /** A pooled connection inside BEGIN; stale connections are replaced as in #query, since nothing ran on them yet. */
  async #begin(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        throw unavailable(this.#address, error);
      }
      // While checked out, pg-pool no longer listens for this client's errors, and pg emits 'error' when the
      // connection resets: unheard, that event would crash the process. The failing query rejects anyway.
      client.on("error", ignoreError);
      try {
        await client.query("BEGIN");
        return client;
      } catch (error) {
        release(client, true);
        if (!this.#isWorthRetrying(error, attempt)) throw unavailable(this.#address, error);
      }
    }
  }
}

/** Brings the PostgreSQL schema up to date (`gavel migrate`); resolves to how many migrations were applied. */
export async function migratePostgres(
  connectionString: string,
  options: { schema?: string } = {},
): Promise<number> {
  checkSchemaName(options.schema);
  const config: PostgresStoreOptions = { connectionString, ...options };
  try {
    return await withClient(config, (client) => applyPostgresMigrations(client, options.schema));
  } catch (error) {
    throw unavailable(postgresAddress(connectionString), error);
  }
}

/** Keeps one dedicated connection LISTENing for configuration changes, reconnecting with backoff when it drops. */
class ConfigWatcher {
  readonly #options: PostgresStoreOptions;
  readonly #onChange: (change: SharedChange | undefined) => void;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #backoffMs = WATCH_BACKOFF_MIN_MS;
  #stopped = false;

  constructor(options: PostgresStoreOptions, onChange: (change: SharedChange | undefined) => void) {
    this.#options = options;
    this.#onChange = onChange;
  }

  /** The first connection must succeed (fail fast at startup); later drops are retried for as long as it runs. */
  async start(): Promise<void> {
    await this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(clientConfig(this.#options));
    // Errors while setting up reject below; once listening, any error or end means: reconnect.
    let live = false;
    const drop = () => {
      if (!live) return;
      live = false;
      clearInterval(this.#heartbeat);
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
      this.#retry();
    };
    client.on("error", drop);
    client.on("end", drop);
    try {
      await client.connect();
      const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
      const schema = rows[0]?.schema ?? "";
      client.on("notification", (message) => {
        const payload = message.payload ?? "";
        if (message.channel !== CONFIG_CHANNEL || !payload.startsWith(`${schema}:`)) return;
        this.#changed(sharedChange(payload.slice(schema.length + 1)));
      });
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    live = true;
    this.#client = client;
    this.#backoffMs = WATCH_BACKOFF_MIN_MS;
    this.#heartbeat = setInterval(() => {
      client.query("SELECT 1").catch(drop);
    }, WATCH_HEARTBEAT_MS).unref();
  }

  #retry(): void {
    if (this.#stopped) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, WATCH_BACKOFF_MAX_MS);
    this.#timer = setTimeout(() => {
      this.#listen().then(
        // Changes made while the connection was down were not heard: reload everything once to catch up.
        () => {
          if (!this.#stopped) this.#changed(undefined);
        },
        () => this.#retry(),
      );
    }, delay);
    this.#timer.unref();
  }

  #changed(change: SharedChange | undefined): void {
    try {
      this.#onChange(change);
    } catch {
      // The watcher outlives a failing callback; the next change calls it again.
    }
  }
}

/** What a notification says changed; undefined (reload everything) for one this release does not know. */
function sharedChange(text: string): SharedChange | undefined {
  try {
    const change = JSON.parse(text) as SharedChange;
    if (change.topic === "config" || change.topic === "funds") return { topic: change.topic };
    if (change.topic === "suppressions" && typeof change.list === "string") {
      const { list, added, removed } = change;
      // Hashes that are not plainly hashes: read the whole list instead.
      if (!hashesOrAbsent(added) || !hashesOrAbsent(removed)) return { topic: "suppressions", list };
      return { topic: "suppressions", list, ...(added ? { added } : {}), ...(removed ? { removed } : {}) };
    }
  } catch {
    // Not JSON: an older release's payload.
  }
  return undefined;
}

function hashesOrAbsent(value: unknown): value is SuppressionHash[] | undefined {
  return (
    value === undefined ||
    (Array.isArray(value) &&
      value.every(
        (hash: SuppressionHash) =>
          (hash?.kind === "email" || hash?.kind === "phone") && /^[0-9a-f]{64}$/.test(String(hash.sha256)),
      ))
  );
}

/** The schema name goes into SQL and connection options unquoted-safe, so only plain lowercase names are allowed. */
function checkSchemaName(schema: string | undefined): void {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lowercase letters, digits and _`);
  }
}

/** Settings shared by the pool, the LISTEN connection and the migration connection. */
function clientConfig(options: PostgresStoreOptions): pg.ClientConfig {
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    connectionString: options.connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_SLACK_MS,
    // A connection lost mid-transaction must not hold its locks for long.
    idle_in_transaction_session_timeout: Math.max(statementTimeoutMs * 2, 10_000),
    keepAlive: true,
    application_name: "gavel",
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  };
}

/** Runs `work` on a connection of its own, without a client-side query timeout (migrations may wait on a lock). */
function ignoreError(): void {}

/** Returns a checked-out client to the pool (destroyed when its connection is suspect). */
function release(client: pg.PoolClient, destroy = false): void {
  client.off("error", ignoreError);
  client.release(destroy);
}

async function withClient<T>(
  options: PostgresStoreOptions,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const { query_timeout: _, ...config } = clientConfig(options);
  const client = new pg.Client(config);
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function insertLedger(client: pg.ClientBase, entries: readonly LedgerEntry[]): Promise<void> {
  for (const entry of entries) {
    await client.query({
      name: "gavel_insert_ledger",
      text: `INSERT INTO ledger_entries (${LEDGER_COLUMNS}) VALUES (${placeholders(LEDGER_COLUMNS, "$")})
             ON CONFLICT (id) DO NOTHING`,
      values: ledgerRowValues(entry),
    });
  }
}

/** Adds a batch to the report rollups; the rows come sorted, so concurrent writers lock them in the same order. */
async function upsertRollup(client: pg.ClientBase, batch: RollupBatch): Promise<void> {
  if (batch.size === 0) return;
  const rows = batch.rows();
  await client.query({
    name: "gavel_upsert_rollup",
    text: rollupUpsertSql("postgres"),
    values: [rollupRowsJson(rows)],
  });
}

/** The auctions of ping-phase outcomes whose ping an earlier batch wrote. */
async function earlierAuctions(
  client: pg.ClientBase,
  pings: readonly PingRecord[],
  outcomes: readonly OutcomeRecord[],
): Promise<Map<string, AuctionDimensions>> {
  const inBatch = new Set(pings.map((ping) => ping.id));
  const missing = [
    ...new Set(
      outcomes.filter((o) => o.phase === "ping" && !inBatch.has(o.auction_id)).map((o) => o.auction_id),
    ),
  ];
  const found = new Map<string, AuctionDimensions>();
  if (missing.length === 0) return found;
  const { rows } = await client.query(
    `SELECT p.id, ${DIMENSION_SELECT("p")} FROM pings AS p WHERE p.id = ANY($1::text[])`,
    [missing],
  );
  for (const row of rows) found.set(String(row.id), dimensionsFromRow(row, POSTGRES_CODEC));
  return found;
}

async function insertOutcomes(client: pg.ClientBase, outcomes: readonly OutcomeRecord[]): Promise<void> {
  if (outcomes.length === 0) return;
  // ORDER BY the ordinality: the bigserial ids, which getOutcomes orders by, follow the order given.
  await client.query({
    name: "gavel_insert_outcomes",
    text: `INSERT INTO outcomes (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms,
             detail, at)
           SELECT auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms, detail, at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::integer[],
             $8::double precision[], $9::text[], $10::bigint[])
             WITH ORDINALITY AS o (auction_id, phase, campaign_id, buyer_id, reason, code, bid_cents, latency_ms,
               detail, at, n)
           ORDER BY n`,
    values: [
      outcomes.map((o) => o.auction_id),
      outcomes.map((o) => o.phase),
      outcomes.map((o) => o.campaign_id),
      outcomes.map((o) => o.buyer_id),
      outcomes.map((o) => o.reason),
      outcomes.map((o) => REASONS[o.reason].code),
      outcomes.map((o) => o.bid_cents ?? null),
      outcomes.map((o) => o.latency_ms ?? null),
      outcomes.map((o) => o.detail ?? null),
      outcomes.map((o) => o.at),
    ],
  });
}

/**
 * The error a caller sees. A statement the server refused (a duplicate key...) keeps pg's DatabaseError and its
 * SQLSTATE `code`; a connection that failed or timed out becomes one clear message naming the server.
 */
function unavailable(address: string, error: unknown): Error {
  if (error instanceof pg.DatabaseError && !isConnectionLoss(error)) return error;
  return new ServiceUnavailableError(`PostgreSQL at ${address} is unavailable: ${reasonOf(error)}`, {
    cause: error,
  });
}

/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: the server is shutting down). */
function isConnectionLoss(error: pg.DatabaseError): boolean {
  return error.code?.startsWith("08") === true || error.code?.startsWith("57P") === true;
}

/** The connection was closed under us (not a timeout: repeating a timed-out statement would only double the wait). */
function isStaleConnection(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return isConnectionLoss(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    (error instanceof Error && /^Connection terminated|not queryable/i.test(error.message))
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // Node tries every address of a host name; each refusal is inside.
    return [...new Set(error.errors.map(reasonOf))].join("; ");
  }
  if (error instanceof Error) {
    if (error.message === "Query read timeout") return "no answer in time (query timeout)";
    return error.message || (error as NodeJS.ErrnoException).code || error.name;
  }
  return String(error);
}

/** host:port/database of a connection string, never its password (for messages and the start-up line). */
export function postgresAddress(connectionString: string): string {
  // pg resolves the parts (URL, then PGHOST... defaults) without connecting; read them back from a client.
  const probe = new pg.Client({ connectionString });
  return `${probe.host}:${probe.port}/${probe.database ?? ""}`;
}

/** Blanks leads' PII inside the caller's transaction (see SqliteWrites.redactLeads, which does the same). */
async function redactLeads(
  client: pg.ClientBase,
  rows: readonly LeadRedactionRow[],
  at: number,
  cancelDeliveries: boolean,
): Promise<PiiErasure> {
  const sql = piiRedactionSql("postgres");
  const counts: PiiErasure = { leads: 0, deliveries_cancelled: 0 };
  const blanked: LeadRedactionRow[] = [];
  for (const row of rows) {
    const result = await client.query(sql.blankLead, [row.lead, row.consent, at, row.id]);
    if (result.rowCount !== 0) blanked.push(row);
  }
  counts.leads = blanked.length;
  if (blanked.length === 0) return counts;
  for (const freeText of sql.freeTexts) {
    const secretsOf = new Map(blanked.map((row) => [row[freeText.by], row.secrets]));
    const texts = await client.query(freeText.select, [JSON.stringify([...secretsOf.keys()])]);
    for (const { row_key, owner, text } of texts.rows) {
      const clean = scrubbed(String(text), secretsOf.get(String(owner)) ?? []);
      if (clean !== undefined) await client.query(freeText.update, [clean, row_key]);
    }
  }
  if (cancelDeliveries) {
    for (const row of blanked) {
      counts.deliveries_cancelled += (await client.query(sql.cancelDeliveries, [row.id])).rowCount ?? 0;
    }
  }
  return counts;
}

async function insertAuditEvent(client: pg.PoolClient, event: AuditEvent): Promise<void> {
  await client.query(
    `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(AUDIT_COLUMNS, "$")})`,
    auditRowValues(event),
  );
}
