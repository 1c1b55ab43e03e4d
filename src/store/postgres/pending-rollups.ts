// Sales' report rollups, queued and folded (migration 31, bench/README.md "A sale's rollups queued", issue 14, session
// 26). A sale's statement appends its rollup rows to `report_rollup_pending` (one JSON document, no index) instead of
// upserting them into `report_rollup`, whose ON CONFLICT check, partition routing and arbiter lookups were about half
// of the server's CPU for the sale. A fold moves everything queued into `report_rollup` in one statement, its own
// transaction: the rows summed by key, one upsert per key however many sales added to it. Reports fold first, so a
// report counts every sale committed before it was asked, as before.
// Since migration 32 (session 27) the queue holds only the finest-grain rows (an auction's and a campaign's, by hour,
// source and sub-id), and the ping events' batches queue theirs too: the fold derives the coarser grains from the
// sums (bench/README.md, "Rollups queued at their finest grain").

import {
  DAY_MS,
  GRAIN,
  ROLLUP_COLUMNS,
  ROLLUP_KEY_COLUMNS,
  ROLLUP_MAX_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  type RollupBatch,
  type RollupRow,
} from "../../domain/rollup.ts";
import { POSTGRES, type Statement } from "../sql/dialect.ts";
import { rollupOnConflict, rollupRecordColumns } from "../sql/rollup-rows.ts";

/** A write's (a sale's, a group of sales', a ping batch's) finest-grain rollup rows, rollupRowsJson's document as $1. */
export const QUEUE_ROLLUPS = "INSERT INTO report_rollup_pending_fine (rows) VALUES ($1::json)";

/**
 * A batch's rows at the finest grains (RollupBatch's grain 0 and GRAIN.campaign: by hour, per source and sub-id), of
 * which every other row of the batch is a sum: what the queue holds (the fold derives the rest, foldPendingRollupsSql).
 */
export function finestRollupRows(batch: RollupBatch): RollupRow[] {
  return batch.rows().filter((row) => (row.grain & ~GRAIN.campaign) === 0);
}

/**
 * The grains a finest-grain row is added to, as GRAIN flags added to its own (RollupBatch's #grainRows): itself; over
 * sub-ids; over sources; over sources by day; and, for an auction row only, by day per source and sub-id.
 */
const COARSER_GRAINS = [0, GRAIN.allSubIds, GRAIN.allSources, GRAIN.allSources | GRAIN.daily, GRAIN.daily];

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
 * commits, so each is counted once), added to `report_rollup` under `shard` (1 to ROLLUP_SHARDS: sales' copies, never
 * the ping batches' 0). The finest-grain rows (migration 32) are summed by key, then each sum is spread over its grains
 * (COARSER_GRAINS: the period cut to the UTC day, the source or sub-id left out); rows of migration 31's queue (an
 * instance of the version before) are every grain's already. All summed by key again; keys go in order, so two folds
 * into one shard lock rows in the same order. The shard is $1; a prepared statement (FOLD_PENDING_ROLLUPS): parsing
 * and planning its text cost the server ~2 ms, ten times what a fold of an empty queue does.
 */
function foldPendingRollupsSql(): string {
  const keys = ROLLUP_KEY_COLUMNS.join(", ");
  const measures = [...ROLLUP_SUM_COLUMNS, ...ROLLUP_MAX_COLUMNS];
  const summed = [
    ...ROLLUP_SUM_COLUMNS.map((column) => `COALESCE(sum(${column}), 0)::bigint AS ${column}`),
    ...ROLLUP_MAX_COLUMNS.map((column) => `COALESCE(max(${column}), 0) AS ${column}`),
  ].join(", ");
  const record = rollupRecordColumns();
  const grains = COARSER_GRAINS.map((add) => `(${add})`).join(", ");
  const kept = (flags: number, column: string) =>
    `CASE WHEN g.add & ${flags} = 0 THEN fine.${column} ELSE '' END AS ${column}`;
  return `WITH queued AS (DELETE FROM report_rollup_pending RETURNING rows),
    queued_fine AS (DELETE FROM report_rollup_pending_fine RETURNING rows),
    fine AS (
      SELECT ${keys}, ${summed}
        FROM queued_fine, json_to_recordset(queued_fine.rows) AS row (${record})
        GROUP BY ${keys}),
    every_grain AS (
      SELECT (fine.grain | g.add)::smallint AS grain,
             CASE WHEN g.add & ${GRAIN.daily} = 0 THEN fine.hour ELSE fine.hour / ${DAY_MS} * ${DAY_MS} END AS hour,
             fine.test, ${kept(GRAIN.allSources, "source_id")},
             ${kept(GRAIN.allSources | GRAIN.allSubIds, "sub_id")},
             fine.vertical, fine.campaign_id, fine.buyer_id, ${measures.map((column) => `fine.${column}`).join(", ")}
        FROM fine CROSS JOIN (VALUES ${grains}) AS g (add)
        WHERE g.add <> ${GRAIN.daily} OR fine.grain = 0
      UNION ALL
      SELECT ${ROLLUP_COLUMNS.join(", ")} FROM queued, json_to_recordset(queued.rows) AS row (${record}))
    INSERT INTO report_rollup (${ROLLUP_COLUMNS.join(", ")}, shard)
    SELECT ${keys}, ${summed}, $1::smallint
      FROM every_grain
      GROUP BY ${keys} ORDER BY ${keys}
    ${rollupOnConflict(POSTGRES)}`;
}

/** The fold as a prepared statement into `shard` (1 to ROLLUP_SHARDS). */
export function foldPendingRollups(shard: number): Statement {
  return { text: FOLD_TEXT, values: [shard], name: "gavel_fold_pending_rollups" };
}

const FOLD_TEXT = foldPendingRollupsSql();

/**
 * The queue's vacuum (see VACUUM_EVERY_MS). Migration 31's is left to the instances of the version before that write
 * to it (they vacuum it); without them it stays as empty as the last fold left it (a VACUUM of it cost ~10 ms more).
 */
export const VACUUM_QUEUES = "VACUUM report_rollup_pending_fine";

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
