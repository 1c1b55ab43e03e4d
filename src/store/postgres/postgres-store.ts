// The distributed store: PostgreSQL through a pg.Pool, shared by every exchange instance. Its queries and writes are
// the SQL stores' (src/store/sql/); here is what only PostgreSQL does: the pool, row locks that let instances share
// work (SKIP LOCKED), and LISTEN/NOTIFY so a change made through one instance reaches all of them.

import { randomUUID } from "node:crypto";
import { NO_PII_KEYS } from "../../compliance/privacy/pii-cipher.ts";
import type { ContactHashes } from "../../compliance/suppression/suppression-hash.ts";
import type {
  LeadRecord,
  LedgerEntry,
  OutboxItem,
  OutcomeRecord,
  PiiErasure,
  PiiPurgeSelection,
  PiiRedaction,
  PingRecord,
} from "../../domain/records.ts";
import type { ReportQuery, ReportRow } from "../../domain/report-query.ts";
import { type AuctionPeriod, postgresHistory, type RecordedAuction } from "../auction-history.ts";
import {
  attemptOfCampaignSql,
  type BeginPostAttempt,
  type EndedPostAttempt,
  type PostAttempt,
  postAttemptFromRow,
} from "../post-attempts.ts";
import { leadFromRow, type Row } from "../record-rows.ts";
import { POSTGRES, type SqlTx, type Statement, statement } from "../sql/dialect.ts";
import { leadRedactionRow, leadsToErase, leadsToPurge } from "../sql/privacy-queries.ts";
import { reportRowFrom, reportSql } from "../sql/report-queries.ts";
import { rebuildRollupsPaged } from "../sql/rollup-rebuild.ts";
import { addRollup, codecOf } from "../sql/rollup-writes.ts";
import { SqlStore } from "../sql/sql-store.ts";
import { SqlWrites, type WriteArgs, type WriteOp, type WriteResult } from "../sql/sql-writes.ts";
import type { SharedChange } from "../store.ts";
import { GroupCommit } from "./group-commit.ts";
import { applyPostgresMigrations } from "./migrations.ts";
import {
  appendAuctionEventsStatement,
  type DurableWrite,
  type DurableWritesRow,
  durableWritesStatement,
  PING_STORED_BEFORE,
} from "./one-statement-writes.ts";
import { foldPendingRollups, ROLLUP_SHARDS, RollupFolder, VACUUM_QUEUES } from "./pending-rollups.ts";
import {
  checkSchemaName,
  PostgresPool,
  type PostgresStoreOptions,
  postgresAddress,
  reasonOf,
  transactionOf,
  unavailable,
  withClient,
} from "./postgres-connection.ts";
import { CONFIG_CHANNEL, ConfigWatcher } from "./postgres-watch.ts";

export { type PostgresStoreOptions, postgresAddress } from "./postgres-connection.ts";

export class PostgresStore extends SqlStore {
  readonly #options: PostgresStoreOptions;
  readonly #pool: PostgresPool;
  readonly #writes: SqlWrites;
  readonly #watchers = new Set<() => Promise<void>>();
  /** Signs this store's change notifications, so that its own watch can tell them from other instances'. */
  readonly #origin = randomUUID();
  /** Post attempts and sales: posts at the same moment share a statement (group-commit.ts). */
  readonly #durable: GroupCommit<DurableWrite, DurableWritesRow>;
  /** Sales' and ping batches' queued rollups, folded into report_rollup (pending-rollups.ts). */
  readonly #rollups: RollupFolder;

  /** Creates the pool without connecting; prefer `PostgresStore.connect`, which fails fast when the server is away. */
  constructor(options: PostgresStoreOptions) {
    super(POSTGRES, options.piiKeys ?? NO_PII_KEYS);
    this.#options = options;
    this.#pool = new PostgresPool(options);
    this.#writes = new SqlWrites(POSTGRES, this.codec);
    this.#durable = new GroupCommit(async (writes) => {
      const [row] = await this.#pool.write<DurableWritesRow>(durableWritesStatement(this.codec, writes));
      return row!;
    });
    this.#rollups = new RollupFolder(
      async () => {
        // Safe to repeat: a fold moves whatever is queued when it runs. (Without JIT: clientConfig.)
        await this.#pool.background(foldPendingRollups(1 + Math.floor(Math.random() * ROLLUP_SHARDS)));
      },
      async () => {
        await this.#pool.background({ text: VACUUM_QUEUES, values: [] });
      },
    );
  }

  /** Opens a store and proves the server answers: rejects within a few seconds, with a clear message, when not. */
  static async connect(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.#pool.probe();
    } catch (error) {
      await store.close();
      throw new Error(`cannot reach PostgreSQL at ${store.#pool.address}: ${reasonOf(error)}`, {
        cause: error,
      });
    }
    return store;
  }

  protected async read(statement: Statement): Promise<Row[]> {
    // Every read is safe to repeat on a fresh connection (PostgresPool.query).
    return this.#pool.query(statement.text, [...statement.values]);
  }

  /** Through a cursor on a connection of the store's pool, lent for the read's length. */
  auctionHistory(period: AuctionPeriod): AsyncIterable<RecordedAuction> {
    return this.#pool.reading((client) => postgresHistory(client, period));
  }

  protected async write<K extends WriteOp>(op: K, ...args: WriteArgs<K>): Promise<WriteResult<K>> {
    // Durable when COMMIT returns: the store relies on the server's default synchronous_commit = on.
    const write = this.#writes[op] as (tx: SqlTx, ...args: unknown[]) => Promise<WriteResult<K>>;
    return this.#pool.transaction((client) => write.call(this.#writes, transactionOf(client), ...args));
  }

  /**
   * SqlWrites.appendAuctionEvents as one statement, its own transaction (one-statement-writes.ts), sent once; in a
   * transaction when a ping of the batch was stored before, or an outcome's ping is not in it.
   */
  override async appendAuctionEvents(
    pings: readonly PingRecord[],
    outcomes: readonly OutcomeRecord[],
  ): Promise<void> {
    if (pings.length === 0 && outcomes.length === 0) return;
    const write = appendAuctionEventsStatement(pings, outcomes);
    if (write) {
      try {
        await this.#pool.writeOnce(write);
        // Its rollups were queued (pending-rollups.ts).
        this.#rollups.queued();
        return;
      } catch (error) {
        // Undone: a ping of the batch was stored before. The transaction counts only what it inserts.
        if (!(error instanceof Error && error.message.includes(PING_STORED_BEFORE))) throw error;
      }
    }
    await super.appendAuctionEvents(pings, outcomes);
  }

  /** SqlWrites.saveLead as one statement, its own transaction, maybe shared with other posts' (one-statement-writes.ts). */
  override async saveLead(
    lead: LeadRecord,
    outcomes: readonly OutcomeRecord[],
    outbox: readonly OutboxItem[] = [],
    ledger: readonly LedgerEntry[] = [],
    contact?: ContactHashes,
  ): Promise<void> {
    await this.#durable.write({ kind: "sale", lead, outcomes, outbox, ledger, contact });
    this.#rollups.queued();
  }

  /** SqlWrites.beginPostAttempt as one statement, its own transaction, maybe shared with other posts' (one-statement-writes.ts). */
  override async beginPostAttempt(
    attempt: PostAttempt,
    ended: readonly EndedPostAttempt[] = [],
  ): Promise<BeginPostAttempt> {
    const { begun } = await this.#durable.write({ kind: "attempt", attempt, ended });
    if (begun.includes(attempt.id)) return { begun: true };
    const [earlier] = await this.read(
      statement(POSTGRES, attemptOfCampaignSql, [attempt.auction_id, attempt.campaign_id]),
    );
    // This attempt itself: a first run whose reply was lost wrote it (PostgresPool.write ran it again).
    if (earlier?.id === attempt.id) return { begun: true };
    return { begun: false, earlier: postAttemptFromRow(earlier!) };
  }

  async migrate(): Promise<void> {
    try {
      await withClient(this.#options, (client) => applyPostgresMigrations(client, this.#options.schema));
      // Upgrading a store that has events: the rollups start from what is there.
      const [needed] = await this.#pool.query<{ needed: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pings) AND NOT EXISTS (SELECT 1 FROM report_rollup)
           AND NOT EXISTS (SELECT 1 FROM report_rollup_pending_fine) AS needed`,
      );
      if (needed?.needed) await this.rebuildReportRollups();
    } catch (error) {
      throw unavailable(this.#pool.address, error);
    }
    await this.checkPiiKeys();
  }

  async purgeExpiredPii(selection: PiiPurgeSelection, redact: PiiRedaction, at: number): Promise<number> {
    // Selected and blanked in one transaction: the rows stay locked (SKIP LOCKED for the other instances) until then.
    return this.#pool.transaction(async (client) => {
      const tx = transactionOf(client);
      const { rows } = await tx.run(leadsToPurge(POSTGRES, selection));
      const redactions = rows.map((row) =>
        leadRedactionRow(leadFromRow(row, this.codec), redact, this.codec),
      );
      return (await this.#writes.redactLeads(tx, redactions, at, false)).leads;
    });
  }

  async erasePii(leadIds: readonly string[], redact: PiiRedaction, at: number): Promise<PiiErasure> {
    return this.#pool.transaction(async (client) => {
      const tx = transactionOf(client);
      const { rows } = await tx.run(leadsToErase(POSTGRES, leadIds));
      const redactions = rows.map((row) =>
        leadRedactionRow(leadFromRow(row, this.codec), redact, this.codec),
      );
      return this.#writes.redactLeads(tx, redactions, at, true);
    });
  }

  /**
   * Folds the queued rollups (of sales and ping batches) into report_rollup now (pending-rollups.ts); otherwise done
   * shortly after each write. Reports do it first; a tool that reads report_rollup itself should too.
   */
  async foldSaleRollups(): Promise<void> {
    await this.#rollups.foldNow().catch((error: unknown) => {
      throw unavailable(this.#pool.address, error);
    });
  }

  async report(query: ReportQuery): Promise<ReportRow[]> {
    // So that the report counts every sale committed before it was asked.
    await this.foldSaleRollups();
    const rows = await this.#pool.transaction(async (client) => {
      // A report groups up to a few hundred thousand rollup rows: memory enough to hash its groups rather than sort
      // them on disk, and no JIT (compiling costs more than it saves at this size).
      await client.query("SET LOCAL work_mem = '64MB'");
      await client.query("SET LOCAL jit = off");
      return (await client.query(reportSql(query))).rows;
    });
    return rows.map((row) => reportRowFrom(row, query));
  }

  async rebuildReportRollups(): Promise<void> {
    await this.#pool.transaction(async (client) => {
      const tx = transactionOf(client);
      // Writers wait at their rollup upsert (sales and ping batches at their queued rollups, folds at the queues)
      // until this commits; their rows, not yet visible here, count after. The queues first, in the fold's order,
      // then report_rollup.
      await client.query("LOCK TABLE report_rollup_pending, report_rollup_pending_fine IN EXCLUSIVE MODE");
      await client.query("LOCK TABLE report_rollup IN EXCLUSIVE MODE");
      // What is queued is of sales and pings the rebuild counts from the leads and events.
      await client.query("DELETE FROM report_rollup_pending");
      await client.query("DELETE FROM report_rollup_pending_fine");
      await client.query("DELETE FROM report_rollup");
      await rebuildRollupsPaged(
        async (sql, after) => (await client.query(sql, after === null ? [] : [after])).rows,
        codecOf(POSTGRES),
        (batch) => addRollup(tx, POSTGRES, batch),
      );
    });
  }

  async notifyConfigChanged(change: SharedChange): Promise<void> {
    // The payload names the schema first, so exchanges sharing a database in different schemas ignore each other.
    await this.read(
      statement(POSTGRES, "SELECT pg_notify($1, current_schema() || ':' || $2)", [
        CONFIG_CHANNEL,
        JSON.stringify({ ...change, origin: this.#origin }),
      ]),
    );
  }

  async watchConfig(onChange: (change: SharedChange | undefined) => void): Promise<() => Promise<void>> {
    const watcher = new ConfigWatcher(this.#options, onChange, this.#origin);
    await watcher.start().catch((error: unknown) => {
      throw unavailable(this.#pool.address, error);
    });
    const stop = async () => {
      this.#watchers.delete(stop);
      await watcher.stop();
    };
    this.#watchers.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    this.#rollups.close();
    await Promise.all([...this.#watchers].map((stop) => stop()));
    await this.#pool.end();
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
