// The PostgreSQL connection: the pool every instance shares, a transaction on one of its connections, and the errors a
// caller sees when the server is away (one clear message naming the server, never the password).

import pg from "pg";
import type { PiiKeyRing } from "../../compliance/privacy/pii-cipher.ts";
import { ServiceUnavailableError } from "../../errors.ts";
import type { Row } from "../record-rows.ts";
import type { SqlTx, Statement } from "../sql/dialect.ts";

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

/** A pg.Pool that replaces connections the server closed and runs work inside one transaction. */
export class PostgresPool {
  readonly #options: PostgresStoreOptions;
  readonly #pool: pg.Pool;
  /**
   * One connection of its own, kept open, for the store's background statements (the queued rollups' fold, the queues'
   * vacuum): a prepared fold stays planned there, and its relations' catalogue entries cached. Through the pool, a fold
   * about once a second met connections that had not planned it (five custom plans each) nor opened report_rollup's
   * partitions since the ping batches stopped writing to it: ~20 ms of the server's CPU a fold.
   */
  readonly #background: pg.Pool;
  /** `host:port/database`, for error messages (never the password). */
  readonly address: string;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    checkSchemaName(options.schema);
    this.#options = options;
    this.address = postgresAddress(options.connectionString);
    this.#pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize ?? DEFAULT_POOL_SIZE });
    // An idle client whose connection dies emits here; pg.Pool has already dropped it and will open a fresh one on
    // demand. Without a listener the error would crash the process.
    this.#pool.on("error", () => {});
    // Kept open while idle (no idle timeout), without keeping the process alive (allowExitOnIdle).
    this.#background = new pg.Pool({
      ...clientConfig(options),
      max: 1,
      idleTimeoutMillis: 0,
      allowExitOnIdle: true,
    });
    this.#background.on("error", () => {});
  }

  /** One `SELECT 1`, not retried: rejects with pg's own error when the server does not answer. */
  async probe(): Promise<void> {
    await this.#pool.query("SELECT 1");
  }

  async end(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#pool.end(), this.#background.end()]);
  }

  /** Runs one statement. Every statement sent this way is safe to repeat (reads, upserts, NOTIFY). */
  async query<R extends Row = Row>(text: string, values?: unknown[]): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#pool.query<R>(text, values)).rows;
      } catch (error) {
        if (!this.#isWorthRetrying(error, attempt)) throw unavailable(this.address, error);
      }
    }
  }

  /**
   * Runs one background statement (a prepared one by its name: parsed and planned once) on the connection kept for
   * them, one at a time; safe to repeat as in #query.
   */
  async background<R extends Row = Row>(statement: Statement): Promise<R[]> {
    // Without values, the simple protocol (VACUUM, which must not run in a transaction block).
    const query =
      statement.values.length > 0
        ? { text: statement.text, values: [...statement.values], name: statement.name }
        : { text: statement.text };
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#background.query<R>(query)).rows;
      } catch (error) {
        if (!this.#isWorthRetrying(error, attempt)) throw unavailable(this.address, error);
      }
    }
  }

  /**
   * Runs one write that is a transaction by itself (no BEGIN, no COMMIT: one round trip), durable when it resolves.
   * A connection found closed is replaced as in #query, which may run the write a second time after a first run
   * whose reply was lost: a write sent this way must then fail or do nothing (an INSERT of a unique key). A refusal
   * after such a loss is reported as the loss (the first run may have written it), as a lost COMMIT reply would be.
   */
  async write<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return this.#write(statement, this.#options.poolSize ?? DEFAULT_POOL_SIZE);
  }

  /**
   * Runs one write that is a transaction by itself, once: a write that would not be harmless to repeat (ping events:
   * their outcomes would be added twice). When it fails the caller decides what to do (the event writer writes the
   * batch again later, as after a failed transaction).
   */
  async writeOnce<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return this.#write(statement, 0);
  }

  async #write<R extends Row = Row>(statement: Statement, retries: number): Promise<R[]> {
    let lost: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        const query = { text: statement.text, values: [...statement.values], name: statement.name };
        return (await this.#pool.query<R>(query)).rows;
      } catch (error) {
        if (lost !== undefined && error instanceof pg.DatabaseError && !isConnectionLoss(error)) {
          throw unavailable(this.address, lost);
        }
        if (attempt > retries || !this.#isWorthRetrying(error, attempt))
          throw unavailable(this.address, error);
        lost = error;
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

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
      throw unavailable(this.address, error);
    }
  }

  /**
   * Lends a pooled connection to a long read that yields as it goes (a cursor over a period's auctions), and takes it
   * back when the read ends or is abandoned: dropped if the connection broke, returned to the pool otherwise.
   */
  async *reading<T>(read: (client: pg.PoolClient) => AsyncIterable<T>): AsyncGenerator<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw unavailable(this.address, error);
    }
    client.on("error", ignoreError);
    let broken = false;
    try {
      yield* read(client);
    } catch (error) {
      broken = !(error instanceof pg.DatabaseError);
      throw unavailable(this.address, error);
    } finally {
      release(client, broken);
    }
  }

  /** A pooled connection inside BEGIN; stale connections are replaced as in #query, since nothing ran on them yet. */
  async #begin(): Promise<pg.PoolClient> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        throw unavailable(this.address, error);
      }
      // While checked out, pg-pool no longer listens for this client's errors, and pg emits 'error' when the
      // connection resets: unheard, that event would crash the process. The failing query rejects anyway.
      client.on("error", ignoreError);
      try {
        await client.query("BEGIN");
        return client;
      } catch (error) {
        release(client, true);
        if (!this.#isWorthRetrying(error, attempt)) throw unavailable(this.address, error);
      }
    }
  }
}

/** A transaction's connection as the shared writes see it (src/store/sql/sql-writes.ts). */
export function transactionOf(client: pg.ClientBase): SqlTx {
  return {
    run: async ({ text, values, name }) => {
      const result = await client.query(
        name === undefined ? { text, values: [...values] } : { name, text, values: [...values] },
      );
      return { rows: result.rows, changes: result.rowCount ?? 0 };
    },
  };
}

/** The schema name goes into SQL and connection options unquoted-safe, so only plain lowercase names are allowed. */
export function checkSchemaName(schema: string | undefined): void {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lowercase letters, digits and _`);
  }
}

/** Settings shared by the pool, the LISTEN connection and the migration connection. */
export function clientConfig(options: PostgresStoreOptions): pg.ClientConfig {
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
    // No JIT: Gavel's statements touch a few rows each (reports turn it off too), and the planner cannot size the
    // queue of sales' rollups (pending-rollups.ts), a table that empties itself: it compiled each fold, ~65 ms.
    // Settings in PGOPTIONS come first (these replace them otherwise).
    options: [process.env.PGOPTIONS, "-c jit=off", options.schema && `-c search_path=${options.schema}`]
      .filter(Boolean)
      .join(" "),
  };
}

/** Runs `work` on a connection of its own, without a client-side query timeout (migrations may wait on a lock). */
export function ignoreError(): void {}

/** Returns a checked-out client to the pool (destroyed when its connection is suspect). */
export function release(client: pg.PoolClient, destroy = false): void {
  client.off("error", ignoreError);
  client.release(destroy);
}

export async function withClient<T>(
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

/**
 * The error a caller sees. A statement the server refused (a duplicate key...) keeps pg's DatabaseError and its
 * SQLSTATE `code`; a connection that failed or timed out becomes one clear message naming the server.
 */
export function unavailable(address: string, error: unknown): Error {
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
export function isStaleConnection(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return isConnectionLoss(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    (error instanceof Error && /^Connection terminated|not queryable/i.test(error.message))
  );
}

export function reasonOf(error: unknown): string {
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
