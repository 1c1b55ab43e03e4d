// The embedded store: one SQLite file through node:sqlite, WAL mode. A real product for a single machine.
// Its queries and writes are the SQL stores' (src/store/sql/). Reads run here (indexed lookups, microseconds); writes
// run on a writer thread so their fsyncs never stall pings.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { NO_PII_KEYS, type PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import type { PiiErasure, PiiPurgeSelection, PiiRedaction } from "../../domain/records.ts";
import type { ReportQuery, ReportRow } from "../../domain/report-query.ts";
import { type AuctionPeriod, type RecordedAuction, sqliteAuctionHistory } from "../auction-history.ts";
import type { Row } from "../record-rows.ts";
import { SQLITE, type Statement } from "../sql/dialect.ts";
import { leadRedactionRow, leadsToErase, leadsToPurge } from "../sql/privacy-queries.ts";
import { reportRowFrom, reportSql } from "../sql/report-queries.ts";
import { SqlStore } from "../sql/sql-store.ts";
import type { WriteArgs, WriteOp, WriteResult } from "../sql/sql-writes.ts";
import { applySqliteMigrations } from "./migrations.ts";
import { openSqlite } from "./open-sqlite.ts";
import { rebuildSqliteRollups } from "./sqlite-rollups.ts";
import { sqliteRunner } from "./sqlite-tx.ts";
import { SqliteWriter } from "./sqlite-writer.ts";

export class SqliteStore extends SqlStore {
  /** Reads and migrations; every other write goes through the writer thread. */
  readonly #db: DatabaseSync;
  readonly #writer: SqliteWriter;
  readonly #reads: ReturnType<typeof sqliteRunner>;
  readonly #path: string;

  /** Opens (creating when needed) `gavel.db` in the data folder; PII is sealed with `piiKeys`' current key. */
  constructor(dataDir: string, options: { piiKeys?: PiiKeyRing } = {}) {
    const piiKeys = options.piiKeys ?? NO_PII_KEYS;
    super(SQLITE, piiKeys);
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, "gavel.db");
    this.#path = path;
    this.#db = openSqlite(path);
    this.#reads = sqliteRunner(this.#db);
    this.#writer = new SqliteWriter(path, piiKeys);
  }

  protected async read(statement: Statement): Promise<Row[]> {
    return this.#reads.run(statement).rows;
  }

  /**
   * On a read-only handle of the store's file, not its read connection: a statement left open on that connection
   * while the replay yields would hold one read transaction, and every other read of the store would see the database
   * as it was when the replay started (WAL: the writer thread goes on writing meanwhile).
   */
  auctionHistory(period: AuctionPeriod): Iterable<RecordedAuction> {
    return sqliteAuctionHistory(this.#path, period);
  }

  protected write<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    return this.#writer.write(op, args);
  }

  async migrate(): Promise<void> {
    const { rebuildRollups } = applySqliteMigrations(this.#db);
    await this.checkPiiKeys();
    // Upgrading a store that has events past a migration of the rollups: they start again from what is there.
    if (rebuildRollups && this.#db.prepare("SELECT 1 FROM pings LIMIT 1").get())
      rebuildSqliteRollups(this.#db);
  }

  async purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number> {
    // One process writes this file, so reading the batch here and blanking it on the writer thread cannot race
    // another purge; a lead blanked meanwhile by an erasure is skipped by the write (pii_purged_at IS NULL).
    const leads = await this.leadsOf(leadsToPurge(SQLITE, selection));
    if (leads.length === 0) return 0;
    const rows = leads.map((lead) => leadRedactionRow(lead, redact, this.codec));
    return (await this.write("redactLeads", rows, at, false)).leads;
  }

  async erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure> {
    const leads = await this.leadsOf(leadsToErase(SQLITE, leadIds));
    if (leads.length === 0) return { leads: 0, deliveries_cancelled: 0 };
    const rows = leads.map((lead) => leadRedactionRow(lead, redact, this.codec));
    return this.write("redactLeads", rows, at, true);
  }

  async report(query: ReportQuery): Promise<ReportRow[]> {
    // Not kept prepared: each report's SQL differs (its range and offsets are inlined).
    const rows = this.#db.prepare(reportSql(query)).all() as Row[];
    return rows.map((row) => reportRowFrom(row, query));
  }

  async rebuildReportRollups(): Promise<void> {
    await this.#writer.rebuildReportRollups();
  }

  async close(): Promise<void> {
    await this.#writer.close();
    if (this.#db.isOpen) this.#db.close();
  }
}
