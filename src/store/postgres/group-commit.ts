// Group commit for the durable writes of posts in flight (issue 14, session 25). A post attempt (DESIGN rule 11) and a
// sale (rule 9) are each a transaction of their own, durable when it returns: on PostgreSQL one statement each, whose
// cost to the server is mostly per statement (its commit's WAL flush, parse-bind-execute, the executor's start) and to
// the exchange per round trip. Posts at the same moment need not pay that each: while a few writes are in flight, the
// ones that arrive wait for the next statement and share it, so under load N writes cost one commit and one round trip
// (bench/README.md, "Posts at the same moment share one commit"). A lone write is sent at once, as before.

import pg from "pg";

/** Statements of grouped writes in flight at once: more writes than this wait for one to end, then go together. */
export const GROUPS_IN_FLIGHT = 2;
/** The most writes one statement carries (each distinct count of leads in a group is a prepared statement's shape). */
export const MAX_GROUP = 8;

/** SQLSTATE of a statement cancelled (statement_timeout). */
const QUERY_CANCELED = "57014";

interface Waiting<W, R> {
  write: W;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<W, R> {
  readonly #send: (writes: readonly W[]) => Promise<R>;
  #waiting: Waiting<W, R>[] = [];
  #inFlight = 0;

  /** `send` writes a group in one transaction, all or nothing; what it resolves to, every write of the group gets. */
  constructor(send: (writes: readonly W[]) => Promise<R>) {
    this.#send = send;
  }

  /** Resolves when the write is durable (with its group's result), or rejects as `send` did. */
  write(write: W): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ write, resolve, reject });
      this.#next();
    });
  }

  #next(): void {
    while (this.#inFlight < GROUPS_IN_FLIGHT && this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, MAX_GROUP);
      this.#inFlight++;
      void this.#sendGroup(group).finally(() => {
        this.#inFlight--;
        this.#next();
      });
    }
  }

  async #sendGroup(group: readonly Waiting<W, R>[]): Promise<void> {
    try {
      const result = await this.#send(group.map((waiting) => waiting.write));
      for (const waiting of group) waiting.resolve(result);
    } catch (error) {
      // The server refused the statement (a lead stored before...): nothing of it was written. Each write is sent on
      // its own, so one refusal is that write's alone. Any other failure (the connection, a timeout, which sending
      // again would only make longer) is every write's.
      if (group.length > 1 && error instanceof pg.DatabaseError && error.code !== QUERY_CANCELED) {
        await Promise.all(group.map((waiting) => this.#sendGroup([waiting])));
        return;
      }
      for (const waiting of group) waiting.reject(error);
    }
  }
}
