// Sales' report rollups, queued and folded (migration 31, bench/README.md "A sale's rollups queued", issue 14, session
// 26). A sale's statement appends its rollup rows to `report_rollup_pending` (one JSON document, no index) instead of
// upserting them into `report_rollup`, whose ON CONFLICT check, partition routing and arbiter lookups were about half
// of the server's CPU for the sale. A fold moves everything queued into `report_rollup` in one statement, its own
// transaction: the rows summed by key, one upsert per key however many sales added to it. Reports fold first, so a
// report counts every sale committed before it was asked, as before.

import {
  ROLLUP_COLUMNS,
  ROLLUP_KEY_COLUMNS,
  ROLLUP_MAX_COLUMNS,
  ROLLUP_SUM_COLUMNS,
} from "../../domain/rollup.ts";
import { POSTGRES } from "../sql/dialect.ts";
import { rollupOnConflict, rollupRecordColumns } from "../sql/rollup-rows.ts";

/** A sale's (or a group of sales') rollup rows, rollupRowsJson's document as $1. */
export const QUEUE_SALE_ROLLUPS = "INSERT INTO report_rollup_pending (rows) VALUES ($1::json)";

/**
 * How long after a sale its rollups wait for company before a fold (reports fold at once): at 20 sales a second, a
 * fold every 200 ms carried 4 sales and cost about what their upserts had.
 */
export const FOLD_AFTER_MS = 1000;
/**
 * The store vacuums the queue at most this often (it churns; see migration 31). Without vacuum the table grows ~1 KB
 * per sale (its free space is found only by VACUUM), and every fold scans all of it.
 */
export const VACUUM_EVERY_MS = 5_000;

/**
 * Sales' rollups go to one of this many copies of their rows (`shard` 1 to 8, migration 28), picked at random for each
 * fold of the queued ones; shard 0 is the ping events' batches' (and returns' and rebuilds'), so
 * a fold never waits on a batch, and folds of several instances mostly lock different rows. Reports add the copies up.
 */
export const ROLLUP_SHARDS = 8;

/**
 * The fold: every queued row taken out (`DELETE … RETURNING`: a row another fold took first is skipped once that fold
 * commits, so each is counted once), summed by key, added to `report_rollup` under `shard` (1 to ROLLUP_SHARDS: sales'
 * copies, never the ping batches' 0). Keys go in order, so two folds into one shard lock rows in the same order.
 */
export function foldPendingRollupsSql(shard: number): string {
  const keys = ROLLUP_KEY_COLUMNS.join(", ");
  const summed = [
    ...ROLLUP_SUM_COLUMNS.map((column) => `COALESCE(sum(${column}), 0)::bigint`),
    ...ROLLUP_MAX_COLUMNS.map((column) => `COALESCE(max(${column}), 0)`),
  ].join(", ");
  return `WITH pending AS (DELETE FROM report_rollup_pending RETURNING rows)
    INSERT INTO report_rollup (${ROLLUP_COLUMNS.join(", ")}, shard)
    SELECT ${keys}, ${summed}, ${Math.trunc(shard)}::smallint
      FROM pending, json_to_recordset(pending.rows) AS row (${rollupRecordColumns()})
      GROUP BY ${keys} ORDER BY ${keys}
    ${rollupOnConflict(POSTGRES)}`;
}

/**
 * When to fold: `queued()` after each sale commits starts a timer (one at a time) that folds FOLD_AFTER_MS later, so
 * the sales of that while share one fold. `fold` runs the statement; a failed fold leaves the rows queued for the next
 * (a report's, or the next sale's). Now and then, after a fold, `vacuum` runs too.
 */
export class RollupFolder {
  readonly #fold: () => Promise<void>;
  readonly #vacuum: () => Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #lastVacuum = Date.now();
  #closed = false;

  constructor(fold: () => Promise<void>, vacuum: () => Promise<void>) {
    this.#fold = fold;
    this.#vacuum = vacuum;
  }

  /** A sale's rollups were queued: fold them (and whatever else is queued) soon. */
  queued(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.foldNow().catch(() => {});
    }, FOLD_AFTER_MS);
    this.#timer.unref();
  }

  /** Folds everything queued now (before a report); rejects when the fold fails. */
  async foldNow(): Promise<void> {
    await this.#fold();
    if (Date.now() - this.#lastVacuum >= VACUUM_EVERY_MS && !this.#closed) {
      this.#lastVacuum = Date.now();
      await this.#vacuum().catch(() => {});
    }
  }

  /** No more folds from this store (a report or another instance folds what is left). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
