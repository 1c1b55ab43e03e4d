// Group commit for the durable writes of posts (a post attempt's beginning, the sale): those that arrive while earlier
// ones are committing wait and then share one transaction, one COMMIT and one WAL flush, instead of one each. Each is
// answered only once its group's COMMIT has returned, so a crash loses none that was acknowledged. A write that the
// server refuses (a duplicate lead) rolls back to its own savepoint and fails alone; a lost connection or a failed
// COMMIT fails the whole group, as it would have failed each write on its own.
//
// A lone write (a quiet exchange) is one transaction, as before: no waiting for company. At most `maxGroups` groups
// commit at once, each on its own pooled connection, so reads and other writes keep connections of their own.
import type { SqlTx } from "../sql/dialect.ts";
import type { SqlWrites, WriteArgs, WriteOp, WriteResult } from "../sql/sql-writes.ts";
import { type PostgresPool, transactionOf, unavailable } from "./postgres-connection.ts";

/** Writes committed in groups: each is short, and a caller (the seller, or a buyer about to be posted to) waits on it. */
export const GROUP_COMMITTED: ReadonlySet<WriteOp> = new Set<WriteOp>([
  "beginPostAttempt",
  "saveLead",
  "resolvePostAttempt",
  "markPostAttemptUncertain",
]);

/** The most writes in one group: bounds how long the first of them waits for the last. */
const MAX_GROUP = 64;

interface Pending {
  op: WriteOp;
  args: readonly unknown[];
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

export class PostgresGroupCommit {
  readonly #pool: PostgresPool;
  readonly #writes: SqlWrites;
  readonly #maxGroups: number;
  #waiting: Pending[] = [];
  #committing = 0;

  constructor(pool: PostgresPool, writes: SqlWrites, maxGroups: number) {
    this.#pool = pool;
    this.#writes = writes;
    this.#maxGroups = Math.max(1, maxGroups);
  }

  write<K extends WriteOp>(op: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ op, args, resolve: resolve as (result: unknown) => void, reject });
      this.#start();
    });
  }

  #start(): void {
    while (this.#committing < this.#maxGroups && this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, MAX_GROUP);
      this.#committing++;
      void this.#commit(group).finally(() => {
        this.#committing--;
        this.#start();
      });
    }
  }

  async #commit(group: readonly Pending[]): Promise<void> {
    let outcomes: ({ ok: true; result: unknown } | { ok: false; error: unknown })[];
    try {
      outcomes = await this.#pool.transaction(async (client) => {
        const tx = transactionOf(client);
        if (group.length === 1) return [{ ok: true as const, result: await this.#run(tx, group[0]!) }];
        const done: typeof outcomes = [];
        for (const pending of group) {
          await client.query("SAVEPOINT gavel_group_write");
          try {
            done.push({ ok: true, result: await this.#run(tx, pending) });
            await client.query("RELEASE SAVEPOINT gavel_group_write");
          } catch (error) {
            // Only a statement the server refused is this write's alone; anything else ends the group.
            if (unavailable(this.#pool.address, error) !== error) throw error;
            await client.query("ROLLBACK TO SAVEPOINT gavel_group_write");
            done.push({ ok: false, error });
          }
        }
        return done;
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    for (const [i, pending] of group.entries()) {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    }
  }

  #run(tx: SqlTx, { op, args }: Pending): Promise<unknown> {
    const write = this.#writes[op] as (tx: SqlTx, ...args: unknown[]) => Promise<unknown>;
    return write.call(this.#writes, tx, ...args);
  }
}
