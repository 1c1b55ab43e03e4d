// The report rollups of one group commit of the SQLite writer thread (sqlite-writer-thread.ts), upserted once before
// its COMMIT instead of by each write: a sale counts on the same rows as the ping batch and the other sales of its group
// (the same hours, source and campaigns), so the group upserts each row once, not once per write (issue 14, session 25).
import { RollupBatch } from "../../domain/rollup.ts";
import type { RollupSink } from "../sql/sql-writes.ts";

export class GroupRollups implements RollupSink {
  /** The counts of the group's writes that succeeded. */
  #group = new RollupBatch();
  /** The counts of the write running now: they join the group only if its savepoint is released. */
  #write: RollupBatch[] = [];

  add(batch: RollupBatch): void {
    this.#write.push(batch);
  }

  /** The running write succeeded: its counts are the group's. */
  keepWrite(): void {
    for (const batch of this.#write) this.#group.takeOver(batch);
    this.#write = [];
  }

  /** The running write was rolled back: so are its counts. */
  dropWrite(): void {
    this.#write = [];
  }

  /** The group's counts, to upsert before its COMMIT; the next group starts empty. */
  take(): RollupBatch {
    const group = this.#group;
    this.#group = new RollupBatch();
    this.#write = [];
    return group;
  }
}
