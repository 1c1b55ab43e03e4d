// Newest-first pages of the operator's lists (outbox, returns, post attempts), written once.
import { OPEN_POST_ATTEMPT_STATES, OPEN_STATE_SQL, type PostAttemptState } from "../post-attempts.ts";
import { type Dialect, type Statement, statement } from "./dialect.ts";

/** What each newest-first list is ordered by (then by id). */
const NEWEST_FIRST_BY = {
  outbox: "created_at",
  returns: "requested_at",
  post_attempts: "started_at",
} as const;

/**
 * One newest-first page of `table`: equality filters, and with `before` only the rows after that one in the order
 * (keyset paging; an unknown id gives an empty page).
 */
export function newestFirstPage(
  d: Dialect,
  table: keyof typeof NEWEST_FIRST_BY,
  query: {
    status?: string | undefined;
    state?: string | undefined;
    buyer_id?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Statement {
  const time = NEWEST_FIRST_BY[table];
  const values: (string | number)[] = [];
  const next = (value: string | number) => {
    values.push(value);
    return `$${values.length}`;
  };
  const conditions: string[] = [];
  if (query.status !== undefined) conditions.push(`status = ${next(query.status)}`);
  if (query.state !== undefined) {
    // Open states walk the partial index of open attempts, which the query must name (see OPEN_STATE_SQL).
    if (OPEN_POST_ATTEMPT_STATES.includes(query.state as PostAttemptState)) conditions.push(OPEN_STATE_SQL);
    conditions.push(`state = ${next(query.state)}`);
  }
  if (query.buyer_id !== undefined) conditions.push(`buyer_id = ${next(query.buyer_id)}`);
  if (query.before !== undefined) {
    conditions.push(`(${time}, id) < (SELECT ${time}, id FROM ${table} WHERE id = ${next(query.before)})`);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  return statement(
    d,
    `SELECT * FROM ${table} ${where} ORDER BY ${time} DESC, id DESC LIMIT ${next(query.limit)}`,
    values,
  );
}
